"""The public Python entry point: `Library(path)` indexes videos and reads what was indexed."""
from __future__ import annotations

import signal
from pathlib import Path
from typing import Any, Callable, Iterable

from vidrag.config import Config, load_config
from vidrag.discover import discover
from vidrag.records import Scene, Video
from vidrag.store import Store, StoreError


class VideoNotFound(LookupError):
    pass


class Library:
    """A video library on disk.

    >>> lib = Library("~/.vidrag/library")
    >>> lib.index(["talks/"])          # doctest: +SKIP
    >>> [v.name for v in lib.videos()] # doctest: +SKIP
    """

    def __init__(self, path: str | Path | None = None, config: Config | None = None,
                 create: bool = True, **overrides: Any):
        if config is None:
            config = load_config(overrides=dict(overrides, library=str(path) if path else None))
        elif path is not None:
            config.library = str(path)
        self.config = config
        self.store = Store(config.library_path, create=create)

    @property
    def path(self) -> Path:
        return self.store.root

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- reading ------------------------------------------------------------------------
    def videos(self) -> list[Video]:
        return self.store.videos()

    def video(self, ref: str) -> Video:
        """A video by id, file name, path or fingerprint prefix."""
        matches = self.store.find_videos(ref)
        if not matches:
            raise VideoNotFound(f"no video '{ref}' in {self.path} (see `vidrag list`)")
        if len(matches) > 1:
            raise VideoNotFound(f"'{ref}' matches {len(matches)} videos; use the id from `vidrag list`")
        return matches[0]

    def scenes(self, ref: str, details: bool = False) -> list[Scene]:
        return self.store.scenes(self.video(ref).id, details=details)

    def remove(self, ref: str) -> Video:
        with self.store.writer_lock():
            video = self.video(ref)
            self.store.remove_video(video)
        return video

    # ---- indexing -----------------------------------------------------------------------
    def index(self, paths: Iterable[str | Path], glob: str | None = None, stages: list[str] | None = None,
              warn: Callable[[str], None] = lambda m: None,
              on_start: Callable[[Path, int, int], None] = lambda p, i, n: None,
              on_progress: Callable[[str, float], None] = lambda s, f: None,
              on_done: Callable[[Any], None] = lambda o: None) -> list[Any]:
        """Index files and folders; returns one Outcome per file (failures included)."""
        from vidrag.indexers.runner import Indexer, Outcome

        files, errors = discover([str(p) for p in paths], glob)
        outcomes = [Outcome(p, "failed", msg) for p, msg in errors]
        for o in outcomes:
            on_done(o)
        with self.store.writer_lock(), _sigterm_as_interrupt():
            indexer = Indexer(self.config, self.store, stages, warn)
            for i, f in enumerate(files):
                on_start(f, i, len(files))
                try:
                    outcome = indexer.index_file(f, on_progress)
                except (OSError, StoreError) as exc:
                    outcome = Outcome(str(f), "failed", str(exc))
                outcomes.append(outcome)
                on_done(outcome)
        return outcomes


class _sigterm_as_interrupt:
    """SIGTERM unwinds like Ctrl-C, so the open transaction rolls back and the lock is freed."""

    def __enter__(self) -> None:
        try:
            self._old = signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        except ValueError:  # not the main thread
            self._old = None

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)
