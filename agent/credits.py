"""Who is credited as what: a credits page answers "who did X" by its layout, not by reading.

Read only from credits pages: frames that pair two names or more with their roles (and, for the
last credit, the closing frames' last pairing, one name under its heading: "PRODUCED BY").

A credits page pairs each role with its names, either side by side on one row ("CAMPBELL BARTON
— Technical Director") or as a heading with the names on the row below it ("MUSIC AND SOUND
DESIGN", then "Jan Morgenstern"). A small model shown a page of such rows often gives the name
of the row next to the one asked about; the pairing read here from the rows does not.
"""
from __future__ import annotations

import re
from typing import Callable

from vidrag.agent.evidence import Item
from vidrag.agent.plan import NOT_TOPIC, SHOWN_AS, QueryPlan
from vidrag.agent.video_time import VIDEO_NOUN
from vidrag.agent.text import content_words, near, normalise, stems

# a question that asks for a person or a body by a role: "who directed", "which person did the
# art direction", "what company provided the rendering", "name the composer"
ASKS_WHO = re.compile(r"^\W*(?:and\s+)?(?:who|whom|whose)\b|\b(?:which|what)\s+(?:person|people|artist|artists|"
                      r"company|companies|studio|organi[sz]ations?|team)\b|\bname (?:of )?(?:the|a)\b")
CREDITED = re.compile(r"\bcredit(?:s|ed)?\b", re.I)
# a question with no question word names the role alone: "technical director, bunny movie?"
TERSE = re.compile(r"\b(?:what|when|where|why|how|which|is|are|was|were|does|do|can|could|will|would)\b"
                   r"|^\W*(?:tell|list|give|show|find|explain|describe|summari[sz]e|name)\b")   # or a command
# words that say a role was credited, or where in the credits, not which role
CREDITING = set("credit credited credits crediting list listed role job work worked responsible handled did roll "
                "made make makes created create creates "
                "end ends closing opening open opens start starts begin begins first last appear appears".split())
# who is asked for, not the job: "which company is credited with rendering" (RENDERING PROVIDED BY)
WHO_KINDS = set("company companies studio studios organisation organisations organization organizations firm "
                "business group".split())
VERB = re.compile(r"^\w{3,}ed$|^(?:made|wrote|drew|did|built|ran|sang|led)$")
NAME_WORD = re.compile(r"^[A-Z][A-Za-z.'\-]*$|^(?:van|von|de|der|den|da|di|le|la)$")


ROLE_ENDINGS = ("", "s", "or", "er", "ors", "ers", "ion", "ing", "ed")


