"""The question, read into a typed plan before anything is searched.

A deterministic reader for the forms that are unambiguous in everyday English: which videos the
question names ("in the team meeting" is team_meeting.mp4; those words constrain, they are not
content), a window of video time ("around the 2 minute mark", "in the last minute", "at the end";
never "500 m" nor the 14:35 on a departure board), what kind of answer is wanted, and the thing
asked about. Whatever it cannot tell is left as a plain lookup: the answer model reads the
evidence and decides, which is what works for the questions nobody wrote a rule for.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from vidrag.agent.catalogue import catalogue_of
from vidrag.agent.naming import described_in, genre_words, initial_runs, named_videos, the_film
from vidrag.agent.rewording import ASKER, IN_SENTENCES, asked_as, reworded
from vidrag.agent.text import content_words, name_parts, normalise, stems
from vidrag.agent.video_time import VIDEO_ITSELF, VIDEO_NOUN, clock_said, share_of, time_window

INTENTS = ("lookup", "when", "count", "order", "neighbour", "window", "summarise", "which_video")
# How a thing is shown, not which thing: "the GATE 7 sign" is about GATE 7.
SHOWN_AS = set("sign signs board slide slides caption captions title titles label banner poster photo photos "
               "picture pictures image images logo logos overlay overlays card cards line lines letters boards labels banners posters "
               "deck decks slideshow".split())
# Those that carry words: what one says is on screen ("what does the sign say"; a picture's subject may be said)
TEXT_SHOWN = set("sign signs board boards slide slides caption captions title titles label labels banner banners "
                 "poster posters card cards".split())
# The kind of thing asked for, not what it is about: "who is the man named in the first sentence",
# "which novel is this reading from" (a title on screen names a work without saying "novel")
PEOPLE = set("man men woman women person people guy guys girl boy lady ladies gentleman gentlemen fellow someone somebody".split())
SPEAKERS = set("guide host presenter reader announcer teacher interviewer".split())   # who speaks, not what is said
ANSWER_KINDS = PEOPLE | set("name names named "
                   "called thing things sentence sentences word words novel novels book books story song songs "
                   "track album series episode character characters work works piece".split())
# Verbs that carry no topic of their own: "where does the walk go from" is answered by "we walk from ...",
# "where is the meeting held" by "Room 4B" ("get", "come", "give" are STOP words already, never a term)
LIGHT_VERBS = set("go goes going went gone make makes made take takes took taken gives gave put puts "
                  "hold holds held located situated hosted skip skipped skipping jump jumped jumping".split())
# How a topic comes up, not what it is: "when do they start talking about the offsite"
TOPIC_VERBS = set("start starts started begin begins began planned covered raised arranged organised organized".split())
# How a thing is said or seen, not what: "which novel is read aloud", "where is the title displayed"
MANNER = set("aloud loud loudly quietly displayed shown visible".split())
# Words asking for all a window holds, of one kind: "what's written 30 to 40 secs into the trailer"
# (and who speaks: "what did the guide tell us about four minutes in" asks all that was said then)
WINDOW_ASKS = set("credit credits text written writing screen onscreen talking discussed discussing happening agenda topic "
                  "narrator reader speaker lecturer presenter host guide teacher instructor".split())
SUMMARY_WORDS = re.compile(r"\b(summar\w*|overview|recap|gist|rundown|run-down|synopsis|tl;?dr|sum up|sum it up|in a nutshell|"
                           r"main points|key points|highlights|story|plot|what goes on|what is going on)\b")
# A question's words that do not say what it is about, for the check that the evidence is about it
NOT_TOPIC = SHOWN_AS | ANSWER_KINDS | LIGHT_VERBS | MANNER | {"one", "ones"}   # "which one ..."
# "the first sign", "the opening title card", "the last slide", "the first thing the narrator says",
# "the first credit", "which role is credited first"
# "which sign do we see first", "what slide came up last" (a thing shown, not "which person comes first")
SEEN = (r"(?:(?:do|does|did) (?:we|you|i|they) (?:see|read|spot|pass|notice|show)|comes?(?: up)?|came(?: up)?|"
        r"appears?|appeared|shows? up|showed up|(?:is|was) shown)")
POSITION = re.compile(r"\b(first|opening|initial|earliest|last|final|closing)\s+(?:\w+\s+)?(?:sign|signs|board|slide|"
                      r"caption|title|card|banner|poster|text|thing|things|words?|line|lines|sentence|shot|scene|image|"
                      r"credit|credits|name|names|person|role)\b|\bcredited\s+(first|last)\b"
                      r"|\b(?:sign|board|slide|caption|title|card|banner|poster|text|shot|scene|image|credit|name)s?\s+"
                      rf"{SEEN}\s+(first|last)\b|\b(title|cover)\s+slide\b"   # a deck opens with its title slide
                      r"|\b(?:listed|named|credited)\s+at\s+the\s+(?:very\s+)?(top|bottom)\b"   # of a list
                      # "what's the show called", "the name of the series": the title it opens with
                      r"|\bnames? of the (show|series|programme|episode)\b|\b(show|series|programme|episode) called\b")
# "of all the signs in the walk, which one comes first": the one of the things shown it names
WHICH_ONE = re.compile(rf"\bwhich one\s+{SEEN}\s+(first|last)\b")
# "in the bunny movie credits, who ...", "... on the team offsite slide?": where to look, not what is asked
# ("on the office move" is a topic; "on the X slide" a place)
LOCATING = re.compile(r"\b(?:(?:in|from|during|within|inside|at|according to|per)\s+(?:the|this|that|my|our|his|her|its)\s+"
                      r"[^,;?.!]*?|on\s+(?:the|this|that)\s+[^,;?.!]*?\b(?:screen|slide|sign|board|card|poster|banner|"
                      r"title|caption|label))(?=\s*(?:[,;?.!]|$))")
SPEECH = re.compile(r"\b(say|says|said|saying|mention\w*|talk\w*|speak\w*|spoke\w*|hear\w*|heard|told|tell\w*|"
                    r"ask\w*|agree\w*|announc\w*|narrat\w*|speaker\w*|voice|utter\w*|sing|sings|sang|sung|"
                    r"read out|read aloud|out loud|quote\w*|promis\w*|suggest\w*|propose|proposes|proposing|"
                    r"proposed(?=\s*(?:$|[?.!,;]|to\b|that\b|by\b|for\b|at\b|in\b))|decid\w*)\b")
SCREEN = re.compile(r"\b(shown|show|shows|showing|on screen|on-screen|onscreen|written|writes|sign|signs|slide\w*|"
                    r"board|caption\w*|displayed|display\w*|title\w*|credit\w*|visible|appear\w*|see|seen|writing|lettering|"
                    r"photo\w*|picture\w*|image\w*)\b")
# "what did the bakery sign say": a thing read says what is written on it
SIGN_SAYS = re.compile(r"\b(?:sign|board|label|caption|poster|banner|card|slide)s?\s+(?:say|says|said)\b")
# Who speaks, and what they said: "what does the narrator say", "according to the reader", "what
# did the speaker talk about": only speech answers it (not a title card). A speaker's name or looks
# ("who is the presenter", "what is the host wearing") are not what was said, nor is the work read
# aloud ("which chapter is being read": its title card names it).
SPEAKER = r"(?:narrators?|readers?|speakers?|lecturers?|presenters?|hosts?|voice-?overs?|guides?|teachers?|instructors?)"
SPOKEN = re.compile(rf"\b{SPEAKER}\b[^?.!,;]*?\b(?:say|says|said|saying|talk\w*|mention\w*|tell\w*|told|explain\w*|"
                    rf"read|reads|describ\w*|call|calls|called|spoke|speak\w*)\b|\baccording to (?:the|this|that) {SPEAKER}"
                    rf"|\bnarrat(?:ed|es|ing|ion)\b")
# what a "find me the X" asks the value of, not the place of ("find the total cost", "show me the
# password"); and the opening or closing one, which POSITION reads ("show me the last slide")
VALUES = set("summary gist answer cost costs price total amount number numbers deadline date time password code address "
             "email phone url website link budget figure result results list".split())
POSITIONS = set("first last opening closing final".split())
# "what time does the offsite start": a time of day is the answer (not "when is the deadline": a day)
ASKS_TIME_OF_DAY = re.compile(r"\b(?:what|which) (?:time|hour)\b|\bo'?clock\b|\b(?:opening|closing) (?:hours|times?)\b")
# what marks a before/after question: "after the vote", "prior to the toast", "following her remark"
# (not "the following scene", "which of the following"); "what follows", "which line precedes the
# toast" (not "which car follows the bus": a place, not a moment)
DETERMINED = r"(?= (?:the|his|her|their|that|this|its)\b)"
BEFORE = rf"before|prior to|preceding{DETERMINED}"
NEXT_TO = rf"after|following{DETERMINED}|{BEFORE}"
FOLLOWS = re.compile(r"\b(?:what|which(?: (?:line|sentence|sign|slide|part|bit|credit|caption|card|title|words?|name|"
                     r"scene|shot|thing|remark|comment|question|announcement|one))?)\s+(?:comes? )?(follows|precedes)\b")
# "how many coffee cup pictures are in the walk", "how many GATE signs", "how many slides", "the
# number of slides": things shown, counted (not "how many people will we hire", a number said;
# nor "the number of the platform sign", a number shown)
# (nor "how many pests does the caption mention": the caption says a number; the clause's verb ends the thing counted)
COUNT_SHOWN = re.compile(r"\bhow many\s+(?:(?!(?:in|on|at|of|from|do|does|did|will|would|is|are|was|were|has|have|had|can|could|should)\b)\w+\s+){0,3}?(?:" + "|".join(sorted(SHOWN_AS))
                         + r")\b|\bnumber of\s+(?:\w+\s+){0,2}?(?:" + "|".join(sorted(w for w in SHOWN_AS if w.endswith("s")))
                         + r")\b")
# "in how many of my videos does Ton Roosendaal show up": videos counted, each once
# (not "how many movies are mentioned in the podcast": things named, counted)
VIDEOS_COUNTED = re.compile(r"\b(?:in|across|on)\s+how many (?:(?:of|among) (?:my|the|our|these|those) )?(?:videos|clips|recordings|files)\b|"
                            r"\bhow many of (?:my|the|our|these|those) (?:videos|clips|recordings|films|movies|files)\b", re.I)
# a before/after question about the topics of a talk: "which topic came up right after the budget",
# "what did they move on to", "the next thing on the agenda"
TOPIC_ASKED = re.compile(r"\b(?:topics?|subjects?|agenda|mov(?:e|es|ed|ing) on|went on to|next thing on|next point)\b|"
                         r"^\W*(?:which|what)\s+(?:slide|page)\b", re.I)
# ("when does the cat appear, what colour is it" is a question of its own: an auxiliary follows "when")
WHEN_CLAUSE = re.compile(r"^\W*when\s+(?!(?:is|are|was|were|do|does|did|will|can|could|would|should)\b)[^,?]*,\s*"
                         r"(?=(?:what|which|who|whom|whose|where|how|why|is|are|was|were|do|does|did|can|could|will|has|have)\b)")
# A time of day or a date asked for ("what time does it open", "when is the deadline", "deadline
# for the budget sheet?", "to what day and time"), read from what is said or shown: unless the
# question asks for a moment of the video (intent "when")
CLOCK_ASKED = re.compile(r"\b(?:what time|at what time|what hour|opening hours|o'?clock|when|deadline|due date|"
                         r"(?:what|which) (?:day|date)|by when)\b")


@dataclass
class QueryPlan:
    question: str
    intent: str = "lookup"
    terms: list[str] = field(default_factory=list)        # what it is about, in order (video names and times removed)
    subject: str = ""                                     # the one thing counted, ordered or located
    literals: list[str] = field(default_factory=list)     # quoted or capitalised values, as written
    alternatives: list[str] = field(default_factory=list)
    direction: str = ""                                   # neighbour: "after" | "before"; order: "first" | "last"
    immediate: bool = False                               # neighbour: "right after", "just before": the one next to it
    modality: str = ""                                    # "speech" | "screen" | "" (either)
    spoken: bool = False                                  # what a person said is asked for ("what does the narrator say")
    start: float | None = None                            # a window of video time
    end: float | None = None
    around: float | None = None                           # "around the 2 minute mark": the moment the window is around
    from_end: bool = False                                # start/end count back from each video's end
    share: tuple[float, float] | None = None              # a window as shares of each video's length ("the second half")
    videos: list[str] = field(default_factory=list)       # file names the question refers to
    described: str = ""                                   # a video named by what it shows ("the bunny movie")
    named_by: list[str] = field(default_factory=list)     # the words that named the videos ("the austen reading")
    catalogue: str = ""                                   # about the videos themselves: longest|shortest|how_many|length|nearest
    length: float | None = None                           # nearest: the length said, in seconds
    position: str = ""                                    # "first" | "last": the opening or closing one shown or said
    focus: list[str] = field(default_factory=list)        # the terms of what is asked, without where it is ("in the credits")
    asks_clock: bool = False                              # a time of day said or shown is asked for, not a video moment
    query: str = ""                                       # its terms, searched beside each option
    asked: str = ""                                       # the question without the words naming its videos or time

    @property
    def timed(self) -> bool:
        """Whether the question names a window of video time."""
        return self.start is not None or self.end is not None or self.share is not None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", [], False) and k != "question"}


def literals_of(question: str) -> list[str]:
    quoted = re.findall(r"(?:^|[\s(])[\"“‘']([^\"”’']{2,60})[\"”’'](?=[\s.,;:!?)]|$)", question)
    caps = [c.strip() for c in re.findall(r"\b(?:[A-Z][A-Z0-9&\-]+(?:\s+[A-Z0-9][A-Z0-9&\-]*)*)\b", question)
            if len(c.strip()) > 1 and c.strip() not in ("I", "OK", "TV")]
    return list(dict.fromkeys(quoted + caps))


ALTERNATIVES = [
    # "do we pass the pharmacy before or after the ferry", "is the museum sign before or after the
    # bakery one": the thing asked about is the phrase the relation follows, not the whole clause
    re.compile(r"\b(?:the|a|an)\s+((?:[\w'-]+\s+){0,2}?[\w'-]+)\s+(?:(?:(?:come|comes|came)(?:\s+up)?|appear\w*|"
               r"show up|shown|mentioned|said|heard|seen)\s+)?(?:before or after|after or before)\s+(?:the\s+)?([^,;?]+?)\s*\??$"),
    re.compile(r"(?:^|[:,;]|\b(?:first|earlier|later|last|sooner|before)\b)\s*(?:the\s+)?([^:,;?]+?)\s+or\s+(?:the\s+)?([^:,;?]+?)\s*\??$"),
    # "does A come before B", "is A mentioned before or after B": a verb of appearing, then the relation
    re.compile(r"\b(?:does|did|is|was|do|are|were)\s+(?:the\s+)?(.+?)\s+(?:come|came|appear|show up|get mentioned|"
               r"happen|shown|mentioned|said|heard|seen)\s+(?:up\s+)?(?:before|after|earlier than|later than)"
               r"(?:\s+or\s+(?:before|after))?\s+(?:the\s+)?(.+?)\s*\??$"),
]


WAYS = r"shown|said|seen|heard|written|spoken|displayed|read out|read|sung"
AUX = r"does|do|did|is|are|was|were|will|would|can|could|has|have|had"
APPEARS = r"gets?|got|comes?|came|appears?|appeared|shows?|showed|pops?|turns?|goes|went|happens?|happened|first|earlier|later|last|sooner"


def alternatives_of(q: str) -> list[str]:
    # (not "anything shown or said": two ways of being in a video, not two things)
    q = re.sub(rf"\b({WAYS})\s+(?:or|and/or)\s+(?:{WAYS})\b", r"\1", q)
    for pattern in ALTERNATIVES:
        m = pattern.search(q)
        if m and not re.search(r"\b(?:an?|one)\s+\w+\s+or\s+(?:two|three|four|so)\W*$|\bor (?:so|less|more)\W*$", q):
            # (not "in a sentence or two", "a minute or so": an amount said loosely)
            # (nor the words left where a video's name was taken out: "the bakery in [the walk]")
            found = [re.sub(r"(?:\s+(?:in|on|of|at|from|during|the|this|that))+$", "", re.sub(r"^(?:the|a|an)\s+", "", g.strip()))
                     for g in m.groups()]
            asked = re.match(rf"^(?:{AUX})\s+(?:the\s+|a\s+|an\s+)?", found[0])
            if asked:   # "does the bird or the bunny get its intro card first": the two things, not the clause
                found = [found[0][asked.end():], *found[1:-1],
                         re.sub(rf"\s+(?:{AUX}|{APPEARS}|{WAYS}|mention\w*|discuss\w*|speak\w*|talk\w*|present\w*)\b.*$", "", found[-1])]
            return found
    return []


def as_written(phrase: str, question: str) -> str:
    """The phrase as the question spells it ("GATE 7", not the normalised "gate 7")."""
    m = re.search(r"\s+".join(map(re.escape, phrase.split())), question, re.I)
    return m.group(0) if m else phrase


def intent_of(q: str, alts: list[str], has_window: bool, terms: list[str], vague: bool = False) -> tuple[str, str]:
    """(intent, direction). Each test stands for a class of questions; the first that holds wins,
    so the narrow forms come before the broad ones."""
    if SUMMARY_WORDS.search(q) or re.search(r"\bdescribe\b", q) and not re.search(
                 r"\bhow (?:does|do|did|is|was|would)\b[^?]*\bdescribe", q) or re.search(rf"\bwhat (?:happens|happened)\b(?!\s+(?:right |just |immediately |directly |"
                                                                 rf"straight |next )?(?:{NEXT_TO}|when|once)|\s+(?:to|with)\s+(?!(?:the|this|that|my|our)\s+(?:{VIDEO_NOUN})\b))", q) \
            or re.search(r"\bwhat (?:is|was|are|were) (?:it|this|that|(?:the|this|that)(?: (?:\w+ ){0,2}\w+)?)?\s*(?:all )?about\s*(?:[?.!]|$|,?\s*(?:briefly|in short|in brief))", q) \
            or re.search(r"^\W*(?:(?:briefly|quickly|in short|in brief|roughly),?\s*)?what (?:is|was|are|were) "
                         r"(?:shown |going on |happening |said |being said )?in\s*(?:(?:the|this|that|my)\s*"
                         rf"(?:{VIDEO_NOUN})?)?\s*(?:[?.!]|$)", q):
        # "what is the meeting about?" (the video's name is taken out by then: "what is   about?"; "what
        # is the reading about, in a few sentences"), "briefly, what's said in the reading?"; not
        # "what is the main risk they are worried about"; "what's in the bikes video" ("what is in the  ")
        return "summarise", ""
    if alts and re.search(r"\b(first|earlier|later|last|sooner|before|after|order)\b", q):
        return "order", "last" if re.search(r"\b(later|last)\b", q.split(" or ")[0]) else "first"
    m = re.search(rf"\b(right |just |immediately |straight |directly )?({NEXT_TO}|once|next to|then)\b\s+(?!\d)", q)
    # (not an instruction with a condition of time: "what should I buy before the ferry", "what do we
    # need to finish before Friday" ask what was said to do, not what the video shows next)
    told = m and re.search(r"\b(?:should|must|need to|needs to|have to|has to|supposed to|ought to)\b", q[:m.start()])
    # nor a plan made for before a time ("what testing was agreed for the payment flow before the
    # launch"); "what did they decide just before the break" is still what the video shows next
    told = told or m and not m.group(1) and re.match(BEFORE, q[m.start(2):]) and re.search(
        r"\b(?:agreed?|decided?|planned|plan|scheduled?|promised?)\b[^?]*\bfor\b", q[:m.start()])
    # ("next sign after the pharmacy one": a terse one says "next" first)
    # (a window said loosely only narrows where: "what's shown right after the produced by card near
    # the end"; not "at 1:30, what does the slide say after the heading")
    thing = m and vague and re.match(r"(?:the|a|an|his|her|their|that|this)\s+[a-z]", q[m.end():])
    if m and m.group(2) not in ("once", "next to", "then") and re.search(r"\b(what|who|which)\b|\bwhose (?:name|credit|line|row|entry)|^\W*(?:the\s+)?next\b", q) \
            and (not has_window or thing) and not told:
        return "neighbour", "before" if re.match(BEFORE, q[m.start(2):]) else "after"
    m = FOLLOWS.search(q)
    if m and not has_window:
        return "neighbour", "before" if m.group(1) == "precedes" else "after"
    # "how many loaves did the narrator say", "how many people did she say would come": a number
    # said, not a count of mentions (that is "how many times ...")
    # ("did they say how many engineers we need", "tell me how many people will come": so too)
    quantity_said = re.search(r"\bhow many (?!times\b)(?:\w+\s+){1,3}?(?:did|does|do|will|would)\s+(?:\w+\s+){1,3}?"
                              r"(?:say|said|mention|tell|ask|want|need|order|buy|bring)\b"
                              r"|\b(?:did|does|do)\s+(?:they|he|she|we|you|the\s+\w+)\s+(?:say|tell\s+us|mention)\s+how many (?!times\b)"
                              r"|\b(?:said|mentioned|told\s+us)\s+how many (?!times\b)", q)
    # "how often is the gate mentioned" counts; "how often should we test the payment flow" asks
    # for a frequency said ("every day")
    appears = re.search(r"\b(appear\w*|shown|show up|shows up|visible|seen|on screen|mention\w*|said|say|spoken|come up|"
                        r"comes up|occur\w*)\b", q)
    often = re.search(r"\bhow (often|frequently)\b(?! (?:should|must|shall|do (?:we|i|you) (?:need|have) to)\b)", q) and (
        appears or re.search(r"\b(says|repeat\w*|hear|heard|see|spot|use the word|uses the word)\b", q))
    if re.search(r"\bhow many times\b|\bnumber of times\b|\bcount (the|how)\b", q) or COUNT_SHOWN.search(q) or often \
            or not quantity_said and appears and re.search(r"\bhow many\b", q):
        return "count", ""
    if re.search(rf"\b(which|what)\s+(?:of\s+(?:my|the|these|those|our)\s+)?{VIDEO_ITSELF}\b|\bin which {VIDEO_NOUN}\b"
                 rf"|\b(?:any|one) of (?:my|the|our) {VIDEO_NOUN}\b|\bdo i have (?:a|any) {VIDEO_NOUN}\b"
                 rf"|\bis there (?:a|any) {VIDEO_NOUN}\b|\bwhere in (?:my|the|our) (?:library|collection)\b"
                 # "there's a recording where two people plan the launch, which one is it"
                 rf"|\b(?:there(?: is| was|s)|i (?:have|had|saw|watched|remember)|you have)\s+(?:a|an|one)\s+(?:\w+\s+)?{VIDEO_ITSELF}\b"
                 rf"[^?]*[,;:\-–—]\s*which (?:one|file)\b(?:\s+is it)?\W*$"
                 rf"|^\W*(?!(?:transcribe|translate|summari[sz]e|describe|explain|play|open)\b)(?:the\s+|that\s+|my\s+)?"
                 rf"(?:[\w'-]+\s+){{1,4}}?(?:video|clip|recording|footage)\W*$", q):
        return "which_video", ""   # (a bare "brighton train video" looks for the video)
    # ("near the end of the clip, when does the reader say ...": the moment, asked after a clause)
    moment = re.search(r"(?:^\W*|,\s*(?=when (?:does|do|did|is|was|are|were|will)\b))(?:when\b|at what (?:time|point|moment)|what (?:time|point|moment) in\b|how (?:far|long) into\b|"
                       r"at which (?:point|moment|time)|where(?:abouts)? in the\b|at what timestamp|what timestamp)|\btimestamp\b", q)
    # "when does the last ferry leave, according to the narrator?": the narrator frames a time said,
    # not a moment of the video
    framed = LOCATING.sub(" ", q)
    # ("when does the meeting get to the offsite", "when do they discuss hiring": a topic's moment)
    verbs = SPEECH.search(framed) or re.search(r"\b(appear\w*|shown|show up|shows up|visible|seen|on screen|pop up|pops up|"
                                          r"come on|comes on|first|begin\w*|start\w* (?:to )?(?:sing|talk|play)|see|spot)\b", framed) \
        or re.search(r"\b(?:do|does|did)\s+(?:(?:the|this|that)\s+)?(?:(?:they|we|he|she|you|people|everyone|meeting|video|talk|"
                     r"discussion|call|team|group|speaker|narrator|guide|presenter|lecture|clip|recording)\s+)?(?:start\s+)?"
                     r"(?:discuss\w*|cover|get (?:to|into|onto)|go over|turn to|move on to)\b", framed)
    # "show me where X is", "find the part where X comes up": asking for the place in the video
    locate = re.search(r"^\W*(?:(?:show|tell) me (?:where|when)|(?:find|show me|take me to|jump to|point me to) (?:the )?"
                       r"(?:part|moment|bit|spot|point|place|scene|section)s?(?: of [^,?]{0,40}?)?\s+(?:where|when|in which))\b", q)
    # "find me the cat", "take me to the bakery sign (in the walk)": a short thing to go to, no more
    go_to = re.search(r"^\W*(?:find|show|take|point|jump|skip|bring)(?: me)?(?: to)?\s+(?:the|a|an|that|this)\s+"
                      r"((?:\w+\s+){0,2}\w+)\s*(?:(?:in|on|from) (?:the|this|that|my)\b[^?,]*)?[?.!]?$", q)
    locate = locate or go_to and not set(go_to.group(1).split()) & (ANSWER_KINDS | VALUES | POSITIONS)
    # "where did I hear about the train to Brighton": where in the library, which a moment says
    locate = locate or re.search(r"^\W*where (?:did|have) (?:i|we|you) (?:hear|heard|see|seen|watch|watched|read|learn|"
                                 r"learned|learnt|come across|came across|spot|spotted)\b", q)
    # "where in the reading video is the title shown" (its name taken out by now), "whereabouts in the
    # tour video does the guide say thanks", "where in the clip does she laugh": a place in the video; "there's a cat in the walk, when?": the moment, asked last
    locate = locate or re.search(rf"^\W*where(?:abouts)? in\s+(?:(?:the|this|that|my)\s+)?(?:(?:[a-z]+\s+){{0,2}}?{VIDEO_NOUN}\s+)?(?:is|are|was|were|do|"
                                 rf"does|did|can)\b|[,;:\-–]\s*when\W*$", q)
    # "at what point does it roll its credits", "when's the bit about the beta", "when in the tour
    # does he talk about Anna": a place in the video
    # ("how far into the video", "when do they get into the budget"; not "when do I dial into the
    # call": a time of day)
    place = re.search(r"\btimestamp\b|\bin the (?:video|clip)\b|^\W*when in (?:the|this|that|my|our)\b|(?<!dial )(?<!dialled )(?<!dialed )(?<!log )(?<!sign )"
                      r"(?<!call )(?<!join )(?<!zoom )\binto\b|^\W*at (?:what|which) (?:point|moment)\b|"
                      r"\b(?:bit|part|moment|section|segment|scene|portion|stretch)s? (?:about|where|with|on|that)\b", q)
    # "when's the speed limit sign", "when do the credits start": a thing shown has a moment; "when
    # is the deadline (on the slide)" asks for a date, and where it is shown is taken out of `framed`
    shown = (SHOWN_AS | {"credit", "credits"}) & set(framed.split())
    if locate or moment and (verbs or place or shown):
        return "when", ""
    if has_window and all(t in NOT_TOPIC or t in WINDOW_ASKS for t in terms):
        return "window", ""   # "which credits appear between 8:40 and 8:50": all of the window is asked
    return "lookup", ""


def lookups(question: str, video_names: list[str]) -> list[str]:
    """The phrases plan() needs the library to look up: which videos show or say each."""
    m = ASKER.match(question)
    q = reworded(question)
    described = described_in(q)
    kinds = [w for d in described[0].split() for w in genre_words(d)] if described else []
    return list(dict.fromkeys([*initial_runs(q, video_names), *([described[0], held_phrase(described)] if described else []),
                               *kinds, *([m.group(1).capitalize()] if m else [])]))


def kind_held(described: str, held: dict[str, list[str]]) -> list[str]:
    """The videos a kind of video is said of in other words ("the band video": the one showing
    MUSICIANS): of its words the library holds, the one fewest videos hold."""
    found = [held[w] for d in described.split() for w in genre_words(d) if held.get(w)]
    return min(found, key=len, default=[])


def held_phrase(described: tuple[str, re.Match]) -> str:
    """"weekly call" of "the weekly call": a call, meeting or session may be a thing the videos
    speak of ("they moved the weekly call"), which the library then holds in these words."""
    noun = described[1].group(0).split()[-1]
    return f"{described[0]} {noun}" if noun in ("call", "meeting", "session", "webinar") else described[0]


def plan(question: str, video_names: list[str], held: dict[str, list[str]] | None = None) -> QueryPlan:
    """The plan of a question; `held` maps the phrases of lookups() to the videos holding them."""
    held = held or {}
    question = asked_as(question.strip(), held)
    q = reworded(question)
    p = QueryPlan(question=question)
    titles = {run: name for run, name in initial_runs(q, video_names).items() if name in held.get(run, [])}
    p.videos, said = named_videos(q, video_names, titles)
    p.named_by = said
    rest = q
    for s in said:   # the words that named it, once, as whole words ("the walk", not in "the walking tour")
        rest = re.sub(rf"(?<!\w){re.escape(s)}(?!\w)", " ", rest, count=1)
    described = described_in(rest)
    if described and p.videos and held.get(described[0]) and not set(held[described[0]]) & set(p.videos):
        # "that reading over the street footage": described as well as named, in words the named video
        # does not hold (not "the cat clip" in the bikes video, which shows a cat)
        rest = rest[:described[1].start(1)] + rest[described[1].end():]
    described = None if p.videos else described
    if described:
        p.described, m = described
        owners = the_film(held.get(p.described) or kind_held(p.described, held), m.group(0).strip(" ,;:-–"))
        if owners and held_phrase(described) != p.described and held.get(held_phrase(described)):
            # "they moved the weekly call": a call said or shown in these words is a thing in a
            # video, which it still says where to look
            p.videos, p.described = (owners if set(owners) < set(video_names) else []), ""
        elif owners:
            # "the bunny movie": the videos that show or say it; the words say which, not what is asked
            p.videos = owners if set(owners) < set(video_names) else []
            p.named_by = [m.group(0).strip(" ,;:-–")]   # ("the orion call": "Orion" need not be in the evidence)
            rest = rest[:m.start(1)] + rest[m.end(1):] if re.search(rf"{VIDEO_NOUN}$", m.group(0)) else \
                rest[:m.start(1)] + rest[m.end():]   # "the planning call": "call" names it too
    timed = clock_said(rest)   # the durations said in words, read as numbers only where they say a window
    share = share_of(timed)   # "in the second half": a share of each video's length
    p.start, p.end, p.from_end, when_words, *p.around = (None, None, False, share[2]) if share else time_window(timed)
    p.around, p.share = p.around[0] if p.around else None, share[:2] if share else None
    rest = re.sub(rf"(?<!\w){re.escape(when_words)}(?!\w)", " ", timed, count=1) if when_words else rest
    if when_words:   # "near the very end of the clip, like after 0:35": said twice, the second more exactly
        rest = re.sub(r"\b(?:near|at|towards?|around|by)\s+the\s+(?:very\s+)?(?:end|ending|beginning|start|opening)\b"
                      r"(?!\s+(?:credits?|titles?|card)\b)(?:\s+of\b)?", " ", rest)
    # what search reads: "the bunny video" and "at 8:12" say where to look, and would rank scenes
    # showing a bunny or the digits 8 12 above those about what is asked; "which person did the art
    # direction": a person is in most scenes, and would rank them above the credit that names one
    topical = [w for w in content_words(rest) if w not in PEOPLE]
    p.asked = re.sub(r"\s+", " ", " ".join(w for w in rest.split() if w not in PEOPLE) if topical else rest).strip(" ,")
    p.literals = literals_of(question)
    p.alternatives = [as_written(a, question) for a in alternatives_of(rest)]
    p.terms = content_words(rest)
    # "when the credits start, which name comes first?": a clause that says when, then the question
    asked = WHEN_CLAUSE.sub("", rest)
    p.intent, p.direction = intent_of(asked, p.alternatives, p.timed, p.terms, vague=p.from_end or p.share is not None)
    if p.intent == "summarise" and not p.videos:
        # "sum up the walking tour": a summary is of a video, and an inflected word of one video's
        # name names it (not for other questions: "what did they say about walking" asks across them)
        asks = [t for t in p.terms if t != "sum" and not SUMMARY_WORDS.search(t)]   # not weekly_recap.mp4 for "a recap"
        words = set(stems(" ".join(asks)))
        owners = [n for n in video_names if words & set(stems(" ".join(
            w for w in name_parts(n) if not re.fullmatch(VIDEO_NOUN, w))))]
        p.videos = owners if len(owners) == 1 else []
    if p.intent == "which_video":   # "where's the reading, which file?": the file is the answer, not its topic
        p.terms = [t for t in p.terms if not re.fullmatch(VIDEO_NOUN, t)]
    p.immediate = p.intent == "neighbour" and bool(
        re.search(rf"\b(?:right|just|immediately|straight|directly)\s+(?:{NEXT_TO})\b|\bnext\b(?! to)", rest) or FOLLOWS.search(rest))
    if p.intent == "lookup" and re.match(r"^\W*where (?:is|are|was|were|can i (?:see|find))\b", asked) and (
            p.literals or SHOWN_AS & set(asked.split())):
        p.intent = "when"   # "where is the EXIT sign?": a place in the video, not in the world
    spoken, screen = bool(SPOKEN.search(rest)), bool(SCREEN.search(rest))
    speech = spoken or bool(SPEECH.search(SIGN_SAYS.sub(" ", rest)))
    p.modality = "speech" if speech and not screen else "screen" if screen and not speech else ""
    p.spoken = spoken and not screen
    p.catalogue, p.length = catalogue_of(q, timed, p.terms, bool(p.videos))
    if p.length is not None:   # "which video lasts about ten seconds": a length, not a window
        p.start, p.end, p.around, p.share = None, None, None, None
    m = POSITION.search(asked) or (SHOWN_AS & set(re.findall(r"[a-z]+", asked)) and WHICH_ONE.search(asked))
    if m and p.intent in ("lookup", "window") and not p.alternatives:   # "the first sign in the last 10 seconds"
        which = next(g for g in m.groups() if g)
        p.intent = "lookup"
        p.position = "first" if which in ("first", "opening", "initial", "earliest", "title", "cover", "top", "show", "series",
                                          "programme", "episode") else "last"
        p.terms = [t for t in p.terms if t != which] or p.terms   # "opening" says where, not what
    clause = WHEN_CLAUSE.search(rest)
    if clause and not p.position and p.intent == "lookup" and re.search(r"\bcredits?\b.*\b(?:start|begin|roll)",
                                                                        clause.group(0)):
        p.position = "first"   # "when the credits start rolling, who is listed?": the opening credit
    p.focus = [t for t in content_words(LOCATING.sub(" ", rest)) if t in p.terms]
    if p.intent == "lookup" and not p.terms and p.described and not re.search(
            rf"\b(?:in|from|of|during|on|at|within|throughout|inside|across|about)\s+{re.escape(p.named_by[0])}", q):
        # "what time is the weekly call": the words that named the meeting are all that is asked about
        # (not "what does the narrator say in the walking tour": a place to look)
        p.terms = p.focus = [w for w in content_words(" ".join(p.named_by)) if not re.fullmatch(VIDEO_ITSELF, w)]
        p.asked = f"{p.asked} {' '.join(p.terms)}".strip()
    if ENTRIES_LISTED.search(asked):
        p.intent = "count"   # "how many names are on the team card": the entries under a heading
    p.subject = subject_of(p, rest)
    if FIRST_SAID.search(asked) and (p.intent == "when" or WHEN_ASKED.search(asked)):
        # "how many seconds into the reading video does the narrator start reading": the first words said
        p.intent, p.position, p.modality, p.subject = "when", "first", "speech", ""
    p.asks_clock = p.intent != "when" and bool(CLOCK_ASKED.search(asked))
    p.query = " ".join(p.terms) or question
    return p


# the entries a page lists: "how many names are on the team card", "how many items on the launch
# slide" (not "how many people will we hire": a number said)
ENTRIES_LISTED = re.compile(r"\bhow many\s+(names|people|persons|items|entries|points|bullet points|bullets|roles|lines|things|"
                            r"rows)\b.*\b(?:card|slide|page|list|board|sign|poster|title)s?\b")
# the moment anyone first speaks: "start reading", "begins to talk", "when does anyone say anything"
FIRST_SAID = re.compile(r"(?:\b(?:start|starts|started|begin|begins|began)\s+(?:to\s+)?(?:read|reading|talk|talking|speak|"
                        r"speaking|narrat\w*|say anything|saying anything)|\b(?:first|anyone|anybody|someone|somebody)\s+"
                        r"(?:speaks?|talks?|says anything|starts talking))(?=\s*(?:[?.!,]|$)|\s+(?:in|on|at|during)\b)")
WHEN_ASKED = re.compile(r"^\W*(?:when|at what (?:point|time|moment)|how (?:many|much) (?:seconds|minutes|time)|how (?:far|long|soon)|"
                        r"where in)\b")


# what a summary asks of a video that names no topic: "sum up what was decided in the meeting"
OF_ALL = {"sum", "decided", "decide", "decisions", "agreed", "agree", "discussed", "covered", "happened", "happens", "said",
          "talked", "shown", "going", "goes", "main", "quick", "whole", "short", "brief", "briefly", "everything"}


def topic_of(p: QueryPlan, video: str) -> list[str]:
    """The topic a summary of one video asks about, not the video itself: "sum up what was decided
    about the team offsite" -> offsite (what the evidence on it answers); [] for "summarise the
    meeting"."""
    asked = IN_SENTENCES.sub(" ", normalise(p.question))
    # ("summarise the part where they go over the sales numbers": the part is the topic's)
    m = re.search(r"\b(?:about|regarding|concerning)\b(.+)|\b(?:part|bit|section|segment|portion|stretch)s?\s+(?:of\s+[^,?]{0,40}?\s+)?"
                  r"(?:where|when|in which|on)\b(.+)", asked)
    if not m:
        return []
    naming = set(" ".join(p.named_by).lower().split()) | set(name_parts(video))
    return [t for t in p.terms if t in re.findall(r"[\w'-]+", m.group(1) or m.group(2)) and not SUMMARY_WORDS.search(t) and t not in OF_ALL
            and t not in NOT_TOPIC and not set(stems(t)) & set(stems(" ".join(naming)))]


