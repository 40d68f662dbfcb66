"""Captions from a VLM behind any OpenAI-compatible chat endpoint (vLLM, SGLang, llama.cpp)."""
from __future__ import annotations

import os

import httpx

from vidrag.config import Config
from vidrag.indexers.caption import jpeg_data_url

PROMPT = ("These are keyframes of one video scene, in time order, as a grid. Describe in two "
          "sentences what is shown and happening: people, objects, actions, setting, visible text.")


class VlmCaptioner:
    def __init__(self, cfg: Config):
        opts = cfg.caption.options
        self.url = opts.get("url", "").rstrip("/")
        if not self.url:
            raise ValueError("caption backend openai needs [caption.options] url = \"http://host:port/v1\"")
        key = os.environ.get(opts.get("api_key_env", "VIDRAG_CAPTION_KEY"), "")
        self.http = httpx.Client(timeout=float(opts.get("timeout", 60)),
                                 headers={"Authorization": f"Bearer {key}"} if key else {})
        self.model = cfg.caption.model

    def describe(self, grid_jpeg: bytes) -> str:
        body = {"model": self.model, "temperature": 0, "max_tokens": 120, "messages": [{"role": "user", "content": [
            {"type": "text", "text": PROMPT},
            {"type": "image_url", "image_url": {"url": jpeg_data_url(grid_jpeg)}}]}]}
        resp = self.http.post(f"{self.url}/chat/completions", json=body)
        resp.raise_for_status()
        return resp.json()["choices"][0]["message"]["content"].strip()
