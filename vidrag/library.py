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


def one_video(store: Store, ref: str) -> Video:
    """A video by id, file name, path or fingerprint prefix (through any connection to the store)."""
    matches = store.find_videos(ref)
    if not matches:
        raise VideoNotFound(f"no video '{ref}' in {store.root} (see `vidrag list`)")
    if len(matches) > 1:
        raise VideoNotFound(f"'{ref}' matches {len(matches)} videos; use the id from `vidrag list`")
    return matches[0]


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
        return one_video(self.store, ref)

    def scenes(self, ref: str, details: bool = False) -> list[Scene]:
        return self.store.scenes(self.video(ref).id, details=details)

    def remove(self, ref: str) -> Video:
        with self.store.writer_lock():
            video = self.video(ref)
            self.store.remove_video(video)
        return video

    # ---- asking -------------------------------------------------------------------------
    def searcher(self):
        if getattr(self, "_searcher", None) is None:
            from vidrag.agent.search import Searcher
            self._searcher = Searcher(self.store, self.config)
        return self._searcher

    def search(self, query: str, k: int = 10, video: str | None = None, start: float | None = None,
               end: float | None = None, modality: str | None = None) -> list:
        """Scenes ranked by hybrid search (dense text, CLIP, keywords); adjacent hits merged."""
        from vidrag.agent.search import MODALITIES
        if modality and modality not in MODALITIES:
            raise ValueError(f"unknown modality {modality!r} (choose from {', '.join(MODALITIES)})")
        if video:
            self.video(video)   # an unknown video is an error, not an empty result
        return self.searcher().search(query, k=k, video=video, start=start, end=end, modality=modality)

    def ask(self, question: str, video: str | None = None, options: list[str] | None = None,
            progress: Callable[[int, int, str], None] | None = None):
        """Answer a question from the library's evidence, with citations, or abstain. With
        `options` (multiple choice), `Answer.choice` is the index of the option picked.
        `progress(done, total, message)` hears about long first-time work (a video's summary)."""
        from vidrag.agent.graph import MAX_QUESTION

        question = question.strip()
        if not question:
            raise ValueError("empty question")
        if len(question) > MAX_QUESTION:
            raise ValueError(f"question too long ({len(question)} characters, at most {MAX_QUESTION})")
        if video:
            self.video(video)
        if not any(v.status == "indexed" for v in self.videos()):
            raise ValueError(f"the library {self.path} has no indexed videos; run `vidrag index PATH` first")
        if options is not None and not (2 <= len(options) <= 26 and all(str(o).strip() for o in options)):
            raise ValueError("multiple choice needs 2 to 26 non-empty options")
        return self.agent().run(question, video, options, progress)

    def agent(self, warm: bool = False):
        """The answering agent; its model loads on the first question that needs it (or now,
        with `warm`) and stays loaded."""
        if getattr(self, "_agent", None) is None:
            from vidrag.agent.graph import Agent
            from vidrag.summaries import Summarizer
            from vidrag.llm import LazyLLM
            llm = LazyLLM(self.config)
            images = bool(self.config.llm.options.get("images", False))   # the model takes images (a VLM)
            self._agent = Agent(self.searcher(), llm, images=images, summarizer=Summarizer(self.store, llm))
        if warm:
            self._agent.warm()
        return self._agent

    # ---- indexing -----------------------------------------------------------------------
    def index(self, paths: Iterable[str | Path], glob: str | None = None, stages: list[str] | None = None,
              warn: Callable[[str], None] = lambda m: None,
              on_start: Callable[[Path, int, int], None] = lambda p, i, n: None,
              on_progress: Callable[[str, float], None] = lambda s, f: None,
              on_done: Callable[[Any], None] = lambda o: None,
              roots: list[Path] | None = None, ray: str | None = None,
              note: Callable[[str], None] = lambda m: None,
              on_event: Callable[[Any], None] | None = None) -> list[Any]:
        """Index files and folders; returns one Outcome per file (failures included). With `roots`
        (see `vidrag.confine`), only files that resolve under them are read; the rest fail.
        With `ray` ("auto" or a cluster address) videos are computed on Ray workers and committed
        here; `on_event` then hears each task's progress (a ray_driver.TaskProgress)."""
        from vidrag.indexers.runner import Indexer, Outcome

        files, errors = discover([str(p) for p in paths], glob, roots)
        outcomes = [Outcome(p, "failed", msg) for p, msg in errors]
        for o in outcomes:
            on_done(o)
        if ray is not None:   # ray.init installs its own SIGTERM handler: start Ray before ours goes in
            from vidrag.indexers.ray_driver import connect
            connect(ray)
        with self.store.writer_lock(), _sigterm_as_interrupt():
            if ray is not None:
                from vidrag.indexers.ray_driver import index_on_ray
                events = on_event or (lambda e: on_progress(e.stage, e.fraction))
                return outcomes + index_on_ray(self.config, self.store, files, stages, ray, warn, note,
                                               on_start, events, on_done)
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
