"""Captions from a VLM behind any OpenAI-compatible chat endpoint (vLLM, SGLang, llama.cpp)."""
from __future__ import annotations

from vidrag.config import Config
from vidrag.openai_client import ChatEndpoint
from vidrag.prompts import load
from vidrag.images import jpeg_data_url


class VlmCaptioner:
    def __init__(self, cfg: Config):
        self.endpoint = ChatEndpoint(cfg.caption, "caption", "VIDRAG_CAPTION_KEY")
        self.prompt = load("caption_vlm").strip()

    def describe(self, grid_jpeg: bytes) -> str:
        messages = [{"role": "user", "content": [
            {"type": "text", "text": self.prompt},
            {"type": "image_url", "image_url": {"url": jpeg_data_url(grid_jpeg)}}]}]
        return self.endpoint.complete(messages, max_tokens=120).strip()
