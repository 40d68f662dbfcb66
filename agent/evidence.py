"""Evidence the answer model reads: for each moment, what holds the answer, cut so as to keep it.

- Speech: whole sentences around the matching words, joined across scene cuts (a sentence
  started before a cut is still one sentence), from the word times.
- On-screen text: the lines of one frame together, in reading order, rows kept as rows, so a
  credit's role stays beside its name and a slide's title above its bullets. A long frame keeps
  the rows that match and their neighbours.
- Objects: each label with the detector's best confidence (a cartoon rabbit taken for a cat at
  0.55 reads differently from a photo of a cat at 0.94).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from vidrag.agent.text import holds_term, join_words, stems
from vidrag.records import OcrLine, Scene, Word
from vidrag.timecode import hms

SHORT = {"speech": "said", "on-screen text": "on screen"}   # fewer prompt tokens
SENTENCE_END = re.compile(r"[.!?…]['\"]?$")


@dataclass
class Item:
    """One evidence item: a stretch of one video and what was read from it."""
    video: str
    video_id: int
    path: str
    start: float
    end: float
    cite_start: float                  # the tightest moment that holds what matched
    cite_end: float
    fields: list[tuple[str, str]] = field(default_factory=list)   # (label, text)
    scene_ids: list[int] = field(default_factory=list)
    note: str = ""                     # why it is here ("after the first 'vote'")
    spans: list[tuple[float, float, str]] = field(default_factory=list)   # its sentences and frames, timed
    score: float = 0.0                 # how well it matches the question (for ordering and checks)

    @classmethod
    def of_moment(cls, m, note: str = "") -> "Item":
        """One occurrence (operate.Moment) as evidence: its own line at its own time."""
        return cls(m.video, m.video_id, m.path, m.start, m.end, m.start, m.end, [(m.modality, m.text)], [m.scene_id],
                   note=note, spans=[(m.start, m.end, m.text)])

    @property
    def anchor(self) -> bool:
        """The moment a before/after question names (gather.around_anchor notes it "where ... occurs"):
        kept for the checks, not read as what follows it."""
        return self.note.startswith("where")

    def has(self, label: str) -> bool:
        """Whether the item holds a field of that kind ("speech", "on-screen text", ...)."""
        return any(f == label for f, _ in self.fields)

    def text(self) -> str:
        return " ".join(t for _, t in self.fields)

    def cite_words(self, want: set[str], asked: frozenset[str] | set[str] = frozenset()) -> None:
        """Cite the sentence or frame holding most of these stems (at least half of them): an
        answer's moment, which the question's words may have put a sentence or two away. Of
        those holding as many, the one holding most of the question's (`asked`) stems: "who's
        taking the notes" -> "Daniel" is said where the notes are, not only on the title slide."""
        held = [(len(want & set(stems(t))), len(asked & set(stems(t))), a, b) for a, b, t in self.spans
                if a < self.end and b > self.start]
        n, _, a, b = max(held, key=lambda h: (h[0], h[1], -h[2]), default=(0, 0, 0.0, 0.0))
        if want and n * 2 >= len(want):   # within the item: a sentence may begin before its scene
            self.cite_start = max(a, self.start)
            self.cite_end = min(max(b, self.cite_start + 1.0), self.end)

    def render(self, n: int, limit: int = 700, shown: set[str] | None = None) -> str:
        """The item as the model reads it, in `limit` characters; a page of text an earlier item
        showed (`shown`, added to) is not repeated: a slide up across three scenes is read once,
        and prompt time is most of an answer's."""
        head = f"E{n} [{self.video} {hms(self.start, True)}–{hms(self.end, True)}{', ' + self.note if self.note else ''}]"
        fields = [(label, text) for label, text in self.fields if text]
        if shown is not None:
            fields = [(label, " / ".join(f for f in text.split(" / ") if f not in shown) if label == "on-screen text" else text)
                      for label, text in fields]
            fields = [(label, text) for label, text in fields if text]
        # every field keeps its start (the matching part leads); what a short one leaves, the long ones get
        cut = [(label, clip(text, n)) for (label, text), n in zip(fields, shares([len(t) for _, t in fields], limit))]
        if shown is not None:   # (a page cut short here is still shown whole where it comes again)
            shown.update(f for label, text in cut if label == "on-screen text" for f in text.split(" / ") if not f.endswith(" …"))
        body = "".join(f"\n{SHORT.get(label, label)}: {text}" for label, text in cut)
        return head + body.replace("<", "‹").replace(">", "›")   # evidence cannot close its own fence


