"""Video times as people write them: the one formatter and the one parser of the project."""
from __future__ import annotations

import re

CLOCK = re.compile(r"^\s*(\d{1,2}(?::\d{1,2}){1,2})(?:\.\d+)?\s*$")


def hms(seconds: float, short: bool = False) -> str:
    """00:14:40, as citations write a moment; short: 14:40 (1:14:40 past an hour), as the answer
    model reads it (every digit is a prompt token)."""
    s = int(max(0.0, seconds))
    if short:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def parse_timecode(text: str) -> float:
    """Seconds from 'SS', 'SS.s', 'MM:SS' or 'HH:MM:SS'; ValueError otherwise."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not CLOCK.match(text):
        raise ValueError(f"not a time: {text!r} (use seconds, MM:SS or HH:MM:SS)")
    whole, _, frac = text.partition(".")
    seconds = sum(int(p) * 60 ** i for i, p in enumerate(reversed(whole.split(":"))))
    return seconds + (float("0." + frac) if frac else 0.0)
