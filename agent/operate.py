"""Exact operations at the finest grain the library has: word times, OCR lines, detections.

Counting, ordering and "when" are arithmetic on these times, done in code: a small model
miscounts a list and reads clocks badly. Every scene that holds a phrase is seen (no top-k),
consecutive frames of one sign are one appearance, and each spoken occurrence is one.
"""
from __future__ import annotations

import re

from dataclasses import dataclass, replace

from vidrag.agent.catalogue import catalogue_answer
from vidrag.agent.credits import page_pairs
from vidrag.agent.evidence import DETECTOR_SAYS, PAGE_NUMBER, by_frame, reading_rows, sentences
from vidrag.agent.plan import ENTRIES_LISTED, VIDEOS_COUNTED, QueryPlan
from vidrag.agent.text import join_words, near, normalise, stems
from vidrag.records import Scene
from vidrag.store import Store
from vidrag.timecode import hms

SAME_SIGHTING = 2.5    # seconds between two reads of one thing on screen that still make one appearance
SAMPLE = 2.0           # OCR and detection read one keyframe every 2 s: a read stands for that long
COLUMNS = {"speech": ("transcript",), "screen": ("ocr_text", "objects", "caption")}


@dataclass
class Moment:
    video: str
    video_id: int
    path: str
    start: float
    end: float
    modality: str          # "speech", "screen" or "objects"
    text: str
    scene_id: int


def _match(tokens: list[str], phrase: tuple[str, ...], fuzzy: bool) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(tokens) - n + 1)
            if all(a == b or (fuzzy and near(a, b)) for a, b in zip(phrase, tokens[i:i + n]))]


def _in_speech(scene: Scene, phrase: tuple[str, ...]) -> list[tuple[float, float, str]]:
    tokens, owner = [], []
    for i, w in enumerate(scene.words):
        for t in stems(w.text):
            tokens.append(t)
            owner.append(i)
    out = []
    for at in _match(tokens, phrase, fuzzy=False):
        first, last = scene.words[owner[at]], scene.words[owner[at + len(phrase) - 1]]
        around = scene.words[max(0, owner[at] - 6): owner[at + len(phrase) - 1] + 7]
        out.append((first.start, last.end, join_words([w.text for w in around])))
    return out


def _on_screen(scene: Scene, phrase: tuple[str, ...]) -> list[tuple[float, float, str, str]]:
    out = [(l.t, l.t + SAMPLE, l.text, "screen") for l in scene.ocr_lines if _match(list(stems(l.text)), phrase, True)]
    out += [(d.t, d.t + SAMPLE, f"{d.label} ({d.conf:.2f})", "objects") for d in scene.detections
            if _match(list(stems(d.label)), phrase, False)]
    return out


def occurrences(store: Store, phrase: str, modality: str = "", video_ids: list[int] | None = None,
                windows: dict[int, tuple[float, float]] | None = None) -> list[Moment]:
    """Every appearance of a phrase, in time order per video: each spoken occurrence, and each
    run of frames (across scene cuts) that shows it as text or as a detected object."""
    want = stems(phrase)
    if not want:
        return []
    ids = store.scenes_with_phrase(phrase, COLUMNS.get(modality, ()), video_ids)
    scenes = store.scenes_by_id(ids, details=True) if ids else {}
    spans = store.scene_spans(ids) if ids else {}
    names = store.video_names(list({v for v, _, _ in spans.values()})) if spans else {}
    found: list[Moment] = []
    for sid in ids:
        s, vid = scenes[sid], spans[sid][0]
        name, path = names[vid]
        reads = [] if modality == "screen" else [(a, b, t, "speech") for a, b, t in _in_speech(s, want)]
        reads += [] if modality == "speech" else _on_screen(s, want)
        for a, b, text, kind in reads:
            lo, hi = (windows or {}).get(vid, (0.0, float("inf")))
            if b > lo and a < hi:
                found.append(Moment(name, vid, path, a, b, kind, text, sid))
    return merge_sightings(found)


def merge_sightings(moments: list[Moment]) -> list[Moment]:
    """Reads of one thing on screen in consecutive keyframes are one appearance; spoken
    occurrences stay apart (saying a word twice is two)."""
    out: list[Moment] = []
    for m in sorted(moments, key=lambda m: (m.video_id, m.start)):
        prev = next((p for p in reversed(out) if p.video_id == m.video_id and p.modality != "speech"), None)
        if m.modality != "speech" and prev is not None and m.start - prev.end <= SAME_SIGHTING:
            prev.end = max(prev.end, m.end)
            continue
        out.append(Moment(**m.__dict__))
    return out


