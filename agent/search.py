"""Hybrid scene search: dense text + CLIP text-to-image + BM25 keywords, fused by weighted
reciprocal rank. Adjacent hits from one video merge into one span; citations tighten to the
word or OCR-line times when the match is in speech or on-screen text.
"""
from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field

from vidrag.agent.text import content_words, stems
from vidrag.config import Config
from vidrag.models import ModelMissing
from vidrag.records import Scene
from vidrag.store import Store
from vidrag.vector_index import VectorIndex

RRF_K = 60
WEIGHTS = {"text": 1.0, "keyword": 1.0, "every_term": 1.0, "clip": 0.7}
MODALITIES = ("speech", "text", "objects", "caption", "image")   # image: a CLIP-only match
@dataclass
class Hit:
    video: str
    video_id: int
    start: float
    end: float
    score: float
    snippet: str
    modality: str
    scene_ids: list[int] = field(default_factory=list)
    cite_start: float = 0.0
    cite_end: float = 0.0
    path: str = ""
    similarity: float = 0.0        # cosine of the query to the scene text (0 when not dense-ranked)
    keyword: bool = False          # BM25 matched a query term

    def to_dict(self) -> dict:
        return asdict(self)


def query_terms(query: str) -> list[str]:
    return content_words(query)


def ure_root(word: str) -> str:
    """A noun in -ure searched by its root, which also finds the noun: "departure" is searched as
    "depart" and finds "DEPARTS 14:35" (porter keeps -ure nouns whole: "departur"). Some roots
    are not verbs ("adventure" finds "advent"): a wider keyword search, ranked with the rest."""
    stem = max(stems(word), key=len, default="")
    return stem[:-2] if len(stem) >= 8 and stem.endswith("ur") else word


def term_count(text: str, terms: list[str]) -> int:
    """How many of the query terms a text holds."""
    low = text.lower()
    return sum(t in low for t in terms)


def best_snippet(scene: Scene, terms: list[str]) -> tuple[str, str, float, float]:
    """(modality, snippet, cite start, cite end): the field that matches the query best."""
    def score(text: str) -> int:
        return term_count(text, terms)
    words = [w for w in scene.words if any(t in w.text.lower() for t in terms)]
    lines = [l for l in scene.ocr_lines if score(l.text)]
    candidates = [
        (score(scene.transcript), "speech", scene.transcript,
         (words[0].start, words[-1].end) if words else (scene.start, scene.end)),
        (score(scene.ocr_text), "text", max(lines, key=lambda l: score(l.text)).text if lines else scene.ocr_text,
         (lines[0].t, lines[-1].t + 1.0) if lines else (scene.start, scene.end)),
        (score(scene.objects), "objects", scene.objects, (scene.start, scene.end)),
        (score(scene.caption), "caption", scene.caption if scene.caption_source == "vlm" else "", (scene.start, scene.end)),
    ]
    candidates = [c for c in candidates if c[2]]
    if not candidates:
        return "scene", "", scene.start, scene.end
    best = max(candidates, key=lambda c: c[0])
    (a, b) = best[3]
    return best[1], best[2][:240], max(scene.start, a - 0.5), min(scene.end, max(b, a + 1.0))


