"""Words as the keyword index sees them, so the agent and FTS5 never disagree.

`stems` runs SQLite's own FTS5 tokenizer (unicode61 + porter) on a private in-memory table:
"meeting" and "Meet", "lecturer's" and "lecturer" compare equal here exactly when keyword search
matches them. `normalise` undoes what people type that the index never holds (contractions,
curly quotes); `near` tolerates what OCR gets wrong (a letter or two in a long word).
"""
from __future__ import annotations

import re
import sqlite3
import threading
from functools import lru_cache

CONTRACTIONS = [(r"\bwhat's\b", "what is"), (r"\bwho's\b", "who is"), (r"\bwhere's\b", "where is"),
                (r"\bwhen's\b", "when is"), (r"\bhow's\b", "how is"), (r"\bthat's\b", "that is"),
                (r"\bthere's\b", "there is"), (r"\bit's\b", "it is"), (r"\blet's\b", "let us"),
                (r"\bcan't\b", "can not"), (r"\bwon't\b", "will not"), (r"\b(\w+)n't\b", r"\1 not"),
                (r"\b(\w+)'re\b", r"\1 are"), (r"\b(\w+)'ve\b", r"\1 have"), (r"\b(\w+)'ll\b", r"\1 will"),
                (r"\b(\w+)'d\b", r"\1 would"), (r"\bi'm\b", "i am"), (r"\b(\w+)'s\b", r"\1"),   # possessive last
                # typed without the apostrophe: "whats going on", "doesnt", "cant"
                (r"\b(what|who|where|when|how|that|there)s\b", r"\1 is"), (r"\bcant\b", "can not"),
                (r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should)nt\b", r"\1 not")]

# Function words, and words that say how something is asked rather than what is asked about.
STOP = set("""a an the of in on at to is are was were be been being am what when where who whom whose which
why how many much does did do done doing and or but with for from by it its this that these those there
here then than as if so per not no yes any all some each every other another own same such very just only also
too again once he she they we you i me my mine your yours our ours their theirs his her hers him them us
it's can could would should will shall may might must has have had get got gets let please tell say said
says saying mention mentions mentioned mentioning talk talks talked talking speak speaks spoke spoken
show shows shown showing showed see saw seen seeing look looks looking appear appears appeared appearing
visible written write writes wrote read reads onscreen screen video videos vid vids clip clips footage recording
audiobook audiobooks passage passages excerpt excerpts
film movie scene scenes frame part moment time times point thing things something anything kind type
happen happens happened happening occur occurs there's thats whats know think remember guy guys someone
somebody narrator speaker voice lecture lecturer presentation presenter text word words name named called mark about
during while into onto over under between through across along around near before after first last later
earlier next previous exactly actually really right just immediately according give short quick brief okay ok hey hi so um uh like
find up out aloud loud come comes came pop pops bit spot place library collection hear hears heard hearing listen count counting discuss discussed discusses discussing discussion
describe describes described describing refer refers referred referring speaking told whereabouts somewhere anywhere somehow""".split())


def name_parts(file_name: str) -> list[str]:
    """The words of a video's file name, lower case ("team_meeting.mp4", "TeamMeeting.mp4": team, meeting)."""
    return [p.lower() for p in re.split(r"[\W_]+|(?<=[a-z])(?=[A-Z])", file_name.rsplit(".", 1)[0]) if p]


_local = threading.local()


def _tokenizer() -> sqlite3.Connection:
    db = getattr(_local, "db", None)
    if db is None:
        db = _local.db = sqlite3.connect(":memory:")
        db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    return db


# British spellings as American ones, so "licence" finds "LICENSED" and "harbour" the "old harbor"
# (the porter stemmer keeps them apart); applied to questions and evidence alike
SPELLINGS = [(re.compile(p), r) for p, r in [
    (r"\blicenc(e|es|ed|ing)\b", r"licens\1"), (r"\b(col|fav|harb|neighb|lab|behavi|hon|hum|rum|flav)our", r"\1or"),
    (r"\b(cent|theat|(?:kilo|centi|milli)?met)re(s|d)?\b", r"\1er\2"), (r"\b(organi|reali|recogni|apologi)s(e|es|ed|ing|ation)\b", r"\1z\2"),
    (r"\bcatalogue(s)?\b", r"catalog\1"), (r"\bprogramme(s)?\b", r"program\1"), (r"\bgrey\b", "gray"),
    (r"\b(defen|offen)ce\b", r"\1se"), (r"\b(travel|cancel)l(ed|ing|er|ers)\b", r"\1\2"),
    # and British words for what signs name, where no other sense is likely ("the sign for the chemist")
    (r"\bchemists?\b", "pharmacy"), (r"\blorr(?:y|ies)\b", "truck"), (r"\bpetrol\b", "gas"),
    (r"\bmotorways?\b", "highway"), (r"\bpavements?\b", "sidewalk"), (r"\btimetables?\b", "schedule")]]

# What people type in a hurry, as the question means it: a question word mistyped ("waht time does
# the train leave"), chat shorthand ("how many ppl", "what did u say"). Questions only: on a sign,
# "U" or "R" is a letter.
TYPED = [(re.compile(rf"(?<![\w'-]){p}(?=(?:'s)?(?![\w'-]))"), r) for p, r in [
    (r"(?i:waht|whta|wht|whaat)", "what"), (r"(?i:hwo)", "how"), (r"(?i:wehn|whne|whn)", "when"),
    (r"(?i:wher|whr|wheer)", "where"), (r"(?i:teh|hte)", "the"), (r"(?i:ppl)", "people"), (r"u", "you"),
    (r"ur", "your"), (r"(?i:abt)", "about"), (r"(?i:pls|plz)", "please"), (r"(?i:b4)", "before"),
    (r"(?i:nxt)", "next"), (r"(?i:thru)", "through"), (r"(?i:pic)", "picture"), (r"(?i:pics)", "pictures"),
    (r"(?i:mtg)", "meeting"), (r"(?i:w/)", "with")]]


def respelled(question: str) -> str:
    """A question with its hurried spellings written out (TYPED)."""
    for pattern, repl in TYPED:
        question = pattern.sub(repl, question)
    return question


def normalise(text: str) -> str:
    """Lower case, straight quotes, contractions written out, British spellings as American."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    for pattern, repl in CONTRACTIONS:
        text = re.sub(pattern, repl, text)
    for pattern, repl in SPELLINGS:
        text = pattern.sub(repl, text)
    return text


@lru_cache(maxsize=65536)
def stems(text: str) -> tuple[str, ...]:
    """The keyword index's tokens of a text, in order (porter stems, no diacritics, no case)."""
    text = normalise(text)
    if not text.strip():
        return ()
    db = _tokenizer()
    db.execute("INSERT INTO t(rowid, x) VALUES (1, ?)", (text,))
    try:
        return tuple(t for t, _ in db.execute("SELECT term, offset FROM v ORDER BY offset"))
    finally:
        db.execute("DELETE FROM t")


def words(text: str) -> list[str]:
    """Plain lower-case words of a text (not stemmed), contractions written out."""
    return re.findall(r"[^\W_]+", normalise(text))


def content_words(text: str) -> list[str]:
    """The words that say what a question is about, in order, once each."""
    return list(dict.fromkeys(w for w in words(text) if w not in STOP and (len(w) > 1 or w.isdigit())))


# a symbol OCR put for a letter inside a word ("M&viePy", "Sc@le"); taken out, the word is one slip away
GLYPH = re.compile(r"(?<=[^\W\d_])[&@$|!]+(?=[^\W\d_])")


def contains_phrase(haystack: str, phrase: str, fuzzy: bool = True) -> bool:
    """Whether `haystack` holds `phrase` as consecutive words, compared as the index stems them;
    with `fuzzy`, a long word may differ by an OCR slip ("Goedegebure" / "Goedegbure")."""
    needle = stems(phrase)
    if not needle:
        return False
    n = len(needle)
    hays = [stems(haystack)]
    if fuzzy and GLYPH.search(haystack):   # "M&viePy": OCR read a letter as a symbol, splitting the word
        hays.append(stems(GLYPH.sub("", haystack)))
    return any(all(a == b or (fuzzy and near(a, b)) for a, b in zip(needle, hay[i:i + n]))
               for hay in hays for i in range(len(hay) - n + 1))



def near(a: str, b: str) -> bool:
    """Same word up to OCR noise: edit distance 1 from 5 letters, 2 from 9; or one is a long
    prefix of the other (a name cut at the frame's edge)."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 6 and long_.startswith(short) and len(short) >= 0.6 * len(long_):
        return True
    limit = 2 if len(short) >= 9 else 1 if len(short) >= 5 else 0
    return limit > 0 and abs(len(a) - len(b)) <= limit and edit_distance(a, b) <= limit


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def join_words(texts: list[str]) -> str:
    """Words as text. ASR splits some words into pieces ("$31" ",000", "off" "-site"); a piece
    that continues its word is joined to it, or "$31 ,000" reads as two numbers."""
    return re.sub(r" (?=[,.'-]\w)", "", " ".join(texts))


def holds_term(have: set[str], term: str, prefix_from: int = 6) -> bool:
    """Whether a text's stems (`have`) hold a term: its stems, or one starting with a stem of at
    least `prefix_from` letters ("direct" in "director": porter keeps "-or" nouns whole; shorter
    stems would find "organ" in "organic")."""
    want = stems(term)
    return bool(set(want) & have) or any(len(s) >= prefix_from and h.startswith(s) for s in want for h in have)


def holds_any(text: str, terms: list[str]) -> bool:
    """Whether a text holds one of the terms (stemmed; OCR slips tolerated, and words OCR ran
    together: "gate" in "GATEB")."""
    have = set(stems(text))
    return any(contains_phrase(text, t) or holds_term(have, t, prefix_from=4) for t in terms)
