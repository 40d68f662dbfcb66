"""What kind of answer a question asks for, and where the answer stands in the evidence.

"Which catering company", "what song", "which actor": the noun after what or which says that the
answer is a name of that kind. An answer naming nothing ("payment provider" for "which payment
company") or only the question's own words ("MUSICIANS.PLAYING-LIVE" for "what song are the
musicians playing") is no such name; nor is a name read off a line about something else (the
budget slide's "Marketing" row for "which payment provider", which no slide or sentence names).
"""
from __future__ import annotations

import re

from vidrag.agent.evidence import Item
from vidrag.agent.plan import QueryPlan
from vidrag.agent.text import holds_any, normalise, stems
from vidrag.agent.values import in_text, specifics

# "what's the name of the payment provider", "what is the band called"
NAME_ASKED = re.compile(r"\b(?:what|which)\b.*\bnames? of\b|\b(?:is|are|was|were)\s+(?:\w+\s+){1,4}called\b|\bcalled what\b")
# kinds of things answered by a name only (not "what dessert": a thing, which the evidence names
# as such), asked as "which payment company is", "what kind of tool was", "what song are"
NAME_KINDS = ("tool|software|program|programme|app|application|company|firm|studio|brand|organi[sz]ation|"
              "engine|website|site|product|library|framework|band|group|label|publisher|author|novel|book|"
              "provider|vendor|supplier|caterer|airline|song|track|tune|album|actor|actress|singer|artist")
KIND_ASKED = re.compile(rf"\b(?:what|which)\s+(?:kind of\s+|sort of\s+|type of\s+)?(?:[a-z]+\s+)?({NAME_KINDS})\s+"
                        r"(?:is|was|are|were|did|does|do|has|had|will|would|can|could|gets?|got)\b")
# what says what a name is stands this near it: two sentences away, or in the same or the next
# frame on screen ("WITH THE FINANCIAL SUPPORT FROM / Digital Pioneers fund"; a column of names
# under STUDIO SOFTWARE)
NEAR = {"speech": 2, "on-screen text": 1}


def name_asked(p: QueryPlan) -> str:
    """The kind of name a question asks for ("company"), "name" for "what is it called", or ''."""
    q = normalise(p.question)
    m = KIND_ASKED.search(q)
    return m.group(1) if m else "name" if NAME_ASKED.search(q) else ""


def names_nothing(p: QueryPlan, answer: str) -> bool:
    """A name is asked and the answer holds none that is not mostly the question's own words:
    "Our biggest risk is the payment provider integration."; "MUSICIANS.PLAYING-LIVE" for "what
    song are the musicians playing" (but "Rose Bakery" names which bakery)."""
    asked = set(stems(p.question))
    own = lambda x: set(stems(x)) or {x}
    return bool(name_asked(p)) and not [x for x in specifics(answer) if len(own(x) - asked) * 2 >= len(own(x))]


def name_kind(p: QueryPlan, answer: str, cited: list[Item], scope: list[Item]) -> str:
    """The kind of name asked for ("tool"), when the answer is a name the cited evidence holds and
    the evidence does not say the kind itself: a name rarely stands beside its kind ("Made with |
    MoviePy"), so the kind need not be in the evidence ("which platform" -> "PLATFORM 4" is about
    it anyway); else ""."""
    m = KIND_ASKED.search(normalise(p.question))
    named = specifics(answer)
    held = " ".join(i.text() for i in cited)
    return m.group(1) if m and named and all(in_text(x, held) for x in named) and \
        not any(holds_any(i.text(), [m.group(1)]) for i in scope) else ""


def read_apart(answer: str, terms: list[str], items: list[Item]) -> bool:
    """Whether the answer's names and numbers stand only in sentences (or frames on screen) of
    which none, nor any near it (NEAR), holds a word of the question: the budget slide's
    "- Marketing: $9,000" for "which payment provider are they integrating with", when the
    provider is named only in a sentence elsewhere. False where none holds them."""
    named = specifics(answer)
    found = False
    for i in items:
        for label, text in i.fields:
            if label not in NEAR:
                continue
            units = re.split(r"(?<=[.!?]) " if label == "speech" else r" / ", text)
            # (what is on screen is about the objects seen with it: "the writing on a car" -> TAXI)
            seen = dict(i.fields).get("objects", "") if label == "on-screen text" else ""
            for n, unit in enumerate(units):
                if any(in_text(x, unit) for x in named):
                    found = True
                    if holds_any(" ".join(units[max(0, n - NEAR[label]):n + NEAR[label] + 1] + [seen]), terms):
                        return False
    return found
