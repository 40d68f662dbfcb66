"""Is an answer supported by the evidence it cites, and does it answer what was asked?

Mostly: reject only what the evidence lacks (`unsupported`); `misfit` adds the few answers that
the evidence holds but that answer another question (a bare "yes", a page number for a price,
the name the credits give another role).

Each specific of an answer (values.py) must be in the cited evidence, or in another evidence
item, which is then cited instead, or in the question itself. Whose time a time of day is, is
clock.py's.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from vidrag.agent.clock import MONTH, WEEKDAY, other_event
from vidrag.agent.credits import CREDITS_SAY, miscredited
from vidrag.agent.evidence import MOMENT, PAGE_NUMBER, Item, event_words, lines_of
from vidrag.agent.kind import NAMED_ONLY, name_asked, name_kind, names_nothing, read_apart
from vidrag.agent.plan import NOT_TOPIC, SPEECH, TEXT_SHOWN, QueryPlan
from vidrag.agent.text import STOP, contains_phrase, content_words, holds_any, holds_term, name_parts, normalise, stems, words
from vidrag.agent.values import FRAMING, MONEY, NUMBER_WORDS, SMALL, VIDEO_FILE, in_text, specifics


def unsupported(answer: str, cited: list[Item], others: list[Item], question: str, clock: bool = False
                ) -> tuple[list[str], list[Item]]:
    """(specifics that no evidence holds, evidence items to cite instead or as well). A question
    that asks for a time said or shown (`clock`: "what time does the zoo open") is not answered
    by a moment of the video: "00:00:32" names where the evidence sits, not a time."""
    missing, extra = [], []
    cited_text = " ".join(i.text() for i in cited)
    total = bool(TOTAL_ASKED.search(question))
    for value in specifics(answer):
        if in_text(value, cited_text) or in_text(value, question) or not clock and in_clip(value, cited) \
                or total and sum_said(value, cited):
            continue
        # (a moment of the video read off another item than the one cited: "2:20–2:48" is that item's)
        holder = next((i for i in others if in_text(value, i.text()) or not clock and in_clip(value, [i])
                       or total and sum_said(value, [i])), None)
        if holder is None:
            missing.append(value)
        elif holder not in extra:
            extra.append(holder)
    return missing, extra


# "how many people will they hire altogether", "what's the total", "engineers plus designers": a
# number the evidence says in parts
TOTAL_ASKED = re.compile(r"\b(?:altogether|all together|in total|total|combined|overall|all told|plus|added up|put together)\b", re.I)
UNITS = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|percent|per|am|pm|[a-z]+day|january|february|march|april|" \
        r"may|june|july|august|september|october|november|december)"


def sums_said(items: list[Item]) -> list[tuple[int, str, Item]]:
    """The sentences and lines that say a number in parts ("two engineers and one designer": 3),
    with their sums and items."""
    out = []
    for item in items:
        for part in (x for _, t in item.fields for x in re.split(r"(?<=[.!?])\s+|\s*\|\s*|\s+/\s+", t)):
            # the numbers of things ("2 engineers"), not a page ("5/6"), a time, a date or a duration
            said = [(int(n) if n.isdigit() else NUMBER_WORDS[n], noun) for n, noun in re.findall(
                rf"(?<![\w,.:/])(\d{{1,3}}|{'|'.join(NUMBER_WORDS)})\s+(?!{UNITS}\b)([a-z]{{3,}})", part.lower())]
            if len({noun for _, noun in said}) >= 2:
                out.append((sum(n for n, _ in said), part, item))
    return out


def sum_said(value: str, items: list[Item]) -> bool:
    """A number that is the sum of the numbers one sentence or line says."""
    return value.isdigit() and any(total == int(value) for total, _, _ in sums_said(items))


def sum_about(terms: list[str], items: list[Item]) -> tuple[str, Item] | None:
    """The total a sentence about the question says in parts, as an answer ("3 in all: We need two
    engineers and one designer."), where the model added them up wrong."""
    have = lambda line: sum(holds_term(set(stems(line)), t) for t in terms)
    best = max(sums_said(items), key=lambda s: have(s[1]), default=None)
    return (f"{best[0]} in all: {best[1]}", best[2]) if best and have(best[1]) else None


def in_clip(value: str, items: list[Item]) -> bool:
    """A clock time ("00:01:52", "0:24") inside a cited item's stretch of video: the answer to
    "when does X come up" is read from where the evidence sits, not from its words."""
    m = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d\d)", value)
    if not m:
        return False
    t = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
    return any(i.start - 1 <= t <= i.end + 1 for i in items)


