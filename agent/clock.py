"""Times of day and dates in answers: whose time a time is.

"When is the code freeze" is not answered by the launch's date, nor "when does the museum open"
by the time they meet Anna; a time asked is read off the line most about what was asked
(`time_line`). A sign's time is about what is said beside it ("DEPARTS 14:35" while "our train
to Brighton" is spoken of).
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from vidrag.agent.evidence import EVENT_OF, Item, lines_of, units_of
from vidrag.agent.plan import NOT_TOPIC, QueryPlan
from vidrag.agent.text import STOP, holds_term, normalise, stems, words
from vidrag.agent.values import TIME_OF_DAY, in_text

OPEN_UNTIL = re.compile(r"\b(?:until|till|til)\b[^?.]*\bopen\b|\bopen\b[^?.]*\b(?:until|till|til)\b")


def events_in(text: str) -> set[str]:
    return {EVENT_OF[w] for w in words(normalise(text)) if w in EVENT_OF}


def other_event(question: str, answer: str, cited: list[Item]) -> str:
    """The event a time of day answered is the time of, when the question asks when another one
    happens ("when does the museum open": "we will meet Anna ... at noon" is when they meet);
    '' when the line says the event asked, or no event at all (a slide's "Friday 9:30 am")."""
    asked = events_in(question) - {"meet"}   # ("the meeting" names a thing more often than it asks when)
    if OPEN_UNTIL.search(question.lower()):
        asked = asked - {"open"} | {"close"}   # "until what time is the park open": when it closes
    times = [t.lower() for t in TIME_OF_DAY.findall(answer)]
    lines = [l for i in cited for l in lines_of(i) if any(t in l.lower() for t in times)]
    said = set().union(*map(events_in, lines)) if lines else set()
    if "close" in asked and lines and not said and all(len(TIME_OF_DAY.findall(l)) == 1 for l in lines):
        return "start"   # "what time does the offsite wrap up" -> "Friday 9:30 am": one hour alone is when it begins
    return ", ".join(sorted(said)) if asked and said and not asked & said else ""


def time_line(terms: list[str], items: list[Item], whole: bool = False, near: Item | None = None) -> tuple[str, Item] | None:
    """For "what time does the offsite start": a line holding a time of day in the evidence item
    most about the question ("Friday 9:30 am" on the slide titled TEAM OFFSITE), and its item, the
    one nearest the item the model cited (`near`) among equals; `whole`: only a line saying every
    word asked, or the event asked where what it is the time of is said beside it ("the last
    ferry to the island leaves at a quarter past six" for "what time does the last ferry to the
    island leave"; "DEPARTS 14:35" on a board shown while "our train to Brighton" is said)."""
    def hits(text: str, beside: str = "") -> int:   # the words asked it holds, an event said in any of its words
        have, said, around = set(stems(text)), events_in(text), set(stems(beside))
        return sum(1 for t in terms if holds_term(have, t) or EVENT_OF.get(t) in said
                   or t not in EVENT_OF and holds_term(around, t))
    best = max(((hits(i.text()), hits(l, said_beside(i, items) if whole else ""), -apart(i, near), -n, l, i) for n, i in enumerate(items)
                for l in lines_of(i) if TIME_OF_DAY.search(l)), key=lambda x: x[:4], default=None)
    return (best[4], best[5]) if best and best[0] and (not whole or best[1] == len(terms)) else None


BESIDE = 30.0   # seconds: what is said this near a sign is what the sign is about


def apart(i: Item, j: Item | None) -> float:
    """Seconds between two items' starts (infinite across videos, or from no item)."""
    return abs(i.start - j.start) if j is not None and i.video_id == j.video_id else float("inf")


def said_beside(item: Item, items: list[Item]) -> str:
    """The text of the other items within BESIDE of an item: what a sign shown there is about."""
    return " ".join(j.text() for j in items if j is not item and apart(item, j) <= BESIDE)


# A date or time in an answer: a time of day, a day of the month, a month or weekday named
MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
DATE_SAID = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\b|\b(?:{MONTH}|{WEEKDAY}|today|tonight|tomorrow)\b", re.I)


# what says when, not what: "when is the code freeze supposed to happen", "what day is the offsite"
WHEN_WORDS = {"supposed", "happen", "happens", "happening", "day", "days", "date", "dates", "time", "times", "hour",
              "hours", "scheduled", "planned", "set", "due", "exactly", "deadline", "deadlines", "start", "starts",
              "begin", "begins", "end", "ends", "take", "place", "held", "going", "expected"}


def whose_time(p: QueryPlan, answer: str, cited: list[Item], items: list[Item],
               means: Callable[[list[str], list[Item]], bool]) -> list[str]:
    """The things a time or date was asked for ("when is the code freeze") that no sentence or
    frame holding the answer's time names, even in other words: "the full launch is on the 1st
    of December" gives the launch's date, not the code freeze's. What follows "before", "after"
    or "until" only places the thing ("the code freeze before the launch"). A frame counts whole
    ("Friday 9:30 am" stands under the slide's title TEAM OFFSITE), and a sign with what is said
    beside it ("DEPARTS 14:35" while "our train to Brighton" is spoken of). [] where no such unit
    holds the answer's time (the other checks decide), or the question names nothing but the time."""
    if not p.asks_clock:
        return []
    asked = re.split(r"\b(?:before|after|until|till|during|since|so that|because)\b", normalise(p.question))[0]
    naming = set(" ".join(p.named_by).lower().split())
    nouns = [w for w in words(asked) if w not in STOP and w not in NOT_TOPIC and w not in WHEN_WORDS and w not in EVENT_OF
             and w not in naming and len(w) >= 3 and not w.isdigit()]
    values = TIME_OF_DAY.findall(answer) or DATE_SAID.findall(answer)
    units = [u for i in cited for _, said in units_of(i) for u in said if any(in_text(v, u) for v in values)]
    if not nouns or not units:
        return []
    beside = [said_beside(i, items) for i in cited if not i.has("speech")]
    have = set(stems(" ".join(units + beside)))
    # or a slide up while a time is said, showing its day or time, that names all that was asked:
    # "when is the offsite" -> "Friday at half past 9", said under TEAM OFFSITE | Friday 9:30 am
    # (not "when is lunch delivered for the offsite")
    told = [v for v in TIME_OF_DAY.findall(answer) + DATE_SAID.findall(answer) if not v.strip().isdigit()]   # (not "9" alone)
    shown = set(stems(" ".join(titled(frame, told) for i in cited if i.has("speech") for label, said in units_of(i)
                               if label != "speech" for frame in said)))
    if any(holds_term(have, n, prefix_from=4) for n in nouns) or \
            shown and all(holds_term(have | shown, n, prefix_from=4) for n in nouns):
        return []
    return [] if means(nouns, [replace(cited[0], fields=[("text", " ".join(units))])]) else nouns


def titled(frame: str, told: list[str]) -> str:
    """A slide's rows holding a time told, with its title when no other row gives a time or date:
    "TEAM OFFSITE | Lakeview Hotel | Friday 9:30 am" -> "Friday 9:30 am TEAM OFFSITE"; "THIS WEEK |
    Offsite: Thursday | Party: Friday 9:30 pm" -> "Party: Friday 9:30 pm" alone."""
    rows = frame.split(" | ")
    holding = [r for r in rows if any(in_text(v, r) for v in told)]
    dated = [r for r in rows if r not in holding and (TIME_OF_DAY.search(r) or DATED.search(r))]
    return " ".join(holding + ([rows[0]] if holding and not dated else []))


def event_time_asked(p: QueryPlan) -> bool:
    """"when does the museum open", "when's the last ferry leave": when an event happens is a time
    of day, not a moment of the video (not "when do they leave the harbor": that moment is seen)."""
    asked = re.sub(r"(?:\s+(?:on|in|at|of|from|during|the|this|that|my))+$", "", normalise(p.asked or p.question).strip(" ?.!"))
    people = re.search(r"\b(?:we|they|you|i|he|she|group|people|guide|narrator|team|everyone|everybody)\b", asked)
    return p.asks_clock and not people and EVENT_OF.get(asked.split()[-1] if asked.split() else "", "meet") != "meet"


# a weekday, or a month beside a day's number ("by Thursday", "on the 1st of December"; not "may")
DATED = re.compile(rf"\b{WEEKDAY}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?"
                   rf"{MONTH}\b|\b{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b", re.I)


def dated_line(nouns: list[str], items: list[Item]) -> tuple[str, Item] | None:
    """The line giving the time or date of what was asked, where the model gave another's
    (whose_time): "deadline for the budget sheet?" -> "send the budget sheet to finance by
    Thursday", not the launch's "1 December". The line with a time of day or a date (DATED) that
    holds most of the words naming it (half of them, two at least), and its item."""
    best = max(((sum(holds_term(set(stems(l)), n, prefix_from=4) for n in nouns), -n, l, i) for n, i in enumerate(items)
                for l in lines_of(i) if TIME_OF_DAY.search(l) or DATED.search(l)),
               key=lambda x: x[:2], default=None)
    return (best[2], best[3]) if best and best[0] >= max(2, (len(nouns) + 1) // 2) else None
