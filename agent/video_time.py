"""Video time in a question's words: "around the 2 minute mark", "between 0:25 and 0:40", "in the
last minute", "half a minute into the meeting", "a minute forty in". Never "500 m" (a distance),
"20 minutes into the report", nor the 14:35 on a departure board (a time someone reads off it).
"""
from __future__ import annotations

import re

from vidrag.timecode import parse_timecode

VIDEO_NOUN = r"(?:video|videos|vid|vids|clip|clips|recording|recordings|file|footage|movie|film|cartoon|one)"
VIDEO_ITSELF = VIDEO_NOUN.replace("|one)", ")")   # "which one is longer, the red rope or ...": not a video
UNIT = {"second": 1, "seconds": 1, "sec": 1, "secs": 1, "s": 1, "minute": 60, "minutes": 60, "min": 60, "mins": 60,
        "hour": 3600, "hours": 3600}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty five": 45, "fifty": 50,
                "half a": 0.5, "half an": 0.5, "half": 0.5, "a": 1, "an": 1}
AMOUNT = (r"(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty(?: five)?|fifty|"
          r"half(?: an?)?|an?)")
DURATION = rf"{AMOUNT}\s*(seconds?|secs?|minutes?|mins?|hours?)\b"      # never a bare "m": 500 m is a distance
CLOCK = r"(\d{1,2}:\d{2}(?::\d{2})?)"
# "2 minutes in?", "thirty seconds into the video", "two minutes into, ..." (its name taken out): a
# moment of the video; not "20 minutes in the oven", "5 minutes in advance", "20 minutes into the report"
INTO_VIDEO = rf"(?:\s+in(?=\s*(?:$|[,?.!;]))|\s+into(?=\s*(?:$|[,?.!;]))|\s+into\s+(?:the\s+|this\s+)?{VIDEO_NOUN})"
# "from about 1:00 to 1:20", "between roughly 2 and 3 minutes": a window said loosely is still a window
HEDGE = r"(?:(?:about|around|roughly|approximately|approx\.?|circa|~)\s*)?"


def amount(text: str) -> float:
    text = text.strip()
    return float(text) if re.fullmatch(r"[\d.]+", text) else float(NUMBER_WORDS.get(text, 1))


def seconds(value: str, unit: str = "") -> float:
    return parse_timecode(value) if ":" in value else amount(value) * UNIT.get(unit.rstrip("."), 60)


SECONDS_SAID = r"([0-5]?\d|five|ten|fifteen|twenty|thirty|forty(?: five)?|fifty)"
# Durations said in two parts or in words, written as one number of seconds or minutes, so the
# window readers below see one moment ("a minute forty" is 100 s, not "a minute" and a stray "forty")
SAID_DURATIONS = [
    # "a minute forty", "2 minutes 30 seconds", "one minute and twenty seconds"
    (re.compile(rf"\b{AMOUNT}\s+(?:minutes?|mins?)\s+(?:and\s+)?{SECONDS_SAID}(?:\s*(?:seconds?|secs?|s)\b|"
                r"(?=\s+(?:into|in|mark)\b|\s*(?:[,?.!;]|$)))"),
     lambda m: f"{int(amount(m.group(1)) * 60 + amount(m.group(2)))} seconds"),
    # "3 and a half minutes", "a minute and a half"
    (re.compile(rf"\b{AMOUNT}\s+(?:and\s+a\s+half\s+(?:minutes?|mins?)|(?:minutes?|mins?)\s+and\s+a\s+half)\b"),
     lambda m: f"{int(amount(m.group(1)) * 60 + 30)} seconds"),
    (re.compile(rf"\b{AMOUNT}\s+hours?\s+and\s+a\s+half\b"), lambda m: f"{int(amount(m.group(1)) * 60 + 30)} minutes"),
    (re.compile(r"\b(?:a|one) quarter (?:of an )?hour\b"), lambda m: "15 minutes"),
    # "between minute 4 and minute 5", "from minutes 2 to 3"
    (re.compile(r"\bminutes?\s+(\d+)\s+(and|to|until|till|-)\s+(?:minute\s+)?(\d+)\b(?!\s*(?:minutes?|mins?|seconds?|secs?)\b)"),
     lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)} minutes"),
    (re.compile(r"\bthree quarters of an hour\b"), lambda m: "45 minutes"),
]


