"""Questions about things the library never shows.

"What does the purple kiosk sign say?" finds the scenes with a sign in them, and a small model
then reads out whatever sign it was given. When what a question describes (purple, kiosk)
occurs nowhere in the library's speech, on-screen text, object labels or descriptions, and
nothing retrieved is close in meaning to it either (kitten is close to "cat", purple is close to
nothing here), the honest answer is that the library does not show it.
"""
from __future__ import annotations

from vidrag.agent.search import Hit, query_terms

# Words that say who speaks, how something is shown or what kind of answer is wanted, not what is
# shown ("the password the narrator mentions"), and function words query_terms keeps.
FRAME = set("""narrator narrates speaker speakers voice voices person someone somebody people mention mentions man men
woman women boy girl child children guy mentioned mentioning talk talks talking talked tell tells told
suggest suggests suggested speak speaks spoken spoke announce announces announced display displays
displayed place point time times moment moments often name named word words thing things kind type clip
footage frame part happen happens happened shows showing showed sign signs text label labels caption
captions letters writing appeared appearing saw seeing look looks looking contain contains containing
feature features visible anything something everything while about during after before then than into
onto over under between through across along around near also only just not no yes some all each every
other another any both either neither own same such very he she they we you your our their its his her
him them us me my i it's that's there's let's can could would should will shall may might must has have
had having been being get gets got why whom whose if so as up down out off again once here first last
later earlier next""".split())
CLOSE = 0.4     # cosine of a word to a text it means (kitten/"1 cat" 0.43, purple/"SIGN QUARTZ" 0.12)


def content_terms(question: str) -> list[str]:
    """The query terms that say what is asked about, not how it is shown or said."""
    return [t for t in query_terms(question) if t not in FRAME]


def unseen_terms(question: str, hits: list[Hit], store, embedder, video: str | None = None) -> list[str]:
    """The question's content words that no scene holds and no retrieved text is close to, when
    they are two or more or all it asks about; else []. One odd word ("a red car") is left to the
    answer model. Numbers and the words of a video the question names are constraints, not content."""
    named = set(query_terms(video or ""))
    terms = list(dict.fromkeys(t for t in content_terms(question) if t not in named and not t.isdigit()))
    known = store.term_rarity(terms)
    missing = [t for t in terms if t not in known]
    if not missing or len(missing) < min(2, len(terms)):
        return []
    if any(h.modality == "image" for h in hits):
        return []   # the picture index matched: it sees colours and kinds the text never names
    scenes = store.scenes_by_id([h.scene_ids[0] for h in hits])
    texts = list({h.snippet for h in hits if h.snippet} |
                 {o.strip() for s in scenes.values() for o in s.objects.split(",") if o.strip()})
    if texts:
        sims = embedder.encode(missing) @ embedder.encode(texts).T
        missing = [t for t, row in zip(missing, sims) if row.max() < CLOSE]
    return missing if missing and len(missing) >= min(2, len(terms)) else []