# a yes-or-no question, wherever its clause begins: "in the meeting, did they approve it?", "so, is
# the ferry running?", "tell me if the store is open", "..., right?"
YES_NO_ASKED = re.compile(r"(?:^|[,;:.!?]\s*|\b(?:so|and|but|then|also)\s+)(?:is|are|was|were|do|does|did|can|could|has|have|"
                          r"had|will|would|should|shall|may|must)\b|\b(?:if|whether)\b|\bor not\b|\bright\W*$")


def bare_yes(answer: str, question: str) -> bool:
    """"Yes" to what is not a yes-or-no question ("pharmacy errand?") says nothing."""
    return bool(re.fullmatch(r"\W*yes\W*", answer, re.I)) and not YES_NO_ASKED.search(normalise(question))


# ("the checklist was assigned to someone, who?": asked last)
WHO_ASKED = re.compile(r"^\W*(?:and\s+)?(?:who|whom|whose)\b|[,;:\-–—]\s*(?:who|whom)\W*$|"
                       r"\b(?:which|what)\s+(?:person|people|actor|actress|man|woman)\b")


def detected_who(question: str, answer: str, cited: list[Item]) -> str:
    """"Which person did the voice work": "Teddy bear", a label the object detector gave, names no
    one; nor does a pronoun ("who's the first character mentioned" -> "He"). What it is, or ''."""
    labels = {m for i in cited for label, text in i.fields if label == "objects"
              for m in re.findall(r"([a-z][a-z ]*?) \(\d\.\d+\)", text)}
    said = normalise(answer).strip(" .")
    if not WHO_ASKED.search(normalise(question)):
        return ""
    return "a detected object" if said in labels else "a pronoun" if said in PRONOUNS else ""


PRONOUNS = set("he she they him her them it someone somebody anyone nobody".split())


def repeats_question(answer: str, question: str) -> bool:
    """A reply to "what is the name of the dog" that only gives back the question's own words
    ("the dog") names nothing. Not for "A or B" questions, whose answer is one of their words,
    nor yes/no questions."""
    said = {w for w in words(answer) if w not in STOP and w not in FRAMING}
    asked = set(words(question))
    return bool(said) and said <= asked and " or " not in question.lower() and not re.match(
        r"^\W*(is|are|was|were|do|does|did|can|could|has|have|had|will)\b", question.lower())


def about_question(items: list[Item], terms: list[str]) -> bool:
    """Whether any item holds one of the question's words (stemmed; OCR slips tolerated, and
    words OCR ran together: "gate" in "GATEB")."""
    return any(holds_any(i.text(), terms) for i in items)


def near_in_meaning(encode, terms: list[str], items: list[Item], threshold: float = 0.7) -> bool:
    """Whether a word of the evidence means about what a question's word does: "vehicles" is
    answered by a "car", "wife" by "married", which no stemmer relates. Word against word with
    the library's text embedder, so a sentence's general drift does not count. Related is not the
    same: "rain" and "umbrella" (0.60), "cinematographer" and "director" (0.68) stay below 0.7."""
    have = list(dict.fromkeys(w for i in items for w in content_words(i.text()) if len(w) >= 3 and not w.isdigit()))
    if not terms or not have:
        return False
    sims = encode(list(terms)) @ encode(have).T
    return bool(sims.max() >= threshold)


def video_name_words(video_names: list[str]) -> set[str]:
    """The stemmed words of the library's file names ("city_walk.mp4", "CityWalk.mp4": city, walk)."""
    return {w for n in video_names for w in stems(" ".join(name_parts(n)))}


def names_in(question: str, video_names: list[str]) -> list[list[str]]:
    """The names inside a question: a capitalised word not starting its sentence ("What did Sarah
    agree to?"), or a run of them ("Barton Cottage"), as its words. A run holding a word of the
    library's file names names a video ("the City Walk Tour"), and a question in title case ("Who
    Wrote The Music") names nothing."""
    named = video_name_words(video_names)
    out = []
    for sentence in re.split(r"(?<=[.!?:;])\s+", question.strip()):
        tokens = [t.strip(".,;:!?()\"'“”‘’") for t in sentence.split()]
        caps = {i for i, w in enumerate(tokens) if i and w[:1].isupper() and w[1:].islower()}
        if len(tokens) > 2 and all(i in caps or w.lower() in SMALL for i, w in enumerate(tokens) if i and w):
            continue
        run: list[str] = []
        for i, word in enumerate(tokens + [""]):
            if i in caps:
                run.append(word)
                continue
            kept = [w for w in run if len(w) >= 3 and w.lower() not in STOP]
            if kept and not any(set(stems(w)) & named for w in run):
                out.append(kept)
            run = []
    return out


