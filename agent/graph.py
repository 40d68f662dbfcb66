"""The answering agent, a LangGraph StateGraph with one node per step:

understand → retrieve → answer → check ─┬→ finish
                 ↑                       │
                 └──── refine ←──────────┘ (citations missing or unsupported, at most N times)

Counting and ordering questions get every matching scene in time order, not a top-k; whole-video
summaries map over scenes and reduce. An open question about things no scene mentions or resembles
(agent/unseen.py) retrieves nothing, so the answer is that the library does not show it.
"""
from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any, TypedDict

from langgraph.graph import END, StateGraph

from vidrag.prompts import load as load_prompt
from vidrag.agent.llm import LLMError, parse_json
from vidrag.agent.search import STOP, Hit, Searcher, mentions, query_terms, term_count
from vidrag.agent.timeline import alternatives, count_reply, hms, order_reply, when_reply
from vidrag.agent.unseen import content_terms, unseen_terms

NOT_FOUND = "The library does not show this."
MAX_QUESTION = 2000
ANSWER_SCHEMA = {"type": "object", "properties": {
    "found": {"type": "boolean"}, "answer": {"type": "string"},
    "citations": {"type": "array", "items": {"type": "string"}}, "confidence": {"type": "number"}},
    "required": ["found", "answer", "citations", "confidence"]}
KINDS = [("count", r"\bhow many\b|\bcount\b|\bnumber of\b|\bhow often\b"),
         ("order", r"\bbefore\b|\bafter\b|\bfirst\b|\border\b|\bsequence\b|\bearlier\b|\blater\b"),
         ("summarise", r"\bsummar|\boverview\b|\bwhat happens in\b"),
         ("compare", r"\bcompare\b|\bdifference\b|\bversus\b|\bvs\b"),
         # asking for a time, not "which code is shown when ..." nor "when ..., what does he say?"
         ("when", r"^\W*(?:when\b|(?:at )?what (?:time|point|moment)\b)(?!.*\b(?:what|which|who|how|where)\b)"
                  r"|\btimestamp\b")]


@dataclass
class Citation:
    video: str
    path: str
    start: float
    end: float
    snippet: str

    def label(self) -> str:
        return f"{self.video} @ {hms(self.start)}–{hms(self.end)}"


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

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for c, cd in zip(self.citations, d["citations"]):
            cd["label"] = c.label()
        return d


TIME = r"(\d{1,2}:\d{2}(?::\d{2})?|\d+(?:\.\d+)?\s*(?:s|sec|seconds?|m|min|minutes?)\b)"


def seconds_of(text: str) -> float:
    """'1:30' -> 90, '2 minutes' -> 120, '45 s' -> 45."""
    if ":" in text:
        return float(sum(int(p) * 60 ** i for i, p in enumerate(reversed(text.split(":")))))
    number = float(re.match(r"[\d.]+", text).group())
    return number * 60 if re.search(r"m", text) else number


def time_range(question: str) -> tuple[float | None, float | None]:
    """A time window named in the question: between/from A and/to B, after A, before B."""
    q = question.lower()
    m = re.search(rf"(?:between|from)\s+{TIME}\s+(?:and|to)\s+{TIME}", q)
    if m:
        return seconds_of(m.group(1)), seconds_of(m.group(2))
    after = re.search(rf"\b(?:after|since)\s+{TIME}", q)
    before = re.search(rf"\b(?:before|until)\s+{TIME}", q)
    return (seconds_of(after.group(1)) if after else None, seconds_of(before.group(1)) if before else None)


WINDOW = re.compile(r"^\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*[–-]\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*$")


def window_choice(options: list[str], cited: list[tuple[float, float]], slack: float = 1.5) -> int | None:
    """When every option is a time window ("00:04:53–00:04:58"), the one that overlaps the best
    ranked cited moment (cited: best first) that overlaps any: the citations already say when, and
    a small model reads clocks badly. Windows written in whole seconds get `slack` either side
    (text read at 9:28.4 is "00:09:23–00:09:28")."""
    spans = [WINDOW.match(o) for o in options]
    if not cited or not all(spans):
        return None
    for a, b in cited:
        overlap = [max(0.0, min(b, seconds_of(m.group(2)) + slack) - max(a, seconds_of(m.group(1)) - slack)) for m in spans]
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


