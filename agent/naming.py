"""Which videos a question names: by file name or its words ("the team meeting"), by another
word for its kind ("the audiobook" for reading.mp4), by a title its initials spell ("Big Buck
Bunny" for bbb.mp4), or by what the video shows ("the bunny movie", "the planning call"), which
only the library can confirm (plan.lookups asks it)."""
from __future__ import annotations

import re

from vidrag.agent.text import STOP, name_parts
from vidrag.agent.video_time import VIDEO_NOUN

# "the bunny movie", "that cooking clip": a video named by what it shows (no file name said)
# (or where a terse question's clause begins: "bunny movie license?", "technical director, bunny movie?")
# ("the planning call", "the orion call": a recorded call or meeting is named the same way)
DESCRIBED = [re.compile(rf"{start}((?:[a-z]+\s+){{0,2}}?[a-z]+)\s+(?:video|clip|recording|footage|movie|film|cartoon|"
                        r"animation|call|meeting|session|webinar|tour|audiobook|passage|excerpt|performance)\b") for start in (r"\b(?:the|this|that)\s+", r"(?:^|[,;:\-–]\s*)")]
GENERIC = set("first second third last final whole entire same other full long longer longest short shorter shortest "
              "next previous new old main original above following my your our which what any each every actual "
              "complete real uploaded".split())

# Everyday words for a kind of video, any of which names it ("the audiobook clip" is reading.mp4,
# "the walking tour" city_walk.mp4, "the band video" the one showing musicians): a video's name
# or what it shows says one, the question another (not meeting and call, which a meeting speaks of)
GENRES = [set(g.split()) for g in (
    "audiobook audiobooks reading readings librivox",
    "lecture lectures seminar keynote",
    "walk walks tour tours stroll",
    "band concert gig musicians",
    "trailer trailers teaser",
    "cartoon animation animated",
    "dashcam dashboard")]


def genre_words(word: str) -> list[str]:
    """The other words for the kind of video a word names ("audiobook": reading, narration, ...)."""
    return sorted(set().union(*(g - {word} for g in GENRES if word in g)))


def the_film(owners: list[str], naming: str) -> list[str]:
    """"the bunny film": of the videos that show a bunny, not those whose names say they are
    something else, a trailer or a walk (pieces of a film turn up in both)."""
    if len(owners) < 2 or not re.search(r"\b(?:film|movie)$", naming):
        return owners
    # (a cartoon is a film; and "the concert film" is the concert's)
    other = set().union(*(g for g in GENRES if "cartoon" not in g and not g & set(naming.split())))
    return [o for o in owners if not set(name_parts(o)) & other] or owners


TITLE_SMALL = {"and", "of", "the", "in", "on", "a"}
# "when do I dial into the weekly call": a call to join, not a recording of one
JOINED = re.compile(r"\b(?:dial|dialling|dialing|join|joining|log|logging|sign|hop|get|call)\s+(?:in|into|on|onto|to)\s+$")


def described_in(q: str) -> tuple[str, re.Match] | None:
    """"the bunny movie", "that cooking clip": a video named by what it shows (not "the car in the
    video"); (its describing words, the match)."""
    # (a title may hold small words between others: "the sense and sensibility video")
    plain = lambda said: not set(said[:1] + said[-1:]) & STOP and not set(said[1:-1]) & (STOP - TITLE_SMALL)
    m = next((m for form in DESCRIBED for m in form.finditer(q) if plain(m.group(1).split())
              and not set(m.group(1).split()) <= GENERIC and not JOINED.search(q[:m.start()])), None)
    return (" ".join(w for w in m.group(1).split() if w not in GENERIC), m) if m else None


def initial_runs(q: str, names: list[str]) -> dict[str, str]:
    """Words whose initials spell a short file name ("big buck bunny" for bbb.mp4): a title,
    perhaps. Only the library can tell ("the big brown bear" is not one): plan() takes those it
    confirms as `titles`."""
    out = {}
    for name in names:
        stem = name.rsplit(".", 1)[0].lower()
        if stem.isalpha() and 3 <= len(stem) <= 5:
            for m in re.finditer(r"\b" + r"\s+".join(f"{c}[a-z]{{2,}}" for c in stem) + r"\b", q):
                if not set(m.group(0).split()) & STOP:
                    out[m.group(0)] = name
    return out


