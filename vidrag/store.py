"""The library on disk: SQLite (WAL) is the source of truth; FAISS indexes derive from it.

This module, vector_index.py and store_audit.py are the only code that knows SQL or FAISS. A
video's rows are written in one transaction, so a crash mid-index leaves the library as it was.
"""
from __future__ import annotations

import fcntl
import json
import math
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from vidrag.records import Detection, OcrLine, Scene, Video, Word

SCHEMA_VERSION = 2

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE videos (
        id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
        name TEXT NOT NULL, size INTEGER, duration REAL, fps REAL, width INTEGER, height INTEGER,
        has_audio INTEGER, status TEXT NOT NULL, error TEXT, warnings TEXT, config_hash TEXT,
        stages TEXT NOT NULL DEFAULT '{}', indexed_at REAL);
    CREATE TABLE scenes (
        id INTEGER PRIMARY KEY, video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL, start REAL NOT NULL, end REAL NOT NULL, thumb TEXT,
        caption TEXT, caption_source TEXT, transcript TEXT, ocr_text TEXT, objects TEXT,
        UNIQUE(video_id, idx));
    CREATE TABLE words (
        scene_id INTEGER NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,
        start REAL, end REAL, text TEXT, prob REAL);
    CREATE TABLE ocr_lines (
        scene_id INTEGER NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,
        t REAL, text TEXT, conf REAL, box TEXT);
    CREATE TABLE detections (
        scene_id INTEGER NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,
        t REAL, label TEXT, conf REAL, box TEXT);
    CREATE TABLE vectors (
        scene_id INTEGER NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,
        kind TEXT NOT NULL, dim INTEGER NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (scene_id, kind));
    CREATE INDEX words_scene ON words(scene_id);
    CREATE INDEX ocr_scene ON ocr_lines(scene_id);
    CREATE INDEX det_scene ON detections(scene_id);
    CREATE INDEX scenes_video ON scenes(video_id, start);
    CREATE VIRTUAL TABLE scenes_fts USING fts5(
        caption, transcript, ocr_text, objects, tokenize='porter unicode61');
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    INSERT INTO meta VALUES ('vector_generation', '0');
    """,
    2: """
    CREATE TABLE summaries (
        id INTEGER PRIMARY KEY, video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
        level TEXT NOT NULL CHECK (level IN ('segment', 'video')), start REAL NOT NULL,
        end REAL NOT NULL, text TEXT NOT NULL, scene_ids TEXT NOT NULL DEFAULT '[]', model TEXT,
        created REAL);
    CREATE INDEX summaries_video ON summaries(video_id, level, start);
    """,
}


class StoreError(Exception):
    """The library cannot be opened or written; the message says why and what to do."""


class LibraryBusy(StoreError):
    pass


# SQLite result codes of a write the disk or file system refused: busy, readonly, I/O error,
# full, cannot open. Other errors (of the SQL) stay tracebacks: they are bugs.
CANNOT_WRITE = {5: "", 8: "", 10: "", 13: "; free some disk space and run again", 14: ""}


def _cannot_write(exc: BaseException) -> str | None:
    """The hint for a write the disk refused, or None for any other error."""
    code = getattr(exc, "sqlite_errorcode", None)   # Python 3.11+; older ones give only the text
    if not isinstance(exc, sqlite3.OperationalError):
        return None
    if code is None:
        return "" if any(w in str(exc) for w in ("full", "disk I/O", "readonly", "locked", "unable to open")) else None
    return CANNOT_WRITE.get(code & 0xFF)


class Store:
    def __init__(self, root: str | Path, create: bool = True):
        self.root = Path(root).expanduser()
        if not self.root.exists():
            if not create:
                raise StoreError(f"{self.root}: no library here (run `vidrag index PATH` first)")
            self.root.mkdir(parents=True)
        (self.root / "thumbs").mkdir(exist_ok=True)
        self.db_path = self.root / "library.db"
        try:
            self.db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.db_path}: cannot open library database ({exc})") from None
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        with self.transaction():  # BEGIN IMMEDIATE: two processes never migrate at once
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.db_path}: written by a newer vidrag (schema {version}); upgrade vidrag")
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {target}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as exc:
            if self.db.in_transaction:   # a COMMIT that failed on a full disk may have rolled back already
                self.db.execute("ROLLBACK")
            hint = _cannot_write(exc)
            if hint is not None:
                raise StoreError(f"{self.db_path}: cannot write to the library ({exc}); nothing of this "
                                 f"change was saved{hint}") from None
            raise

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One indexer at a time; the OS drops the lock if the holder dies, even by SIGKILL."""
        path = self.root / "index.lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the library's lock file ({exc.strerror})") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
                raise LibraryBusy(f"{self.root}: another vidrag is indexing this library "
                                  f"(pid {holder}); wait for it to finish") from None
            try:   # the pid only names the holder in the message above: a full disk must not stop us
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode(), 0)
            except OSError:
                pass
            yield
        finally:
            os.close(fd)

    # ---- videos -------------------------------------------------------------------------
    def _video(self, row: sqlite3.Row) -> Video:
        d = dict(row)
        d["stages"] = json.loads(d.get("stages") or "{}")
        d["has_audio"] = bool(d["has_audio"])
        d["error"] = d["error"] or ""
        d["warnings"] = d["warnings"] or ""
        d["scene_count"] = d.pop("scene_count", 0) or 0
        return Video(**d)

    _VIDEO_SELECT = ("SELECT v.*, (SELECT COUNT(*) FROM scenes s WHERE s.video_id = v.id) AS scene_count "
                     "FROM videos v")

    def videos(self) -> list[Video]:
        return [self._video(r) for r in self.db.execute(self._VIDEO_SELECT + " ORDER BY v.name, v.id")]

    def video_by_fingerprint(self, fp: str) -> Video | None:
        row = self.db.execute(self._VIDEO_SELECT + " WHERE v.fingerprint = ?", (fp,)).fetchone()
        return self._video(row) if row else None

    def find_videos(self, ref: str) -> list[Video]:
        """Videos matching an id, a file name, a path or a fingerprint prefix."""
        rows = self.db.execute(
            self._VIDEO_SELECT + " WHERE CAST(v.id AS TEXT) = ? OR v.name = ? OR v.path = ? "
            "OR v.path = ? OR (length(?) >= 6 AND v.fingerprint LIKE ? || '%')",
            (ref, ref, ref, os.path.abspath(os.path.expanduser(ref)), ref, ref)).fetchall()
        return [self._video(r) for r in rows]

    def set_path(self, video_id: int, path: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE videos SET path = ?, name = ? WHERE id = ?",
                            (path, Path(path).name, video_id))

    def record_failure(self, video: Video) -> None:
        """Remember a failed file, but never overwrite a video that is already indexed."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO videos (fingerprint, path, name, size, status, error, indexed_at) "
                "VALUES (?, ?, ?, ?, 'failed', ?, ?) ON CONFLICT(fingerprint) DO UPDATE SET "
                "path = excluded.path, name = excluded.name, error = excluded.error "
                "WHERE videos.status = 'failed'",
                (video.fingerprint, video.path, video.name, video.size, video.error, time.time()))

    def save_video(self, video: Video, scenes: list[Scene]) -> int:
        """Replace everything stored for this video in one transaction; returns its id."""
        with self.transaction() as db:
            old = db.execute("SELECT id FROM videos WHERE fingerprint = ?", (video.fingerprint,)).fetchone()
            if old:
                self._delete(old[0])
            cur = db.execute(
                "INSERT INTO videos (fingerprint, path, name, size, duration, fps, width, height, "
                "has_audio, status, error, warnings, config_hash, stages, indexed_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (video.fingerprint, video.path, video.name, video.size, video.duration, video.fps,
                 video.width, video.height, int(video.has_audio), video.status, video.error,
                 video.warnings, video.config_hash, json.dumps(video.stages), time.time()))
            video.id = cur.lastrowid
            for scene in scenes:
                self._insert_scene(video.id, scene)
            if any(s.vectors for s in scenes):
                self._bump_vectors()
        return video.id

    def _insert_scene(self, video_id: int, s: Scene) -> None:
        db = self.db
        s.id = db.execute(
            "INSERT INTO scenes (video_id, idx, start, end, thumb, caption, caption_source, "
            "transcript, ocr_text, objects) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (video_id, s.idx, s.start, s.end, s.thumb, s.caption, s.caption_source, s.transcript,
             s.ocr_text, s.objects)).lastrowid
        db.executemany("INSERT INTO words VALUES (?,?,?,?,?)",
                       [(s.id, w.start, w.end, w.text, w.prob) for w in s.words])
        db.executemany("INSERT INTO ocr_lines VALUES (?,?,?,?,?)",
                       [(s.id, o.t, o.text, o.conf, json.dumps(o.box)) for o in s.ocr_lines])
        db.executemany("INSERT INTO detections VALUES (?,?,?,?,?)",
                       [(s.id, d.t, d.label, d.conf, json.dumps(d.box)) for d in s.detections])
        db.executemany("INSERT INTO vectors VALUES (?,?,?,?)",
                       [(s.id, kind, int(v.shape[-1]), np.asarray(v, np.float32).tobytes())
                        for kind, v in s.vectors.items()])
        # A tags caption only restates the other fields with boilerplate words ("On-screen text:"),
        # which would make every scene match such words, so only VLM captions are searchable.
        caption = s.caption if s.caption_source == "vlm" else ""
        db.execute("INSERT INTO scenes_fts (rowid, caption, transcript, ocr_text, objects) "
                   "VALUES (?,?,?,?,?)", (s.id, caption, s.transcript, s.ocr_text, s.objects))

    def _delete(self, video_id: int) -> None:
        ids = [r[0] for r in self.db.execute("SELECT id FROM scenes WHERE video_id = ?", (video_id,))]
        self.db.executemany("DELETE FROM scenes_fts WHERE rowid = ?", [(i,) for i in ids])
        had_vectors = self.db.execute(
            "SELECT 1 FROM vectors JOIN scenes ON scenes.id = vectors.scene_id "
            "WHERE scenes.video_id = ? LIMIT 1", (video_id,)).fetchone()
        self.db.execute("DELETE FROM videos WHERE id = ?", (video_id,))
        if had_vectors:
            self._bump_vectors()

    def remove_video(self, video: Video) -> None:
        with self.transaction():
            self._delete(video.id)
        thumbs = self.root / "thumbs" / video.fingerprint[:16]
        for f in thumbs.glob("*.jpg") if thumbs.is_dir() else ():
            f.unlink(missing_ok=True)
        if thumbs.is_dir():
            thumbs.rmdir()

    # ---- scenes -------------------------------------------------------------------------
    def scenes(self, video_id: int, details: bool = False, vectors: bool = False) -> list[Scene]:
        rows = self.db.execute("SELECT * FROM scenes WHERE video_id = ? ORDER BY idx", (video_id,))
        scenes = [self._scene(r, details, vectors) for r in rows.fetchall()]
        return scenes

    def first_thumbs(self) -> dict[int, str]:
        """Video id -> its first scene's keyframe (a cover picture for each video)."""
        rows = self.db.execute("SELECT video_id, thumb, MIN(idx) FROM scenes GROUP BY video_id")
        return {r[0]: r[1] for r in rows if r[1]}

    def scenes_by_id(self, ids: list[int], details: bool = False) -> dict[int, Scene]:
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(f"SELECT * FROM scenes WHERE id IN ({marks})", ids).fetchall()
        return {r["id"]: self._scene(r, details, False) for r in rows}

    def scene_spans(self, scene_ids: list[int]) -> dict[int, tuple[int, float, float]]:
        """scene id -> (video id, start, end): what filters need, without the scene's texts."""
        marks = ",".join("?" * len(scene_ids))
        rows = self.db.execute(f"SELECT id, video_id, start, end FROM scenes WHERE id IN ({marks})", scene_ids)
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def video_names(self, video_ids: list[int]) -> dict[int, tuple[str, str]]:
        """video id -> (name, path)."""
        marks = ",".join("?" * len(video_ids))
        rows = self.db.execute(f"SELECT id, name, path FROM videos WHERE id IN ({marks})", video_ids)
        return {r[0]: (r[1], r[2]) for r in rows}

    def _scene(self, r: sqlite3.Row, details: bool, vectors: bool) -> Scene:
        d = {k: r[k] for k in r.keys() if k != "video_id"}
        s = Scene(**{k: (v if v is not None else "") for k, v in d.items()})
        if details:
            q = self.db.execute
            s.words = [Word(*w) for w in q("SELECT start, end, text, prob FROM words WHERE scene_id = ? ORDER BY start", (s.id,))]
            s.ocr_lines = [OcrLine(t, x, c, json.loads(b or "[]")) for t, x, c, b in
                           q("SELECT t, text, conf, box FROM ocr_lines WHERE scene_id = ? ORDER BY t", (s.id,))]
            s.detections = [Detection(t, x, c, json.loads(b or "[]")) for t, x, c, b in
                            q("SELECT t, label, conf, box FROM detections WHERE scene_id = ? ORDER BY t", (s.id,))]
        if vectors:
            s.vectors = {k: np.frombuffer(v, np.float32) for k, v in
                         self.db.execute("SELECT kind, vec FROM vectors WHERE scene_id = ?", (s.id,))}
        return s

    # ---- vectors and keywords -----------------------------------------------------------
    def _bump_vectors(self) -> None:
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'vector_generation'")

    def vector_generation(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'vector_generation'").fetchone()[0])

    def all_vectors(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(scene ids, matrix) of every stored vector of one kind."""
        rows = self.db.execute("SELECT scene_id, dim, vec FROM vectors WHERE kind = ? ORDER BY scene_id",
                               (kind,)).fetchall()
        if not rows:
            return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
        ids = np.array([r[0] for r in rows], np.int64)
        return ids, np.vstack([np.frombuffer(r[2], np.float32) for r in rows])

    def keyword_search(self, query: str, limit: int = 50, every_term: bool = False, prefixes: frozenset = frozenset()
                       ) -> list[tuple[int, float]]:
        """BM25 over scene texts: (scene id, score), higher is better. Scenes with any query term,
        or with every one of them; a word in `prefixes` also as the start of a longer stem."""
        terms = [t for t in "".join(c if c.isalnum() else " " for c in query.lower()).split() if t]
        if not terms:
            return []
        match = (" AND " if every_term else " OR ").join(f'"{t}"*' if t in prefixes else f'"{t}"' for t in terms)
        rows = self.db.execute("SELECT rowid, bm25(scenes_fts) FROM scenes_fts WHERE scenes_fts MATCH ? "
                               "ORDER BY bm25(scenes_fts) LIMIT ?", (match, limit)).fetchall()
        return [(r[0], -r[1]) for r in rows]

    def scenes_with_phrase(self, phrase: str, columns: tuple[str, ...] = (), video_ids: list[int] | None = None
                           ) -> list[int]:
        """Every scene holding the phrase (stemmed, as keyword search does; in `columns` when
        given), with no cap: counting and ordering must see all of them."""
        tokens = "".join(c if c.isalnum() else " " for c in phrase.lower()).split()
        if not tokens:
            return []
        match = ('{' + " ".join(columns) + '} : ' if columns else "") + '"' + " ".join(tokens) + '"'
        sql = "SELECT f.rowid FROM scenes_fts f JOIN scenes s ON s.id = f.rowid WHERE scenes_fts MATCH ?"
        args: list = [match]
        if video_ids is not None:
            sql += f" AND s.video_id IN ({','.join('?' * len(video_ids))})"
            args += video_ids
        return [r[0] for r in self.db.execute(sql + " ORDER BY s.video_id, s.start", args)]

    def scenes_between(self, video_id: int, start: float, end: float, details: bool = True) -> list[Scene]:
        """The scenes of one video that overlap [start, end), in time order."""
        rows = self.db.execute("SELECT * FROM scenes WHERE video_id = ? AND end > ? AND start < ? ORDER BY start",
                               (video_id, start, end)).fetchall()
        return [self._scene(r, details, False) for r in rows]

    def ocr_between(self, video_id: int, start: float, end: float) -> list[OcrLine]:
        """The on-screen text lines of the scenes of one video that overlap [start, end), by time."""
        rows = self.db.execute("SELECT o.t, o.text, o.conf, o.box FROM ocr_lines o JOIN scenes s ON s.id = o.scene_id "
                               "WHERE s.video_id = ? AND s.end > ? AND s.start < ? ORDER BY o.t, o.rowid",
                               (video_id, start, end)).fetchall()
        return [OcrLine(t, x, c, json.loads(b or "[]")) for t, x, c, b in rows]

    def words_between(self, video_id: int, start: float, end: float) -> list[Word]:
        """Spoken words of one video in [start, end), across scene cuts, in time order."""
        rows = self.db.execute("SELECT w.start, w.end, w.text, w.prob FROM words w JOIN scenes s ON s.id = w.scene_id "
                               "WHERE s.video_id = ? AND w.end > ? AND w.start < ? ORDER BY w.start",
                               (video_id, start, end)).fetchall()
        return [Word(*r) for r in rows]

    def holding_any(self, terms: list[str], scene_ids: list[int]) -> set[int]:
        """Which of these scenes hold one of the terms, stemmed as keyword search stems them
        ("meeting" is in "Meet me at the harbor")."""
        clean = [c for c in ("".join(ch for ch in t.lower() if ch.isalnum()) for t in terms) if c]
        if not clean or not scene_ids:
            return set()
        rows = self.db.execute(f"SELECT rowid FROM scenes_fts WHERE scenes_fts MATCH ? AND rowid IN "
                               f"({','.join('?' * len(scene_ids))})",
                               (" OR ".join(f'"{t}"' for t in clean), *scene_ids)).fetchall()
        return {r[0] for r in rows}

    def term_rarity(self, terms: list[str]) -> dict[str, float]:
        """Inverse document frequency of each term that some scene holds (log(1 + scenes / holders))."""
        total = self.db.execute("SELECT count(*) FROM scenes").fetchone()[0]
        out = {}
        for t in terms:
            clean = "".join(c for c in t.lower() if c.isalnum())
            n = self.db.execute("SELECT count(*) FROM scenes_fts WHERE scenes_fts MATCH ?", (f'"{clean}"',)).fetchone()[0] if clean else 0
            if n:
                out[t] = math.log(1 + total / n)
        return out

    # ---- summaries ----------------------------------------------------------------------
    def summaries(self, video_id: int, level: str) -> list[dict]:
        """Stored summary parts of one video at one level ('segment' or 'video'), in time order."""
        rows = self.db.execute("SELECT start, end, text, scene_ids, model, created FROM summaries "
                               "WHERE video_id = ? AND level = ? ORDER BY start", (video_id, level))
        return [dict(r) | {"scene_ids": json.loads(r["scene_ids"] or "[]")} for r in rows.fetchall()]

    def save_summaries(self, video_id: int, level: str, parts: list[dict], model: str) -> None:
        """Replace one level of a video's summary (dicts with start, end, text, scene_ids). New
        segment notes also drop the video summary, which was written from the old ones. A video
        removed meanwhile is left alone."""
        with self.transaction() as db:
            if not db.execute("SELECT 1 FROM videos WHERE id = ?", (video_id,)).fetchone():
                return
            levels = ("segment", "video") if level == "segment" else (level,)
            db.executemany("DELETE FROM summaries WHERE video_id = ? AND level = ?", [(video_id, lv) for lv in levels])
            db.executemany("INSERT INTO summaries (video_id, level, start, end, text, scene_ids, model, created) "
                           "VALUES (?,?,?,?,?,?,?,?)",
                           [(video_id, level, p["start"], p["end"], p["text"], json.dumps(p["scene_ids"]),
                             model, time.time()) for p in parts])
