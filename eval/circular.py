"""Multiple-choice asking, scored circularly as VNBench does: the options are rotated so each
one takes every position, and the question counts only if every rotation picks the right one."""
from __future__ import annotations

import time
from typing import Any

from vidrag.library import Library


def ask_choice(lib: Library, question: str, options: list[str], answer: int, video: str | None = None,
               circular: bool = True) -> dict[str, Any]:
    """{"correct", "picks" (option index per rotation, None = no pick), "seconds" per ask, "answer"}."""
    n = len(options)
    picks, seconds, first = [], [], None
    for shift in range(n if circular else 1):
        rotated = options[shift:] + options[:shift]
        t0 = time.perf_counter()
        a = lib.ask(question, video=video, options=rotated)
        seconds.append(round(time.perf_counter() - t0, 2))
        picks.append(None if a.choice is None else (a.choice + shift) % n)
        first = first or a
        if picks[-1] != answer:
            break   # one wrong rotation already decides it; the rest would only cost time
    return {"correct": len(picks) == (n if circular else 1) and all(p == answer for p in picks),
            "picks": picks, "seconds": seconds, "answer": first.answer,
            "citations": [c.label() for c in first.citations], "cited": [[c.start, c.end] for c in first.citations]}
