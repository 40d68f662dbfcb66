"""Answer models: xllamacpp in-process (default, packaged GGUF) or any OpenAI-compatible endpoint.

Both take OpenAI-style chat requests. JSON-schema constrained output is asked for; replies are
still parsed tolerantly because not every server honours the schema.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any

from vidrag.config import Config
from vidrag.models import cached_model, resolve
from vidrag.openai_client import ChatEndpoint, EndpointError


class LLMError(RuntimeError):
    """The answer model could not be reached or gave nothing usable; the message says which."""


class LocalLLM:
    def __init__(self, cfg: Config):
        r = resolve("llm", cfg)
        opts = cfg.llm.options

        def load():
            import xllamacpp as xlc
            p = xlc.CommonParams()
            p.model.path = r.path
            p.n_ctx = int(opts.get("n_ctx", 4096))
            p.n_parallel = 1
            threads = int(opts.get("threads", os.cpu_count() or 2))
            p.cpuparams.n_threads = threads
            p.cpuparams_batch.n_threads = threads
            p.verbosity = int(opts.get("verbosity", -1))
            return xlc.Server(p)
        self.server = cached_model(("llm", "xllamacpp", r.path), load)
        self.name = cfg.llm.model

    @property
    def url(self) -> str:
        """The model's own OpenAI-compatible HTTP endpoint on 127.0.0.1."""
        return self.server.listening_address.rstrip("/") + "/v1"

    def chat(self, messages: list[dict], schema: dict | None = None, max_tokens: int = 300,
             prefill: str = "", stop: list[str] | None = None) -> str:
        """The reply's text. With `prefill`, the reply is begun for the model and continued until a
        `stop` string: on 2 cores a generated token costs ~100 ms and a prompt token ~15 ms, so
        '{"answer": "' written for it and the citations after its answer left out save ~1.2 s of
        a ~20-token reply. The schema is then not asked for: its JSON grammar starts at the
        reply's first character, which the prefill has written."""
        req: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens, "temperature": 0}
        if stop:
            req["stop"] = stop
        if prefill:
            req["messages"] = messages + [{"role": "assistant", "content": prefill}]
        elif schema:
            req["response_format"] = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
        out = self.server.handle_chat_completions(req)
        if not isinstance(out, dict) or "choices" not in out:
            raise LLMError(f"local model error: {str(out)[:200]}")
        text = out["choices"][0]["message"]["content"] or ""
        return text if text.startswith(prefill) else prefill + text   # with or without it, as builds differ


class OpenAIChat:
    def __init__(self, cfg: Config):
        try:
            self.endpoint = ChatEndpoint(cfg.llm, "llm", "VIDRAG_LLM_KEY")
        except EndpointError as exc:
            raise LLMError(str(exc)) from None
        self.url = self.endpoint.url

    def chat(self, messages: list[dict], schema: dict | None = None, max_tokens: int = 300,
             prefill: str = "", stop: list[str] | None = None) -> str:
        # a prefill is the local model's speed-up: servers differ in continuing a reply (vLLM needs
        # its own flags, OpenAI none), so a remote model writes its whole reply to the schema, with
        # room for the keys and citations the local one leaves out
        if prefill:
            max_tokens += 40
        extra = {"response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}} if schema else {}
        try:
            return self.endpoint.complete(messages, max_tokens, **extra)
        except EndpointError as exc:
            raise LLMError(str(exc)) from None


def load_llm(cfg: Config):
    if cfg.llm.backend == "openai":
        return OpenAIChat(cfg)
    if cfg.llm.backend == "xllamacpp":
        return LocalLLM(cfg)
    raise LLMError(f"unknown llm backend '{cfg.llm.backend}' (xllamacpp or openai)")


def parse_json(text: str) -> dict:
    """The first JSON object in a reply, tolerating code fences and chatter around it."""
    text = re.sub(r"```(?:json)?", "", text)
    start = text.find("{")
    while start != -1:
        depth = 0
        for i in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                try:
                    value = json.loads(text[start:i + 1])
                    if isinstance(value, dict):
                        return value
                except ValueError:
                    pass
                break
        start = text.find("{", start + 1)
    raise LLMError(f"the model's reply is not JSON: {text[:120]!r}")


class LazyLLM:
    """The answer model, loaded on its first call: a question answered from the index alone
    (a count, an order, a stored summary) never pays for loading it."""

    def __init__(self, cfg: Config):
        self.cfg, self.name, self._llm = cfg, cfg.llm.model, None

    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def __getattr__(self, attr: str):
        if attr.startswith("_"):
            raise AttributeError(attr)
        if self._llm is None:
            self._llm = load_llm(self.cfg)
        return getattr(self._llm, attr)