def unheard_names(question: str, named_by: list[str], video_names: list[str], items: list[Item],
                  speakers: bool = True) -> list[str]:
    """The question's names (names_in) that no evidence item holds a word of; the words that named
    a video do not count ("the Austen reading": its speech need not say "Austen"); nor, without
    `speakers`, those it names as speaking, whom a transcript does not name (the library must
    still hold them somewhere: "what did Sarah say" of no Sarah is about nothing)."""
    naming = set(" ".join(named_by).split())
    q = question.lower()
    return [" ".join(n) for n in names_in(question, video_names) if not {w.lower() for w in n} & naming
            and (speakers or not speaker(" ".join(n).lower(), q)) and not any(contains_phrase(i.text(), w) for i in items for w in n)]


PASSIVE = r"(?:was|were|is|are|be|been|being|get|gets|got)"


def speaker(name: str, question: str) -> bool:
    """Whether the question names this person as one who speaks ("what did Daniel propose
    straight after"); not one spoken to ("what was Sarah asked")."""
    return any(not re.search(rf"\b{PASSIVE}\s+$", question[:m.start()])
               for m in re.finditer(rf"\b{re.escape(name)}\s+(?:(?!{PASSIVE}\b)\w+\s+)?{SPEECH.pattern}", question))


def named_elsewhere(question: str, answer: str, cited: list[Item], items: list[Item], video_names: list[str]) -> list[str]:
    """The names a question says (people mostly, names_in) that the evidence holds, but not where
    the answer was said: "what is Kevin supposed to bring" answered from "bring your laptop" while
    "remind Kevin to bring the projector" is another item. Not when what was said is asked: the
    person may be the speaker, whom a transcript does not name ("what did Maria say after lunch");
    nor for an answer shown, not said: "the platform for the Brighton train" is on a sign that
    need not say Brighton."""
    said = " ".join(t for i in cited for label, t in i.fields if label == "speech")
    if SPEECH.search(normalise(question)) or not contains_phrase(said, answer):
        return []
    # (not a name asked in lower case, "what's kevin bringing": credits and signs write roles and
    # words in title case too, "Lead Artist", "Ferry")
    holds = lambda item, name: any(contains_phrase(item.text(), w) for w in name)
    return [" ".join(name) for name in names_in(question, video_names)
            if any(holds(i, name) for i in items) and not any(holds(i, name) for i in cited)]


def cite_where_answered(answer: str, question: str, cited: list[Item], items: list[Item]) -> list[Item]:
    """The items to cite: where the answer's own words are. A small model often cites the moment the
    question names ("after the lunch order") while its answer ("Kevin to bring the projector") comes
    from the item after it; the item holding most of the words the answer adds to the question
    leads, when it holds at least half of them and more than any item cited."""
    new = answer_words(answer, question)
    if not new:
        return cited
    held = lambda i: len(new & set(stems(i.text())))
    best = max(items, key=held, default=None)
    if best is None or best in cited or held(best) * 2 < len(new) or held(best) <= max(map(held, cited), default=0):
        return cited
    return [best] + [i for i in cited if held(i)]


def answer_words(answer: str, question: str) -> set[str]:
    """The stems an answer adds to its question: what says where the answer is (not a video's file
    name: "city_walk.mp4" is not said where "we walk from the city" is)."""
    return set(stems(" ".join(content_words(VIDEO_FILE.sub(" ", answer))))) - set(stems(question))


def line_holding(answer: str, items: list[Item]) -> str:
    """The shortest evidence line (a sentence, an on-screen row) holding every word of the answer."""
    want = set(stems(answer)) - set(STOP)
    fits = [l for i in items for l in lines_of(i) if want and want <= set(stems(l))]
    return min(fits, key=len, default="")


