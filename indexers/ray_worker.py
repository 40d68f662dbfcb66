"""What runs on Ray workers for `vidrag index --ray`: a video (or a shard of a long one) as a
task, stages on accelerators as actor pools, and a board where tasks post their progress.

Workers compute; they never open the library. Each worker process builds its stages once (a
model loads once per process, through models.cached_model) and keeps them for the next task.
A stage in `RayConfig.actor_stages` (by default, those configured for cuda) lives in a pool of
actors instead: the model loads once per actor and tasks send it their keyframes and scenes.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import ray

from vidrag.config import Config
from vidrag.models import ModelMissing
from vidrag.records import Scene
from vidrag.indexers.compute import Job, Result, compute
from vidrag.indexers.shards import Shard, ShardPart, compute_shard, merge_shards
from vidrag.indexers.stages import VideoContext, build_stage

SCRATCH = Path(tempfile.gettempdir()) / "vidrag-scratch"   # keyframe spools, local to each node: a folder per
                                                           # worker process, {pid}-{uuid}, so two drivers
                                                           # indexing the same content never share a file
KEYFRAME_STAGES = ("ocr", "objects", "caption", "clip")    # stages that look at pictures
DRIVER_STAGES = ("summary",)                                # read committed rows: run by the writer


@ray.remote(num_cpus=0)
class Board:
    """Latest progress per video: (stage, fraction, worker pid, node id)."""

    def __init__(self) -> None:
        self.state: dict[str, tuple] = {}

    def report(self, path: str, stage: str, fraction: float, pid: int, node: str) -> None:
        self.state[path] = (stage, fraction, pid, node)

    def snapshot(self) -> dict[str, tuple]:
        return self.state

    def forget(self, path: str) -> None:
        """A committed video: drop it and its shards (path#n), so the board stays small."""
        for key in [k for k in self.state if k.partition("#")[0] == path]:
            del self.state[key]


class Reporter:
    """A task's progress callback: posts to the board when the stage changes or moved 5 %."""

    def __init__(self, board: Any, path: str):
        self.board, self.path, self.last = board, path, ("", -1.0)
        self.where = (os.getpid(), ray.get_runtime_context().get_node_id())

    def __call__(self, stage: str, fraction: float) -> None:
        if stage != self.last[0] or fraction - self.last[1] >= 0.05 or fraction >= 1.0:
            self.last = (stage, fraction)
            self.board.report.remote(self.path, stage, fraction, *self.where)


@dataclass(frozen=True)
class MemoryKeyframe:
    """A keyframe sent to an actor (it cannot read the task's spool file, maybe on another node)."""
    t: float
    data: bytes

    def jpeg(self) -> bytes:
        return self.data

    def image(self) -> np.ndarray:
        return cv2.imdecode(np.frombuffer(self.data, np.uint8), cv2.IMREAD_COLOR)


def to_memory(keyframes: list) -> list[MemoryKeyframe]:
    return [MemoryKeyframe(k.t, k.jpeg()) for k in keyframes]


@ray.remote
class StageActor:
    """One stage's model, loaded once, serving the tasks that send it work."""

    def __init__(self, cfg: Config, name: str):
        self.name, self.calls, self.missing = name, 0, ""
        try:
            self.stage = build_stage(name, cfg)
        except ModelMissing as exc:
            self.stage, self.missing = None, str(exc)

    def ready(self) -> dict:
        return {"missing": self.missing, "pid": os.getpid(), "calls": self.calls}

    def run(self, path: str, duration: float, has_audio: bool, keyframes: list, scenes: list[Scene]) -> list[Scene]:
        self.calls += 1
        self.stage.run(VideoContext(path, duration, has_audio, keyframes), scenes)
        return scenes

    def call(self, method: str, *args: Any) -> Any:
        self.calls += 1
        return getattr(self.stage, method)(*args)


class ActorStage:
    """Stands in a task for a stage that lives in an actor pool; same methods as the stage."""

    def __init__(self, name: str, actors: list):
        self.name, self.actors = name, actors

    def _actor(self, key: str) -> Any:
        return self.actors[zlib.crc32(key.encode()) % len(self.actors)]   # a video keeps its actor

    def run(self, ctx: VideoContext, scenes: list[Scene]) -> None:
        frames = to_memory(ctx.keyframes) if self.name in KEYFRAME_STAGES else []
        done = ray.get(self._actor(ctx.path).run.remote(ctx.path, ctx.duration, ctx.has_audio, frames, scenes))
        for mine, theirs in zip(scenes, done):
            mine.__dict__.update(theirs.__dict__)

    def transcribe_file(self, path: str) -> list:
        return ray.get(self._actor(path).call.remote("transcribe_file", path))

    def transcribe_range(self, path: str, start: float, end: float, overlap: float) -> list:
        return ray.get(self._actor(path).call.remote("transcribe_range", path, start, end, overlap))

    def read_lines(self, keyframes: list, own_from: float) -> list:
        return ray.get(self._actor(str(own_from)).call.remote("read_lines", to_memory(keyframes), own_from))

    def detect_all(self, keyframes: list, own_from: float) -> list:
        return ray.get(self._actor(str(own_from)).call.remote("detect_all", to_memory(keyframes), own_from))

    def place(self, scenes: list[Scene], items: list) -> None:
        from vidrag.indexers.asr import assign_words
        from vidrag.indexers.objects import ObjectsStage
        from vidrag.indexers.ocr import OcrStage
        {"asr": assign_words, "ocr": OcrStage.place, "objects": ObjectsStage.place}[self.name](scenes, items)


class OnDriver:
    """A stage the driver runs after the commit (summary): nothing to do on a worker."""

    def run(self, ctx: VideoContext, scenes: list[Scene]) -> None:
        pass


_built: dict[tuple, tuple[dict, list[str]]] = {}   # this worker process's stages, per configuration
_scratch: list[Path] = []                          # this worker process's spool folder, once made


def worker_scratch() -> Path:
    """This process's spool folder under SCRATCH. The first call sweeps the folders of worker
    processes that are gone (a worker killed mid-task leaves its spool behind)."""
    if not _scratch:
        sweep_scratch(SCRATCH)
        _scratch.append(SCRATCH / f"{os.getpid()}-{uuid.uuid4().hex[:12]}")
    return _scratch[0]


def sweep_scratch(root: Path) -> list[Path]:
    """Remove the spool folders ({pid}-{uuid}) of processes no longer running; returns them."""
    gone = []
    for folder in root.glob("*-*") if root.is_dir() else []:
        pid = folder.name.partition("-")[0]
        if folder.is_dir() and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            gone.append(folder)
    return gone


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # someone else's process: alive
        return True
    return True


def worker_stages(cfg: Config, names: list[str], pools: dict[str, list]) -> tuple[dict[str, Any], list[str]]:
    """The stages of `names` for this process (built once), and warnings for those skipped."""
    key = (json.dumps(cfg.to_dict(), sort_keys=True, default=str), tuple(names),
           tuple((n, tuple(a._actor_id.hex() for a in pool)) for n, pool in sorted(pools.items())))
    if key not in _built:
        worker_scratch()   # sweeps dead workers' spools, once per process
        stages, warnings = {}, []
        for name in names:
            if name in pools:
                stages[name] = ActorStage(name, pools[name])
            elif name in DRIVER_STAGES:
                stages[name] = OnDriver()
            else:
                try:
                    stages[name] = build_stage(name, cfg)
                except ModelMissing as exc:
                    if cfg.strict:
                        raise
                    warnings.append(f"skipping stage {name}: {exc}")
        _built[key] = (stages, warnings)
    return _built[key]


@ray.remote(num_cpus=1)
def probe_stages(cfg: Config, names: list[str]) -> tuple[list[str], list[str]]:
    """Which of the task stages have weights (building them warms this worker's cache)."""
    stages, warnings = worker_stages(cfg, names, {})
    return [n for n in names if n in stages], warnings


@ray.remote(num_cpus=1)
def index_video(job: Job, cfg: Config, pools: dict[str, list], board: Any) -> Result:
    stages, _ = worker_stages(cfg, job.stages, pools)
    return compute(job, cfg, stages, worker_scratch(), Reporter(board, job.path))


@ray.remote(num_cpus=1)
def index_shard(job: Job, shard: Shard, cfg: Config, pools: dict[str, list], board: Any) -> ShardPart:
    stages, _ = worker_stages(cfg, job.stages, pools)
    return compute_shard(job, shard, cfg, stages, worker_scratch(), Reporter(board, f"{job.path}#{shard.index}"))


@ray.remote(num_cpus=1)
def merge_video(job: Job, cfg: Config, pools: dict[str, list], board: Any, *parts: ShardPart) -> Result:
    stages, _ = worker_stages(cfg, job.stages, pools)
    return merge_shards(job, cfg, stages, worker_scratch(), list(parts), Reporter(board, job.path))
