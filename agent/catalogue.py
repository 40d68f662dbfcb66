"""Questions about the videos themselves, answered from the library's list of them: "what's the
longest video", "which one is the briefest", "which video only lasts about ten seconds", "how
many clips do I have", "how long is the trailer". Not when something in them is asked ("the
longest clip of the dog running").
"""
from __future__ import annotations

import re

from vidrag.agent.evidence import Item
from vidrag.agent.text import content_words
from vidrag.agent.video_time import DURATION, VIDEO_ITSELF, VIDEO_NOUN, seconds
from vidrag.timecode import hms

SUPERLATIVE = re.compile(r"\b(?:longest|shortest|briefest|longer|shorter|briefer|(?:short|long) one)\b")
LENGTH = re.compile(rf"\bhow (?:long|many {VIDEO_NOUN})\b|\b(?:duration|runtime|running time|length)\b")
# "which video only lasts about ten seconds", "which one runs for nearly ten minutes", "which clip is
# about 8 minutes long", "the really short one, like 10 seconds": the video whose length is nearest the one said (not a limit: "under a minute")
LASTS = re.compile(rf"\b(?:lasts?|runs?(?: for)?|(?:is|was) (?=[^?.!,;]*\blong\b)|(?:short|long) one,?(?: like)?)\s*(?:only\s+)?(?:(?:about|around|nearly|"
                   rf"almost|roughly|approximately|just)\s+)*{DURATION}")
ABOUT_LIBRARY = set("long last lasts run runs duration runtime running time length library collection total indexed "
                    "video videos clip clips file files recording recordings footage movie film one longest shortest "
                    "briefest longer shorter briefer".split())


def catalogue_of(q: str, timed: str, terms: list[str], named: bool) -> tuple[str, float | None]:
    """(longest|shortest|nearest|how_many|length or '', the length said for nearest) of a question
    (`q` normalised, `timed` with its durations as numbers and its video names out, `terms` its
    content words, `named` whether it names a video)."""
    # a video said: "which one lasts the longest" of my videos, not "which one is longer"
    video_said = re.search(rf"\b{VIDEO_ITSELF}\b", q)
    lasts = None if named or not video_said else LASTS.search(timed)
    if not set(content_words(LASTS.sub(" ", timed)) if lasts else terms) <= ABOUT_LIBRARY:
        return "", None
    if lasts:
        return "nearest", seconds(lasts.group(1), lasts.group(2))
    m = video_said and SUPERLATIVE.search(q)
    if m:
        return ("longest" if "long" in m.group(0) else "shortest"), None
    n = LENGTH.search(q)
    return ("how_many" if n.group(0).startswith("how many") else "length") if n else "", None


def catalogue_answer(kind: str, videos: list, length: float | None = None) -> tuple[str, list]:
    """Questions about the videos themselves, from the library's list: the longest or shortest
    one, the one nearest a length, how many there are, how long each is. Returns the answer and
    the videos it cites, whole."""
    if kind in ("longest", "shortest", "nearest"):
        pick = {"longest": max, "shortest": min}.get(kind)
        videos = [pick(videos, key=lambda v: v.duration) if pick else min(videos, key=lambda v: abs(v.duration - length))]
        text = f"{videos[0].name} ({hms(videos[0].duration)} long)"
    elif kind == "how_many":
        text = f"{len(videos)} {'video' if len(videos) == 1 else 'videos'}: " + ", ".join(v.name for v in videos)
    else:
        text = "; ".join(f"{v.name} is {hms(v.duration)} long" for v in videos)
    return text, [Item(v.name, v.id, v.path, 0.0, v.duration, 0.0, v.duration, [("video", f"{v.name}, {hms(v.duration)}")])
                  for v in videos[:12]]
