"""The verify node: does a reply answer what was asked, from the evidence it cites?

Specifics the evidence lacks are rejected (grounding.unsupported), answers to another question
too (grounding.misfit, credits.uncredited), and answers from evidence about something else
(grounding.on_topic). A time of day asked for is read off the line that says it where the
model's reply named none, and a citation moves to the item where the answer's words are.
"""
from __future__ import annotations

import re
from functools import partial

from vidrag.agent.credits import CREDITED, uncredited
from vidrag.agent.evidence import Item
from vidrag.agent.clock import dated_line, event_time_asked, time_line, whose_time
from vidrag.agent.grounding import (AWAY, TOTAL_ASKED, away_from_moment, about_question, answer_words, cite_where_answered, counts_other, in_clip, line_holding,
                                    misfit, near_in_meaning, on_topic, repeats_question, sum_about, sum_said,
                                    unheard_names, unsupported, video_name_words)
from vidrag.agent.kind import names_nothing
from vidrag.agent.plan import ASKS_TIME_OF_DAY, NOT_TOPIC, QueryPlan
from vidrag.agent.text import normalise, stems
from vidrag.agent.values import TIME_OF_DAY, in_text
from vidrag.models import ModelMissing

NOT_ABOUT = "the cited evidence is not about what was asked"
# a day or a part of one, which may answer "when" without a clock time ("Friday", "in the evening")
DAY_SAID = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekdays?|weekends?|daily|today|tonight|"
                      r"tomorrow|morning|afternoon|evening|night)s?\b", re.I)


