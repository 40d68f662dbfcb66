"""What kind of answer a question asks for, and where the answer stands in the evidence.

"Which catering company", "what song", "which actor": the noun after what or which says that the
answer is a name of that kind. An answer naming nothing in the question's own words ("payment
provider" for "which payment company"; "MUSICIANS PLAYING" for "what song are the musicians
playing") is no such name; nor is a name read off a line about something else (the budget
slide's "Marketing" row for "which payment provider", which no slide or sentence names).
"""
from __future__ import annotations

import re

from vidrag.agent.evidence import Item, units_of
from vidrag.agent.plan import QueryPlan
from vidrag.agent.text import STOP, holds_any, normalise, stems, words
from vidrag.agent.values import in_text, specifics

# "what's the name of the payment provider", "what is the band called"
NAME_ASKED = re.compile(r"\b(?:what|which)\b.*\bnames? of\b|\b(?:is|are|was|were)\s+(?:\w+\s+){1,4}called\b|\bcalled what\b")
# kinds of things the evidence rarely names beside their kind ("Made with | MoviePy"); most are
# named by a proper name (NAMED_ONLY), some by a plain noun too ("what tool" -> "a saw")
NAME_KINDS = ("tool|software|program|programme|app|application|company|firm|studio|brand|organi[sz]ation|"
              "engine|website|site|product|library|framework|band|group|label|publisher|author|novel|book|"
              "provider|vendor|supplier|caterer|airline|song|track|tune|album|actor|actress|singer|artist")
NAMED_ONLY = set("company firm studio brand organisation organization band label publisher author provider vendor "
                 "supplier caterer airline song album actor actress singer artist".split())
# asked as "which payment company is", "what kind of tool was" (not "what the group did")
KIND_ASKED = re.compile(rf"\b(?:what|which)\s+(kind of\s+|sort of\s+|type of\s+)?(?:(?!the\b|this\b|that\b|my\b|a\b|an\b)"
                        rf"[a-z]+\s+)?({NAME_KINDS})\s+(?:is|was|are|were|did|does|do|has|had|will|would|can|could|gets?|got)\b")
# what says what a name is stands this near it: two sentences either side, or the frame before
# or after on screen ("WITH THE FINANCIAL SUPPORT FROM / Digital Pioneers fund"), or the same frame
# (a column of names under STUDIO SOFTWARE)
NEAR = {"speech": 2, "on-screen text": 1}


def name_asked(p: QueryPlan) -> str:
    """The kind of name a question asks for ("company"), "name" for "what is it called", or ''."""
    q = normalise(p.question)
    m = KIND_ASKED.search(q)
    return m.group(2) if m else "name" if NAME_ASKED.search(q) else ""


def names_nothing(p: QueryPlan, answer: str) -> bool:
    """A name is asked and the answer holds none that is not mostly the question's own words:
    "Our biggest risk is the payment provider integration." A kind asked ("which payment
    company") is answered by a plain noun too ("a saw" for "what tool"), unless the answer's words
    are mostly the question's ("payment provider"; "MUSICIANS PLAYING" for "what song are the
    musicians playing")."""
    kind, asked = name_asked(p), set(stems(p.question))
    if not kind:
        return False
    own = lambda x: set(stems(x)) or {x}
    if [x for x in specifics(answer) if len(own(x) - asked) * 2 >= len(own(x))]:
        return False
    said = set(stems(" ".join(w for w in words(answer) if w not in STOP)))
    return kind == "name" or len(said & asked) * 2 >= len(said) > 0


def name_kind(p: QueryPlan, answer: str, cited: list[Item], scope: list[Item]) -> str:
    """The kind of name asked for ("tool"), when the answer is a name the cited evidence holds and
    the evidence does not say the kind itself: a name rarely stands beside its kind ("Made with |
    MoviePy"), so the kind need not be in the evidence ("which platform" -> "PLATFORM 4" is about
    it anyway); else ""."""
    kind = name_asked(p)
    named = specifics(answer)
    held = " ".join(i.text() for i in cited)
    return kind if kind != "name" and named and all(in_text(x, held) for x in named) and \
        not any(holds_any(i.text(), [kind]) for i in scope) else ""


def read_apart(answer: str, terms: list[str], items: list[Item]) -> list[str]:
    """The sentences (or frames on screen) that hold the answer's names and numbers, where none of
    them, nor any near it (NEAR), holds a word of the question: the budget slide's "- Marketing:
    $9,000" for "which payment provider are they integrating with", when the provider is named
    only in a sentence elsewhere; [] where one does, or none holds them."""
    named = specifics(answer)
    held = []
    for i in items:
        # (what is on screen is about the objects seen with it: "the writing on a car" -> TAXI)
        seen = dict(i.fields).get("objects", "")
        for label, units in units_of(i):
            for n, unit in enumerate(units):
                if any(in_text(x, unit) for x in named):
                    near = units[max(0, n - NEAR[label]):n + NEAR[label] + 1] + ([seen] if label != "speech" else [])
                    if holds_any(" ".join(near), terms):
                        return []
                    held.append(unit)
    return held
