"""A question's everyday turns said the way the planner's rules read them: words before the
question proper dropped ("ok so ..."), "once they were done with X" as "after X", "bring up" as
"mention", "before it ends" as "at the end", "I forgot X, remind me" as what X is, how long an
answer should be left out; and "I" read as the person the asker says they are ("I'm Daniel, what
do I ...")."""
from __future__ import annotations

import re

from vidrag.agent.text import normalise

# Words before the question proper ("ok so when does ...", "roughly when does the tour end", "hey,
# what's ..."): the rules that read a question's opening words read what follows them
FILLER = r"(?:ok(?:ay)?|so|hey|hi|hello|um+|uh+|hmm+|well|also|and|quick question|just curious|curious|roughly|approximately|around|about)"
# (only where the question proper follows: not "hello world text", "well-known", "roughly 2 minutes in")
LEAD_IN = re.compile(rf"^\W*(?:{FILLER}(?:\s*[,:;.!]\s*|\s+(?={FILLER}\b|(?:what|when|where|who|whom|which|how|why|is|are|"
                     r"was|were|do|does|did|can|could|will|would|should|once|after|before|tell|give|show|find)\b)))+")
# "once they were done with the budget", "when we finished talking about hiring", "after she wrapped
# up the intro": the moment a topic ends is the moment after it (people, not "when the cake is done baking")
DONE_WITH = re.compile(r"\b(?:once|when|after)\s+(?:they|we|he|she|you|i|everyone)\s+(?:(?:were|was|are|is|had|have|got)\s+)?"
                       r"(?:done|finished|through|wrapped up|finish|wrap up)\s+(?:with\s+|talking about\s+|"
                       r"discussing\s+|covering\s+|going over\s+)?(?=\S)")
# "once the risk was flagged, what did Daniel propose straight after?": the clause says the moment,
# the question's own "after" or "next" only points back at it
ONCE_THEN = re.compile(r"^(?:once|as soon as)\s+(?=[^,?]*,\s*(?:what|which|who)\b[^?,]*\b(?:after|afterwards|next|then)\W*$)")
# "the last line before it ends", "just before the end": the end of the video (not "before the end
# of the quarter")
VIDEO_ITSELF_WORDS = r"(?:video|clip|reading|film|movie|recording|tour|walk|meeting|trailer|talk|call)"
UNTIL_END = re.compile(rf"\bbefore (?:it|the {VIDEO_ITSELF_WORDS}) (?:ends|finishes|is over|wraps up|stops|closes)\b|"
                       rf"\bbefore the (?:very )?end\b(?=\s*(?:$|[?.!,;]|of (?:the|this|that) {VIDEO_ITSELF_WORDS}\b))")
# "how often does the guide bring up the ferry": mentions it (not "bring up the settings menu")
# "when do they sort out lunch": arrange it, which is no word of what is asked
SORT_OUT = re.compile(r"\bsort(?:s|ed|ing)? out\b")
BRING_UP = re.compile(r"\b(?:bring|brings|brought|bringing)\s+up\b(?=\s+(?:the|a|an|that|this|his|her|their)\s+(?!(?:\w+\s+)?"
                      r"(?:menu|settings|screen|window|page|tab|panel|dialog|palette|app|file|list)\b))")


# "I forgot the title of the novel ..., can you remind me": what is asked is the title; "I can't
# remember which sign came first": which sign came first
FORGOT = re.compile(r"^\W*(?:i\s+(?:forgot|forget|have forgotten|can not remember|do not remember|can not recall|do not recall)"
                    r"|remind me(?:\s+of)?)\s*[,:;\-–—]?\s*(?=(?:(the|a|an|his|her|their|our|my)\b(?![^,?]*,\s*(?:what|which|who|when|"
                    r"where|how)\b)|what|which|who|when|where|how)\b)")   # (not "I forgot my notes, where did she say ...")
# (not "who said they would remind me")
REMIND_ME = re.compile(r"(?:\s*[,;\-–—]\s*|\s+(?=(?:can|could|would) you\b))(?:(?:can|could|would) you\s+)?remind me(?: again)?\W*$")
# how long an answer should be ("what is the reading about, in a sentence or two"): not what is asked
IN_SENTENCES = re.compile(r",?\s*\bin (?:a|one|two|three|a few|\d+) (?:\w+ )?(?:sentences?|words?|lines?)(?: or (?:two|three|so))?\b")


def reworded(question: str) -> str:
    """The question normalised, with its everyday turns said the way the rules read them."""
    q = IN_SENTENCES.sub("", LEAD_IN.sub("", normalise(question))).strip()
    q = FORGOT.sub(lambda m: "what is " if m.group(1) else "", REMIND_ME.sub("", q))
    q = SORT_OUT.sub("discuss", ONCE_THEN.sub("after ", q))
    return UNTIL_END.sub("at the end", BRING_UP.sub("mention", DONE_WITH.sub("after ", q)))


# "I'm Daniel, what do I have to do after the meeting": the asker is someone in the video, and
# "I" is that person, when the library writes that word as a name (not "I'm new, ...")
ASKER = re.compile(r"^\W*(?:i['’]m|i am|im|as|this is)\s+([a-z]+)\s*[,.;:\-]+\s*(\S.*)$", re.I)
AS_ASKER = [(r"\b(?:do|does) i\b", "does {}"), (r"\bam i\b", "is {}"), (r"\b(?:i am|i['’]m)\b", "{} is"),
            (r"(?<!\bpart )\b(?:i|me|myself)\b", "{}"), (r"\bmy\b", "{}'s")]


def asked_as(question: str, held: dict[str, list[str]]) -> str:
    """The question with "I" as the person the asker says they are, if the library names them."""
    m = ASKER.match(question)
    if not m or not held.get(m.group(1).capitalize()):
        return question
    name, rest = m.group(1).capitalize(), m.group(2)
    for pattern, said in AS_ASKER:
        rest = re.sub(pattern, said.format(name), rest, flags=re.I)
    return rest[:1].upper() + rest[1:]
