"""Summaries of long videos: scenes -> segments of a few minutes -> the whole video.

Segment notes are extractive and deterministic (no model): one model call per scene would take
minutes on a CPU. Only the video-level summary is model-written, once, from the bounded segment
notes; both levels are stored in the library, so a video's summary is read, not recomputed.
Model output is never trusted to be well formed: anything unusable degrades to the notes.
"""
from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass
from typing import Callable

from vidrag.prompts import load as load_prompt
from vidrag.records import Scene
from vidrag.timecode import hms

Progress = Callable[[int, int, str], None]   # (done, total, message)

NOTES_MODEL = "extractive-v1"   # stored with segment rows; a new version recomputes them
SEGMENT_TARGET, SEGMENT_MAX, SEGMENT_MIN = 150.0, 180.0, 60.0   # seconds, cut at scene boundaries
NOTE_CHARS = 380                 # per segment
# Prompt time is what the first summary costs (30-100 prompt tokens/s on 2 cores): the notes sent
# are bounded whatever the video's length (~600 tokens; OCR'd names cost more tokens per char).
VIDEO_PROMPT_CHARS = 2400
SPAN_PROMPT_CHARS = 1200
VIDEO_MAX_TOKENS, SPAN_MAX_TOKENS = 150, 80


@dataclass
class Part:
    video: str
    video_id: int
    path: str
    start: float
    end: float
    text: str
    scene_ids: list[int]


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _distinct(items: list[str], similar: float = 0.8) -> list[tuple[str, int]]:
    """Items with near-duplicates merged (OCR misreads, a sentence repeated across a cut), in
    order of first appearance, each with how often it was seen; the longer spelling is kept."""
    kept: list[list] = []   # [text, key, seen]
    for text in items:
        k = _key(text)
        if not k:
            continue
        for entry in kept:
            if f" {k} " in f" {entry[1]} " or f" {entry[1]} " in f" {k} " or _similar(k, entry[1], similar):
                entry[2] += 1
                if len(k) > len(entry[1]):
                    entry[0], entry[1] = text, k
                break
        else:
            kept.append([text, k, 1])
    return [(t, n) for t, _, n in kept]


def _similar(a: str, b: str, at_least: float) -> bool:
    m = difflib.SequenceMatcher(None, a, b)   # the cheap upper bounds first: segments hold hundreds of lines
    return m.real_quick_ratio() >= at_least and m.quick_ratio() >= at_least and m.ratio() >= at_least


def _pick(items: list[tuple[str, float]], budget: int) -> list[str]:
    """The highest-scored items that fit in budget characters, given back in time order."""
    chosen, used = set(), 0
    for i in sorted(range(len(items)), key=lambda i: -items[i][1]):
        if used + len(items[i][0]) + 3 <= budget:
            chosen.add(i)
            used += len(items[i][0]) + 3
    return [items[i][0] for i in sorted(chosen)]


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1].rsplit(" ", 1)[0] + "…"