# A price asked for ("how much does parking cost", "what's the entry fee", "parking price for the
# offsite?", "how much is a ferry ticket") is answered by an amount of money, not by any number the evidence holds near the word
# (a slide's page number "5/6"); not "who is in charge", "how did the team fare"
PRICE_ASKED = re.compile(r"\bhow much\b[^?]*\b(?:cost|costs|pay|charge|charged)\b|\bpay\b[^?]*\bhow much\b"
                         r"|\bhow much (?:is it|does it cost|to) (?:to )?(?:park|rent|buy|get in|enter)\b"
                         r"|\bhow much (?:is|are|was|were|do|does) (?:an? |the |one |each )?(?:\w+ ){0,3}?(?:tickets?|admission|entry|"
                         r"entrance|pass|passes|fares?|rides?)\b(?=\s*(?:$|[,?.!;]|(?:to|for|on|at|into|per|cost|costs)\b))"
                         r"|\b(?:price|prices|fee|fees|fare|fares|cost)\s+(?:of|for|to)\b"
                         r"|\b(?:what|how much) (?:is|was|are|were) the (?:\w+ )?(?:price|fee|fare|cost)s?\b"
                         r"|\b(?:price|fee)s?\W*$")


def priceless(answer: str, question: str, cited: list[Item]) -> bool:
    """A price is asked, and neither the answer nor the evidence line holding it names money."""
    return bool(PRICE_ASKED.search(normalise(question))) and not MONEY.search(answer) \
        and not MONEY.search(line_holding(answer, cited))


# An answer from the wrong kind of evidence: the retry reads only the kind asked for (asked_field)
NOT_SAID = "what was said is asked, and the cited evidence holds no speech"
NOT_SHOWN = "what a sign or slide shows is asked, and the answer is only said"


ELSEWHERE = "the answer comes from evidence that does not name"


def misfit(p: QueryPlan, answer: str, cited: list[Item], items: list[Item], video_names: list[str]) -> str:
    """Why an answer whose specifics the evidence holds still does not answer the question ('' when
    nothing says so)."""
    if miscredited(p, answer, items, video_name_words([i.video for i in items])):
        return "the credits give that name another role"
    if bare_yes(answer, p.question):
        return "a bare yes answers no question of that kind"
    who = detected_who(p.question, answer, cited)
    if who:
        return f"{who} answers no question of who"
    if priceless(answer, p.question, cited):
        return "a price is asked, and the answer names no amount of money"
    kind = name_asked(p)
    if (kind in NAMED_ONLY or len(answer.split()) >= 5) and names_nothing(p, answer):
        return f"a {kind} is asked, and the answer names none"   # "the payment provider integration"
    row = other_row(p.question, answer, cited)
    if row:
        return f"the answer is the {row} row's, and the question asks another row"
    event = p.asks_clock and other_event(p.question, answer, cited)
    if event:
        return f"the time said is when they {event}, not what was asked"
    # "5/6" is where a slide sits in its deck: it says which slide, never a password or a nightly rate
    if page_only(answer.strip(" ."), cited) and not re.search(r"\b(?:slides?|pages?|fraction|ratio|score)\b", p.question, re.I):
        return "a slide's page number answers no question but which slide"
    # "what was Sarah asked to do", "what does the reader say about Barton Cottage": no evidence
    # names it, so no answer is about it (one it names speaking may go unnamed: check.py asks the library)
    unheard = unheard_names(p.question, p.named_by, video_names, items, speakers=False)
    if unheard:
        return f"no evidence mentions {', '.join(unheard)}"
    elsewhere = named_elsewhere(p.question, answer, cited, items, video_names)
    if elsewhere:
        return f"{ELSEWHERE} {', '.join(elsewhere)}"
    # "what does the narrator say about X": only speech answers what a person said
    if p.spoken and not any(i.has("speech") for i in cited):
        return NOT_SAID
    if said_not_shown(p, answer, items):
        return NOT_SHOWN
    return ""


def page_only(answer: str, cited: list[Item]) -> bool:
    """An answer that is a page number ("5/6"), or a number the cited evidence holds only in one
    ("how many vacation days did Daniel say he's taking" -> "2", of the BUDGET slide's "2/6")."""
    if PAGE_NUMBER.fullmatch(answer):
        return True
    text = " ".join(i.text() for i in cited)
    return answer.isdigit() and in_text(answer, text) and not in_text(answer, PAGE_NUMBER.sub(" ", text))


