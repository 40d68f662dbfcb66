"""Gathering evidence for a plan: search hits as scene items, what follows or precedes a named
moment, everything said and shown in a window of video time."""
from __future__ import annotations

import re

from vidrag.agent import operate
from vidrag.agent.credits import CREDITED, CREDITS_SAY, page_pairs, row_pairs
from vidrag.agent.evidence import (DETECTOR_SAYS, MOMENT, WEB_ASKED, WEB_SAYS, Item, by_frame, distinct, frame_spans, held_text,
                                    hits_terms, is_heading, objects_field,
                                    event_words, reading_rows, row_beside, scene_item, sentences)
from vidrag.agent.plan import NOT_TOPIC, TEXT_SHOWN, TOPIC_ASKED, QueryPlan
from vidrag.agent.text import STOP, contains_phrase, stems, words
from vidrag.agent.choices import mentions
from vidrag.models import ModelMissing
from vidrag.records import OcrLine
from vidrag.timecode import hms

# what says which thing, not what it is: "the last GATE 7 sign", "the hiring discussion"
QUALIFIERS = re.compile(r"^(?:the|a|an)\s+|\b(?:first|last|final)\s+|\s+(?:sign|signs|text|word|photo|picture|slide|"
                        r"discussion|talk|conversation|part|section|segment|topic|bit|item|announcement|mention)$", re.I)
LAST_FRAMES = 4    # the closing frames read for "the last credit", "the last slide"
SAMPLE_GAP = 4.0   # seconds: a page read just before the first credits page is still theirs
CREDITS_PAGES, CLOSING = 3, 0.85   # film credits: three pages of names and roles or more, ending its last 15 %
CONTEXT = 30.0     # seconds of speech and screen read after (or before) a named moment
NEAREST = 3        # sentences read right after (before) a named moment
HORIZON = 240.0    # seconds looked ahead (back) for the next (last) sentence or sign after (before) a moment
WIDE_S = 20.0      # words fetched either side of a scene, so its sentences stay whole
# "after the bit about the bakery", "before she mentions the budget": a moment of talk
TALKED_OF = re.compile(r"\b(?:after|before)\b.*\b(?:about|mention\w*|talk\w*|said|says|saying|discuss\w*)\b", re.I)
# a neighbour in a list: "the next person listed after X", "whose name comes right after the director's"
LISTED = re.compile(r"\blist(?:ed|ing)?\b|\bwhose name\b|\bnext (?:person|name|entry|credit|row|line)\b|"
                    r"\b(?:name|person|credit|entry|row|line)s? (?:comes?|is|appears?) (?:right |just |directly )?(?:after|before)\b")
ROLL_S = 6.0       # seconds of keyframes read around a scene's text, to see whether it rolls


def shows_again(text: str, own: set[str]) -> bool:
    """A frame showing a moment's own text again, OCR slips and all ("DEPART5 14:35" for
    "DEPARTS 14:35"): most of its words are the moment's."""
    words = set(stems(text))
    return bool(words) and 3 * len(words & own) >= 2 * len(words)