def clock_said(q: str) -> str:
    """The question with durations said in words or in two parts written as one number
    ("a minute forty" -> "100 seconds", "a quarter of an hour" -> "15 minutes")."""
    for pattern, said in SAID_DURATIONS:
        q = pattern.sub(said, q)
    return q


PARTS = {"half": 2, "third": 3, "quarter": 4}
ORDINAL = {"first": 1, "opening": 1, "second": 2, "third": 3, "middle": 0, "last": -1, "final": -1, "closing": -1,
           "latter": -1}


def share_of(q: str) -> tuple[float, float, str] | None:
    """(from, to, the words that said it) as shares of each video's length: "in the second half",
    "the first third of the meeting", "in the middle of the walk" (its name taken out by now),
    "halfway through"; not "the middle of the night", "the first half of the password"."""
    # (of the video, or where the clause ends: not "the first half of the password")
    video_end = rf"(?=(?:\s+of(?:\s+(?:the|this|that|it|my))?(?:\s+{VIDEO_NOUN})?)?\s*(?:[,?.!;\-–]|$))"
    m = re.search(rf"\b(first|opening|second|third|middle|last|final|closing|latter)\s+(half|third|quarter){video_end}", q)
    if m and not (m.group(1) == "third" and m.group(2) == "third"):
        n, k = PARTS[m.group(2)], ORDINAL[m.group(1)]
        k = (n + 1) // 2 if k == 0 else n if k < 0 else k
        if k <= n:
            return (k - 1) / n, k / n, m.group(0)
    m = re.search(rf"\b(?:in|at|around|near|towards?)\s+the\s+middle{video_end}|\b(?:halfway|midway)\s+(?:through|into|in)\b", q)
    if m:
        return 0.4, 0.6, m.group(0)
    return None