def pages(store: Store, video_ids: list[int], windows: dict[int, tuple[float, float]] | None = None) -> list[Moment]:
    """Each page of text shown (a slide, a title card), once: a frame with the page before's words
    (same_page) is that page still."""
    found: list[Moment] = []
    names = store.video_names(video_ids)
    for vid in video_ids:
        lo, hi = (windows or {}).get(vid, (0.0, float("inf")))
        last: set[str] = set()
        for s in store.scenes(vid, details=True):
            for t, lines in sorted(by_frame(s.ocr_lines).items()):
                rows = reading_rows(lines)
                words = set(stems(" ".join(rows)))
                if not lo <= t < hi or sum(c.isalpha() for c in "".join(rows)) < 4:
                    continue
                if not same_page(words, last):
                    found.append(Moment(names[vid][0], vid, names[vid][1], t, t + SAMPLE, "screen", " | ".join(rows), s.id))
                last = words
    return found


def credits_start(store: Store, video_ids: list[int], windows: dict[int, tuple[float, float]] | None = None) -> list[Moment]:
    """Where each video's credits begin: its first credits page (names paired with roles), which
    no word of "when do the credits start" is written on."""
    firsts = {}
    for m in pages(store, video_ids, windows):
        if m.video_id not in firsts and page_pairs(m.text.split(" | ")):
            firsts[m.video_id] = m
    return list(firsts.values())


def listed_under(store: Store, video_ids: list[int], question: str) -> tuple[str, list[str], Moment] | None:
    """(heading, rows, where) of the page whose heading (its first row) the question says, most of
    its words, read at its fullest frame: the entries under it, not its page number ("3/6")."""
    asked, best = set(stems(question)), None
    names = store.video_names(video_ids)
    for vid in video_ids:
        for s in store.scenes(vid, details=True):
            for t, lines in by_frame(s.ocr_lines).items():
                rows = reading_rows(lines)
                head = set(stems(rows[0])) if rows else set()
                entries = [r for r in rows[1:] if not PAGE_NUMBER.fullmatch(r.strip())]
                said = len(head & asked) / len(head) if head else 0.0
                if entries and said >= 0.5 and (best is None or (said, len(entries)) > best[0]):
                    best = ((said, len(entries)), rows[0], entries,
                            Moment(names[vid][0], vid, names[vid][1], t, t + SAMPLE, "screen", " | ".join(rows), s.id))
    return best[1:] if best else None


def first_said(store: Store, video_ids: list[int], windows: dict[int, tuple[float, float]] | None = None) -> list[Moment]:
    """Where speech begins in each video (in its window): the first sentence, timed by its first word."""
    found = []
    for vid, (name, path) in store.video_names(video_ids).items():
        a, b = (windows or {}).get(vid, (0.0, float("inf")))
        said = sentences(store.words_between(vid, a, min(b, a + 600.0)))
        scene = store.scenes_between(vid, said[0][0], said[0][0] + 0.1, details=False) if said else []
        if scene:
            found.append(Moment(name, vid, path, said[0][0], said[0][1], "speech", said[0][2], scene[0].id))
    return sorted(found, key=lambda m: m.start)


def same_page(words: set[str], last: set[str]) -> bool:
    """Whether a frame's words are the page before's: at least half of all their words shared."""
    return bool(last) and len(words & last) * 2 >= len(words | last)


def count_answer(subject: str, moments: list[Moment], times: bool = True) -> str:
    """"3 times: gate at ...", or with times=False the things counted themselves ("6 slides: at ...")."""
    n = len(moments)
    where = ", ".join(f"{hms(m.start)}" + (f" in {m.video}" if len({x.video for x in moments}) > 1 else "")
                      for m in moments[:12])
    more = f" and {n - 12} more" if n > 12 else ""
    if not times:
        return f"{n} {subject.rstrip('s')}{'' if n == 1 else 's'}: at {where}{more}"
    return f"{n} {'time' if n == 1 else 'times'}: {subject} at {where}{more}"


def when_answer(moments: list[Moment]) -> str:
    videos = {m.video for m in moments}
    times = [hms(m.start) + (f" in {m.video}" if len(videos) > 1 else "") for m in moments[:12]]
    listed = times[0] if len(times) == 1 else ", ".join(times[:-1]) + " and " + times[-1]
    return f"At {listed}" + (f" ({moments[0].video})" if len(videos) == 1 else "") + \
        (f", and {len(moments) - 12} more times" if len(moments) > 12 else "")


