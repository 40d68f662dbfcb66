"""The answering agent, a LangGraph StateGraph that reads as the algorithm:

understand ─┬─ count / order / when ──→ operate ─┬─ exact answer ──────────────→ finish
            │                                    └─ nothing literal ─┐
            ├─ summarise ──→ summarise ──→ finish                    │
            └─ everything else ──→ retrieve ←───────────────────────┘
                                     ↓
                                  answer → verify ─┬─ supported ──→ finish
                                     ↑             └─ not (once, in time) → refine ─┐
                                     └──────────── retrieve ←─────────────────────┘

understand reads the question into a QueryPlan (agent/plan.py); operate answers from word, OCR
and detection times (agent/operate.py); retrieve gathers evidence that holds the answer
(agent/evidence.py); answer reads it off the evidence's layout where that answers (a credits
page's pairing, the sentence said right after a moment: answer.read_off), else the model answers
only from it; verify (agent/check.py) rejects specifics the evidence lacks and answers to
another question. Abstaining takes retrieval, the model and the check together.
"""
from __future__ import annotations

import time
from typing import Any, TypedDict

from langgraph.graph import END, StateGraph

from vidrag.agent import operate
from vidrag.agent.answer import Answer, Citation, NOT_FOUND, UNCONFIRMED, Reader, item_chars, read_off
from vidrag.agent.check import check
from vidrag.agent.evidence import Item
from vidrag.agent.gather import Gatherer
from vidrag.agent.grounding import AWAY, ELSEWHERE, NOT_SAID, NOT_SHOWN, about_question, asked_field, at_moment, names_in
from vidrag.agent.text import contains_phrase, respelled
from vidrag.agent.plan import QueryPlan, lookups, plan, topic_of

MAX_QUESTION = 2000


class State(TypedDict, total=False):
    question: str
    video: str | None
    options: list[str]
    plan: QueryPlan
    items: list[Item]
    reply: dict[str, Any]
    exact: bool
    attempts: int
    problem: str
    outcome: str
    trace: list[dict[str, Any]]