def time_window(q: str) -> tuple[float | None, float | None, bool, str] | tuple[float, float, bool, str, float]:
    """(start, end, counted from the end, the words that said it[, the moment it is around]) of a
    window of video time."""
    m = re.search(rf"\b(?:between|from)\s+{HEDGE}(?:the\s+)?(?:{CLOCK}|{DURATION}(?:\s+mark)?)\s+(?:and|to|until|till|-)\s+"
                  rf"{HEDGE}(?:the\s+)?(?:{CLOCK}|{DURATION})(?:\s+mark)?", q)
    if m:
        g = m.groups()
        a = seconds(g[0]) if g[0] else seconds(g[1], g[2])
        b = seconds(g[3]) if g[3] else seconds(g[4], g[5])
        return min(a, b), max(a, b), False, m.group(0)
    # "around 1:10 to 1:25", "at 2:00-2:30": two moments of the video, said where a moment is (not
    # "the slide says 9:30 to 10:15", "open 1:00 to 3:00 pm": times of day)
    m = re.search(rf"\b(?:around|about|roughly|approximately|at|in|into)\s+(?:the\s+)?{CLOCK}\s*(?:to|until|till|through|-|–)\s*"
                  rf"{HEDGE}{CLOCK}(?![\w:])(?!\s*(?:am|pm|a\.m|p\.m|o'?clock|h)\b)", q)
    if m and seconds(m.group(1)) < seconds(m.group(2)):
        return seconds(m.group(1)), seconds(m.group(2)), False, m.group(0)
    # "between 5 and 6 minutes", "from 2 to 3 minutes in": one unit said for both
    m = re.search(rf"\b(?:between|from)\s+{HEDGE}(?:the\s+)?{AMOUNT}\s+(?:and|to|until|till|-)\s+{HEDGE}{DURATION}(?:\s+mark)?", q) \
        or re.search(rf"(?<![\w:.]){AMOUNT}\s*(?:to|-|–)\s*{DURATION}{INTO_VIDEO}", q)   # "30 to 40 secs into the trailer"
    if m:
        a, b = seconds(m.group(1), m.group(3)), seconds(m.group(2), m.group(3))
        return min(a, b), max(a, b), False, m.group(0)
    # "in the last minute", "the first 30 seconds of the video", "last minute of the walk, what's in
    # it": a span "of" a video (its name is taken out by now, leaving a gap); not "any last minute
    # changes", "the last minute of trading"
    span = rf"(first|last|final|opening|closing)\s+(?:{DURATION}|(minute|(?:few|couple(?: of)?|several) seconds|\w+ minutes|couple of minutes|seconds?))"
    m = re.search(rf"\b(?:in|during|within|over)\s+the\s+{span}|(?:^\W*|\bthe\s+){span}"
                  rf"(?=\s+of\s+(?:(?:the|this|that|my|our)\s+)?(?:{VIDEO_NOUN}\b|\s|[,;?.!]|$))", q)
    if m:
        g = m.groups()
        which, n, unit, bare = g[:4] if g[0] else g[4:8]
        length = seconds(n, unit) if n else 60.0 if bare == "minute" else 180.0 if "minutes" in (bare or "") \
            else 10.0 if " " in bare else 30.0   # "the first few seconds", "the last seconds"
        if which in ("first", "opening"):
            return 0.0, length, False, m.group(0)
        return length, 0.0, True, m.group(0)
    m = re.search(rf"\b(around|about|near|roughly|approximately|at|by)\s+(?:the\s+)?(?:{CLOCK}|{DURATION}|minute\s+(\d+))"
                  rf"(\s+mark|\s+(?:into|in)\s+(?:the\s+)?{VIDEO_NOUN}|\s+into(?=\s*(?:$|[,?.!;]))|\s+point|\s+in(?=\s*(?:$|[,?.!;]|\s(?:the|this|that|my|our)\b))(?!\s+the\s+(?:morning|afternoon|evening)))?", q)
    # "what is said 2 minutes in?", "thirty seconds into the video, ...", "two minutes into the meeting,
    # ..." (its name taken out, "into" ends it); not "after 2 minutes in signs.mp4", where "after" says it
    m = m or re.search(rf"()()(?<![\w.:])(?<!after )(?<!before )(?<!since )(?<!until )(?<!past )(?<!forty )(?<!half ){DURATION}()"
                       rf"({INTO_VIDEO})", q)
    if m:
        word, clock, n, unit, minute, tail = m.groups()
        # "at 14:35" is a time someone reads off a board; a moment of the video says so: a mark, "into the video"
        if tail or minute or word in ("around", "about", "near", "roughly", "approximately") and not re.search(
                r"\b(leave|leaves|depart\w*|arriv\w*|open\w*|clos\w*|start\w*|meet\w*|due|train|bus|ferry|flight)\b", q):
            t = seconds(clock) if clock else seconds(n, unit) if n else float(minute) * 60
            pad = (10.0 if clock else 20.0) if word in ("at", "by") else 45.0   # "at 0:30" is to the second
            return max(0.0, t - pad), t + pad, False, m.group(0), t
    m = re.search(rf"\b(after|before|past|since|until)\s+(?:the\s+)?(?:{CLOCK}|{DURATION})(?:\s+mark)?", q)
    if m and (m.group(2) or m.group(3)):
        t = seconds(m.group(2)) if m.group(2) else seconds(m.group(3), m.group(4))
        return (t, None, False, m.group(0)) if m.group(1) in ("after", "past", "since") else (None, t, False, m.group(0))
    # "the trailer ends with ...", "what does the reading open with": the video's own end or start
    # (its name is taken out by now: "  ends with"; not "the offsite starts with breakfast", nor
    # "what letter does it start with")
    m = re.search(rf"(?:^\W*|\b(?:does|did|{VIDEO_NOUN})\s+)(?:(end|ends|finish|finishes|close|closes)|"
                  r"(start|starts|begin|begins|open|opens))\s+with\b", q)
    if m:
        return (120.0, 0.0, True, m.group(0)) if m.group(1) else (0.0, 120.0, False, m.group(0))
    # ("the end credits" says where and what: "credits" stays a word of the question)
    m = re.search(r"\b(?:at|in|near|towards?|toward|by)\s+the\s+(very\s+)?(end|ending|beginning|start|opening)\b"
                  r"|\b(end|closing|opening)(?=\s+credits\b)|\bhow does (?:it|the \w+(?: \w+)?) end\b", q)
    if m:
        where = m.group(2) or m.group(3) or "end"
        if where in ("end", "ending", "closing"):
            return 60.0 if m.group(1) else 120.0, 0.0, True, m.group(0)
        return 0.0, 60.0 if m.group(1) else 120.0, False, m.group(0)
    return None, None, False, ""
