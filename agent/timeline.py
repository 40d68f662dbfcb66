"""Counting and ordering answered from the evidence's times, not by the language model.

By the time these run, retrieval has listed every matching moment in time order (adjacent scenes
merged, scenes sharing only a common word with the question dropped). What is left is arithmetic
on timestamps, which a 1.5B model gets wrong often enough ("COMET or QUARTZ?" answered with
whichever was named first) and a few lines of code never do.
"""
from __future__ import annotations

import re
from typing import Any

from vidrag.agent.search import mentions

ALTERNATIVES = re.compile(r"(?:^|[:,]|\bfirst\b|\bearlier\b|\blater\b)\s*([^:,?]+?)\s+or\s+([^:,?]+?)\s*\??\s*$", re.I)


def hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def count_reply(hits: list) -> dict[str, Any]:
    """Each hit is one appearance: the count, and every moment cited."""
    times = ", ".join(hms(h.cite_start) for h in hits)
    n = len(hits)
    return {"found": True, "answer": f"{n} {'time' if n == 1 else 'times'} (at {times})",
            "citations": [f"E{i}" for i in range(1, n + 1)], "confidence": 0.8}


def order_reply(question: str, hits: list) -> dict[str, Any] | None:
    """"Which ... first/earlier/later: A or B?" -> the one whose first appearance comes first
    (last, for "later"). None when the question is not of that form or either is not found."""
    m = ALTERNATIVES.search(question.strip())
    if not m:
        return None
    names = [m.group(1).strip(), m.group(2).strip()]
    first_seen = []
    for name in names:
        at = [i for i, h in enumerate(hits) if mentions(h.snippet, name)]
        if not at:
            return None
        first_seen.append(min(at, key=lambda i: hits[i].cite_start))
    later = bool(re.search(r"\b(later|last)\b", question[:m.start(1)], re.I))   # in the stem, not a name
    pick = max(range(2), key=lambda k: hits[first_seen[k]].cite_start) if later else \
        min(range(2), key=lambda k: hits[first_seen[k]].cite_start)
    h = hits[first_seen[pick]]
    return {"found": True, "answer": f"{names[pick]} (at {hms(h.cite_start)})",
            "citations": [f"E{first_seen[pick] + 1}", f"E{first_seen[1 - pick] + 1}"], "confidence": 0.8}
