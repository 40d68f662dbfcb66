"""Multiple choice: which option an answer picks, and time-window options picked by citations."""
from __future__ import annotations

import re

from vidrag.timecode import parse_timecode

WINDOW = re.compile(r"^\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*[–-]\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*$")


def mentions(text: str, phrase: str) -> bool:
    """Whether a text holds a phrase as whole words, ignoring case ("car" is not in "carpet")."""
    phrase = phrase.strip().lower()
    return bool(phrase) and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text.lower()) is not None


def window_choice(options: list[str], cited: list[tuple[float, float]], slack: float = 1.5) -> int | None:
    """When every option is a time window ("00:04:53–00:04:58"), the one that overlaps the best
    ranked cited moment (cited: best first) that overlaps any: the citations already say when, and
    a small model reads clocks badly. Windows written in whole seconds get `slack` either side."""
    spans = [WINDOW.match(o) for o in options]
    if not cited or not all(spans):
        return None
    for a, b in cited:
        overlap = [max(0.0, min(b, parse_timecode(m.group(2)) + slack) - max(a, parse_timecode(m.group(1)) - slack))
                   for m in spans]
        best = max(range(len(options)), key=lambda i: overlap[i])
        if overlap[best] > 0:
            return best
    return None


def choice_of(answer: str, options: list[str]) -> int | None:
    """The option an answer picks: the one option it is or contains (the longest, when one option
    holds another), else a bare letter ("B", "(B)")."""
    low = answer.lower().strip().strip(".")
    opts = [o.strip().lower() for o in options]
    inside = [i for i, o in enumerate(opts) if mentions(low, o)]
    inside = [i for i in inside if not any(j != i and opts[i] in opts[j] for j in inside)]  # "red car" over "car"
    for found in ([i for i, o in enumerate(opts) if o == low], inside):
        if len(found) == 1:
            return found[0]
    m = re.fullmatch(r"\s*\(?([A-Z])[).:]?\s*", answer)
    return ord(m.group(1)) - 65 if m and ord(m.group(1)) - 65 < len(options) else None
