"""A small client for OpenAI-compatible chat endpoints (vLLM, SGLang, llama.cpp, xllamacpp),
shared by the VLM captioner and the answer model: timeouts, retries with backoff, clear errors."""
from __future__ import annotations

import os
import time
from typing import Any

import httpx

from vidrag.config import StageConfig


class EndpointError(RuntimeError):
    """The endpoint could not be reached or did not answer like an OpenAI chat completion."""


class ChatEndpoint:
    def __init__(self, stage: StageConfig, role: str, default_key_env: str):
        opts = stage.options
        self.url = str(opts.get("url", "")).rstrip("/")
        if not self.url:
            raise EndpointError(f"{role} backend openai needs a URL ([{role}.options] url = \"http://host:port/v1\")")
        key = os.environ.get(opts.get("api_key_env", default_key_env), "")
        self.http = httpx.Client(timeout=float(opts.get("timeout", 60)),
                                 headers={"Authorization": f"Bearer {key}"} if key else {})
        self.model = stage.model or "default"
        self.retries = int(opts.get("retries", 2))

    def complete(self, messages: list[dict], max_tokens: int, **extra: Any) -> str:
        body = {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": 0, **extra}
        last = ""
        for attempt in range(self.retries + 1):
            try:
                resp = self.http.post(f"{self.url}/chat/completions", json=body)
                if resp.status_code < 500 and resp.status_code != 429:
                    resp.raise_for_status()
                    return resp.json()["choices"][0]["message"]["content"] or ""
                last = f"HTTP {resp.status_code}"
            except httpx.TimeoutException:
                last = "timed out"
            except httpx.HTTPStatusError as exc:
                raise EndpointError(f"{self.url}: HTTP {exc.response.status_code}") from None
            except httpx.HTTPError as exc:
                last = type(exc).__name__ + (f": {exc}" if str(exc) else "")
            except (KeyError, IndexError, TypeError, ValueError):
                raise EndpointError(f"{self.url}: reply is not an OpenAI chat completion") from None
            if attempt < self.retries:
                time.sleep(0.5 * 2 ** attempt)   # backoff before the next try
        raise EndpointError(f"{self.url}: {last} after {self.retries + 1} tries")