def focus(text: str, terms: list[str], sep: str) -> str:
    """The parts of a field (OCR lines, words) that hold query terms first, the rest after in order:
    a scene's credits or a long transcript must not push the match past the evidence cut."""
    if sep == " ":   # speech: start a little before the first matching word
        low = text.lower()
        at = min((low.find(t) for t in terms if t in low), default=-1)
        start = text.rfind(" ", 0, max(0, at - 60)) + 1 if at > 80 else 0
        return ("… " if start else "") + text[start:]
    parts = text.split(sep)
    return sep.join(sorted(parts, key=lambda p: -term_count(p, terms)))


def unsupported_values(answer: str, evidence: str, question: str = "") -> list[str]:
    """Names the answer quotes, writes in capitals or capitalises mid-sentence that neither the
    cited evidence nor the question contains: the small model's way of inventing things
    ("the dog is named 'Buddy'", "... named Max") or of reading out a sign it was shown for
    another reason."""
    values = (re.findall(r"['\"“‘]([^'\"”’]{2,40})['\"”’]", answer) + re.findall(r"\b[A-Z]{3,}\b", answer)
              + re.findall(r"(?<=[a-z,;:] )[A-Z][a-z]{2,}\b", answer))
    haystack = (evidence + " " + question).lower()
    return [v for v in values if v.lower() not in haystack]


ASKS_FOR_WORDS = re.compile(r"\b(name|named|called|title|number|code|password|word|say|says|said|written)\b", re.I)


def repeats_question(answer: str, question: str) -> bool:
    """Whether a reply to "what is the name of X / what does X say" only gives back the
    question's own words ("What is the name of the dog?" -> "dog"; "What does the motorcycle
    sign say?" -> "MOTORCYCLE", read off an object label): that names nothing. Not for questions
    that offer alternatives ("A or B"), whose answer is one of the question's words."""
    words = set(re.findall(r"\w+", answer.lower())) - STOP
    return (bool(ASKS_FOR_WORDS.search(question) and words) and " or " not in question.lower()
            and words <= set(re.findall(r"\w+", question.lower())))


class State(TypedDict, total=False):
    question: str
    video: str | None
    start: float | None
    end: float | None
    kind: str
    query: str
    attempts: int
    hits: list[Hit]
    reply: dict[str, Any]
    problem: str
    evidence: list[str]
    strict: bool
    unseen: list[str]
    options: list[str]
    trace: list[dict[str, Any]]


