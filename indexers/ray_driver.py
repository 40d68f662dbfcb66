"""`vidrag index --ray`: the driver. It plans each file (skip unchanged, recognise moved), keeps
a bounded number of Ray tasks in flight, and commits each finished video itself, in one
transaction: workers compute (ray_worker.py), the driver is the library's only writer.

A task whose worker process dies is run again by Ray (`RayConfig.retries`); its result reaches
the driver once, so a video is committed once or not at all. If the driver dies, nothing of the
videos in flight was written, and the next run resumes with the files not done.
"""
from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from vidrag.cluster import ClusterError, gpu_shares
from vidrag.config import Config
from vidrag.models import ModelMissing
from vidrag.media import probe
from vidrag.store import Store, StoreError
from vidrag.indexers.compute import Job
from vidrag.indexers.runner import Indexer, Outcome
from vidrag.indexers.stages import ALL_STAGES, build_stage


@dataclass
class TaskProgress:
    """Where a video (or one shard, path#n) is: its stage, how far, and the worker (pid, Ray node id)."""
    path: str
    stage: str
    fraction: float
    pid: int
    node: str


@dataclass
class ClusterInfo:
    address: str
    nodes: int
    cpus: float
    gpus: float

    def describe(self) -> str:
        return (f"Ray at {self.address}: {self.nodes} node{'s' * (self.nodes != 1)}, "
                f"{self.cpus:g} CPUs, {self.gpus:g} GPUs")


