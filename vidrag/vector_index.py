"""FAISS indexes derived from the vectors stored in SQLite.

Each index file carries the store's vector generation in a sidecar; on open a stale or damaged
index is rebuilt from SQLite, which stays the source of truth.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import faiss
import numpy as np

from vidrag.store import Store

HNSW_FROM = 50_000   # below this a flat index is exact and fast enough (<10 ms at 384-d)


def normalize(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class VectorIndex:
    """Inner-product search over one kind of scene vector ("text", "clip")."""

    def __init__(self, store: Store, kind: str):
        self.store, self.kind = store, kind
        self.path = store.root / f"{kind}.faiss"
        self.meta_path = store.root / f"{kind}.faiss.json"
        self.index: faiss.Index | None = None
        self.dim = 0
        self.rebuilt = False
        self._load_or_build()

    def __len__(self) -> int:
        return 0 if self.index is None else self.index.ntotal

    def _load_or_build(self) -> None:
        generation = self.generation = self.store.vector_generation()
        try:
            meta = json.loads(self.meta_path.read_text())
            if meta["generation"] == generation and self.path.exists():
                self.index = faiss.read_index(str(self.path))
                self.dim = meta["dim"]
                if self.index.ntotal == meta["count"]:
                    return
        except (OSError, ValueError, KeyError, RuntimeError):
            pass  # missing, stale or damaged: rebuild from SQLite below
        self._build(generation)

    def _build(self, generation: int) -> None:
        ids, mat = self.store.all_vectors(self.kind)
        self.rebuilt = True
        if len(ids) == 0:
            self.index, self.dim = None, 0
            return
        self.dim = mat.shape[1]
        base = (faiss.IndexHNSWFlat(self.dim, 32, faiss.METRIC_INNER_PRODUCT)
                if len(ids) >= HNSW_FROM else faiss.IndexFlatIP(self.dim))
        if isinstance(base, faiss.IndexHNSWFlat):
            base.hnsw.efSearch = 128
        self.index = faiss.IndexIDMap2(base)
        self.index.add_with_ids(normalize(mat), ids)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        faiss.write_index(self.index, str(tmp))
        os.replace(tmp, self.path)
        meta_tmp = Path(str(self.meta_path) + f".tmp{os.getpid()}")
        meta_tmp.write_text(json.dumps({"generation": generation, "count": len(ids), "dim": self.dim}))
        os.replace(meta_tmp, self.meta_path)

    def search(self, query: np.ndarray, k: int = 20) -> list[tuple[int, float]]:
        if self.index is None or self.index.ntotal == 0:
            return []
        q = normalize(query)
        if q.shape[1] != self.dim:
            raise ValueError(f"{self.kind} query has {q.shape[1]} dims, index has {self.dim}")
        scores, ids = self.index.search(q, min(k, self.index.ntotal))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