def shares(lengths: list[int], limit: int, floor: int = 80) -> list[int]:
    """Characters for each field out of `limit`: the shortest take what they need, the rest split
    what is left (each at least `floor`)."""
    out, left = [0] * len(lengths), limit
    for k, i in enumerate(sorted(range(len(lengths)), key=lambda i: lengths[i])):
        out[i] = min(lengths[i], max(floor, left // (len(lengths) - k)))
        left -= out[i]
    return out


def clip(text: str, n: int) -> str:
    """At most n characters, cut between words: a cut word reads as a different name."""
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " …"


def hits_terms(text: str, terms: list[str]) -> int:
    """How many of the question's words a text holds, compared as keyword search compares them."""
    have = set(stems(text))
    return sum(1 for t in terms if holds_term(have, t))


def sentences(words: list[Word]) -> list[tuple[float, float, str]]:
    """(start, end, text) of each spoken sentence, split at the punctuation ASR writes."""
    out, cur = [], []
    for w in words:
        cur.append(w)
        if SENTENCE_END.search(w.text) or len(cur) >= 40:
            out.append((cur[0].start, cur[-1].end, join_words([x.text for x in cur])))
            cur = []
    if cur:
        out.append((cur[0].start, cur[-1].end, join_words([x.text for x in cur])))
    return out


def speech_field(said: list[tuple[float, float, str]], terms: list[str], budget: int = 360
                 ) -> tuple[str, float, float] | None:
    """Of a scene's sentences (whole: from words read past its cuts), the ones that hold the
    question's words first, with the sentence after each. Returns (text, cite start, cite end)."""
    if not said:
        return None
    ranked = sorted(range(len(said)), key=lambda i: (-hits_terms(said[i][2], terms), i))
    keep: list[int] = []
    for i in ranked:
        if keep and not hits_terms(said[i][2], terms) and hits_terms(said[keep[0]][2], terms):
            break   # the sentences that hold the question's words, and the one after each, are enough
        for j in (i, i + 1) if hits_terms(said[i][2], terms) else (i,):
            if j < len(said) and j not in keep and sum(len(said[k][2]) for k in keep) < budget:
                keep.append(j)
    keep.sort()
    best = said[max(keep, key=lambda i: (hits_terms(said[i][2], terms), -i))]   # the cite: the sentence that matches most
    text = " ".join(("… " if k and k - 1 not in keep else "") + said[k][2] for k in keep)
    return text, best[0], best[1]


def reading_rows(lines: list[OcrLine]) -> list[str]:
    """One frame's lines as rows, top to bottom, each row left to right ("NAME — Role")."""
    boxed = [l for l in lines if len(l.box) == 4]
    rows: list[list[OcrLine]] = []
    for l in sorted(boxed, key=lambda l: (l.box[1] + l.box[3]) / 2):
        mid, height = (l.box[1] + l.box[3]) / 2, max(1.0, l.box[3] - l.box[1])
        if rows and abs(mid - sum((x.box[1] + x.box[3]) / 2 for x in rows[-1]) / len(rows[-1])) < height * 0.5:
            rows[-1].append(l)
        else:
            rows.append([l])
    out = [" — ".join(l.text for l in sorted(r, key=lambda l: l.box[0])) for r in rows]
    return out + [l.text for l in lines if len(l.box) != 4]


def row_beside(lines: list[OcrLine], text: str, after: bool) -> str:
    """The row listed right after (before) the one holding the line `text` on one page: "the next
    person listed after Sacha Goedegebure" is the row below his; "" when there is none."""
    rows = reading_rows(lines)
    at = next((n for n, row in enumerate(rows) if text in row.split(" — ")), None)
    n = None if at is None else at + (1 if after else -1)
    return rows[n] if n is not None and 0 <= n < len(rows) else ""


def is_heading(row: str) -> bool:
    """A credits heading: words in capitals, two or more ("HARDWARE PROVIDED BY"; not a web address
    in capitals, "WWW.BIGBUCKBUNNY.ORG", nor a one-word card)."""
    return row.isupper() and len(row.split()) >= 2 and "." not in row


ROLL = 20.0   # pixels a second: text moving up faster than this between keyframes is rolling credits


def rolled_on(frames: dict[float, list[OcrLine]], near: dict[float, list[OcrLine]]) -> dict[float, list[OcrLine]]:
    """Rolling credits, each keyframe that ends with a heading read on into the next: the rows that
    came up from below the heading by the next keyframe, placed after it ("HARDWARE PROVIDED BY"
    is the last row of one keyframe and "Maqina Workstations" the first new one of the next). `near` holds the keyframes
    around (the neighbouring scenes' too: a roll is cut into scenes); how far the roll moves a
    second is the median shift of the rows two of them share. Frames that do not roll (slides,
    signs) are left as they are."""
    near = {**near, **frames}
    times = sorted(near)
    mid = lambda l: (l.box[1] + l.box[3]) / 2
    speeds = [(mid(b) - mid(a)) / (t2 - t1) for t1, t2 in zip(times, times[1:]) if t2 - t1 <= 4
              for a in near[t1] for b in near[t2] if a.text == b.text and len(a.box) == len(b.box) == 4]
    speed = sorted(speeds)[len(speeds) // 2] if len(speeds) >= 3 else 0.0
    if speed > -ROLL:
        return frames
    out = {t: list(ls) for t, ls in frames.items()}
    for t1 in frames:
        t2 = min((t for t in times if t > t1), default=None)
        boxed = [l for l in frames[t1] if len(l.box) == 4]
        if t2 is None or not boxed or t2 - t1 > 4:
            continue
        last, lift = max(boxed, key=mid), speed * (t2 - t1)   # (lift < 0: the roll moves text up)
        if not is_heading(last.text):
            continue   # a name or a line of its own ends it, not a heading over what comes up next
        below = sorted((OcrLine(t1, l.text, l.conf, [l.box[0], l.box[1] - lift, l.box[2], l.box[3] - lift])
                        for l in near[t2] if len(l.box) == 4 and mid(l) - lift > last.box[3]), key=mid)
        for l in below[:2]:   # the rows right below it; past a gap a row went unread, and what follows is not its
            if mid(l) - last.box[3] > 1.5 * (last.box[3] - last.box[1]):
                break
            out[t1].append(l)
            last = l
    return out


def held_text(scene: Scene) -> list[str]:
    """Lines on screen since before the scene began (a slide held past a cut): in its text, not read in it."""
    own = {l.text for l in scene.ocr_lines}
    return [x for x in scene.ocr_text.split(" | ") if x and x not in own] if scene.ocr_text else []


TRIM = 120   # characters of one frame past which it is read from its matching rows


def screen_field(scene: Scene, terms: list[str], budget: int = 360, near: dict[float, list[OcrLine]] | None = None
                 ) -> tuple[str, float, float] | None:
    """On-screen text of a scene, frame by frame in reading order: frames that hold the question's
    words first, the one whose single row holds most of them leading ("RENDERING PROVIDED BY" before
    "ENVIRONMENT RENDERING SOFTWARE" for "who provided the rendering"); a long frame keeps its
    best matching rows first, each with the row before and two after."""
    if not scene.ocr_lines:
        return (scene.ocr_text, scene.start, scene.end) if scene.ocr_text else None
    frames = rolled_on(by_frame(scene.ocr_lines), near or {})
    parts = []
    held = held_text(scene)
    for t, rows in ([(scene.start, held)] if held else []) + [(t, reading_rows(ls)) for t, ls in frames.items()]:
        row_hits = [hits_terms(r, terms) for r in rows]
        hit = [i for i, n in enumerate(row_hits) if n]
        if hit and sum(map(len, rows)) > TRIM:
            # a long frame (a page of credits) is read from its best rows: each with the row before
            # and two after (a name sits above its role, or a heading above its names), best first,
            # so that a cut keeps the row asked about; a row of side-by-side lines, most often a
            # name beside its role ("CAMPBELL BARTON — Technical Director"), is read alone: beside
            # its neighbours the model pairs the role with the name of the next row
            blocks = [j for i in sorted(hit, key=lambda i: (-row_hits[i], i))
                      for j in ((i,) if " — " in rows[i] else (i - 1, i, i + 1, i + 2)) if 0 <= j < len(rows)]
            rows = [rows[j] for j in dict.fromkeys(blocks)]
        parts.append((-max(row_hits, default=0), -len(hit), t, " | ".join(rows)))
    parts.sort()
    if parts and parts[0][0]:
        # frames that hold the question's words, and for context the one shown next after the best
        # ("WITH THE FINANCIAL SUPPORT FROM", then "Digital Pioneers fund" two seconds later)
        rest = sorted((x for x in parts if not x[0]), key=lambda x: (x[2] < parts[0][2], abs(x[2] - parts[0][2])))
        parts = [x for x in parts if x[0]] + rest[:1]
    text, used = [], 0
    for _, _, t, frame in parts:
        if used >= budget:
            break
        text.append(frame)   # no frame times: a clock question would take them for the answer
        used += len(frame)
    first = parts[0][2] if parts and parts[0][0] else None   # the cite: the frame that holds most
    return " / ".join(text), (first if first is not None else scene.start), (first + 2.0 if first is not None else scene.end)


MOMENT = 5.0   # seconds either side of a moment named ("at about 1:40") read as what is there then


# What a time of day is the time of, in the words signs and people use: "what time does the train
# leave" is answered by "DEPARTS 14:35"; "when does the museum open" is not by "meet ... at noon"
EVENTS = {"open": "open opens opening opened",
          # (what ends is said to close, finish, wrap up or end: "the meeting ends at 5 pm")
          "close": "close closes closing closed shut shuts finish finishes finishing finished wrap wraps wrapping end ends ending",
          "leave": "leave leaves leaving depart departs departing departure departures",
          "arrive": "arrive arrives arriving arrival arrivals land lands", "meet": "meet meets meeting"}
EVENT_OF = {w: event for event, said in EVENTS.items() for w in said.split()}


def event_words(terms: list[str]) -> list[str]:
    """The other words for the events among the terms ("leave": depart, departure), one of each stem."""
    return list({stems(w): w for t in terms if t in EVENT_OF for w in EVENTS[EVENT_OF[t]].split()
                 if stems(w) != stems(t)}.values())


# "what's the url": a web address is written www.….org, never "url"
WEB_SAYS = ["www", "http", "org", "com", "net"]
WEB_ASKED = re.compile(r"\b(?:url|urls|website|websites|web\s*site|web\s*address|web\s*page|homepage|domain name)\b", re.I)
# where a slide sits in its deck ("5/6", "slide 3/6"): it numbers the page, and says nothing on it
PAGE_NUMBER = re.compile(r"(?:(?:slide|page)\s+)?\d{1,3}\s*/\s*\d{1,3}", re.I)
# everyday words for what the object detector labels otherwise (its COCO classes): "riding a bike"
# is a "bicycle", "a phone" a "cell phone"
DETECTOR_SAYS = {"bike": "bicycle", "bikes": "bicycle", "cyclist": "bicycle", "cyclists": "bicycle",
                 "motorbike": "motorcycle", "motorbikes": "motorcycle", "scooter": "motorcycle", "phone": "cell phone",
                 "phones": "cell phone", "cellphone": "cell phone", "mobile": "cell phone", "smartphone": "cell phone",
                 "television": "tv", "sofa": "couch", "plane": "airplane", "planes": "airplane", "aeroplane": "airplane",
                 "mug": "cup", "mugs": "cup", "taxi": "car", "taxis": "car", "cab": "car", "lorry": "truck",
                 "computer": "laptop", "doughnut": "donut", "doughnuts": "donut", "teddy": "teddy bear",
                 "puppy": "dog", "kitten": "cat", "ball": "sports ball", "plant": "potted plant", "hydrant": "fire hydrant"}


def objects_field(*scenes: Scene) -> str:
    """Each detected label once, with its best confidence over the scenes, the surest first (else
    the scenes' stored object summaries)."""
    best: dict[str, float] = {}
    for d in (d for s in scenes for d in s.detections):
        best[d.label] = max(best.get(d.label, 0.0), d.conf)
    if not best:
        return ", ".join(dict.fromkeys(s.objects for s in scenes if s.objects))
    return ", ".join(f"{label} ({conf:.2f})" for label, conf in sorted(best.items(), key=lambda x: -x[1])[:6])


def scene_item(scene: Scene, video: str, video_id: int, path: str, words: list[Word], terms: list[str],
               modality: str = "", near: dict[float, list[OcrLine]] | None = None) -> Item:
    """An evidence item for one scene: speech, on-screen text, objects, a VLM's description
    (`near`: the keyframes around it, for rolling credits)."""
    item = Item(video, video_id, path, scene.start, scene.end, scene.start, scene.end, scene_ids=[scene.id])
    said = [x for x in sentences(words) if x[1] > scene.start and x[0] < scene.end]
    speech = speech_field(said, terms) if words else (
        (scene.transcript, scene.start, scene.end) if scene.transcript else None)
    screen = screen_field(scene, terms, near=near)
    fields = []
    if speech:
        fields.append((hits_terms(speech[0], terms), "speech", speech))
    if screen:
        fields.append((hits_terms(screen[0], terms), "on-screen text", screen))
    objects = objects_field(scene)
    if objects:
        fields.append((hits_terms(objects, terms), "objects", (objects, scene.start, scene.end)))
    if scene.caption and scene.caption_source == "vlm":
        fields.append((hits_terms(scene.caption, terms), "description", (scene.caption, scene.start, scene.end)))
    # What the question asks about (its modality, then its words) comes first, so a cut spares it.
    order = {"speech": ("speech",), "screen": ("on-screen text", "objects")}.get(modality, ())
    fields.sort(key=lambda f: (f[1] not in order, -f[0]))
    item.fields = [(label, value[0]) for _, label, value in fields]
    if fields and fields[0][0]:
        item.cite_start = max(scene.start, fields[0][2][1] - 0.5)
        item.cite_end = min(scene.end, max(fields[0][2][2], item.cite_start + 1.0))
    item.score = max((f[0] for f in fields), default=0)
    item.spans = said + frame_spans(by_frame(scene.ocr_lines))
    return item


def by_frame(lines: list[OcrLine]) -> dict[float, list[OcrLine]]:
    frames: dict[float, list[OcrLine]] = {}
    for l in lines:
        frames.setdefault(l.t, []).append(l)
    return frames


def frame_spans(frames: dict[float, list[OcrLine]]) -> list[tuple[float, float, str]]:
    """Each keyframe's text as one timed span, read as rows."""
    return [(t, t + 2.0, " | ".join(reading_rows(ls))) for t, ls in sorted(frames.items())]


def distinct(items: list[Item]) -> list[Item]:
    """Each item once: adjacent scenes often carry the same sentence, or the same slide or sign
    held across cuts (seen beside other objects), which the model need not read twice."""
    out, seen = [], set()
    for i in items:
        said = (i.video_id, tuple(f for f in i.fields if f[0] != "objects") or tuple(i.fields))
        if said not in seen:
            seen.add(said)
            out.append(i)
    return out


def lines_of(item: Item) -> list[str]:
    """An item's sentences and on-screen rows (a detector's label is not a line)."""
    return [l.strip(" …-") for label, text in item.fields if label in ("speech", "on-screen text")
            for l in re.split(r" \| | / |(?<=[.!?]) ", text)]


def units_of(item: Item) -> list[tuple[str, list[str]]]:
    """An item's speech as sentences and its on-screen text as frames, (label, units) per field:
    what a time or a name is read with ("Friday 9:30 am" stands in the frame titled TEAM OFFSITE)."""
    return [(label, re.split(r"(?<=[.!?]) " if label == "speech" else r" / ", text))
            for label, text in item.fields if label in ("speech", "on-screen text")]