class Gatherer:
    def __init__(self, searcher, top_k: int = 5):
        self.searcher, self.store, self.top_k = searcher, searcher.store, top_k

    # ---- scope ------------------------------------------------------------------------------
    def video_ids(self, p: QueryPlan) -> list[int] | None:
        if not p.videos:
            return None
        return [v.id for name in p.videos for v in self.store.find_videos(name)]

    def as_names(self, question: str) -> str:
        """"what's kevin bringing" -> "what's Kevin bringing": a word typed in lower case that the
        library writes only as a name, so the checks on names (grounding.names_in) see it: in
        capitals mid-sentence ("remind Kevin to") or beside another name on screen ("Jan
        Morgenstern"), and never in lower case (not "today": "Today we walk" starts a sentence); not
        a word for what is asked ("the character" beside "Character Rigger" in the credits)."""
        def named(word: str) -> bool:
            ids = self.store.scenes_with_phrase(word)
            scenes = self.store.scenes_by_id(ids).values() if 0 < len(ids) <= 200 else []
            title = word.capitalize()
            said = [s.transcript for s in scenes]
            shown = [s.ocr_text for s in scenes]
            return bool(scenes) and not any(re.search(rf"\b{word}\b", t) for t in said + shown) and (
                any(re.search(rf"[a-z][,;]? {title}\b", t) for t in said)
                or any(re.search(rf"\b{title} [A-Z][a-z]|[A-Z][a-z]+ {title}\b", t) for t in shown))
        return re.sub(r"(?<![\w'’])[a-z]{3,}\b(?![\w'’])", lambda m: m.group(0).capitalize()
                      if m.group(0) not in STOP and m.group(0) not in NOT_TOPIC and named(m.group(0)) else m.group(0), question)

    def holding(self, words: list[str], video_ids: list[int] | None = None) -> dict[int, set[str]]:
        """Video id -> which of the words its scenes hold (keyword search's stems)."""
        out: dict[int, set[str]] = {}
        for w in words:
            ids = self.store.scenes_with_phrase(w, (), video_ids)
            for vid, _, _ in (self.store.scene_spans(ids).values() if ids else []):
                out.setdefault(vid, set()).add(w)
        return out

    def hint_misleads(self, p: QueryPlan) -> bool:
        """A video named by what it shows ("the music clip": the film whose credits say "music")
        holds none of what is asked, and another video holds all of it ("musicians playing live")."""
        asked = [t for t in p.focus if t not in NOT_TOPIC]
        named = {v.id for name in p.videos for v in self.store.find_videos(name)}
        held = self.holding(asked)
        return bool(asked) and not any(held.get(v) for v in named) and any(
            len(w) == len(asked) for v, w in held.items() if v not in named)

    def holders(self, phrase: str, videos: list) -> list[str]:
        """Those of `videos` whose speech, on-screen text or objects hold a phrase (for plan():
        "the bunny movie", "Big Buck Bunny"); one written as a name ("Daniel") where it is written
        so (or in a sign's capitals), not as a word ("new")."""
        ids = self.store.scenes_with_phrase(phrase)
        if ids and phrase[:1].isupper():
            scenes = self.store.scenes_by_id(ids)
            written = rf"\b(?:{re.escape(phrase)}|{re.escape(phrase.upper())})\b"   # "Daniel", or "DANIEL" on a sign
            ids = [i for i in ids if re.search(written, f"{scenes[i].transcript} {scenes[i].ocr_text}")]
        held = {vid for vid, _, _ in self.store.scene_spans(ids).values()} if ids else set()
        return [v.name for v in videos if v.id in held]

    def windows(self, p: QueryPlan) -> dict[int, tuple[float, float]]:
        """Each video's window of time for the plan ({} when the question names none)."""
        if not p.timed:
            return {}
        ids = self.video_ids(p)
        out = {}
        for v in self.store.videos():
            if ids is not None and v.id not in ids:
                continue
            if p.share:      # "the second half": of each video's own length
                out[v.id] = (v.duration * p.share[0], v.duration * p.share[1])
            elif p.from_end:   # "the last minute": counted back from each video's own end
                out[v.id] = (max(0.0, v.duration - p.start), v.duration)
            else:
                out[v.id] = (p.start or 0.0, p.end if p.end is not None else v.duration)
        return out

    @staticmethod
    def core(name: str) -> str:
        """"the last GATE 7 sign" -> "GATE 7"."""
        return QUALIFIERS.sub("", QUALIFIERS.sub("", name.strip())).strip()

    # ---- evidence ---------------------------------------------------------------------------
    def evidence(self, p: QueryPlan, options: list[str] | None = None, wide: bool = False) -> list[Item]:
        if p.intent == "window" and p.timed:
            items = self.in_window(p)
            if items:
                return items
        items = self.around_anchor(p) if p.intent == "neighbour" else self.at_position(p) if p.position else []
        k = self.top_k + (3 if wide or p.intent == "which_video" else 0)
        if p.intent == "neighbour" and any(not i.anchor for i in items) and not wide:
            # the moment and what follows it hold the answer; a search for the moment's words finds
            # the moment again, which the model then gives as what follows it
            k = 0
        if p.position and items and not p.subject and not wide:
            # nothing asked but the first or last one ("which sign do we see first", "what's on the
            # last slide"): that one answers; other signs found by searching for "sign" are what
            # the model then picks from
            k = 0
        found = self.search(p, k, wide) if k else []
        seen = {i.scene_ids[0] for i in items}
        items += [i for i in found if i.scene_ids[0] not in seen]
        # (the very end, not "at the end" at large: "in the credits at the end" says where the
        # credits are, read as pages, and "the car at the end" leaves the search its ranking)
        if p.intent == "lookup" and not wide and (p.around is not None or p.from_end and (p.start or 0) <= 60
                                                  and not CREDITED.search(p.question)):
            items = self.moment_first(p, items)
        if options and not any(mentions(i.text(), o) for i in items for o in options):
            # multiple choice: evidence for each option too, when the question's own names none
            seen = {i.scene_ids[0] for i in items}
            for o in options:
                for i in self.search(p, 1, wide, query=f"{p.query} {o}"):
                    if i.scene_ids[0] not in seen:
                        seen.add(i.scene_ids[0])
                        items.append(i)
        return distinct(items)[: k + (len(options or []) if options else 0) + 2]

    def moment_first(self, p: QueryPlan, items: list[Item]) -> list[Item]:
        """"What animal is in the picture at about 1:40", "the website shown at the very end": the
        moment named decides among things alike (a cat at 1:40, dogs at 1:30 and 2:05), so what is
        there leads: the stretch at the moment itself (MOMENT either side) and what the search found
        there, then the rest as the search ranked them; at the very end, all by how near each
        video's end they are."""
        windows, names = self.windows(p), {v.id: (v.name, v.path) for v in self.store.videos()}
        moment = lambda vid: windows[vid][1] if p.from_end else p.around
        if p.around is not None and 0 < len(windows) <= 2:
            held = {(i.video_id, i.start, i.end) for i in items}
            for vid in windows:
                at = self.span_item(vid, *names[vid], max(0.0, p.around - MOMENT), p.around + MOMENT, p,
                                    f"the moment asked, {hms(p.around)}")   # (what the model is to read first)
                if at and at.fields and (vid, at.start, at.end) not in held:
                    items.append(at)
        far = lambda i: abs(min(max(moment(i.video_id), i.start), i.end) - moment(i.video_id)) \
            if i.video_id in windows else float("inf")
        if p.from_end:
            return sorted(items, key=far)
        return sorted((i for i in items if far(i) <= MOMENT), key=far) + [i for i in items if far(i) > MOMENT]

    def search(self, p: QueryPlan, k: int, wide: bool = False, query: str = "") -> list[Item]:
        """Hybrid search for the plan's words within its videos and window; the window is
        dropped when nothing in it matches (people misremember when things happen)."""
        # a wider second search reads the question's words alone ("what's in the bikes video" has none)
        query = query or (" ".join(p.literals + p.terms) if wide else "") or p.asked or p.question
        # the words credits and the object detector use: "who did the soundtrack" (MUSIC), "a bike" seen (bicycle)
        says = ([CREDITS_SAY] if CREDITED.search(p.question) or re.match(r"^\W*who\b", p.question, re.I) else []) + \
            ([DETECTOR_SAYS] if p.modality != "speech" else [])
        query += "".join(f" {say[t]}" for t in p.terms for say in says if t in say)
        if p.asks_clock:   # "what time does the train leave": a board says DEPARTS
            query += "".join(f" {w}" for w in event_words(p.terms))
        if WEB_ASKED.search(p.question):   # "what's the url": a web address is written www.….org, never "url"
            query += " " + " ".join(WEB_SAYS)
        windows = {} if wide else self.windows(p)
        ids = self.video_ids(p)
        video = p.videos[0] if len(p.videos) == 1 else None
        hits = []
        for vid, (a, b) in (windows.items() or [(None, (None, None))]):
            ref = str(vid) if vid is not None else video
            hits += self.searcher.search(query, k=k, video=ref, start=a, end=b, merge=False)
        if not hits and windows:
            hits = self.searcher.search(query, k=k, video=video, merge=False)
        if ids is not None:
            hits = [h for h in hits if h.video_id in ids]
            if not hits:
                # the named videos hold none of its words ("the name of the show in the demo clip"):
                # their scenes nearest in meaning, however far, for the model to read
                hits = [h for vid in ids for h in self.searcher.search(query, k=k, video=str(vid), merge=False,
                                                                       min_similarity=-1.0)]
        hits.sort(key=lambda h: -h.score)
        return self.items([(h.video_id, h.scene_ids[0], h.similarity) for h in hits[:k]], p)

    def items(self, picks: list[tuple[int, int, float]], p: QueryPlan) -> list[Item]:
        scenes = self.store.scenes_by_id([sid for _, sid, _ in picks], details=True)
        names = self.store.video_names(list({vid for vid, _, _ in picks}))
        web = WEB_SAYS if WEB_ASKED.search(p.question) else []   # so a long frame's cut spares the address
        out = []
        for vid, sid, similarity in picks:
            s = scenes[sid]
            words = self.store.words_between(vid, s.start - WIDE_S, s.end + WIDE_S)
            # (the keyframes around a page of text: credits may roll on into the next scene)
            near = by_frame(self.store.ocr_between(vid, s.start - ROLL_S, s.end + ROLL_S)) if s.ocr_lines else {}
            item = scene_item(s, names[vid][0], vid, names[vid][1], words, p.literals + p.terms + web, p.modality, near)
            item.score = similarity
            out.append(item)
        return out

    def around_anchor(self, p: QueryPlan) -> list[Item]:
        """What is said and shown right after (or before) the moment the question names: the
        first place its words occur as a phrase, or else the sentence or frame holding most of
        them ("before Maria asks about the budget sheet": the speech says "budget sheet")."""
        if not p.subject:
            return []
        note = f"where '{p.subject}' occurs"
        if TOPIC_ASKED.search(p.question):
            topic = self.next_topic(p, note)
            if topic:
                return topic
        seen = operate.occurrences(self.store, p.subject, "", self.video_ids(p), self.windows(p))
        signs = TEXT_SHOWN & set(words(p.question.lower()))
        if p.modality == "speech" and not signs and TALKED_OF.search(p.question):
            # "what does the narrator say after the bit about the bakery": talk follows talk, so the
            # moment is where it is said (not the bakery's sign a minute before), when it is said
            seen = [m for m in seen if m.modality == "speech"] or seen
        if seen and seen[0].modality == "screen" and LISTED.search(p.question):
            # "who's the next person listed after X", "whose name comes right after the director's":
            # the next row of the page that lists it, not the next page
            m = seen[0]
            row = row_beside([l for l in self.store.ocr_between(m.video_id, m.start, m.end) if abs(l.t - m.start) < 0.01],
                             m.text, p.direction == "after")
            if row:
                listed = Item(m.video, m.video_id, m.path, m.start, m.end, m.start, m.end, [("on-screen text", row)],
                              [m.scene_id], note=f"listed {p.direction} that, at {m.start:.0f}s", spans=[(m.start, m.end, row)])
                return [listed, Item.of_moment(m, note=note)]
        if seen:
            anchor = Item.of_moment(seen[0], note=note)
        else:
            parts = p.subject.split()
            said = {"speech": "speech", "screen": "on-screen text"}.get(p.modality)   # "what was said before": a spoken moment
            found = []
            for n, i in enumerate(self.search(p, self.top_k, query=p.subject)):
                text = " ".join(t for label, t in i.fields if label == said or not said)
                pairs = sum(contains_phrase(text, f"{a} {b}") for a, b in zip(parts, parts[1:]))   # "budget sheet" as said
                # (an event in any of its words: "the train departure board" says "DEPARTS 14:35")
                hits = sum(any(hits_terms(text, [w]) for w in [part, *event_words([part])]) for part in parts)
                found.append((hits, pairs, -n, i))
            hits, pairs, _, anchor = max(found, key=lambda f: (f[0] + f[1], f[2]), default=(0, 0, 0, None))
            if anchor is None or hits < (len(parts) + 1) // 2:   # most of its words, then its phrases, then rank
                # "after we pass the pharmacy on the walking tour, the next sign": a thing shown,
                # the first of its words shown (the longest first)
                shown = next((seen for w in sorted(parts, key=len, reverse=True) if p.modality == "screen"
                              for seen in [operate.occurrences(self.store, w, "screen", self.video_ids(p), self.windows(p))]
                              if seen), None)
                if not shown:
                    return []
                anchor = Item.of_moment(shown[0])
            else:   # the moment is the sentence or frame that holds them, not the whole scene
                anchor.cite_words(set(stems(p.subject)))
            anchor.note = note
        x, y = anchor.cite_start, anchor.cite_end
        a, b = (y, y + CONTEXT) if p.direction == "after" else (max(0.0, x - CONTEXT), x)
        if p.modality == "speech":
            # "the next thing the guide says after the bakery reminder": the next sentence said,
            # however long the walk is quiet after it (or the last one before)
            said = self.store.words_between(anchor.video_id, *((y + 0.3, y + HORIZON) if p.direction == "after"
                                                                 else (max(0.0, x - HORIZON), x - 0.3)))
            if said:
                a, b = (a, max(b, said[0].start + 1.0)) if p.direction == "after" else (min(a, said[-1].end - 1.0), b)
        own = set(stems(anchor.text()))
        if p.modality == "screen" and p.immediate or signs:
            # "which sign comes right after the platform board", "what does the sign following the
            # pharmacy say", "the sign just before the ferry terminal one": signs stand minutes
            # apart; read on (back) to the first (last) text that is not the moment's own
            if p.direction == "after":
                b = max(b, self.text_beside(anchor.video_id, own, y, after=True) + 4.0)
            else:
                a = min(a, self.text_beside(anchor.video_id, own, x, after=False) - 2.0)
        item = self.span_item(anchor.video_id, anchor.video, anchor.path, a, b, p, f"{p.direction} that, at {x:.0f}s",
                              nearest=p.direction, keep=1 if p.immediate else NEAREST, own=own)
        if item and p.modality == "speech" and item.has("speech"):
            # what was said is asked: a slide up meanwhile is not what they decided next
            item.fields = [(label, t) for label, t in item.fields if label == "speech"]
        return [i for i in (item, anchor) if i and i.fields]

    def next_topic(self, p: QueryPlan, note: str) -> list[Item]:
        """The topic a discussion moved on to ("what came up after the budget", "the next thing on
        the agenda after the budget slide"): the next slide after the one headed by it, read with
        what is said as it comes up; before: the slide before it."""
        found = operate.pages(self.store, self.video_ids(p) or list(self.holding(p.subject.split())), self.windows(p))
        want = set(stems(p.subject))
        heads = [set(stems(m.text.split(" | ")[0])) for m in found]
        # the slide headed by most of the subject's words ("finished talking about the budget": BUDGET)
        best = max(((len(want & h), -n) for n, h in enumerate(heads)), default=(0, 0))
        at = -best[1] if best[0] else self.heading_meaning(p.subject, [m.text.split(" | ")[0] for m in found])
        if at is None:
            return []
        step = 1 if p.direction == "after" else -1
        near = [n for n in range(at + step, len(found) if step > 0 else -1, step)
                if found[n].video_id == found[at].video_id and not heads[n] & heads[at]]
        if not near:
            return []
        page = found[near[0]]
        item = self.span_item(page.video_id, page.video, page.path, page.start, page.start + CONTEXT, p,
                              f"the slide {p.direction} that, at {found[at].start:.0f}s", nearest="after", keep=NEAREST)
        return [i for i in (item, Item.of_moment(found[at], note=note)) if i and i.fields]

    def heading_meaning(self, subject: str, heads: list[str]) -> int | None:
        """The heading that says the subject in other words ("the money part": BUDGET, "new hires":
        HIRING), by the text embedder: clearly nearer than any other (0.5 or more, 0.1 ahead)."""
        try:   # (the embedder's vectors are normalised: a dot product is the cosine)
            vectors = self.searcher.embedder().encode([subject] + [h.lower() for h in heads])
        except ModelMissing:
            return None
        sims = sorted(((float(x), n) for n, x in enumerate(vectors[1:] @ vectors[0])), reverse=True)
        if sims and sims[0][0] >= 0.5 and (len(sims) == 1 or sims[0][0] - sims[1][0] >= 0.1):
            return sims[0][1]
        return None

    def credit_roles(self, items: list[Item], asked: bool) -> list[str]:
        """Every role the film credits the items lie in give ("Director", "MUSIC AND SOUND
        DESIGN"): credits pages (two names paired or more) that close their video, or any when
        credits are `asked` about; from the first such page to the video's end (a closing
        "PRODUCED BY" too). None when an item lies before them (a bakery's sign before a walk's
        credits), nor for a deck whose slide pairs owners with tasks mid-meeting."""
        out = []
        for vid in {i.video_id for i in items}:
            found = operate.pages(self.store, [vid])
            at = [n for n, m in enumerate(found) if page_pairs(m.text.split(" | "))]
            if not at:
                return []
            length = next((v.duration for v in self.store.videos() if v.id == vid), 0.0)
            closing = len(at) >= CREDITS_PAGES and found[at[-1]].end >= CLOSING * length
            before = any(i.video_id == vid and i.cite_start < found[at[0]].start - SAMPLE_GAP for i in items)
            if not (closing or asked) or before:
                return []
            # (a heading ending a page of rolling credits is a role too: its name rolls on below)
            for m in found[at[0]:]:
                rows = m.text.split(" | ")
                out += [r for r, _ in row_pairs(rows)] + ([rows[-1]] if is_heading(rows[-1]) else [])
        return out

    def catalogue(self, p: QueryPlan) -> list:
        """The library's videos (the named ones, or all) that are indexed."""
        ids = self.video_ids(p)
        return [v for v in self.store.videos() if v.status != "failed" and (ids is None or v.id in ids)]

    def at_position(self, p: QueryPlan) -> list[Item]:
        """The first (or last) scene of each named video (within the question's window) that shows
        text or speech, as the question asks: "the opening title card", "the last slide", "the first
        thing she says", "the first credit in the end credits"."""
        picks, windows, closing = [], self.windows(p), {}
        credits = bool(CREDITED.search(p.question))   # "the first name in the credits": a credits page
        named = self.video_ids(p)
        # (no video named: those holding what is asked, "the opening slide names a room", not every one)
        for vid in named if named is not None else list(self.holding([t for t in p.focus if t not in NOT_TOPIC])):
            a, b = windows.get(vid, (0.0, float("inf")))   # "first in the end credits": within the window
            scenes = self.store.scenes(vid, details=credits or p.position == "last")
            held = [s for s in scenes if s.end > a and s.start < b and (
                (p.modality != "speech" and s.ocr_text) or (p.modality != "screen" and s.transcript))]
            if credits:
                held = [s for s in held if any(page_pairs(reading_rows(ls)) for ls in by_frame(s.ocr_lines).values())] or held
            if held:
                picks.append((vid, (held[0] if p.position == "first" else held[-1]).id, 1.0))
                frames = by_frame(held[-1].ocr_lines) if p.position == "last" and p.modality != "speech" else {}
                # the last: the closing frames themselves ("PRODUCED BY | Ton Roosendaal"), not the
                # rows of its scene that match the question's words
                closing[vid] = " / ".join(" | ".join(reading_rows(frames[t])) for t in sorted(frames)[-LAST_FRAMES:])
        items = self.items(picks, p)
        for i in items:
            if closing.get(i.video_id):
                i.fields = [(label, closing[i.video_id] if label == "on-screen text" else text) for label, text in i.fields]
        if named is None:   # "the opening slide names a room": the videos whose one it is
            items = [i for i in items if hits_terms(i.text(), [t for t in p.focus if t not in NOT_TOPIC])]
        for i in items:
            i.note = f"the {p.position} {'speech' if p.modality == 'speech' else 'on-screen text' if p.modality else 'scene'}"
        return items

    def text_beside(self, vid: int, own: set[str], t: float, after: bool, horizon: float = HORIZON) -> float:
        """When the first on-screen line after t (the last before it) that is not the moment's own
        text (`own`, its stems) appears (t if none); looked for up to four minutes away, as far
        apart as a walk's signs."""
        scenes = self.store.scenes_between(vid, *((t, t + horizon) if after else (max(0.0, t - horizon), t)))
        lines = sorted((l for s in scenes for l in s.ocr_lines), key=lambda l: l.t, reverse=not after)
        return next((l.t for l in lines if (l.t > t if after else l.t < t) and not shows_again(l.text, own)), t)

    def span_item(self, vid: int, name: str, path: str, a: float, b: float, p: QueryPlan, note: str,
                  nearest: str = "", keep: int = NEAREST, own: set[str] = frozenset()) -> Item | None:
        """One item for a stretch of time: its sentences (whole), its frames' text, its objects.
        nearest="after" ("before") keeps only the `keep` sentences nearest its start (end) that lie
        wholly after (before) it: what is said after (before) a moment, not the moment's own sentence."""
        said = [s for s in sentences(self.store.words_between(vid, a - WIDE_S, b + WIDE_S)) if s[1] > a and s[0] < b]
        if nearest == "after":
            said = [s for s in said if s[0] >= a - 0.3][:keep]
        elif nearest == "before":
            said = [s for s in said if s[1] <= b + 0.3][-keep:]
        scenes = self.store.scenes_between(vid, a, b)
        if not scenes:
            return None
        frames: dict[float, list[OcrLine]] = {}
        for s in scenes:
            held = held_text(s)
            if held and all(l.t > a for l in s.ocr_lines):   # a slide held past a cut is still up at `a`
                frames.setdefault(max(a, s.start), []).extend(OcrLine(max(a, s.start), x, 1.0) for x in held)
            for l in s.ocr_lines:
                if a - 2 <= l.t < b:
                    frames.setdefault(l.t, []).append(l)
        item = Item(name, vid, path, a, b, a, b, scene_ids=[s.id for s in scenes], note=note)
        if said:
            item.fields.append(("speech", " ".join(t for _, _, t in said)))
            near = said[-1:] if nearest == "before" else said[:2]   # the cite: the sentence(s) nearest the moment
            item.cite_start, item.cite_end = near[0][0], near[-1][1]
        shown = frame_spans(frames)
        edge = 0 if nearest == "after" else -1
        while nearest and shown and (p.subject and contains_phrase(shown[edge][2], p.subject)
                                     or own and shows_again(shown[edge][2], own)):
            shown.pop(edge)   # "which sign follows the 30 sign": not that sign, still on screen
        item.spans = said + shown
        if shown:
            item.fields.append(("on-screen text", " / ".join(t for _, _, t in shown)))
        objects = objects_field(*scenes)
        if objects:
            item.fields.append(("objects", objects))
        return item

    def in_window(self, p: QueryPlan) -> list[Item]:
        """Everything said and shown in the plan's window, per video, in time order."""
        names = {v.id: (v.name, v.path) for v in self.store.videos()}
        wanted = (lambda i: i.has("speech")) if p.modality == "speech" else bool
        out: list[Item] = []
        for vid, (a, b) in self.windows(p).items():
            step = max(20.0, (b - a) / 4)
            # "around the 2 minute mark": one stretch is centred on that moment, not cut there
            t = a if p.around is None else a - (step - (p.around - step / 2 - a) % step) % step
            # "what is being said at the half minute mark": 8 stretches with speech (if any video has
            # them then), not the first videos' text; at most 40 read in a large library
            while t < b and len(out) < 40 and sum(map(wanted, out)) < 8:
                item = self.span_item(vid, *names[vid], max(a, t), min(b, t + step), p, "")
                if item and item.fields:
                    out.append(item)
                t += step
        out = [i for i in out if wanted(i)] or out
        if p.around is not None:   # "around the 2 minute mark": what is nearest that moment first
            out.sort(key=lambda i: abs((i.start + i.end) / 2 - p.around))
        return out[:8]