def same_role(a: str, b: str) -> bool:
    """Two stems of one role: equal, or one the other with a role's ending ("direct", "director";
    not "compos" and "composit")."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short) and long[len(short):] in ROLE_ENDINGS or a == b


def role_words(p: QueryPlan, named: set[str]) -> list[str]:
    """The words naming the role asked about ("technical director" of "who is credited as technical
    director in the bunny film"), without the words that named its video."""
    # (a word for a thing shown can be a role: "who designed the poster", LOGO AND POSTER DESIGN)
    # (nor a word for the video: "who supplied the rendering in the bunny cartoon")
    return [t for t in p.focus or p.terms if t not in NOT_TOPIC - SHOWN_AS and t not in CREDITING | WHO_KINDS
            and not re.fullmatch(VIDEO_NOUN, t) and not set(stems(t)) <= named]


def is_name(row: str) -> bool:
    """A row that reads as a name: one to four words, each capitalised, not all in capitals
    (headings are; "Jan Morgenstern", "Brecht van Lommel", a studio's "Grrr")."""
    words = row.split()
    return 1 <= len(words) <= 4 and all(NAME_WORD.match(w) for w in words) and not row.isupper()


def pairs(item: Item) -> list[tuple[str, str]]:
    """(role, name) pairs on the item's credits pages, in reading order: frames that pair two
    names or more (a slide's one heading over one title-case line is not a credits page)."""
    frames = [row_pairs([r.strip(" …") for r in frame.split(" | ")]) for label, text in item.fields
              if label == "on-screen text" for frame in text.split(" / ")]
    paged = any(len({name for _, name in f}) >= 2 for f in frames)
    # (one heading over one name, "MUSIC AND SOUND DESIGN | Jan Morgenstern", is a page of credits
    # among others: not a slide alone)
    return [pair for f in frames if len({name for _, name in f}) >= 2 or paged and len(f) == 1 for pair in f]


def page_pairs(rows: list[str]) -> list[tuple[str, str]]:
    """A frame's (role, name) pairs when it is a credits page: two names or more paired."""
    found = row_pairs(rows)
    return found if len({name for _, name in found}) >= 2 else []


def row_pairs(rows: list[str]) -> list[tuple[str, str]]:
    """(role, name) pairs in one frame's rows, top to bottom."""
    out = []
    for i, row in enumerate(rows):
        sides = row.split(" — ")
        if len(sides) == 2:   # which side is the role, the question's words tell
            out += [(b, a) for a, b in (sides, sides[::-1]) if is_name(a.title())]
        elif row.isupper() and i + 1 < len(rows) and is_name(rows[i + 1]):
            out.append((row, rows[i + 1]))
    return out


def asked_role(p: QueryPlan, named: set[str]) -> list[str]:
    """The role words of a question that asks who did something ([] when it does not; nor for
    "whose name comes right after the director's": a role that says where, not what is asked)."""
    q = normalise(p.question)
    return role_words(p, named) if p.intent != "neighbour" and (ASKS_WHO.search(q) or not TERSE.search(q)) else []


# the words film credits use for a job people name otherwise ("who did the soundtrack": MUSIC)
CREDITS_SAY = {"soundtrack": "music", "score": "music", "song": "music", "songs": "music", "cinematography": "photography",
               "camera": "photography", "screenplay": "script", "writer": "script", "writing": "script",
               "written": "script", "wrote": "script", "funded": "fund", "funding": "fund", "funders": "fund"}


def fits(role: str, want: list[str]) -> tuple[int, int] | None:
    """(role words held, other words of the role) when the role holds every noun asked for:
    "director of photography" is not the "Director"; "composed the music" may say its verb in
    other words ("MUSIC AND SOUND DESIGN")."""
    have = set(stems(role))
    held = [any(same_role(h, s) for h in have for s in stems(f"{w} {CREDITS_SAY.get(w, '')}")) for w in want]
    if not any(held) or not all(h for h, w in zip(held, want) if not VERB.search(w)):
        return None
    return sum(held), len(content_words(role)) - sum(held)


def credited(p: QueryPlan, items: list[Item], named: set[str]) -> tuple[str, int] | None:
    """(the name credited with the role asked about, the index of the item showing it): the role
    that holds most of the question's role words, with the fewest words besides ("Director" over
    "Art Director" for "who directed")."""
    want = asked_role(p, named)
    if not want:
        return None
    found = [(fit[0], -fit[1], -n, name) for n, item in enumerate(items)
             for role, name in pairs(item) for fit in [fits(role, want)] if fit]
    best = max(found, default=None)
    return (best[3], -best[2]) if best else None


def miscredited(p: QueryPlan, answer: str, items: list[Item], named: set[str]) -> bool:
    """The answer is a name the credits give another role: "who did the voice acting" answered by
    the name beside "Director"."""
    want = asked_role(p, named)
    if not want:
        return False
    said = stems(answer)
    roles = [role for item in items for role, name in pairs(item) for have in [stems(name)]
             if len(have) == len(said) and all(a == b or near(a, b) for a, b in zip(have, said))]   # an OCR slip is the same name
    return bool(roles) and not any(fits(role, want) for role in roles)


def uncredited(p: QueryPlan, answer: str, cited: list[Item], roles: Callable[[], list[str]], named: set[str]) -> bool:
    """A job asked about that the cited videos' credits (`roles()`: every role on their credits
    pages, read only when needed) do not list, answered from what they show: "who voiced the
    bunny" answered "Digital Pioneers fund" off a thanks card. The credits do not say who; a name
    said (a trailer's voice-over) is another matter, and the first or last credit is read off by
    where it is, whatever its job."""
    # (a question that asks who: "bunny movie license?" asks what, and the licence card is no credit)
    want = [] if p.position or not ASKS_WHO.search(normalise(p.question)) else asked_role(p, named)
    said = set(stems(answer))
    if not want or not said or not any(said <= set(stems(text)) for i in cited
                                       for label, text in i.fields if label == "on-screen text"):
        return False
    found = roles()
    return bool(found) and not any(fits(role, want) for role in found)


def credit_at(p: QueryPlan, items: list[Item]) -> tuple[str, int] | None:
    """("NAME — Role", its item) for "who is credited first", "the last person named in the
    credits": the first pairing on the first credits page, or the last pairing of the last one
    (a closing "PRODUCED BY" over one name too); gather.at_position leads with that page."""
    if not p.position or not CREDITED.search(p.question):
        return None
    for n, item in enumerate(items):
        if not item.note.startswith(f"the {p.position}"):
            continue
        # (the last: of its frames in time order, which its text may have cut or put the matching first)
        frames = [t for _, _, t in sorted(item.spans)] or [
            frame for label, text in item.fields if label == "on-screen text" for frame in text.split(" / ")]
        found = pairs(item) if p.position == "first" else [
            pair for frame in frames for pair in row_pairs([r.strip(" …") for r in frame.split(" | ")])]
        if found:
            role, name = found[0] if p.position == "first" else found[-1]
            return f"{name} — {role}", n
    return None
