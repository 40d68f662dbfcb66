"""Index one video: the driver's side. Plan (fingerprint, what is already stored), compute
(compute.py: here, or on a Ray worker), commit.

Nothing is written to the database until every stage has run; then one transaction replaces
the video's rows, so an interrupted run leaves the library as it was and a rerun resumes. The
Indexer is the library's one writer: Ray workers return results, they never write.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from vidrag.config import Config
from vidrag.media import fingerprint
from vidrag.records import Video
from vidrag.store import Store
from vidrag.models import ModelMissing
from vidrag.indexers.compute import Job, Progress, Result, compute
from vidrag.indexers.keyframes import sweep
from vidrag.indexers.stages import ALL_STAGES, build_stage, stage_hash


@dataclass
class Outcome:
    path: str
    status: str              # indexed | partial (part of the file or a stage failed) | unchanged | moved | failed
    message: str = ""
    scenes: int = 0
    duration: float = 0.0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status not in ("failed", "partial")


class Indexer:
    """Indexes files one by one with the stages asked for; stages without weights are skipped.
    Built under the library's writer lock, so scratch files it finds are leftovers of killed runs.
    With `built` (name -> stage, or None for a stage that runs elsewhere) nothing is loaded here:
    the Ray driver plans and commits, and workers hold the models."""

    def __init__(self, cfg: Config, store: Store, stages: list[str] | None = None,
                 warn: Callable[[str], None] = lambda m: None, built: dict[str, Any] | None = None):
        self.cfg, self.store = cfg, store
        self.scratch = store.root / "scratch"
        sweep(self.scratch)
        self.stages: dict[str, Any] = {}
        if built is not None:
            self.stages = {n: built[n] for n in ALL_STAGES if n in built}
        else:
            for name in [n for n in ALL_STAGES if n in (stages if stages is not None else cfg.stages)]:
                try:
                    self.stages[name] = build_stage(name, cfg)
                except ModelMissing as exc:
                    if cfg.strict:
                        raise
                    warn(f"skipping stage {name}: {exc}")
        self.hashes = {"scenes": cfg.stage_hash("scenes")}
        for name in ALL_STAGES:
            if name in self.stages:
                self.hashes[name] = stage_hash(cfg, name, self.hashes)

    def index_file(self, path: str | Path, progress: Progress = lambda s, f: None) -> Outcome:
        job = self.plan(path)
        if isinstance(job, Outcome):
            return job
        return self.commit(compute(job, self.cfg, self.stages, self.scratch, progress), progress)

    def plan(self, path: str | Path) -> Job | Outcome:
        """What to do with a file: an Outcome when nothing is (unchanged, moved, unreadable),
        else the Job to compute. Skip-unchanged and moved-file logic live here, on the writer."""
        path = str(Path(path).expanduser().absolute())
        try:
            fp = fingerprint(path)
            size = Path(path).stat().st_size
        except OSError as exc:
            return Outcome(path, "failed", exc.strerror or str(exc))
        existing = self.store.video_by_fingerprint(fp)
        done = existing.stages if existing and existing.status == "indexed" else {}
        if done.get("scenes") != self.hashes["scenes"]:
            done = {}
        todo = [n for n in self.stages if done.get(n) != self.hashes[n]]
        if done and not todo:
            if existing.path != path and not Path(existing.path).exists():
                self.store.set_path(existing.id, path)
                return Outcome(path, "moved", f"moved from {existing.path}", existing.scene_count, existing.duration)
            return Outcome(path, "unchanged", "already indexed", existing.scene_count, existing.duration)
        old = self.store.scenes(existing.id, details=True, vectors=True) if done else None
        return Job(path, fp, size, list(self.stages), todo, done, dict(self.hashes), old)

    def commit(self, result: Result, progress: Progress = lambda s, f: None) -> Outcome:
        """Write one computed video in one transaction (its thumbnails first: a thumbnail without
        rows is harmless, rows without their thumbnail are not)."""
        job = result.job
        if result.error:
            self.store.record_failure(Video(job.fingerprint, job.path, job.name, job.size, status="failed",
                                            error=result.error))
            return Outcome(job.path, "failed", result.error, seconds=result.seconds)
        written: list[Path] = []
        try:
            for rel, jpeg in result.thumbs.items():
                target = self.store.root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jpeg)
                written.append(target)
        except OSError as exc:   # a full disk, a read-only or broken library folder: not recorded, a rerun retries
            for f in written:
                f.unlink(missing_ok=True)
            return Outcome(job.path, "failed", f"cannot write its thumbnails into {self.store.root} "
                           f"({exc.strerror or exc}); nothing of this video was saved", seconds=result.seconds)
        video, warnings, ran = result.video, list(result.warnings), list(result.ran)
        self.store.save_video(video, result.scenes)
        # Stages that read committed rows (summary) run after the commit: saving dropped their rows.
        for stage_name, stage in self.stages.items():
            if hasattr(stage, "after_save"):
                try:
                    stage.after_save(self.store, video.id, lambda d, n, m, s=stage_name: progress(s, d / max(n, 1)))
                except Exception as exc:
                    warnings.append(f"{stage_name} failed: {type(exc).__name__}: {exc}")
                    ran = [n for n in ran if n != stage_name]
        # Partial: the rows are saved, but part of the file or a stage could not be read; a rerun retries.
        partial = result.truncated or len(ran) < len(job.todo)
        return Outcome(job.path, "partial" if partial else "indexed", "; ".join(warnings), len(result.scenes),
                       video.duration, result.seconds, result.timings)