class Agent:
    def __init__(self, searcher: Searcher, llm, images: bool = False, top_k: int = 3, max_refinements: int = 1,
                 min_similarity: float = 0.25, strong_similarity: float = 0.45, all_cap: int = 16):
        self.searcher, self.llm, self.images = searcher, llm, images
        self.top_k, self.max_refinements = top_k, max_refinements
        self.min_similarity, self.strong_similarity, self.all_cap = min_similarity, strong_similarity, all_cap
        g = StateGraph(State)
        for name in ("understand", "retrieve", "answer", "check", "refine"):
            g.add_node(name, self._timed(name, getattr(self, name)))
        g.set_entry_point("understand")
        g.add_edge("understand", "retrieve")
        g.add_edge("retrieve", "answer")
        g.add_edge("answer", "check")
        g.add_conditional_edges("check", lambda s: "refine" if s.get("problem") and
                                s.get("attempts", 0) < self.max_refinements else END)
        g.add_edge("refine", "retrieve")
        self.graph = g.compile()

    def warm(self) -> None:
        """Load what every question needs and evaluate the fixed system prompt once, so each
        question only pays for its own tokens (the model server reuses the cached prefix)."""
        self.llm.chat([{"role": "system", "content": load_prompt("answer_system")},
                       {"role": "user", "content": "ready?"}], max_tokens=1)
        if len(self.searcher.index("text")):
            self.searcher.embedder().encode(["warm up"])   # the first question should not load it

    def _timed(self, name: str, fn):
        def node(state: State) -> dict:
            t0 = time.perf_counter()
            update = fn(state)
            step = {"step": name, "seconds": round(time.perf_counter() - t0, 3)}
            step.update({k: v for k, v in update.items() if k in ("kind", "query", "problem", "video", "start", "end", "unseen") and v})
            if "hits" in update:
                step["hits"] = len(update["hits"])
            update["trace"] = state.get("trace", []) + [step]
            return update
        return node

    # ---- nodes --------------------------------------------------------------------------
    def understand(self, state: State) -> dict:
        q = state["question"].lower()
        kind = next((k for k, pattern in KINDS if re.search(pattern, q)), "lookup")
        update: dict[str, Any] = {"kind": kind, "query": state["question"], "attempts": 0}
        if not state.get("video"):   # a video named in the question narrows the search to it
            named = [v.name for v in self.searcher.store.videos()
                     if v.name.lower() in q or (len(v.name.rsplit(".", 1)[0]) > 3 and v.name.rsplit(".", 1)[0].lower() in q)]
            if len(named) == 1:
                update["video"] = named[0]
        update["start"], update["end"] = time_range(state["question"])
        return update

    def retrieve(self, state: State) -> dict:
        kind = state["kind"]
        if kind == "summarise" and state.get("video"):
            return {"hits": self._whole_video(state["video"])}
        wide = kind in ("count", "order", "summarise")
        # Scene-level hits, not merged spans, so each citation stays a short window to check; but
        # when counting, a sign seen across a cut is one appearance.
        hits = self.searcher.search(state["query"], k=self.all_cap if wide else self.top_k,
                                    video=state.get("video"), start=state.get("start"), end=state.get("end"),
                                    merge=kind == "count", min_similarity=self.min_similarity)
        if kind == "order" and alternatives(state["question"]):   # each alternative weighs its own words
            keep = {id(h) for name in alternatives(state["question"]) for h in self._most_specific(hits, name)}
            hits = [h for h in hits if id(h) in keep]
        elif kind in ("count", "order"):
            hits = self._most_specific(hits, state["query"])
        elif any(h.keyword and h.similarity >= self.strong_similarity for h in hits):
            about = self._about(state["question"], hits)   # a scene matches literally and in meaning: drop the weak ones
            hits = [h for h in hits if self._supports(h, about)]
        if state.get("options") and not wide and not self._names_an_option(hits, state["options"]):
            # Multiple choice: evidence for each option too, but only when the question's own
            # evidence names none; otherwise a scene found for a wrong option only distracts.
            seen = {h.scene_ids[0] for h in hits}
            for option in state["options"]:
                for h in self.searcher.search(f"{state['query']} {option}", k=1, video=state.get("video"),
                                              start=state.get("start"), end=state.get("end"), merge=False,
                                              min_similarity=self.min_similarity):
                    if h.scene_ids[0] not in seen:
                        seen.add(h.scene_ids[0])
                        hits.append(h)
        if state.get("strict") and any(h.keyword for h in hits):
            hits = [h for h in hits if h.keyword]   # after a failed check: literal matches only
        if wide:   # every matching scene, in time order
            hits = sorted(hits, key=lambda h: (h.video, h.start))
        if hits and not state.get("options"):   # multiple choice must pick; an open question may abstain
            unseen = unseen_terms(state["question"], hits, self.searcher.store, self.searcher.embedder(),
                                  state.get("video"))
            if unseen:
                return {"hits": [], "unseen": unseen}
        return {"hits": hits}

    def answer(self, state: State) -> dict:
        hits = state["hits"]
        if not hits:
            return {"reply": {"found": False, "answer": NOT_FOUND, "citations": [], "confidence": 0.9}}
        shown = self._showing_all(state["question"], hits) if state["kind"] == "when" else []
        if shown:   # every moment that shows all the question names, rather than the model's pick of one
            shown = sorted(shown, key=lambda h: h.cite_start)
            return {"reply": when_reply(shown), "hits": shown, "evidence": [h.snippet for h in shown]}
        if all(h.keyword for h in hits):   # every moment matched literally: count or order by their times
            reply = count_reply(hits) if state["kind"] == "count" else \
                order_reply(state["question"], hits) if state["kind"] == "order" else None
            if reply:
                return {"reply": reply, "hits": hits, "evidence": [h.snippet for h in hits]}
        if not state.get("options") and any(h.keyword for h in hits):
            about = self._about(state["question"], hits)
            if not any(self._supports(h, about) for h in hits):   # check would refuse every citation: skip the model
                return {"reply": {}, "problem": "no retrieved scene is about what the question names", "hits": hits}
        if state["kind"] == "summarise" and len(hits) > 12:
            hits = self._map_summaries(hits)
        # Every prompt token costs ~25 ms on 2 cores: lists for counting/ordering show only what matched.
        compact = state["kind"] in ("count", "order")
        scenes = {} if compact else self.searcher.store.scenes_by_id([sid for h in hits for sid in h.scene_ids])
        terms = query_terms(state["query"])
        evidence = [self._evidence_item(i, h, scenes, 80 if compact else 200, terms) for i, h in enumerate(hits, 1)]
        question = state["question"]
        if state.get("options"):
            question += ("\nOptions:\n" + "\n".join(f"- {o}" for o in state["options"])
                         + "\nSet answer to the one option the evidence supports, written exactly as listed.")
        user = load_prompt("answer_user").format(kind=state["kind"], question=question, evidence="\n".join(evidence))
        messages = [{"role": "system", "content": load_prompt("answer_system")},
                    {"role": "user", "content": self._with_images(user, hits) if self.images else user}]
        text = self.llm.chat(messages, schema=ANSWER_SCHEMA, max_tokens=120)
        try:
            reply = parse_json(text)
        except LLMError:
            return {"reply": {}, "problem": "reply was not JSON", "hits": hits}
        return {"reply": reply, "hits": hits, "evidence": evidence}

    def check(self, state: State) -> dict:
        reply, hits = state.get("reply") or {}, state["hits"]
        if not reply:
            return {"problem": state.get("problem") or "no reply"}
        if not reply.get("found", True):
            return {"problem": ""}
        ids = {f"E{i}" for i in range(1, len(hits) + 1)}
        cited = [c for c in map(str, reply.get("citations") or []) if c in ids]
        if not cited:
            return {"problem": "answer cites no evidence"}
        about = self._about(state["question"], hits)
        supported = [c for c in cited if self._supports(hits[int(c[1:]) - 1], about)]
        if not supported and any(h.keyword for h in hits):
            return {"problem": "cited evidence does not match the question"}
        answer, evidence = str(reply.get("answer", "")), state.get("evidence") or []
        missing = unsupported_values(answer, "\n".join(evidence[int(c[1:]) - 1] for c in supported or cited),
                                     state["question"] + " " + " ".join(state.get("options") or []))
        if missing:
            return {"problem": f"answer names what the cited evidence does not show: {', '.join(missing)}"}
        if not state.get("options") and repeats_question(answer, state["question"]):
            return {"problem": "answer only repeats the question"}
        return {"problem": "", "reply": dict(reply, citations=supported or cited)}

    def _about(self, question: str, hits: list[Hit]) -> set[int] | None:
        """The scenes among the hits that hold a word naming what the question is about (None: it
        names nothing): a scene matching only "sign" or "say" is not about a red umbrella sign."""
        content = content_terms(question)
        return self.searcher.store.holding_any(content, [sid for h in hits for sid in h.scene_ids]) if content else None

    def _showing_all(self, question: str, hits: list[Hit]) -> list[Hit]:
        """The hits whose scenes hold every word naming what the question is about ([] when it
        names nothing): "When does a cat appear?" is answered by each "1 cat" scene retrieved."""
        content = content_terms(question)
        ids = [sid for h in hits for sid in h.scene_ids]
        holding = [self.searcher.store.holding_any([t], ids) for t in content]
        return [h for h in hits if content and any(all(sid in held for held in holding) for sid in h.scene_ids)]

    def _supports(self, h: Hit, about: set[int] | None = None) -> bool:
        """A cited item must share a word with the question or be close in meaning to it. When the
        question names what it is about and some retrieved scenes hold those words (`about`), it
        must be one of them: closeness in meaning alone let "the password is hammer" answer which
        code is shown when the gate is mentioned."""
        if about:
            return any(sid in about for sid in h.scene_ids)
        return h.similarity >= self.strong_similarity or (h.keyword and about is None)

    def refine(self, state: State) -> dict:
        terms = query_terms(state["question"])
        # Broaden: the content words alone, so keyword search and embeddings weigh only them.
        return {"query": " ".join(terms) or state["question"], "attempts": state.get("attempts", 0) + 1,
                "kind": state["kind"], "strict": True}

    # ---- helpers ------------------------------------------------------------------------
    def _most_specific(self, hits: list[Hit], query: str, share: float = 0.6) -> list[Hit]:
        """Counting and ordering list every match, so a scene that shares only a common word with
        the question must not be counted: keep the hits whose matched terms, weighted by rarity,
        come to at least `share` of the best hit's. Words that say how a thing is shown ("sign")
        weigh nothing: "SIGN: QUARTZ" is not an appearance of the sign EXIT FJORD."""
        rarity = self.searcher.store.term_rarity(content_terms(query) or query_terms(query))
        weight = lambda h: sum(w for t, w in rarity.items() if re.search(rf"\b{re.escape(t)}", h.snippet.lower()))
        best = max(map(weight, hits), default=0.0)
        return [h for h in hits if weight(h) >= share * best] if best else hits

    def _names_an_option(self, hits: list[Hit], options: list[str]) -> bool:
        scenes = self.searcher.store.scenes_by_id([sid for h in hits for sid in h.scene_ids])
        text = " ".join(f"{s.transcript} {s.ocr_text} {s.objects}" for s in scenes.values())
        return any(mentions(text, o) for o in options)

    def _with_images(self, text: str, hits: list[Hit]) -> list[dict]:
        """For vision models: the evidence scenes' keyframes, in evidence order, as one grid."""
        import cv2
        from vidrag.indexers.caption import image_grid, jpeg_data_url
        store = self.searcher.store
        scenes = store.scenes_by_id([h.scene_ids[0] for h in hits[:4]])
        images = [cv2.imread(str(store.root / s.thumb)) for s in scenes.values() if s.thumb]
        images = [i for i in images if i is not None]
        if not images:
            return [{"type": "text", "text": text}]
        note = "\nThe image shows the keyframes of the first evidence items, left to right, top to bottom."
        return [{"type": "text", "text": text + note},
                {"type": "image_url", "image_url": {"url": jpeg_data_url(image_grid(images))}}]

    @staticmethod
    def _evidence_item(i: int, h: Hit, scenes: dict | None = None, limit: int = 240, terms: list[str] = ()) -> str:
        s = (scenes or {}).get(h.scene_ids[0]) if len(h.scene_ids) == 1 else None
        if s is None:
            body = f" {h.modality}: {h.snippet}"
        else:
            fields = [(label, focus(text, terms, sep)) for label, text, sep in (
                ("speech", s.transcript, " "), ("on-screen text", s.ocr_text, " | "), ("objects", s.objects, ", "),
                ("description", s.caption if s.caption_source == "vlm" else "", " ")) if text]
            # The item is cut at `limit`: what matches the question goes first so the cut spares it.
            fields.sort(key=lambda f: -term_count(f[1], terms))
            body = "".join(f"\n  {label}: {text}" for label, text in fields)
        body = body.replace("<", "‹").replace(">", "›")   # evidence cannot close its own fence
        return f"E{i} (video {h.video}, {hms(h.start)}–{hms(h.end)}):{body[:limit]}"

    def _whole_video(self, ref: str) -> list[Hit]:
        store = self.searcher.store
        out = []
        for v in store.find_videos(ref):
            for s in store.scenes(v.id):
                text = " | ".join(x for x in (s.transcript, s.ocr_text, s.objects, s.caption) if x)
                out.append(Hit(v.name, v.id, s.start, s.end, 0.0, text[:240], "scene", [s.id], s.start, s.end, v.path))
        return out

    def _map_summaries(self, hits: list[Hit], chunk: int = 12) -> list[Hit]:
        """Map: summarise runs of scenes; reduce happens in the answer step over these."""
        out = []
        for i in range(0, len(hits), chunk):
            part = hits[i:i + chunk]
            text = self.llm.chat([{"role": "user", "content": load_prompt("summarise_chunk").format(
                evidence="\n".join(self._evidence_item(j, h) for j, h in enumerate(part, 1)))}], max_tokens=160)
            first, last = part[0], part[-1]
            out.append(Hit(first.video, first.video_id, first.start, last.end, 0.0, text.strip()[:600], "summary",
                           [sid for h in part for sid in h.scene_ids], first.start, last.end, first.path))
        return out

    def run(self, question: str, video: str | None = None, options: list[str] | None = None) -> Answer:
        final = self.graph.invoke({"question": question, "video": video, "options": list(options or []), "trace": []})
        reply, hits = final.get("reply") or {}, final.get("hits") or []
        trace = final.get("trace", [])
        problem = final.get("problem")
        if problem == "reply was not JSON":
            raise LLMError("the answer model's reply was not valid JSON, even after a retry")
        if problem or not reply.get("found", False):
            return Answer(question, NOT_FOUND, False, float(reply.get("confidence", 0.5) if not problem else 0.3),
                          kind=final["kind"], trace=trace)
        by_id = {f"E{i}": h for i, h in enumerate(hits, 1)}
        cites = [by_id[c] for c in reply["citations"]]
        text = str(reply.get("answer", "")).strip()
        choice = None
        if options:
            # Cited moments first, best ranked (E1) first; then the rest, when no cited one is an option.
            ranked = sorted(by_id, key=lambda c: (c not in reply["citations"], int(c[1:])))
            by_time = window_choice(options, [(by_id[c].cite_start, by_id[c].cite_end) for c in ranked])
            choice = choice_of(text, options) if by_time is None else by_time
            if choice is not None and (by_time is not None or len(text) <= 3):
                text = f"{chr(65 + choice)}. {options[choice]}"
        return Answer(question, text, True, max(0.0, min(1.0, float(reply.get("confidence", 0.5) or 0.5))),
                      [Citation(h.video, h.path, round(h.cite_start, 2), round(h.cite_end, 2), h.snippet) for h in cites],
                      final["kind"], trace, choice)