def subject_of(p: QueryPlan, rest: str) -> str:
    """The one thing a count, a "when" or a before/after question is about."""
    if p.intent == "neighbour":
        # to the clause's end: not at the period of "Mr. Smith" or "3.5"
        # ("right after they pick the hotel what gets booked": or at the question it runs into; not
        # "after the bit about what was said")
        m = re.search(rf"\b(?:{NEXT_TO}|follows|precedes)\s+(.+?)(?=\s*(?:[,;?!]|\.\s*$|$)|(?<!\babout)(?<!\bof)(?<!\bon)"
                      r"\s+(?:what|who|which)\s+(?:gets?|got|is|was|are|were|did|does|do|happens|happened|comes?|came|"
                      r"should|will|would|can)\b)", rest)
        anchor = m.group(1) if m else ""
        # ("the pharmacy one"; "the art director in the credits": where it is shown, not what)
        words = [w for w in content_words(anchor) if w not in SHOWN_AS and w not in ("one", "ones")]
        return " ".join([w for w in words if w not in ("credit", "credits")] or words)
    if p.literals:
        return p.literals[0]
    # what is asked, not where to look: "how many cups are in the walk" counts cups
    # (not who says it: "how many times does the tour guide remind us to buy something" counts "buy")
    # ("when do they start talking about the offsite", "where is the offsite planned": the offsite)
    words = [w for w in p.focus or p.terms if w not in SHOWN_AS | LIGHT_VERBS | MANNER | SPEAKERS
             and not re.search(r"^(times?|often|many|number|one)$", w) and not (p.intent == "when" and w in TOPIC_VERBS)]
    return " ".join(words)