def connect(address: str | None) -> ClusterInfo:
    """`auto` (or nothing): join RAY_ADDRESS when set, else start a new local Ray (address
    "local": never a Ray someone else left running on this machine); or an address."""
    try:
        import ray
    except ModuleNotFoundError:
        raise ClusterError("--ray needs Ray, which is not installed: pip install 'vidrag[cluster]'") from None
    if not ray.is_initialized():
        target = os.environ.get("RAY_ADDRESS") if address in (None, "", "auto") else address
        try:
            ray.init(address=target or "local", include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        except Exception as exc:   # no cluster there, a version mismatch: one line, not Ray's traceback
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ClusterError(f"cannot {'join Ray at ' + target if target else 'start a local Ray'}: {first}") from None
    resources = ray.cluster_resources()
    nodes = sum(1 for n in ray.nodes() if n.get("Alive"))
    return ClusterInfo(ray.get_runtime_context().gcs_address, nodes, resources.get("CPU", 0.0),
                       resources.get("GPU", 0.0))


def actor_stage_names(cfg: Config, names: list[str]) -> list[str]:
    """Stages for actor pools: as configured, else those set to run on cuda."""
    if cfg.ray.actor_stages:
        return [n for n in names if n in cfg.ray.actor_stages]
    on_gpu = [n for n in names if n in ("asr", "ocr", "objects", "clip", "embed") and getattr(cfg, n).device == "cuda"]
    return on_gpu + (["caption"] if "caption" in names and cfg.caption.backend == "transformers" else [])


def start_pools(cfg: Config, names: list[str], info: ClusterInfo, warn: Callable[[str], None],
                pools: dict[str, list]) -> dict[str, list]:
    """A pool of actors per stage in `names`. Stages on cuda share the cluster's GPUs (see
    cluster.gpu_shares); a pool that cannot be placed, or is not ready within
    `ray.actor_start_s`, is a ClusterError rather than a wait without end."""
    import ray
    from vidrag.indexers.ray_worker import StageActor
    n_cuda = sum(getattr(cfg, n).device == "cuda" for n in names)
    size_gpu, each = gpu_shares(n_cuda, info.gpus, cfg.ray.gpus_per_actor, cfg.ray.actors_per_stage)
    for name in names:
        gpu = getattr(cfg, name).device == "cuda"
        size = size_gpu if gpu else (cfg.ray.actors_per_stage or 1)
        options = {"num_gpus": each, "num_cpus": 1} if gpu else {"num_cpus": 0}
        actors = [StageActor.options(max_restarts=cfg.ray.retries, max_task_retries=cfg.ray.retries, **options)
                  .remote(cfg, name) for _ in range(size)]
        pools[name] = actors   # the caller's dict: a failure below still leaves them to be killed
        try:
            states = setup_get([a.ready.remote() for a in actors], f"starting the {name} actor pool",
                               timeout=cfg.ray.actor_start_s)
        except ray.exceptions.GetTimeoutError:
            need = f"{each:g} GPU and 1 CPU" if gpu else "no CPU"
            raise ClusterError(f"the {name} actor pool ({size} actor{'s' * (size != 1)}, {need} each) was not "
                               f"ready within {cfg.ray.actor_start_s:g} s: the cluster cannot place it, or its "
                               "model is still loading (ray.actor_start_s)") from None
        missing = [r["missing"] for r in states if r["missing"]]
        if missing:
            if cfg.strict:
                raise ModelMissing(missing[0])
            warn(f"skipping stage {name}: {missing[0]}")
            for a in pools.pop(name):
                ray.kill(a)
    return pools


def index_on_ray(cfg: Config, store: Store, files: list[Path], stages: list[str] | None, address: str | None,
                 warn: Callable[[str], None] = lambda m: None, note: Callable[[str], None] = lambda m: None,
                 on_start: Callable[[Path, int, int], None] = lambda p, i, n: None,
                 on_event: Callable[[TaskProgress], None] = lambda e: None,
                 on_done: Callable[[Outcome], None] = lambda o: None) -> list[Outcome]:
    info = connect(address)
    import ray
    from vidrag.indexers import ray_worker as rw

    note(f"indexing on {info.describe()}")
    wanted = [n for n in ALL_STAGES if n in (stages if stages is not None else cfg.stages)]
    pools: dict[str, list] = {}                # created so far: killed however this ends
    flight: dict[Any, tuple[Job, list]] = {}   # a video's last task -> (its job, its shard tasks)
    board = None
    try:
        start_pools(cfg, actor_stage_names(cfg, wanted), info, warn, pools)
        on_tasks = [n for n in wanted if n not in pools and n not in rw.DRIVER_STAGES]
        available, warnings = setup_get(rw.probe_stages.remote(cfg, on_tasks), "probing the task stages on a worker")
        for w in warnings:
            warn(w)
        built: dict[str, Any] = {n: None for n in list(pools) + available}
        for name in (n for n in wanted if n in rw.DRIVER_STAGES):   # the summary reads committed rows: here
            try:
                built[name] = build_stage(name, cfg)
            except Exception as exc:
                if cfg.strict:
                    raise
                warn(f"skipping stage {name}: {exc}")
        indexer = Indexer(cfg, store, built=built)
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
        here = NodeAffinitySchedulingStrategy(node_id=ray.get_runtime_context().get_node_id(), soft=False)
        board = rw.Board.options(scheduling_strategy=here).remote()   # on the driver's node: read every tick
        limit = cfg.ray.max_in_flight or max(2, int(2 * info.cpus))
        options = {"max_retries": cfg.ray.retries, "retry_exceptions": False}

        queue = deque(enumerate(files))
        waiting: list[tuple[int, Path, str]] = []   # same content (fingerprint) as a video in flight: planned after it commits
        outcomes: dict[int, Outcome] = {}   # by the file's place in `files`: returned in that order
        order: dict[Any, int] = {}          # a video's last task -> its file's place

        def finish(i: int, outcome: Outcome) -> None:
            outcomes[i] = outcome
            on_done(outcome)

        def submit(i: int, path: Path) -> None:
            planned = indexer.plan(path)
            if isinstance(planned, Outcome):
                on_start(path, i, len(files))
                return finish(i, planned)
            if any(j.fingerprint == planned.fingerprint for j, _ in flight.values()):
                waiting.append((i, path, planned.fingerprint))
                return
            on_start(path, i, len(files))
            shards = shards_of(planned, cfg)
            parts = [rw.index_shard.options(**options).remote(planned, s, cfg, pools, board) for s in shards]
            if parts:
                ref = rw.merge_video.options(**options).remote(planned, cfg, pools, board, *parts)
            else:
                ref = rw.index_video.options(**options).remote(planned, cfg, pools, board)
            flight[ref] = (planned, parts)
            order[ref] = i

        while queue or flight or waiting:
            while queue and sum(max(1, len(p)) for _, p in flight.values()) < limit:
                submit(*queue.popleft())
            if not flight:
                queue.extendleft(reversed([(i, p) for i, p, _ in waiting]))
                waiting.clear()
                continue
            ready, _ = ray.wait(list(flight), num_returns=1, timeout=0.5)
            running = {j.path for j, _ in flight.values()}
            try:
                posted = ray.get(board.snapshot.remote(), timeout=5)
            except (ray.exceptions.RayError, TimeoutError):   # the board is slow or gone: no progress this tick
                posted = {}
            for path, (stage, fraction, pid, node) in posted.items():
                if path.partition("#")[0] in running:   # a finished video's bars are gone for good
                    on_event(TaskProgress(path, stage, fraction, pid, node))
            for ref in ready:
                job, _ = flight.pop(ref)
                try:
                    outcome = indexer.commit(ray.get(ref), lambda s, f, p=job.path: on_event(TaskProgress(p, s, f, os.getpid(), "driver")))
                except ray.exceptions.RayError as exc:
                    outcome = Outcome(job.path, "failed", one_line(exc))
                except (OSError, StoreError) as exc:
                    outcome = Outcome(job.path, "failed", str(exc))
                finish(order.pop(ref), outcome)
                board.forget.remote(job.path)
                # the files waiting for this content: planned next, in their order (now moved or unchanged)
                ready_again = [w for w in waiting if w[2] == job.fingerprint]
                waiting[:] = [w for w in waiting if w[2] != job.fingerprint]
                queue.extendleft(reversed([(i, p) for i, p, _ in ready_again]))
        for name, actors in pools.items():
            calls = sum(r["calls"] for r in setup_get([a.ready.remote() for a in actors], f"asking the {name} pool"))
            note(f"actor pool {name}: {len(actors)} actor{'s' * (len(actors) != 1)} (one model each), {calls} calls")
    finally:
        for ref, (_, parts) in flight.items():   # interrupted: none of these was written; a rerun redoes them
            for task in [ref, *parts]:
                ray.cancel(task, force=True)
        for actors in pools.values():
            for a in actors:
                ray.kill(a)
        if board is not None:
            ray.kill(board)
    return [outcomes[i] for i in sorted(outcomes)]   # in the files' order, as a local run


def shards_of(job: Job, cfg: Config) -> list:
    """The time shards of a long video (none for a short or unreadable one: a plain task)."""
    from vidrag.indexers.shards import plan_shards
    try:
        duration = probe(job.path).duration
        return plan_shards(job.path, duration, cfg.ray.shard_over_s, cfg.ray.shard_s, cfg.ray.overlap_s)
    except Exception:   # an unreadable file: its task reports the problem, one line, as ever
        return []


def setup_get(refs: Any, doing: str, timeout: float | None = None) -> Any:
    """ray.get for setting up (or reporting on) the run: a Ray error is one line, a ClusterError
    (or the ModelMissing a worker raised under --strict), not Ray's remote traceback."""
    import ray
    try:
        return ray.get(refs, timeout=timeout)
    except ray.exceptions.GetTimeoutError:
        raise
    except ray.exceptions.RayError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, ModelMissing):
            raise ModelMissing(first_line(str(cause))) from None
        raise ClusterError(f"{doing}: {one_line(exc)}") from None


def first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def one_line(exc: BaseException) -> str:
    """A Ray error as one line: what went wrong in the task, not Ray's traceback."""
    cause = getattr(exc, "cause", None)
    if cause is not None and not isinstance(cause, ray_error_types()):
        return f"{type(cause).__name__}: {first_line(str(cause))}"[:300]
    return f"{type(exc).__name__}: {first_line(str(exc))}"[:300]


def ray_error_types() -> tuple:
    import ray
    return (ray.exceptions.RayError,)