class Agent:
    def __init__(self, searcher, llm, images: bool = False, top_k: int = 5, max_refinements: int = 1,
                 summarizer=None, deadline: float = 10.0):
        self.searcher, self.llm, self.max_refinements, self.deadline = searcher, llm, max_refinements, deadline
        self.gather = Gatherer(searcher, top_k)
        self.reader = Reader(llm, searcher.store, images)
        self.summarizer, self._progress = summarizer, None
        g = StateGraph(State)
        for name in ("understand", "operate", "summarise", "retrieve", "answer", "verify", "refine"):
            g.add_node(name, self._timed(name, getattr(self, name)))
        g.set_entry_point("understand")
        g.add_conditional_edges("understand", self._route, ["operate", "summarise", "retrieve"])
        g.add_conditional_edges("operate", lambda s: END if s.get("exact") else "retrieve", [END, "retrieve"])
        g.add_edge("summarise", END)
        g.add_edge("retrieve", "answer")
        g.add_edge("answer", "verify")
        g.add_conditional_edges("verify", lambda s: "refine" if s.get("problem") and s.get("attempts", 0) <
                                self.max_refinements and s["outcome"] != "not_found" and self._in_time(s) else END,
                                ["refine", END])
        g.add_edge("refine", "retrieve")
        self.graph = g.compile()

    def warm(self) -> None:
        """Load the model and the embedder before the first question, so it pays only for itself."""
        self.reader.warm()
        if len(self.searcher.index("text")):
            self.searcher.embedder().encode(["warm up"])

    def _timed(self, name: str, fn):
        def node(state: State) -> dict:
            t0 = time.perf_counter()
            update = fn(state)
            step: dict[str, Any] = {"step": name, "seconds": round(time.perf_counter() - t0, 3)}
            if "plan" in update:
                step.update(update["plan"].to_dict())
            if "items" in update:
                step["evidence"] = len(update["items"])
            step.update({k: update[k] for k in ("problem", "outcome") if update.get(k)})
            if name == "answer" and update.get("reply"):
                step["reply"] = {k: update["reply"].get(k) for k in ("found", "answer", "citations")}
            update["trace"] = state.get("trace", []) + [step]
            return update
        return node

    def _in_time(self, state: State) -> bool:
        """Whether a second reading still ends within the deadline (10 s by default: the slowest
        answers are the retried ones, and an answer past it is rarely worth the wait on a laptop).
        It is about as long as the first, or shorter by as much as it reads less (a third at
        least) when it reads only some of the first's items (_narrowed)."""
        steps = state.get("trace", [])
        read = max((s["seconds"] for s in steps if s["step"] == "answer"), default=0.0)
        fewer = self._narrowed(state)
        if fewer:
            size = lambda items: sum(min(len(i.text()), item_chars(len(items))) for i in items) or 1   # as read
            read *= max(1 / 3, size(fewer) / size(state.get("items") or []))
        return sum(s["seconds"] for s in steps) + read <= self.deadline

    def _narrowed(self, state: State) -> list[Item]:
        """The items a retry reads: only those about the question (not for what follows a moment,
        which need not hold the question's words); for an answer said where a sign was asked
        about (or shown where speech was), only those holding the kind asked; for one from
        evidence not naming whom it asks about, those naming them; for one from away from the moment
        asked, those at it. [] when it searches again."""
        p, items, problem = state["plan"], state.get("items") or [], state.get("problem") or ""
        if p.intent == "neighbour":
            return []
        about = [i for i in items if about_question([i], p.terms)] if p.terms else items
        if problem in (NOT_SAID, NOT_SHOWN):
            about = [i for i in about if i.has(asked_field(p))] or about
        if problem == AWAY:
            about = at_moment(p, items)
        if problem.startswith(ELSEWHERE):
            names = [w for n in names_in(p.question, [v.name for v in self.searcher.store.videos()]) for w in n]
            about = [i for i in items if any(contains_phrase(i.text(), w) for w in names)] or about
        return about if about and len(about) < len(items) else []

    @staticmethod
    def _route(state: State) -> str:
        intent = state["plan"].intent
        if state.get("options"):
            return "retrieve"      # multiple choice: the model picks among the options
        if state["plan"].catalogue:
            return "operate"       # "which is the longest video": the library's own list answers it
        return {"count": "operate", "order": "operate", "when": "operate", "summarise": "summarise"}.get(intent, "retrieve")

    # ---- nodes --------------------------------------------------------------------------
    def understand(self, state: State) -> dict:
        videos = [v for v in self.searcher.store.videos() if v.status != "failed"]
        names = [v.name for v in videos]
        # "waht time", "how many ppl"; "what's kevin bringing": Kevin, a name
        question = self.gather.as_names(respelled(state["question"]))
        held = {phrase: self.gather.holders(phrase, videos) for phrase in lookups(question, names)}
        p = plan(question, names, held)
        if p.described and p.videos and self.gather.hint_misleads(p):
            p.videos = []   # what describes a video is a hint only
        if state.get("video"):
            p.videos = [v.name for v in self.searcher.store.find_videos(state["video"])]
        return {"plan": p, "attempts": 0}

    def operate(self, state: State) -> dict:
        found = operate.exact(self.gather, state["plan"])
        return self._exact(*found) if found else {}

    def _exact(self, text: str, found: list) -> dict:
        """The answer of an exact operation, citing what it found (moments, or whole videos)."""
        items = [m if isinstance(m, Item) else Item.of_moment(m) for m in found]
        return {"exact": True, "items": items, "outcome": "answered",
                "reply": {"found": True, "answer": text, "citations": list(range(len(items))), "confidence": 0.9}}

    def summarise(self, state: State) -> dict:
        p = state["plan"]
        store = self.searcher.store
        videos = [v for v in store.videos() if v.status != "failed" and (not p.videos or v.name in p.videos)]
        names = names_in(p.question, [v.name for v in videos]) if len(videos) > 1 else []
        held = [set(self.gather.holders(" ".join(n), videos)) for n in names]
        if held and len(set.intersection(*held)) == 1:
            # "summarise the Sense and Sensibility passage": the one video naming what it names
            videos = [v for v in videos if v.name in set.intersection(*held)]
        if len(videos) != 1 or self.summarizer is None or p.videos and topic_of(p, videos[0].name):
            # which video? the evidence decides; and what a video named says of one topic, the evidence on it
            return self._summary_by_retrieval(state)
        v = videos[0]
        start, end = self.gather.windows(p).get(v.id, (None, None)) if p.timed else (None, None)
        text, parts = self.summarizer.summarise(v.id, start, end, question=p.question,
                                                progress=getattr(self, "_progress", None))
        items = [Item(x.video, x.video_id, x.path, x.start, x.end, x.start, x.end, [("summary", x.text)], x.scene_ids)
                 for x in parts]
        return {"items": items, "outcome": "answered" if parts else "not_found",
                "reply": {"found": bool(parts), "answer": text, "citations": list(range(len(items))), "confidence": 0.7}}

    def _summary_by_retrieval(self, state: State) -> dict:
        update = {"items": self.gather.evidence(state["plan"], state.get("options"))}
        update.update(self.answer(dict(state, **update)))
        update.update(self.verify(dict(state, **update)))
        return update

    def retrieve(self, state: State) -> dict:
        p, again = state["plan"], state.get("attempts", 0) > 0
        fewer = self._narrowed(state) if again else []
        return {"items": fewer or self.gather.evidence(p, state.get("options"), wide=again), "exact": False}

    def answer(self, state: State) -> dict:
        items = state["items"]
        if not items:
            return {"reply": {"found": False}}
        # the moment a before/after question names is kept for the checks, not shown: the model
        # gives it back as what follows it ("He was not an ill-disposed young man.")
        shown = [i for i in items if not i.anchor] or items
        laid_out = None if state.get("options") else read_off(state["plan"], shown)
        if laid_out:
            return {"reply": {"found": True, "answer": laid_out[0], "citations": [items.index(shown[laid_out[1]])],
                              "confidence": 0.8}}
        reply = self.reader.read(state["plan"], shown, state.get("options"))
        return {"reply": dict(reply, citations=[items.index(shown[c]) for c in reply["citations"]])}

    def verify(self, state: State) -> dict:
        return check(state["plan"], state["items"], state.get("reply") or {}, state.get("options") or [], self.gather)

    def refine(self, state: State) -> dict:
        return {"attempts": state.get("attempts", 0) + 1}

    # ---- the answer -----------------------------------------------------------------------
    def run(self, question: str, video: str | None = None, options: list[str] | None = None,
            progress=None) -> Answer:
        self._progress = progress
        final = self.graph.invoke({"question": question, "video": video, "options": list(options or []), "trace": []})
        p, items, reply = final["plan"], final.get("items") or [], final.get("reply") or {}
        outcome = final.get("outcome") or ("answered" if reply.get("found") else "not_found")
        trace = final.get("trace", [])
        if outcome != "answered":
            related = [Citation.of(i) for i in items[:3]] if outcome == "unconfirmed" else []
            return Answer(question, UNCONFIRMED if outcome == "unconfirmed" else NOT_FOUND, False, 0.5,
                          kind=p.intent, trace=trace, outcome=outcome, related=related, plan=p.to_dict(),
                          problem=final.get("problem", ""))
        cites = [items[i] for i in reply.get("citations", []) if 0 <= i < len(items)]
        text, choice = self.reader.finish(p, str(reply.get("answer", "")).strip(), cites, items, options)
        return Answer(question, text, True, float(reply.get("confidence", 0.7)), [Citation.of(i) for i in cites],
                      p.intent, trace, choice, outcome="answered", plan=p.to_dict())
