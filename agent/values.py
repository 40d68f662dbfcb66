"""The values an answer names and whether a text holds them.

Specifics are the parts of an answer that can be invented: numbers, times, quoted or
capitalised names. A text holds one compared as the index compares words, with OCR slips
tolerated ("Goedegel" is "Goedegebure" cut short), a number written either way ("3", "three")
and an initialism spelled out ("DOP", "Director of Photography"). Plain words in a sentence are
not specifics: "They speak French" is not rejected for the capital F when the speech says "french".
"""
from __future__ import annotations

import re

from vidrag.agent.text import STOP, contains_phrase, words

NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
                "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
                "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100}


SMALL = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "by", "with"}
MONEY = re.compile(r"[$€£¥]|\b(?:dollars?|euros?|pounds?|cents?|pence|bucks|usd|eur|gbp|free|no charge|nothing)\b", re.I)


# A time of day as people say or write it: 9:30 am, 18.15, 6 pm, half past nine, ten o'clock, noon
TIME_OF_DAY = re.compile(r"(?<![$€£\d.,])\b(?:(?:[01]?\d|2[0-3])[:.][0-5]\d(?![\d.])(?:\s*[ap]\.?m\b\.?)?|"
                         r"\d{1,2}\s*(?:[ap]\.?m\b\.?|o'?clock)|(?:half|quarter) (?:past|to) \w+|\w+ o'?clock|noon|midnight)", re.I)


# Words an answer uses to frame a value ("The sign says ...", "He mentions ..."), never specifics.
FRAMING = set("the a an he she they it we you i this that there sign says said mentions speaker narrator video "
              "answer yes no on at in".split())


VIDEO_FILE = re.compile(r"\b[\w\-]+\.(?:mp4|mkv|mov|avi|webm|m4v|mpg|mpeg|wmv|flv|ts)\b", re.I)


def specifics(answer: str) -> list[str]:
    """The parts of an answer that name something: quoted text, numbers and times, and names
    (capitalised words not starting a sentence, or words in capitals)."""
    answer = VIDEO_FILE.sub(" ", answer)   # file names
    out = re.findall(r"(?:^|\s)[\"“‘']([^\"”’']{2,60})[\"”’'](?=[\s.,;:!?)]|$)", answer)
    # web and mail addresses ("bigbuckbunny.org"), which a small model invents readily: the name
    # without the scheme and "www.", which a screen often leaves out
    out += re.findall(r"(?:https?://)?(?:www\.)?((?:[\w\-]+\.)+(?:com|org|net|io|edu|gov|tv|info|co|uk|de|fr|eu)\b)",
                      answer, flags=re.I)
    out += re.findall(r"(?<![\w.])\d+(?:[:.,]\d+)*(?![\w])", answer)
    out += re.findall(r"[$€£¥]\s?\d+(?:[.,]\d+)*", answer)   # an amount of money, which a plain number does not show
    for sentence in re.split(r"(?<=[.!?:;])\s+", answer):
        tokens = sentence.split()
        for i, tok in enumerate(tokens):
            word = tok.strip(".,;:!?()\"'“”‘’")
            if len(word) < 2 or word.lower() in FRAMING:
                continue
            # a sentence's first word is capitalised anyway, but a short answer all in capitals is the
            # name itself ("PayPal", "Sun Microsystems"; not "Probably next week")
            title = len(tokens) <= 4 and all(t[:1].isupper() for t in tokens) and word.lower() not in STOP
            named = word[0].isupper() and not word.isupper() and (i > 0 or title)
            if word.isupper() and sum(c.isalpha() for c in word) >= 2 or named:
                out.append(word)
    return list(dict.fromkeys(o.strip() for o in out if o.strip()))


def in_text(value: str, text: str) -> bool:
    """Whether a value is in a text: as words (stemmed, OCR slips tolerated), or as a number
    written either way ("3" and "three"); an amount of money as an amount ("$12" is not in "a room
    for 12 people")."""
    # a number written with separators or without ("31000", "$31,000", ASR's "$31 ,000")
    digits = re.sub(r"\D", "", value)
    groups = [digits[max(0, n - 3):n] for n in range(len(digits), 0, -3)][::-1]   # "31000": 31, 000
    number = re.finditer(r"(?<![\d,.])" + r"[,.\s]{0,2}".join(groups) + r"(?!\d)", text) \
        if re.fullmatch(r"[$€£¥]?\s?\d[\d,.]*", value.strip()) else iter(())
    if value and value[0] in "$€£¥":
        return any(MONEY.search(text[max(0, m.start() - 3): m.end() + 12]) for m in number)
    if contains_phrase(text, value) or len(re.sub(r"\D", "", value)) >= 4 and next(number, None):
        return True
    v = value.strip().lower()
    if v.isdigit():   # "3" is "three", and in a date "the 1st of December"
        spelled = [w for w, n in NUMBER_WORDS.items() if n == int(v)]
        return any(w in words(text) for w in spelled) or re.search(rf"\b{v}(?:st|nd|rd|th)\b", text.lower()) is not None
    if ":" in v:   # a clock time, written 4:15 or 4.15 or "4 15"
        return re.search(r"\b" + re.escape(v).replace(":", r"\s*[:.\s]\s*") + r"\b", text.lower()) is not None
    return initials_of(value, text)


def initials_of(value: str, text: str) -> bool:
    """An initialism of words the text spells out: "CC" for "CREATIVE COMMONS", "DOP" for
    "Director of Photography" (a small word inside may give its letter or not; none starts or
    ends the run). Two letters match two capitalised words only: any two words would often do."""
    if not re.fullmatch(r"[A-Z]{2,5}", value):
        return False
    tokens = re.findall(r"[^\W_]+", text)
    for run in (tokens, [t for t in tokens if t.lower() not in SMALL]):
        for i in range(len(run) - len(value) + 1):
            span = run[i:i + len(value)]
            if "".join(t[0] for t in span).upper() == value and span[0].lower() not in SMALL \
                    and span[-1].lower() not in SMALL and (len(value) > 2 or all(t[0].isupper() for t in span)):
                return True
    return False