class Searcher:
    def __init__(self, store: Store, cfg: Config):
        self.store, self.cfg = store, cfg
        self._embedder = None
        self._index: dict[str, VectorIndex] = {}

    def embedder(self):
        if self._embedder is None:
            from vidrag.encoders import TextEmbedder
            self._embedder = TextEmbedder(self.cfg)
        return self._embedder

    def index(self, kind: str) -> VectorIndex:
        idx = self._index.get(kind)
        if idx is None or idx.generation != self.store.vector_generation():
            idx = self._index[kind] = VectorIndex(self.store, kind)
        return idx

    def ranked(self, query: str, pool: int) -> tuple[dict[int, float], dict[int, float], dict[int, float], set[int]]:
        """(scene id -> fused score, -> text cosine, -> CLIP text-to-image cosine, ids matched by keyword)."""
        terms = " ".join(ure_root(t) for t in query_terms(query)) or query
        # a word with a long stem also finds longer stems: "directed" finds "Director" (porter keeps -or nouns whole)
        long = frozenset(t for t in terms.lower().split() if len(max(stems(t), key=len, default="")) >= 6)
        lists: dict[str, list[int]] = {"keyword": [i for i, _ in self.store.keyword_search(terms, pool, prefixes=long)]}
        if len(terms.split()) > 1:   # BM25 favours short texts with a common term over long ones with all terms
            lists["every_term"] = [i for i, _ in self.store.keyword_search(terms, pool, every_term=True, prefixes=long)]
        dense: dict[int, float] = {}
        visual: dict[int, float] = {}
        text_index = self.index("text")
        if len(text_index):
            found = text_index.search(self.embedder().encode([query])[0], pool)
            lists["text"] = [i for i, _ in found]
            dense = dict(found)
        clip_index = self.index("clip")
        if len(clip_index):
            try:
                from vidrag.encoders import ClipModel
                found = clip_index.search(ClipModel(self.cfg).encode_text([query])[0], pool)
            except (ModelMissing, ImportError):  # CLIP vectors stored, but no CLIP model here now: skip that signal
                found = []
            lists["clip"] = [i for i, _ in found]
            visual = dict(found)
        fused: dict[int, float] = {}
        for kind, ids in lists.items():
            for rank, sid in enumerate(ids):
                fused[sid] = fused.get(sid, 0.0) + WEIGHTS[kind] / (RRF_K + rank + 1)
        return fused, dense, visual, set(lists["keyword"])

    def search(self, query: str, k: int = 10, video: str | None = None, start: float | None = None,
               end: float | None = None, modality: str | None = None, merge: bool = True,
               min_similarity: float = 0.25) -> list[Hit]:
        """Scenes that match by keyword, by meaning (cosine >= min_similarity) or by picture (CLIP), best first."""
        if not query.strip():
            raise ValueError("empty query")
        fused, dense, visual, keyword = self.ranked(query, pool=max(50, k * 5))
        # CLIP cosines between a caption and a matching picture sit near 0.2-0.35, below text-text ones.
        min_visual = float(self.cfg.clip.options.get("min_similarity", 0.22))
        if not fused:
            return []
        spans = self.store.scene_spans(list(fused))
        allowed = {v.id for v in self.store.find_videos(video)} if video else None
        candidates = []
        for sid, score in sorted(fused.items(), key=lambda x: -x[1]):
            vid, s_start, s_end = spans[sid]
            if sid not in keyword and dense.get(sid, 0.0) < min_similarity and visual.get(sid, 0.0) < min_visual:
                continue   # ranked only because every scene gets a nearest-neighbour rank
            if (allowed is not None and vid not in allowed) or \
                    (start is not None and s_end <= start) or (end is not None and s_start >= end):
                continue
            candidates.append((sid, vid, score))
        terms = query_terms(query)
        hits: list[Hit] = []
        sure: dict[int, float] = {}    # scene id -> the detector's confidence in a queried object
        batch = max(10, 2 * k)
        for i in range(0, len(candidates), batch):   # texts only for the scenes that can be shown
            part = candidates[i:i + batch]
            scenes = self.store.scenes_by_id([sid for sid, _, _ in part], details=True)
            names = self.store.video_names(list({vid for _, vid, _ in part}))
            for sid, vid, score in part:
                s = scenes[sid]
                mod, snippet, a, b = best_snippet(s, terms)
                if sid not in keyword and dense.get(sid, 0.0) < min_similarity:
                    mod, snippet = "image", s.caption[:240]   # only the picture matched (CLIP)
                if modality and mod != modality:
                    continue
                hits.append(Hit(names[vid][0], vid, s.start, s.end, round(score, 5), snippet, mod, [sid], a, b,
                                names[vid][1], round(dense.get(sid, 0.0), 4), sid in keyword))
                sure[sid] = max((d.conf for d in s.detections if any(t in d.label for t in terms)), default=0.0)
            if len(merge_adjacent(hits) if merge else hits) >= k:
                break
        hits = confident_first(hits, sure)
        return (merge_adjacent(hits) if merge else hits)[:k]


def confident_first(hits: list[Hit], sure: dict[int, float]) -> list[Hit]:
    """Scenes matched by their object labels ("1 cat", "1 dog, 1 cat") rank among themselves by
    text length and wording, which says nothing about whether the thing is there; the detector's
    confidence does. So they trade scores: the best goes to the one the detector was surest of (the
    photo of a cat at 0.94 before a cartoon rabbit taken for a cat at 0.74). Other hits whose text
    is identical trade the same way."""
    groups: dict[object, list[Hit]] = {}
    for h in hits:
        groups.setdefault("objects" if h.modality == "objects" else (h.modality, h.snippet), []).append(h)
    out = []
    for group in groups.values():
        scores = sorted((h.score for h in group), reverse=True)
        ranked = sorted(group, key=lambda h: -sure.get(h.scene_ids[0], 0.0))
        out += [dataclasses.replace(h, score=sc) for h, sc in zip(ranked, scores)]
    return sorted(out, key=lambda h: -h.score)


def merge_adjacent(hits: list[Hit]) -> list[Hit]:
    """Hits on touching scenes of one video become one span, ranked by its best score.
    The input hits are left as they are."""
    spans: list[Hit] = []
    for h in hits:
        for s in spans:
            if s.video_id == h.video_id and (abs(s.end - h.start) < 0.01 or abs(h.end - s.start) < 0.01):
                s.start, s.end = min(s.start, h.start), max(s.end, h.end)
                s.scene_ids.append(h.scene_ids[0])
                s.score = round(s.score + h.score * 0.25, 5)
                s.similarity, s.keyword = max(s.similarity, h.similarity), s.keyword or h.keyword
                break
        else:
            spans.append(dataclasses.replace(h, scene_ids=list(h.scene_ids)))
    return sorted(spans, key=lambda h: -h.score)