MEASURES = r"(?:times|met(?:er|re)s?|kilomet(?:er|re)s?|km|miles?|feet|foot|yards?|steps|blocks|stops|floors|levels|" \
           r"dollars|euros|pounds|bucks|cents|percent|points|degrees|kilos?|grams?|litres?|liters?)"
HOW_MANY = re.compile(r"\bhow many\s+(?:of\s+(?:the\s+)?)?([a-z]{3,}(?:\s+[a-z]{3,})?)")   # "how many little pests"


def counts_other(question: str, answer: str, cited: list[Item], means: Callable[[list[str], list[Item]], bool]) -> str:
    """What a number answering "how many X" counts where the evidence says it, when that is not X
    nor X in other words ("how many customers responded to the survey" -> "2", of "2 engineers");
    '' otherwise, and where the number stands alone or a total is asked."""
    m, value = HOW_MANY.search(normalise(question)), answer.strip(" .").lower()
    asked = [w for w in m.group(1).split() if w not in STOP] if m else []
    # (not a measure: "how many metres to the museum" is "MUSEUM 500 m", a unit written many ways)
    if not asked or any(re.fullmatch(UNITS, w) or re.fullmatch(MEASURES, w) for w in asked) or TOTAL_ASKED.search(question) \
            or not (value.isdigit() or value in NUMBER_WORDS):
        return ""
    n = int(value) if value.isdigit() else NUMBER_WORDS[value]
    said = "|".join([str(n)] + [w for w, k in NUMBER_WORDS.items() if k == n])
    text = " ".join(i.text() for i in cited).lower()
    # (the words after it, a noun and what says which: "three rodent pests", "2 engineers")
    counted = [" ".join(w for w in rest.split() if w not in STOP)
               for rest in re.findall(rf"(?<![\w.,/:$])(?:{said})\b(?![.,/:]\d)((?:\s+[a-z]+){{1,2}})", text)]
    counted = [c for c in counted if c and len(c.split()[0]) >= 3]
    # (only where the evidence names what is asked, so it is about it, and the number is another's)
    if not counted or not any(holds_term(set(stems(text)), a) for a in asked) \
            or any(holds_term(set(stems(c)), a) for c in counted for a in asked) \
            or means(asked, [replace(cited[0], fields=[("text", " ".join(counted))])]):
        return ""
    return counted[0]


MONTH_SHORT = r"(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"


def labels(label: str, asked: set[str]) -> bool:
    """A row's label the question's stems name, as said or as the role of a verb ("owns": Owner)."""
    return any(a == b or len(a) >= 3 and b.startswith(a) and b[len(a):] in ("er", "or", "ers", "ors")
               for a in asked for b in stems(label))


def other_row(question: str, answer: str, cited: list[Item]) -> str:
    """The label of a slide's "Label: value" row that holds the answer, where the question names
    another row's label and no row it names holds the answer: "how many dollars is the travel
    budget" -> "$9,000" is the Marketing row's ("Travel: cut 20%" is the travel row). Labels are
    words ("Marketing", not "9:30" or "https"). '' otherwise."""
    asked = set(stems(question)) - {"total"}
    # ("who owns the launch checklist": the Launch row holds a date, which answers no "who")
    who = WHO_ASKED.search(normalise(question))
    values = [x for x in specifics(answer) if not in_text(x, question)]
    if not values:
        return ""
    for i in cited:
        for frame in (t for label, t in i.fields if label == "on-screen text" for t in t.split(" / ")):
            rows = [r.strip(" -").split(":", 1) for r in frame.split(" | ") if ":" in r]
            rows = [(label, value) for label, value in rows if re.fullmatch(r"[A-Za-z][A-Za-z ]{1,30}", label.strip())
                    and not value.startswith("//")]
            named = [value for label, value in rows if labels(label, asked)
                     and (not who or not re.search(rf"\d|\b(?i:{MONTH}|{WEEKDAY}|{MONTH_SHORT})\b", value))]
            holding = [label for label, value in rows if all(in_text(v, value) for v in values)]
            if named and holding and not any(all(in_text(v, value) for v in values) for value in named):
                return holding[0]
    return ""


def asked_field(p: QueryPlan) -> str:
    """The evidence field that alone can answer: speech for what a person said, on-screen text
    for what a sign or slide says ('' when either may: what is in a picture may be said)."""
    if p.spoken:
        return "speech"
    return "on-screen text" if p.modality == "screen" and TEXT_SHOWN & set(words(normalise(p.question))) else ""


