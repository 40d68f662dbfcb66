"""What the Ray tests compare: a library's rows, read straight from SQLite, per video name."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from vidrag.config import load_config
from vidrag.library import Library


def library_rows(root: Path) -> dict[str, dict]:
    """Per video: its scenes (times and texts), words, OCR lines, detections and vectors."""
    con = sqlite3.connect(root / "library.db")
    out = {}
    for vid, name, status, stages in con.execute("SELECT id, name, status, stages FROM videos ORDER BY name"):
        scene = "JOIN scenes s ON s.id = x.scene_id WHERE s.video_id = ?"
        vectors = con.execute(f"SELECT s.idx, x.kind, x.vec FROM vectors x {scene} ORDER BY s.idx, x.kind", (vid,))
        out[name] = {
            "status": status, "stages": stages,
            "scenes": con.execute("SELECT idx, start, end, transcript, ocr_text, objects, caption, caption_source "
                                  "FROM scenes WHERE video_id = ? ORDER BY idx", (vid,)).fetchall(),
            "words": con.execute(f"SELECT s.idx, x.start, x.end, x.text FROM words x {scene} ORDER BY x.start",
                                 (vid,)).fetchall(),
            "ocr": con.execute(f"SELECT s.idx, x.t, x.text, x.conf FROM ocr_lines x {scene} ORDER BY x.t, x.text",
                               (vid,)).fetchall(),
            "detections": con.execute(f"SELECT s.idx, x.t, x.label, round(x.conf, 3) FROM detections x {scene} "
                                      "ORDER BY x.t, x.label, x.conf", (vid,)).fetchall(),
            "vectors": [(i, k, np.frombuffer(v, np.float32)) for i, k, v in vectors],
        }
    con.close()
    return out


def assert_same_rows(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for name in want:
        g, w = got[name], want[name]
        for key in ("status", "stages", "scenes", "ocr", "detections"):
            assert g[key] == w[key], (name, key)
        # the same words; their times to float noise: whisper in a Ray worker (OMP_NUM_THREADS=1)
        # sums in another order and can move a word's edge by 20 ms
        assert [(i, t) for i, _, _, t in g["words"]] == [(i, t) for i, _, _, t in w["words"]], name
        assert all(abs(a[1] - b[1]) <= 0.1 and abs(a[2] - b[2]) <= 0.1 for a, b in zip(g["words"], w["words"])), name
        assert [(i, k) for i, k, _ in g["vectors"]] == [(i, k) for i, k, _ in w["vectors"]], name
        for (_, _, a), (_, _, b) in zip(g["vectors"], w["vectors"]):
            assert np.allclose(a, b, atol=1e-4), name   # the same model on another process: float noise only


def index_locally(root: Path, files: list, stages: list[str] | None = None, **overrides) -> dict[str, dict]:
    cfg = load_config(overrides={"library": str(root), **overrides}, environ={})
    with Library(config=cfg) as lib:
        outcomes = lib.index(files, stages=stages)
    assert all(o.ok for o in outcomes), [(o.path, o.message) for o in outcomes]
    return library_rows(root)