def order_answer(names: list[str], firsts: list[Moment], direction: str, question: str = "") -> tuple[str, int]:
    """Which of the named things comes first (or last), from their appearance times; "is A before
    or after B" is answered for A ("Before: the pharmacy at 00:05:08; the ferry at 00:05:57"), and
    "does A come before B" yes or no."""
    pick = (max if direction == "last" else min)(range(len(names)), key=lambda i: firsts[i].start)
    both = f"{names[0]} at {hms(firsts[0].start)}; {names[1]} at {hms(firsts[1].start)}" if len(names) == 2 else ""
    if both and re.search(r"\b(?:before or after|after or before|earlier or later|later or earlier)\b", question, re.I):
        return f"{'Before' if firsts[0].start <= firsts[1].start else 'After'}: {both}", pick
    asked = re.search(r"(?:^\W*|[,;:]\s*)(?:does|do|did|is|are|was|were)\b(?:(?!\bor\b)[^,;?])*?\b(before|after|earlier|later)\b",
                      question, re.I)
    if both and asked:
        before = asked.group(1).lower() in ("before", "earlier")
        return f"{'Yes' if (firsts[0].start <= firsts[1].start) == before else 'No'}: {both}", pick
    others = "; ".join(f"{names[i]} at {hms(firsts[i].start)}" for i in range(len(names)) if i != pick)
    return f"{names[pick]} (at {hms(firsts[pick].start)}; {others})", pick


# what a thing on screen is, not which: "the music credit", "the special thanks list" (the screen
# says "MUSIC AND SOUND DESIGN", "SPECIAL THANKS TO")
ENTRY = re.compile(r"\s+(?:credits?|list|listing|card|cards|line|lines|entry|caption|names?)$", re.I)
# "how many slides", "count the title cards": pages of text shown, not a word in them
PAGES = re.compile(r"\b(?:slides?|pages?|title cards?)\b", re.I)
# the credits themselves, not a name in them: "credits start", "far credits begin", "end credits roll",
# "the credits kick in", "what timestamp does it switch over to the credits"
CREDITS_START = re.compile(r"^(?=.*\bcredits?\b)(?:(?:far|end|closing|credits?|start\w*|begin\w*|roll\w*|appear\w*|"
                           r"come|comes|show\w*|kick\w*|switch\w*|cut\w*|timestamp|time)\b\s*)+$")


def exact(gather, p: QueryPlan) -> tuple[str, list] | None:
    """(the answer, what it cites: moments, or videos) of a question the index answers alone:
    questions about the videos themselves, an order, slides counted, where the credits start, a
    count or a "when"; None when it cannot (the model then reads the evidence)."""
    store, windows, ids = gather.store, gather.windows(p), gather.video_ids(p)
    if p.catalogue:
        videos = gather.catalogue(p)
        if not videos:
            return None
        return catalogue_answer(p.catalogue, videos, p.length)
    if p.intent == "order" and len(p.alternatives) >= 2:
        firsts = []
        for name in p.alternatives:
            core = gather.core(name)
            seen = occurrences(store, core, p.modality, ids, windows) or (
                occurrences(store, ENTRY.sub("", core), p.modality, ids, windows) if ENTRY.search(core) else [])
            if not seen:
                return None
            firsts.append(seen)
        # one video's order: the credits' music before their producer in the film, not in a walk
        # that films a piece of them
        # (of several, a video named first, else the one where they come closest together)
        common = set.intersection(*({m.video_id for m in seen} for seen in firsts))
        apart = lambda v: (ids.index(v) if ids and v in ids else len(ids or []),
                           max(min(m.start for m in seen if m.video_id == v) for seen in firsts) -
                           min(min(m.start for m in seen if m.video_id == v) for seen in firsts))
        one = min(common, key=apart) if common else None
        firsts = [[m for m in seen if m.video_id == one] or seen for seen in firsts]
        firsts = [seen[-1] if re.search(r"\b(last|final)\b", name, re.I) else seen[0]   # "the last X sign"
                  for name, seen in zip(p.alternatives, firsts)]
        text, pick = order_answer(p.alternatives, firsts, p.direction, p.question)
        return text, [firsts[pick]] + [m for i, m in enumerate(firsts) if i != pick]
    shown_as = PAGES.search(p.question)
    if p.intent == "count" and shown_as and not p.subject:
        # "how many slides are in the meeting": each page of text shown in it, once
        seen = pages(store, ids, windows) if ids else []
        return (count_answer(shown_as.group(0), seen, times=False), seen) if seen else None
    if p.intent == "when" and CREDITS_START.match(p.subject):
        # "when do the end credits start", "how far into the film do the credits roll"
        seen = credits_start(store, ids or [v.id for v in store.videos()], windows)
        return (when_answer(seen), seen) if seen else None
    entries = ENTRIES_LISTED.search(normalise(p.question)) if p.intent == "count" else None
    listed = entries and listed_under(store, ids or [v.id for v in store.videos()], p.question)
    if listed:
        # "how many names are on the Peach team card": the rows under that heading, not a word counted
        heading, rows, at = listed
        return f"{len(rows)} {entries.group(1)}: {'; '.join(rows[:12])}{' …' if len(rows) > 12 else ''}", [at]
    if p.intent == "when" and p.position == "first" and p.modality == "speech" and not p.subject:
        # "when does the narrator start reading": each video's first sentence
        seen = first_said(store, ids or [v.id for v in store.videos()], windows)
        return (when_answer(seen), seen) if seen else None
    if not p.subject:
        return None
    unnamed = [w for w in p.subject.split() if w not in p.described.split()] if p.described and not p.videos else []
    if p.intent == "when" and len(unnamed) >= 2 and not gather.holders(p.described, store.videos()):
        # "whereabouts in the tour video does the guide say thanks for joining": a video described in
        # words it does not hold ("tour") is named, not searched for, where more is asked
        p = replace(p, subject=" ".join(unnamed))
    found, seen = p.subject, occurrences(store, p.subject, p.modality, ids, windows)
    if not seen and p.modality != "speech" and p.subject in DETECTOR_SAYS:   # "a bike": a "bicycle" detected
        seen = occurrences(store, DETECTOR_SAYS[p.subject], "screen", ids, windows)
    if not seen and p.intent == "when":
        seen = mostly_said(gather, p)
    if not seen and 1 < len(p.subject.split()) <= 3:
        # "the tabby cat", "the coffee cup pictures": the describing words may be the asker's;
        # the noun, else the word before it, is what was indexed (not in a clause: "wrap up the tour
        # and thank everyone" is an event, and "thank" alone finds any thanks)
        for word in [w for w in p.subject.split()[::-1][:2] if len(w) >= 3 and not w.isdigit()]:
            found, seen = word, occurrences(store, word, p.modality, ids, windows) or (
                occurrences(store, DETECTOR_SAYS[word], "screen", ids, windows)
                if p.modality != "speech" and word in DETECTOR_SAYS else [])
            if seen:
                break
    if not seen:
        return None
    if p.intent == "count" and VIDEOS_COUNTED.search(p.question):
        # "in how many of my videos does Ton Roosendaal show up": the videos, not the times
        firsts: dict[int, Moment] = {}
        for m in sorted(seen, key=lambda m: m.start):
            firsts.setdefault(m.video_id, m)
        n, more = len(firsts), f" and {len(firsts) - 12} more" if len(firsts) > 12 else ""
        listed = ", ".join(f"{m.video} (at {hms(m.start)})" for m in list(firsts.values())[:12])
        return f"{n} video{'' if n == 1 else 's'}: {listed}{more}", list(firsts.values())
    if p.intent == "count":
        return count_answer(found, seen), seen
    return when_answer(seen), seen