AWAY = "the answer is not from the moment asked"


def at_moment(p: QueryPlan, items: list[Item]) -> list[Item]:
    """"What does the writing on the car say around 4:58": of a lookup naming a moment in one
    video, the items within MOMENT of it about the question that hold what can say it (speech or
    on-screen text)."""
    if p.around is None or p.from_end or p.intent != "lookup" or len(p.videos) != 1:
        return []
    field = asked_field(p)
    return [i for i in items if i.start - MOMENT <= p.around <= i.end + MOMENT and (not p.terms or about_question([i], p.terms))
            and (i.has(field) if field else i.has("speech") or i.has("on-screen text"))]


def away_from_moment(p: QueryPlan, cited: list[Item], items: list[Item]) -> bool:
    """An answer from evidence neither at the moment asked nor about the question, while evidence
    at it is ("the writing on the car around 4:58" -> the speed limit sign at 4:20, not the taxi);
    a moment said loosely ("roughly five minutes in") is kept where the evidence cited is about
    the question."""
    return bool(at_moment(p, items)) and not at_moment(p, cited) and not (p.terms and about_question(cited, p.terms))


def said_not_shown(p: QueryPlan, answer: str, items: list[Item]) -> bool:
    """"What did the bakery sign say" answered with a sentence spoken near the bakery ("Remember
    to buy two loaves ... at the bakery"): the words are in speech and on no screen. An answer in
    neither (a reading of the sign in other words) is left to the other checks."""
    if asked_field(p) != "on-screen text":
        return False
    said = " ".join(t for i in items for label, t in i.fields if label == "speech")
    shown = " ".join(t for i in items for label, t in i.fields if label == "on-screen text")
    return bool(said) and contains_phrase(said, answer) and not contains_phrase(shown, answer)


def on_topic(p: QueryPlan, scope: list[Item], cited: list[Item], windows: dict[int, tuple[float, float]],
             means: Callable[[list[str], list[Item]], bool], answer: str = "") -> bool:
    """Whether the cited evidence is about the question: it holds one of the question's words
    (not one that says how a thing is shown, "sign"; any other, since what is asked is often
    said in other words: "where does the walk begin" is answered by "we walk from the old
    harbor"), or it is the very place the question points at (the opening or closing text it
    asks for, a moment in the window it names), or it says one of them in other words (`means`:
    the text embedder's reading, near_in_meaning). A name or number looked up must stand near a
    line holding one (kind.read_apart)."""
    # a word of the cited video's own name is about that video: "which video is a trailer"
    # (trailer_bbb.mp4), and a video named in words the plan did not take as its name ("this
    # reading" for reading.mp4, "the budget" for budget_review.mp4) is answered from within it
    named = video_name_words([i.video for i in cited])
    if p.intent == "which_video" and any(set(stems(t)) <= named for t in p.terms):
        return True   # "which clip has someone reading a novel out loud": reading.mp4 says so by its name
    # so are the words describing a video no file name or text confirmed ("the band clip"), said
    # only there (not "the dragon in the dragon film")
    asked = words(normalise(p.question))
    described = {w for w in p.described.split() if asked.count(w) == 1}
    kind = name_kind(p, answer, cited, scope)
    terms = [t for t in p.terms if t not in NOT_TOPIC and not set(stems(t)) <= named and t not in described and t != kind]
    # (the credits' own word for a job, "the soundtrack" is MUSIC; an event in the words a sign
    # uses, "leave" is DEPARTS; or the place the question points at: the opening or closing text,
    # the slide a talk moved on to)
    said = [CREDITS_SAY[t] for t in terms if t in CREDITS_SAY] + event_words(terms)
    if not terms or any(i.note.startswith(("the first", "the last", "the slide ")) for i in cited):
        return True
    if windows and all(i.video_id in windows and i.cite_start < windows[i.video_id][1]
                       and i.cite_end > windows[i.video_id][0] for i in cited):
        return True
    if about_question(scope, terms + said):
        # and a name or number looked up is read off a line about it (perhaps in other words), not
        # one beside it in the item
        apart = read_apart(answer, terms + said, scope) if p.intent == "lookup" else []
        return not apart or means(terms, [replace(scope[0], fields=[("text", " ".join(apart))])])
    return means(terms, scope)
