"""The answer model's part: read the evidence, answer from it, and the Answer it becomes.

A formatting slip never fails a question: a reply that is not JSON is read as plain text, and
checked like any other answer.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from vidrag.agent.choices import choice_of, window_choice
from vidrag.agent.credits import credit_at, credited
from vidrag.agent.evidence import WEB_ASKED, WEB_SAYS, Item, hits_terms, lines_of
from vidrag.agent.grounding import in_clip, repeats_question, video_name_words
from vidrag.agent.plan import SHOWN_AS, QueryPlan
from vidrag.agent.text import normalise, stems
from vidrag.agent.values import in_text
from vidrag.llm import LLMError, parse_json
from vidrag.prompts import load as load_prompt
from vidrag.timecode import hms

NOT_FOUND = "The library does not show this."
UNCONFIRMED = "The library has related moments, but they do not confirm an answer."
# An answer that says the evidence lacks it ("No.", "Not mentioned", "The evidence does not show
# ...") is an abstention, whatever its found flag says: "is there a video of X?" -> "No".
NEGATIVE = re.compile(r"^\W*(?:no|none|nothing|unknown|not (?:mentioned|shown|stated|given|specified|found|clear))\W*$"
                      r"|^\W*not (?:mentioned|shown|stated|given|specified|found)\b"
                      r"|\b(?:evidence|library|video|clip|transcript|text|it)s? (?:does not|doesn't|do not|don't|did not|"
                      r"didn't) (?:show|mention|say|state|specify|include|contain|provide)\b"
                      r"|\bno (?:information|mention|evidence)\b"
                      # ("No video shows someone playing chess": the library, not a fact it holds)
                      r"|^\W*no (?:video|clip|recording|file|scene)s? (?:shows?|has|have|contains?|mentions?|features?|is)\b"
                      r"|\bnot (?:mentioned|shown|stated|given|specified|listed|provided|included|found) in (?:the |any )?"
                      r"(?:given |provided )?(?:evidence|text|transcript|video|library|clip)", re.I)
# an answer that says nothing: the model stopped at its first word ("A (slightly ..." -> "A"; with
# options, "A" names one)
EMPTY = re.compile(r"^\W*(?:a|an|the)?\W*$", re.I)
EVIDENCE_CHARS, ITEM_CHARS = 1000, 400
# the reply as begun for the model, and where its answer ends (a closing quote, then more JSON)
PREFILL, ANSWER_ENDS = '{"answer": "', ['", "', '","', '",\n', '"}', '"\n']
# 4 of 214 captured dev answers ran past 30 tokens, all but one quoting evidence at length that did
# not answer; each generated token costs ~0.1 s on 2 cores (a cut reply is still read: cut_reply)
MAX_ANSWER_TOKENS = 48


@dataclass
class Citation:
    video: str
    path: str
    start: float
    end: float
    snippet: str

    def label(self) -> str:
        return f"{self.video} @ {hms(self.start)}–{hms(self.end)}"

    @classmethod
    def of(cls, item: Item) -> "Citation":
        return cls(item.video, item.path, round(item.cite_start, 2), round(item.cite_end, 2), item.text()[:240])


@dataclass
class Answer:
    question: str
    answer: str
    found: bool
    confidence: float
    citations: list[Citation] = field(default_factory=list)
    kind: str = "lookup"
    trace: list[dict[str, Any]] = field(default_factory=list)
    choice: int | None = None      # multiple choice: index of the option picked (None: none)
    outcome: str = "answered"      # "answered", "not_found" (nothing on it) or "unconfirmed" (related, not confirmed)
    related: list[Citation] = field(default_factory=list)   # unconfirmed: the closest moments, to look at
    plan: dict[str, Any] = field(default_factory=dict)
    problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for c, cd in zip(self.citations + self.related, d["citations"] + d["related"]):
            cd["label"] = c.label()
        return d


def schema(n: int) -> dict:
    # No verdict field: asked for found first, a small model says "not found" to evidence that holds
    # the answer; asked for it last, the packaged model never once set it false (94 dev replies), and
    # its ~6 tokens cost half a second. Whether the evidence supports the answer is checked
    # (grounding.py); a reply that says the evidence lacks it is read as such (NEGATIVE).
    return {"type": "object", "properties": {
        "answer": {"type": "string"},
        "citations": {"type": "array", "items": {"type": "string", "enum": [f"E{i}" for i in range(1, n + 1)]},
                      "maxItems": 4}},   # bounded: a small model can repeat "E1", "E2", ... to its token limit
        "required": ["answer", "citations"]}


def cut_reply(text: str) -> dict[str, Any]:
    """A reply that is not whole JSON: the local model's, which ends with its answer ('{"answer":
    "Kevin'), or one cut off at its token limit, which still names its answer and perhaps its
    citations and verdict after it; other words are the answer themselves, checked like any
    other. The answer runs to where the JSON goes on, so a quote the model did not escape stays
    in it ('The sign says "EXIT" near the door')."""
    cut = re.search(r'"answer"\s*:\s*"(.*?)(?:"\s*,\s*"(?:citations|found)"|"\s*}|"?\s*$)', text, re.S)
    if not cut:
        plain = "" if text.lstrip().startswith("{") else re.sub(r"\s+", " ", text).strip()
        return {"found": bool(plain), "answer": plain[:300], "citations": []}
    try:
        answer = json.loads(f'"{cut.group(1)}"')
    except ValueError:   # a quote not escaped, or cut inside an escape
        answer = cut.group(1).replace('\\"', '"')
    rest = text[cut.end(1):]
    verdict = re.search(r'"found"\s*:\s*(true|false)', rest)
    return {"found": bool(answer.strip()) and (verdict is None or verdict.group(1) == "true"),
            "answer": re.sub(r"\s+", " ", answer).strip()[:300], "citations": re.findall(r"\bE\d+\b", rest)}


TEXT_ASKED = re.compile(r"\b(?:line|sign|card|caption|title|slide|text|on screen)s?\b")
WHAT_SHOWN = re.compile(r"\bwhat (?:is|was|gets|comes) (?:up |on )?(?:shown|on screen)\b")


def read_off(p: QueryPlan, shown: list[Item]) -> tuple[str, int] | None:
    """(answer, index of the item holding it) where the evidence's own layout answers, not the
    model: a credits page's pairing ("who is credited as X", "the first credit"), or the one
    sentence said right after a moment ("what comes next after the ill-disposed line": a small
    model describes the scene instead; not "who speaks next", nor "the next sign"), the first
    text shown after one, the sentence said nearest a moment asked about, or the heading of the
    slide a talk moved on to ("which topic came up after the budget")."""
    credit = credit_at(p, shown) or credited(p, shown, video_name_words([i.video for i in shown]))
    if credit:
        return credit
    q = normalise(p.question)
    topic = p.intent == "neighbour" and next(((t.split(" | ")[0], n) for n, i in enumerate(shown)
                                              if i.note.startswith("the slide ")   # gather.next_topic's
                                              for label, t in i.fields if label == "on-screen text"), None)
    if topic:
        return topic
    asked, _, moment = (re.split(r"\b(after|following)\b", q, maxsplit=1) + ["", ""])[:3] if p.intent == "neighbour" \
        else ("", "", "")
    if p.direction == "after" and (TEXT_ASKED.search(asked) or WHAT_SHOWN.search(asked) and TEXT_ASKED.search(moment)):
        # "what line comes up after the rodent pests one", "what's shown after the produced by card":
        # the first text shown after the moment, where nothing is said (a small model copies every
        # frame of the stretch, and the cite follows the last)
        after = next(((n, i) for n, i in enumerate(shown) if i.note.startswith("after that")), None)
        frames = [t for label, t in after[1].fields if label == "on-screen text"] if after and not after[1].has("speech") else []
        first = frames[0].split(" / ")[0].strip() if frames else ""
        if first:
            return first, after[0]
    if p.intent == "window" and p.around is not None and p.spoken:
        # "roughly four and a half minutes into the walk, what did the guide tell us": the sentence
        # said nearest that moment (a small model picks a sentence of the stretch at random)
        said = [(0.0 if a <= p.around <= b else min(abs(a - p.around), abs(b - p.around)), n, t)
                for n, i in enumerate(shown) for a, b, t in i.spans if t in dict(i.fields).get("speech", "")]
        if said:
            _, n, text = min(said)
            return text, n
    if p.intent == "window":
        return in_window(p, shown)
    if p.intent == "neighbour" and p.immediate and p.direction == "after" and p.modality != "screen" \
            and re.match(r"^\W*(?:and |so )?(?:what|which (?:line|sentence|words?))\b", q) \
            and not (SHOWN_AS - {"line", "lines"}) & set(q.split()):
        return next(((t, n) for n, i in enumerate(shown) if i.note.startswith("after that")
                     for label, t in i.fields if label == "speech"), None)
    return None


LISTED, NEAREST_LISTED, LISTED_CHARS = 6, 4, 160   # what a window's answer lists: how many things, how long each


def in_window(p: QueryPlan, shown: list[Item]) -> tuple[str, int] | None:
    """"Anything shown or said between minute 4 and minute 5", "what's on screen in the last 30
    seconds": what the window holds, in time order (the things nearest the moment asked about,
    if one was), each sentence once and each sign, slide or scroll of credits once, by its first
    frame; a small model answers with one part of it, or describes the objects the detector saw.
    None where it holds no speech or text, or spans several videos (the model then tells which)."""
    if len({i.video_id for i in shown}) != 1:
        return None
    found = []
    for n, i in enumerate(shown):
        speech = dict(i.fields).get("speech", "")
        for a, b, text in i.spans:
            said = bool(text) and text in speech and text not in dict(i.fields).get("on-screen text", "")
            if text and p.modality != ("screen" if said else "speech"):
                found.append([max(a, i.start), b, said, text, n])   # (a sentence begun before the window: from its start)
    kept: list[list] = []
    for entry in sorted(found):
        a, b, said, text, _ = entry
        last = next((k for k in reversed(kept) if k[2] == said), None)
        if last and last[3] == text:   # a sentence read into two stretches
            continue
        if last and not said and kept[-1] is last and a - last[1] <= RUN_GAP and shares(text, last[3]):
            last[1] = max(last[1], b)   # the same sign held, or credits scrolling on: one thing
            continue
        kept.append(entry)
    if p.around is not None:
        kept = sorted(sorted(kept, key=lambda k: abs((k[0] + k[1]) / 2 - p.around))[:NEAREST_LISTED])
    if not kept:
        return None
    listed = [f'{hms(a)} {"said" if said else "on screen"}: "{cut(text)}"' for a, _, said, text, _ in kept[:LISTED]]
    return "; ".join(listed) + ("; and more" if len(kept) > LISTED else ""), kept[0][4]


RUN_GAP = 4.0   # seconds between two frames of one thing on screen


def line_about(item: Item, terms: list[str]) -> str:
    """The item's line holding most of the terms (its first line when none holds any)."""
    return max(lines_of(item), key=lambda l: hits_terms(l, terms), default="")