def segment_notes(scenes: list[Scene], budget: int = NOTE_CHARS) -> str:
    """What is said, shown as text, and seen in these scenes, in time order, within budget."""
    sentences = [_clip(s.strip(), 140) for sc in scenes for s in re.split(r"(?<=[.!?])\s+", sc.transcript or "")
                 if len(re.findall(r"[A-Za-z]{2,}", s)) >= 2]
    said = [(f'"{t}"', len(set(_key(t).split()))) for t, _ in _distinct(sentences, 0.85)]
    lines = [o.text for sc in scenes for o in sorted(sc.ocr_lines, key=lambda o: o.t) if o.conf >= 0.5] or \
        [x for sc in scenes for x in (sc.ocr_text or "").split(" | ")]
    shown = [(_clip(t.strip(), 60), n + len(t) / 100) for t, n in _distinct(lines)
             if len(re.sub(r"\W", "", t)) >= 3]
    captions = [(_clip(sc.caption, 120), 1.0) for sc in scenes if sc.caption_source == "vlm" and sc.caption]
    in_scenes: dict[str, int] = {}
    for sc in scenes:
        for label in re.findall(r"\d+ ([^,]+)", sc.objects or ""):
            in_scenes[label.strip()] = in_scenes.get(label.strip(), 0) + 1
    top = sorted(in_scenes.items(), key=lambda kv: -kv[1])[:5]
    seen = "Objects: " + ", ".join(f"{k} in {n} scene{'s' * (n > 1)}" for k, n in top) + "." if top else ""
    labels = {"said": "Said: ", "shown": "On screen: ", "captions": "Shown: "}
    shares = {"said": said, "shown": shown, "captions": captions}
    present = [k for k, v in shares.items() if v]
    left, texts = budget - len(seen), {}
    # The least wordy kind first, so the room it leaves goes to the others (a silent stretch's
    # on-screen text gets all the room, and so on); printed in a fixed order afterwards.
    for i, name in enumerate(sorted(present, key=lambda k: sum(len(t) for t, _ in shares[k]))):
        picked = _pick(shares[name], left // (len(present) - i) - len(labels[name]) - 1)
        if picked:
            texts[name] = labels[name] + (" " if name == "said" else "; ").join(picked) + ("" if name == "said" else ".")
            left -= len(texts[name]) + 1
    out = [texts[k] for k in present if k in texts]
    out.append(seen)
    return " ".join(p for p in out if p) or "Nothing was said, written on screen or detected here."


def segments(scenes: list[Scene]) -> list[list[Scene]]:
    """Consecutive scenes grouped into stretches of about SEGMENT_TARGET seconds."""
    groups: list[list[Scene]] = []
    for sc in scenes:
        g = groups[-1] if groups else None
        if g and g[-1].end - g[0].start < SEGMENT_TARGET and sc.end - g[0].start <= SEGMENT_MAX:
            groups[-1].append(sc)
        else:
            groups.append([sc])
    if len(groups) > 1 and groups[-1][-1].end - groups[-1][0].start < SEGMENT_MIN:
        groups[-2].extend(groups.pop())   # a short tail is not worth a part of its own
    return groups


def bounded(parts: list[Part], budget: int) -> str:
    """The parts' notes as time-stamped lines, shortened so the whole fits in budget."""
    each = max(60, budget // max(1, len(parts)) - 22)
    lines = [f"[{hms(p.start)}–{hms(p.end)}] {_clip(p.text, each)}" for p in parts]
    while len("\n".join(lines)) > budget and len(lines) > 1:   # very long videos: keep an even sample
        lines = lines[::2] + ([lines[-1]] if len(lines) % 2 == 0 else [])
    return "\n".join(lines)


def clean_reply(text: str) -> str:
    """The model's summary as plain text, or "" when it is not usable prose."""
    text = re.sub(r"```\w*", "", text or "").strip()
    text = re.sub(r"^(summary|answer)\s*:\s*", "", text, flags=re.I)
    letters = sum(c.isalpha() for c in text)
    if len(text) < 30 or letters < 0.6 * len(text.replace(" ", "")) or text[0] in "{[<" or "</notes>" in text:
        return ""
    sentences, seen = [], set()
    for s in re.split(r"(?<=[.!?])\s+", text):
        if _key(s) and _key(s) not in seen:   # small models loop: drop repeated sentences
            seen.add(_key(s))
            sentences.append(s.strip())
    if len(sentences) > 1 and not sentences[-1].endswith((".", "!", "?", '"')):
        sentences.pop()   # cut off at max_tokens mid-sentence
    return _clip(" ".join(sentences), 1500)


class Summarizer:
    def __init__(self, store, llm, span_model: bool = True):
        # span_model=False answers spans of several parts from their notes: no model call, so any
        # span takes milliseconds (a call takes ~5-12 s on 2 cores).
        self.store, self.llm, self.span_model = store, llm, span_model
        self.model_name = getattr(llm, "name", None) or type(llm).__name__

    def parts(self, video_id: int, start: float | None = None, end: float | None = None,
              progress: Progress | None = None) -> list[Part]:
        """The segment parts overlapping [start, end] (the whole video when None), computed and
        stored on first use."""
        name, path = self.store.video_names([video_id]).get(video_id, ("", ""))
        rows = self.store.summaries(video_id, "segment")
        if not rows or any(r["model"] != NOTES_MODEL for r in rows):
            rows = self._build(video_id, progress)
        parts = [Part(name, video_id, path, r["start"], r["end"], r["text"], r["scene_ids"]) for r in rows]
        return [p for p in parts if _overlaps(p, start, end)]

    def _build(self, video_id: int, progress: Progress | None) -> list[dict]:
        groups = segments(self.store.scenes(video_id, details=True))
        rows = []
        for i, group in enumerate(groups):
            # Stitch parts edge to edge, so the video is covered without gaps even if scenes are not.
            start = rows[-1]["end"] if rows else group[0].start
            rows.append({"start": start, "end": max(group[-1].end, start), "text": segment_notes(group),
                         "scene_ids": [s.id for s in group], "model": NOTES_MODEL})
            if progress:
                progress(i + 1, len(groups) + 1, f"notes for {hms(start)}–{hms(group[-1].end)} ({i + 1}/{len(groups)})")
        self.store.save_summaries(video_id, "segment", rows, NOTES_MODEL)
        return rows

    def summarise(self, video_id: int, start: float | None = None, end: float | None = None,
                  question: str = "", progress: Progress | None = None) -> tuple[str, list[Part]]:
        """The answer text and the parts it rests on. Never raises for what the model replies."""
        everything = self.parts(video_id, progress=progress)
        if not everything:
            return "", []
        chosen = [p for p in everything if _overlaps(p, start, end)]
        if not chosen:
            return (f"{everything[0].video} has nothing indexed between {hms(start or 0)} and "
                    f"{hms(end if end is not None else everything[-1].end)} (it ends at {hms(everything[-1].end)})."), []
        whole = len(chosen) == len(everything) and (start is None or start <= everything[0].start + 1) \
            and (end is None or end >= everything[-1].end - 1)
        if whole:
            stored = self.store.summaries(video_id, "video")
            if stored:
                return stored[0]["text"], everything
            # stored and read for every later question: written for none ("what is the main risk
            # they talk about" once became the meeting's summary)
            text = self._ask("summarise_video", chosen, VIDEO_PROMPT_CHARS, VIDEO_MAX_TOKENS, "", progress)
            if text:
                self.store.save_summaries(video_id, "video", [{
                    "start": chosen[0].start, "end": chosen[-1].end, "text": text,
                    "scene_ids": [i for p in chosen for i in p.scene_ids]}], self.model_name)
                return text, everything
        elif len(chosen) > 1 and self.span_model:
            text = self._ask("summarise_span", chosen, SPAN_PROMPT_CHARS, SPAN_MAX_TOKENS, question, progress)
            if text:
                return text, chosen
        return fallback(chosen, whole), chosen

    def _ask(self, prompt: str, parts: list[Part], budget: int, max_tokens: int, question: str,
             progress: Progress | None) -> str:
        if self.llm is None:
            return ""
        user = load_prompt(prompt).format(
            video=parts[0].video, start=hms(parts[0].start), end=hms(parts[-1].end),
            question=_clip(" ".join(question.split()), 300) or "(none)", notes=bounded(parts, budget))
        if progress:
            progress(len(parts), len(parts) + 1, "writing the summary with the language model")
        t0 = time.perf_counter()
        try:
            reply = self.llm.chat([{"role": "system", "content": load_prompt("summarise_system")},
                                   {"role": "user", "content": user}], max_tokens=max_tokens)
        except Exception:   # any model failure (unreachable, crashed, refused) degrades to the notes
            reply = ""
        text = clean_reply(reply if isinstance(reply, str) else "")
        if progress:
            progress(len(parts) + 1, len(parts) + 1, f"summary written in {time.perf_counter() - t0:.1f}s"
                     if text else "the model's reply was not usable: answering from the notes")
        return text


def fallback(parts: list[Part], whole: bool) -> str:
    """A plain-text answer from the notes themselves, with the time of each."""
    head = f"What is said and shown in {parts[0].video}" + ("" if whole else f" from {hms(parts[0].start)} to {hms(parts[-1].end)}")
    return head + ":\n" + bounded(parts, VIDEO_PROMPT_CHARS if whole else SPAN_PROMPT_CHARS)


def _overlaps(p: Part, start: float | None, end: float | None) -> bool:
    lo = float("-inf") if start is None else start
    hi = float("inf") if end is None else end
    if lo == hi:   # one moment: the part that holds it
        return p.start <= lo < p.end
    return p.start < hi and p.end > lo
