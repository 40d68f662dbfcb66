"""The library's self-check: SQLite integrity, duplicate and orphan rows, FAISS against SQLite,
thumbnails on disk, and a digest of every row (to tell whether a failed write changed anything).

Part of the store (with store.py and vector_index.py, the only code that knows SQL or FAISS).
Run it while no indexer writes: the FTS5 check takes the write lock for a moment.
"""
from __future__ import annotations

import hashlib
import sqlite3

import faiss

from vidrag.store import Store
from vidrag.vector_index import VectorIndex

DUPLICATES = {
    "videos (same fingerprint)": "SELECT count(*) - count(DISTINCT fingerprint) FROM videos",
    "scenes (same video and index)": "SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT video_id, idx FROM scenes)) FROM scenes",
    "keyword rows (same scene)": "SELECT count(*) - count(DISTINCT rowid) FROM scenes_fts",
    "vectors (same scene and kind)": "SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT scene_id, kind FROM vectors)) FROM vectors",
}
ORPHANS = {
    "scenes without a video": "SELECT count(*) FROM scenes WHERE video_id NOT IN (SELECT id FROM videos)",
    "keyword rows without a scene": "SELECT count(*) FROM scenes_fts WHERE rowid NOT IN (SELECT id FROM scenes)",
    "scenes without keyword rows": "SELECT count(*) FROM scenes WHERE id NOT IN (SELECT rowid FROM scenes_fts)",
    "vectors without a scene": "SELECT count(*) FROM vectors WHERE scene_id NOT IN (SELECT id FROM scenes)",
    "words without a scene": "SELECT count(*) FROM words WHERE scene_id NOT IN (SELECT id FROM scenes)",
    "OCR lines without a scene": "SELECT count(*) FROM ocr_lines WHERE scene_id NOT IN (SELECT id FROM scenes)",
    "detections without a scene": "SELECT count(*) FROM detections WHERE scene_id NOT IN (SELECT id FROM scenes)",
    "summaries without a video": "SELECT count(*) FROM summaries WHERE video_id NOT IN (SELECT id FROM videos)",
    "failed videos with scenes": "SELECT count(*) FROM videos v WHERE status = 'failed' AND EXISTS (SELECT 1 FROM scenes WHERE video_id = v.id)",
}
TABLES = ("videos", "scenes", "words", "ocr_lines", "detections", "vectors", "summaries")


def audit(store: Store) -> dict:
    """Counts that are all 0 (and checks that are all "ok") in a sound library."""
    db = store.db
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    try:
        with store.transaction():
            db.execute("INSERT INTO scenes_fts(scenes_fts) VALUES('integrity-check')")
        fts = "ok"
    except sqlite3.DatabaseError as exc:
        fts = str(exc)
    counts = {}
    for (kind,) in db.execute("SELECT DISTINCT kind FROM vectors").fetchall():
        rows = db.execute("SELECT count(*) FROM vectors WHERE kind = ?", (kind,)).fetchone()[0]
        index = VectorIndex(store, kind)
        ids = faiss.vector_to_array(index.index.id_map) if index.index is not None else []
        known = {r[0] for r in db.execute("SELECT id FROM scenes")}
        stray = sum(int(i) not in known for i in ids)
        counts[kind] = {"sqlite": rows, "faiss": len(index), "ids_without_scene": stray}
    thumbs = [r[0] for r in db.execute("SELECT thumb FROM scenes WHERE thumb != ''")]
    missing = sum(not (store.root / t).is_file() or (store.root / t).stat().st_size == 0 for t in thumbs)
    return {"integrity": integrity, "fts_integrity": fts,
            "duplicates": {k: db.execute(q).fetchone()[0] for k, q in DUPLICATES.items()},
            "orphans": {k: db.execute(q).fetchone()[0] for k, q in ORPHANS.items()},
            "faiss": counts, "thumbs_missing": missing,
            "videos": {s: n for s, n in db.execute("SELECT status, count(*) FROM videos GROUP BY status")}}


def problems(report: dict) -> list[str]:
    """What an audit found wrong, one short line each (empty when the library is sound)."""
    found = [f"integrity_check: {report['integrity']}"] if report["integrity"] != "ok" else []
    found += [f"FTS5 integrity-check: {report['fts_integrity']}"] if report["fts_integrity"] != "ok" else []
    found += [f"{n} duplicate {k}" for k, n in report["duplicates"].items() if n]
    found += [f"{n} {k}" for k, n in report["orphans"].items() if n]
    for kind, f in report["faiss"].items():
        if f["sqlite"] != f["faiss"] or f["ids_without_scene"]:
            found.append(f"FAISS {kind}: {f['faiss']} vectors ({f['ids_without_scene']} without a scene), SQLite {f['sqlite']}")
    found += [f"{report['thumbs_missing']} scenes whose thumbnail is missing"] if report["thumbs_missing"] else []
    return found


def video_digests(store: Store) -> dict[str, tuple[str, int, str]]:
    """fingerprint -> (status, scenes, digest of the video's rows): to tell a video lost or changed."""
    out = {}
    for vid, fp, status in store.db.execute("SELECT id, fingerprint, status FROM videos").fetchall():
        h = hashlib.blake2b(digest_size=12)
        rows = store.db.execute("SELECT idx, start, end, thumb, caption, transcript, ocr_text, objects, "
                                "(SELECT count(*) FROM vectors WHERE scene_id = s.id) FROM scenes s "
                                "WHERE video_id = ? ORDER BY idx", (vid,)).fetchall()
        for r in rows:
            h.update(repr(tuple(r)).encode())
        out[fp] = (status, len(rows), h.hexdigest())
    return out


def library_digest(store: Store) -> str:
    """One digest of every row of every table (ids included), to compare a library before and after."""
    h = hashlib.blake2b(digest_size=16)
    for table in TABLES:
        for r in store.db.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            h.update(repr(tuple(r)).encode())
    for r in store.db.execute("SELECT rowid, * FROM scenes_fts ORDER BY rowid"):
        h.update(repr(tuple(r)).encode())
    return h.hexdigest()