def shares(text: str, other: str) -> bool:
    """Whether two frames show one thing: a quarter of the words of the shorter in both (a sign
    read again with OCR slips, credits scrolled up by a few names)."""
    a, b = set(stems(text)), set(stems(other))
    return bool(a and b) and len(a & b) * 4 >= min(len(a), len(b))


def cut(text: str) -> str:
    return text if len(text) <= LISTED_CHARS else text[:LISTED_CHARS].rsplit(" ", 1)[0] + " …"


def item_chars(n: int) -> int:
    """The characters each of n evidence items is read in: the evidence is bounded as a whole."""
    return min(ITEM_CHARS, max(160, EVIDENCE_CHARS // max(1, n)))


class Reader:
    def __init__(self, llm, store, images: bool = False):
        self.llm, self.store, self.images = llm, store, images

    def warm(self) -> None:
        self.llm.chat([{"role": "system", "content": load_prompt("answer_system")},
                       {"role": "user", "content": "ready?"}], max_tokens=1)

    def read(self, p: QueryPlan, items: list[Item], options: list[str] | None = None) -> dict[str, Any]:
        """{found, answer, citations: item indices} from the model's reading of the evidence."""
        question = p.question
        if options:
            question += ("\nOptions:\n" + "\n".join(f"- {o}" for o in options)
                         + "\nSet answer to the one option the evidence supports, written exactly as listed.")
        # Prompt time is most of an answer's time (~50 tokens/s on 2 cores): the evidence is bounded
        # as a whole, and each item keeps its matching lines first (evidence.py), so a cut spares them.
        each = item_chars(len(items))
        shown: set[str] = set()
        evidence = "\n".join(item.render(n, each, shown) for n, item in enumerate(items, 1))
        user = load_prompt("answer_user").format(question=question, evidence=evidence)
        messages = [{"role": "system", "content": load_prompt("answer_system")},
                    {"role": "user", "content": self._with_images(user, items) if self.images else user}]
        # The answer's own words say where it comes from (cite_where_answered, _holding), so the
        # local model's reply ends with its answer: its keys and citations cost ~1.2 s of generated tokens
        text = self.llm.chat(messages, schema=schema(len(items)), max_tokens=MAX_ANSWER_TOKENS, prefill=PREFILL, stop=ANSWER_ENDS)
        try:
            reply = parse_json(text)
        except LLMError:   # not JSON, or only its answer: never an error
            reply = {}
        if "answer" not in reply:
            reply = cut_reply(text)
        answer = str(reply.get("answer", ""))
        # "E2" (or "E1 and E4") as the whole answer: those items, as finish() reads it (not "Gate E2")
        named = [] if re.sub(r"\bE\d+\b|\band\b|[\s,;.()]", "", answer) else re.findall(r"\bE\d+\b", answer)
        ids = [int(c[1:]) - 1 for c in map(str, reply.get("citations") or named) if re.fullmatch(r"E\d+", c)]
        found = reply.get("found", True) is not False and bool(answer.strip())   # a server may still send one
        found = found and not NEGATIVE.search(answer) and not (EMPTY.match(answer) and not options)
        return {"found": found, "answer": answer,
                "citations": [i for i in ids if 0 <= i < len(items)] or self._holding(answer, items),
                "confidence": 0.75}

    @staticmethod
    def _holding(answer: str, items: list[Item]) -> list[int]:
        """What an answer that cited nothing comes from: the first item of each video it names
        ("trailer_bbb.mp4"), else the item whose text shares most words with it."""
        # (by the whole file name: "the demo opens with ..." names no video)
        named = [n for n, i in enumerate(items) if i.video not in {x.video for x in items[:n]}
                 and re.search(rf"(?<![\w.]){re.escape(i.video)}(?![\w])", answer, re.I)]
        if named:
            return named
        want = set(stems(answer))
        scored = [(len(want & set(stems(i.text()))), -n) for n, i in enumerate(items)]
        best = max(scored, default=(0, 0))
        return [-best[1]] if best[0] else []

    def finish(self, p: QueryPlan, text: str, cites: list[Item], items: list[Item], options: list[str] | None
               ) -> tuple[str, int | None]:
        """The answer as the user reads it: a time for "when", the video for "which video", the
        option picked for multiple choice."""
        choice = None
        # the evidence ids are the model's, not the reader's: "on screen in E1 and E4" -> "on screen"
        bare = re.sub(r"\s*\(?\b(?:in|from|see|per)?\s*E\d+(?:(?:,\s*|\s+and\s+)E\d+)*\)?(?=[\s.,;]|$)", "", text).strip()
        if not bare and cites:
            # "E2" alone: its video answers "which video"; its line most about the question anything
            # else ("which document goes to finance" -> "I will send the budget sheet to Finance by
            # Thursday."); its moment a "when", or a line that only repeats the question ("find the
            # clip with 'revenge is coming'")
            line = line_about(cites[0], p.terms)
            says = p.intent != "when" and hits_terms(line, p.terms) and not repeats_question(line, p.question)
            text = "" if p.intent == "which_video" else line if says else Citation.of(cites[0]).label()
        else:
            text = bare or text
        # (any part said twice, once: a page is copied from each keyframe it is up in)
        text = " / ".join(dict.fromkeys(text.split(" / ")))
        if options:
            ranked = cites + [i for i in items if i not in cites]
            by_time = window_choice(options, [(i.cite_start, i.cite_end) for i in ranked])
            choice = choice_of(text, options) if by_time is None else by_time
            if choice is not None:
                text = f"{chr(65 + choice)}. {options[choice]}"
            return text, choice
        if re.fullmatch(r"\W*yes\W*", text, re.I) and cites:
            # "is there a website shown at the very end": yes, and the cited line that shows it
            asked = p.terms + (WEB_SAYS if WEB_ASKED.search(p.question) else [])
            line = line_about(cites[0], asked)
            text = f"Yes: {line}" if line and hits_terms(line, asked) else text
        if p.intent == "when" and cites and not re.search(r"\d:\d\d", text):
            text = f"At {hms(cites[0].cite_start)} ({cites[0].video}): {text}"
        elif cites and re.fullmatch(r"[\d:]+(?:\s*[–\-]\s*[\d:]+)?", text) and in_clip(re.split(r"\s*[–\-]\s*", text)[0], cites) \
                and not in_text(text, cites[0].text()):
            # "1:40–1:46": where the cited moment sits in the video, said as a moment
            text = f"At {hms(cites[0].cite_start)} ({cites[0].video})"
        if p.intent == "which_video" and cites:
            names = list(dict.fromkeys(i.video for i in cites))
            if not any(n.lower() in text.lower() or n.rsplit(".", 1)[0].lower() in text.lower() for n in names):
                text = f"{', '.join(names)}: {text}" if text else ", ".join(names)
        return text, choice

    def _with_images(self, text: str, items: list[Item]) -> list[dict]:
        """For vision models: the first evidence scenes' keyframes as one grid, each named by its
        evidence number (a scene without a keyframe leaves a gap in the numbers, not a shift)."""
        import cv2
        from vidrag.images import image_grid, jpeg_data_url
        scenes = self.store.scenes_by_id([i.scene_ids[0] for i in items[:4] if i.scene_ids])
        shown = []
        for n, item in enumerate(items[:4], 1):
            scene = scenes.get(item.scene_ids[0]) if item.scene_ids else None
            image = cv2.imread(str(self.store.root / scene.thumb)) if scene and scene.thumb else None
            if image is not None:
                shown.append((f"E{n}", image))
        if not shown:
            return [{"type": "text", "text": text}]
        note = f"\nThe image shows the keyframes of {', '.join(l for l, _ in shown)}, left to right, top to bottom."
        return [{"type": "text", "text": text + note},
                {"type": "image_url", "image_url": {"url": jpeg_data_url(image_grid([image for _, image in shown]))}}]