def near_each_other(text: str, want: set[str], gap: int = 4) -> bool:
    """Whether a word of each of two stems stands within `gap` words of the other."""
    at = [(n, set(stems(w)) & want) for n, w in enumerate(re.findall(r"[\w']+", text))]
    at = [(n, s) for n, s in at if s]
    return any(a != b and abs(n - m) <= gap for n, s in at for m, t in at for a in s for b in t)


def mostly_said(gather, p: QueryPlan) -> list[Moment]:
    """"At what point do they decide to test the payment flow every day": the words asked are
    said in other order or form ("let's test the payment flow every day"), so no phrase matches;
    the one sentence or frame of the search's evidence holding all of them, or all but one of
    four or more, while no other holds more than half as many, is where. (The model, reading
    the same evidence, is lured by a form of one word: "we also decided to move the call".)"""
    want = set(stems(p.subject))
    if len(want) < 2:
        return []
    # (a compound said with a hyphen or without: "off-site", which speech may write "off -site", is
    # the "offsite" asked about)
    joined = lambda text: re.sub(r"(?<=\w)\s?-(?=\w)", "", text)
    held = lambda text: set(stems(text)) | set(stems(joined(text)))
    def count(text: str) -> int:   # two words only near each other ("lunch for the off -site", not "the new hire ... the office")
        n = len(want & held(text))
        return n if len(want) > 2 or n < 2 or near_each_other(joined(text), want) else 1
    spans = [(count(t), a, b, t, i) for i in gather.search(p, gather.top_k) for a, b, t in i.spans]
    spans.sort(key=lambda x: -x[0])
    if not spans or spans[0][0] < len(want) - (len(want) >= 4):   # every word, or all but one of four or more
        return []
    n, a, b, text, item = spans[0]
    if any(m * 2 > n for m, a2, b2, t2, i2 in spans[1:] if t2 != text and not (i2.video_id == item.video_id and a2 < b and b2 > a)):
        return []
    said = any(label == "speech" and text in t for label, t in item.fields)
    return [Moment(item.video, item.video_id, item.path, a, b, "speech" if said else "screen", text, item.scene_ids[0])]
