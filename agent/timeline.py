"""Counting, ordering and "when" answered from the evidence's times, not by the language model.

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

# Words around the name of a thing in "the last GATE 7 sign": which appearance, and what kind of thing.
QUALIFIERS = re.compile(r"^(?:the|a|an)\s+|\b(?:first|last|final)\s+|\s+(?:sign|signs|text|word|photo|picture)$", re.I)


def alternatives(question: str) -> list[str]:
    """The two things an "A or B" question weighs, or []."""
    m = ALTERNATIVES.search(question.strip())
    return [m.group(1).strip(), m.group(2).strip()] if m else []


def hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def count_reply(hits: list) -> dict[str, Any]:
    """Each hit is one appearance: the count, and every moment cited."""
    times = ", ".join(hms(h.cite_start) for h in hits)
    n = len(hits)
    return {"found": True, "answer": f"{n} {'time' if n == 1 else 'times'} (at {times})",
            "citations": [f"E{i}" for i in range(1, n + 1)], "confidence": 0.8}


def when_reply(hits: list) -> dict[str, Any]:
    """Each hit shows the thing asked about: every moment, in time order, each cited."""
    times = [hms(h.cite_start) for h in hits]
    listed = times[0] if len(times) == 1 else ", ".join(times[:-1]) + " and " + times[-1]
    return {"found": True, "answer": f"At {listed}", "citations": [f"E{i}" for i in range(1, len(hits) + 1)],
            "confidence": 0.8}


def order_reply(question: str, hits: list) -> dict[str, Any] | None:
    """"Which ... first/earlier/later: A or B?" -> the one whose appearance comes first (last, for
    "later"); "the last GATE 7 sign" means its last appearance. None when the question is not of
    that form or either is not found."""
    m = ALTERNATIVES.search(question.strip())
    if not m:
        return None
    names = [m.group(1).strip(), m.group(2).strip()]
    seen = []
    for name in names:
        core = QUALIFIERS.sub("", name).strip()
        at = sorted((i for i, h in enumerate(hits) if mentions(h.snippet, core)), key=lambda i: hits[i].cite_start)
        if not at:
            return None
        seen.append(at[-1] if re.search(r"\b(last|final)\b", name, re.I) else at[0])
    later = bool(re.search(r"\b(later|last)\b", question[:m.start(1)], re.I))   # in the stem, not a name
    pick = max(range(2), key=lambda k: hits[seen[k]].cite_start) if later else \
        min(range(2), key=lambda k: hits[seen[k]].cite_start)
    h = hits[seen[pick]]
    return {"found": True, "answer": f"{names[pick]} (at {hms(h.cite_start)})",
            "citations": [f"E{seen[pick] + 1}", f"E{seen[1 - pick] + 1}"], "confidence": 0.8}