def named_videos(q: str, names: list[str], titles: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """(file names the question names, the words that named them). A name counts written out
    ("bikes.mp4"), as its words ("team meeting" for team_meeting.mp4), for a one-word name
    that is also an everyday word ("demo"), beside a word for a video ("the demo video"), and as
    a title its initials spell that the video itself shows or says (`titles`: words -> name)."""
    found: list[tuple[int, str, str, tuple[int, int]]] = []
    split = {n: name_parts(n) for n in names}
    owners: dict[str, set[str]] = {}
    for n, parts in split.items():
        for part in parts:
            owners.setdefault(part, set()).add(n)
    for name, parts in split.items():
        phrase = r"[\s_\-]*".join(re.escape(p) for p in parts)
        if not phrase:
            continue
        forms = [re.escape(name.lower())]
        # "the big buck bunny trailer", "the trailer for big buck bunny": trailer_bbb.mp4, a title
        # spelling one part of its name and its other parts said beside it
        for run in titles or {}:
            if len(parts) > 1 and "".join(w[0] for w in run.split()) in parts:
                others = r"\s+".join(re.escape(x) for x in parts if x != "".join(w[0] for w in run.split()))
                forms += [rf"\b{re.escape(run)}\s+{others}\b",
                          rf"\b{others}\s+(?:of|for|to|from)\s+(?:the\s+)?{re.escape(run)}\b"]
        # (a one-word name that cannot be a word, "bbb" with no vowel, is a name said bare: "in bbb")
        forms.append(rf"\b{phrase}\b" if len(parts) > 1 or not parts[0].isalpha() or not re.search(r"[aeiouy]", parts[0]) else
                     rf"\b{phrase}\s+{VIDEO_NOUN}\b|\b{VIDEO_NOUN}\s+(?:called|named)\s+{phrase}\b")
        # "in the trailer", "the planning meeting", "the reading": a word of one video's name said as
        # a name (after "the", perhaps one describing word, and where a phrase ends)
        own = [p for p in parts if len(p) >= 4 and p.isalpha() and not re.fullmatch(VIDEO_NOUN, p) and owners[p] == {name}]
        own += [w for p in own for w in genre_words(p) if w not in owners and sum(
            bool(set(genre_words(w)) & set(other)) for other in split.values()) == 1]   # "the audiobook": reading.mp4
        # ("send it to the finance team": a describing word after to/for/with makes a recipient, not a
        # video; "for the trailer", "according to the planning meeting" still name one)
        forms += [rf"\b(?:the|this|that)\s+(?:(?:(?<=according to the )|(?<!\bto the )(?<!\bfor the )(?<!\bwith the ))[a-z]+\s+)?"
                  rf"{re.escape(p)}(?:\s+(?:{VIDEO_NOUN}|passage|excerpt))?(?=\s*(?:$|[?.!,;]|\s(?:at|in|on|about|for me|for us|"
                  rf"around|near|between|from|during|before|after|over the|with the|when|where|who|what|say|says|said|show|shows|mention\w*|talk\w*|"
                  rf"read|reads|play\w*|start\w*|end|ends|begin\w*|open\w*|clos\w*|roll\w*|introduc\w*|feature\w*|"
                  rf"is|was|are|were|has|had|have|do|does|did|deck|slideshow|made|shot|built|done|cut|\w+(?:s|ed))\b))"   # "the trailer announces", "the meeting deck"
                  for p in own]
        # "in the bunny trailer which character ...": the place looked in, then the question
        forms += [rf"(?<=\b(?:in|on) )(?:the|this|that)\s+(?:[a-z]+\s+)?{re.escape(p)}(?=\s+(?:which|whose|how)\b)" for p in own]
        # "trailer question: does the bird ...", "meeting - who owns ...": a label put before the question
        forms += [rf"^\W*{re.escape(p)}(?:\s+(?:question|q))?(?=\s*[:\-–—]\s)" for p in own]
        # "what does the bunny trailer announce": the subject of a question's verb
        forms += [rf"(?:(?<=\bdoes\s)|(?<=\bdid\s)|(?<=\bdo\s)|(?<=\bwill\s))(?:the|this|that)\s+(?:[a-z]+\s+)?{re.escape(p)}"
                  rf"(?:\s+{VIDEO_NOUN})?(?=\s+[a-z])" for p in own]
        forms += [re.escape(run) + rf"(?:\s+{VIDEO_NOUN})?\b" for run, owner in (titles or {}).items() if owner == name]
        for form in forms:
            m = re.search(form, q)
            if m:
                found.append((len(m.group(0)), name, m.group(0), m.span()))
                break
    found.sort(reverse=True)
    kept: list[tuple[str, str, tuple[int, int]]] = []
    for _, name, said, (a, b) in found:   # "trailer bbb" names trailer_bbb.mp4, not also bbb.mp4
        if not any(a < y and x < b for _, _, (x, y) in kept):
            kept.append((name, said, (a, b)))
    return [n for n, _, _ in kept], [s for _, s, _ in kept]
