"""Hear the agent's steps as they happen, without changing the agent.

The agent's LangGraph nodes each append one entry to the state's `trace` (step name, seconds,
what it found). LangChain passes a config held in a context variable down to every runnable a
graph invokes, so callbacks placed there see each node start and end; the new trace entries in a
node's output are the steps. Only the calling thread's context is touched.
"""
from __future__ import annotations

from typing import Any, Callable

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables.config import var_child_runnable_config


class _StepListener(BaseCallbackHandler):
    def __init__(self, on_event: Callable[[str, dict[str, Any]], None]):
        self.on_event, self.sent = on_event, 0

    def on_chain_start(self, serialized: Any, inputs: Any, *, metadata: dict | None = None, **kw: Any) -> None:
        node = (metadata or {}).get("langgraph_node")
        if node and kw.get("name") == node:   # the node itself, not the writers LangGraph wraps around it
            self.on_event("start", {"step": node})

    def on_chain_end(self, outputs: Any, **kw: Any) -> None:
        trace = outputs.get("trace") if isinstance(outputs, dict) else None
        # Every node returns the whole trace so far; the graph's own output repeats the last one.
        if isinstance(trace, list) and len(trace) > self.sent:
            for step in trace[self.sent:]:
                self.on_event("step", dict(step))
            self.sent = len(trace)


def with_steps(run: Callable[[], Any], on_event: Callable[[str, dict[str, Any]], None]) -> Any:
    """`run()` with `on_event("start" | "step", data)` called for each agent node as it starts and ends."""
    token = var_child_runnable_config.set({"callbacks": [_StepListener(on_event)]})
    try:
        return run()
    finally:
        var_child_runnable_config.reset(token)