def check(p: QueryPlan, items: list[Item], reply: dict, options: list[str], gather) -> dict:
    """The verify node: the outcome of a reply ("answered", "unconfirmed" with the problem, or
    "not_found") and the reply as it stands checked: its answer read off the line that says it
    where the model's wording lacked it, its citations moved to where the answer is."""
    about = about_question(items, p.terms) if p.terms else bool(items)
    if not reply.get("found"):
        # the model saw nothing that answers: nothing on it at all, or related moments only
        return {"outcome": "unconfirmed" if items and about else "not_found", "problem": ""}
    answer = str(reply.get("answer", ""))
    cited = cite_where_answered(answer, p.question, [items[i] for i in reply.get("citations", []) if 0 <= i < len(items)]
                                or items[:1], items)
    number = re.findall(r"\d+", answer)
    summed = TOTAL_ASKED.search(p.question) and len(number) == 1 and next(
        (i for i in items if sum_said(number[0], [i])), None)
    if summed:   # "3" in all: where it is said in parts ("two engineers and one designer"), not a "3/6"
        cited = [summed]
    added = TOTAL_ASKED.search(p.question) and re.search(r"\bhow many\b", p.question, re.I) and len(number) == 1 \
        and not summed and not any(in_text(number[0], i.text()) for i in items) and sum_about(p.focus or p.terms, items)
    if added:   # "5" in all, said nowhere: the sum of the parts said about it
        answer, holder = added
        cited, reply = [holder], dict(reply, answer=answer)
    time_of_day = bool(ASKS_TIME_OF_DAY.search(normalise(p.question))) or event_time_asked(p)
    timed = time_of_day and not TIME_OF_DAY.search(answer) and time_line(p.focus or p.terms, items, near=cited[0])
    if timed:
        # a time of day was asked and the reply names none (a slide's page number, say): the line
        # holding one in the evidence about the question answers ("Friday 9:30 am"). Not when the
        # reply names a time the evidence lacks: for an absent time ("when does the flight
        # leave") the line would be another's ("the last ferry leaves at a quarter past six")
        answer, holder = timed
        cited, reply = [holder], dict(reply, answer=answer)
    # a time of day is asked for when the question says so, or the evidence holds one; "when's the
    # cat in the walk" answered "1:46" names where the cited moment sits in the video
    clock = p.asks_clock and (time_of_day or any(TIME_OF_DAY.search(i.text()) for i in cited))
    missing, extra = unsupported(answer, cited, [i for i in items if i not in cited],
                                 p.question + " " + " ".join(options), clock)
    said = time_of_day and missing and time_line([t for t in p.focus or p.terms if t not in NOT_TOPIC], items, whole=True)
    if said:   # a time the evidence lacks ("4:37"), where a line says it all: that line answers
        (answer, holder), missing, extra = said, [], []
        cited, reply = [holder], dict(reply, answer=answer)
    if missing:
        return {"outcome": "unconfirmed", "problem": f"the evidence does not show {', '.join(missing)}"}
    if time_of_day and p.asks_clock and not TIME_OF_DAY.search(answer) and not DAY_SAID.search(answer):
        # "what time does our train leave" -> "4" (the platform), "pharmacy opening hours" -> the sign
        return {"outcome": "unconfirmed", "problem": "a time of day is asked, and the answer names none"}
    times = re.findall(r"\d+:\d\d(?::\d\d)?", answer) if p.intent == "when" else []
    moved = [i for i in extra if any(in_clip(t, [i]) for t in times)]
    if moved and not any(in_clip(t, cited) for t in times):
        cited, extra = moved, [i for i in extra if i not in moved]   # "2:20–2:48" is another item's moment
    videos = gather.store.videos()
    unheard = unheard_names(p.question, p.named_by, [v.name for v in videos], items)
    if unheard and not any(gather.holders(name, videos) for name in unheard):
        # a name asked about ("what did Sarah agree to") that no scene of the library holds:
        # the library has nothing on it, and no second search could find it
        return {"outcome": "not_found", "problem": f"no scene of the library names {', '.join(unheard)}"}
    problem = misfit(p, answer, cited, items, [v.name for v in videos])
    named = video_name_words([i.video for i in items])
    def roles() -> list[str]:   # the credits' roles, read only for an answer read off them
        return gather.credit_roles(cited, bool(CREDITED.search(p.question)))
    if not problem and uncredited(p, answer, cited, roles, named):
        problem = "the credits list no such role"
    unnamed = not problem and whose_time(p, answer, cited, items, partial(means, gather))
    dated = unnamed and dated_line(unnamed, items)
    if dated:   # "deadline for the budget sheet?" -> "1 December": the line dating the budget sheet answers
        (answer, holder), unnamed = dated, []
        cited, reply = [holder], dict(reply, answer=answer)
    if unnamed:   # "when is the code freeze" -> "1 December", the launch's date
        problem = f"the time given is not said of {' '.join(unnamed)}"
    other = not problem and counts_other(p.question, answer, cited, partial(means, gather))
    if other:   # "how many customers responded" -> "2", of "2 engineers"
        problem = f"the number given counts {other}"
    if not problem and away_from_moment(p, cited, items):
        problem = AWAY   # "the writing on the car around 4:58" -> the speed limit sign at 4:20
    if problem:
        return {"outcome": "unconfirmed", "problem": problem}
    # "which video shows Spiral Sessions?" -> "Spiral Sessions": the video it cites is the answer
    if not options and p.intent != "which_video" and repeats_question(answer, p.question):
        line = line_holding(answer, cited)   # "A bunny": the line it comes from says more
        if not line or repeats_question(line, p.question) or names_nothing(p, line):
            return {"outcome": "unconfirmed", "problem": "the answer only repeats the question"}
        reply = dict(reply, answer=line)
    cited = cited + extra
    # Is what it cites about what was asked? Options constrain the answer themselves; what
    # follows a moment is about that moment, which the anchor item holds. Of the items cited,
    # those the answer's words come from: "bunny movie license?" -> "The Peach Open Movie
    # Project", citing the licence card and the title card, is the title card's
    answer_stems = answer_words(answer, p.question)
    holding = [i for i in cited if answer_stems & set(stems(i.text()))]
    scope = (holding or cited) + [i for i in items if i.anchor]
    if not options and not on_topic(p, scope, cited, gather.windows(p), partial(means, gather), answer):
        return {"outcome": "unconfirmed", "problem": NOT_ABOUT}
    for i in cited:   # the cite: the sentence or frame within each item that says the answer
        i.cite_words(answer_words(str(reply.get("answer", "")), p.question), set(stems(" ".join(p.terms))))
    return {"outcome": "answered", "problem": "",
            "reply": dict(reply, citations=[items.index(i) for i in cited])}


def means(gather, terms: list[str], scope: list[Item]) -> bool:
    """The evidence says it in other words ("a car" for "vehicles"): the text embedder decides,
    when the library has one."""
    try:
        return near_in_meaning(gather.searcher.embedder().encode, terms, scope)
    except ModelMissing:
        return False
