"""One video's rows, computed without touching the library: decode once, cut scenes, run the
stages, encode the thumbnails.

The result is plain, picklable data, so it is computed the same way in this process (a local
run) or on a Ray worker (`vidrag index --ray`), and committed by the library's one writer
(runner.Indexer.commit) in one transaction.
"""
from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from vidrag.config import Config
from vidrag.media import DecodeStats, MediaError, VideoInfo, decode_frames, frame_to_bgr, probe, tiny_bgr
from vidrag.records import Scene, Video
from vidrag.indexers.keyframes import Keyframe, KeyframeSpool
from vidrag.indexers.scenes import CutDetector, bound_scenes

Progress = Callable[[str, float], None]   # (stage name, fraction done 0..1)
TRUNCATION_SLACK = 0.9                    # decoded less than this share of the header's duration


@dataclass
class Job:
    """What the driver decided about one file: which stages to run, what stored work carries over."""
    path: str
    fingerprint: str
    size: int
    stages: list[str]                 # every stage this run has (in run order)
    todo: list[str]                   # the ones to run for this file
    done: dict[str, str]              # stage -> settings hash of stored results still valid
    hashes: dict[str, str]
    old: list[Scene] | None = None    # stored scenes whose fields carry over (when `done`)

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass
class Result:
    job: Job
    error: str = ""                               # the file could not be read (MediaError)
    video: Video | None = None
    scenes: list[Scene] = field(default_factory=list)
    thumbs: dict[str, bytes] = field(default_factory=dict)   # path inside the library -> JPEG
    warnings: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    truncated: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Decoded:
    info: VideoInfo
    cuts: list[float]
    keyframes: list[Keyframe]
    end: float
    corrupt: int


def sample_due(t: float, next_sample: float, every: float) -> tuple[bool, float]:
    """Sample the first frame of each `every`-second slot of the timeline. Slots, not "every s
    after the last sample", so which frame is sampled does not depend on where decoding began: a
    shard of a long video (shards.py) samples exactly the frames a whole-video run samples."""
    if t < next_sample:
        return False, next_sample
    return True, (math.floor(t / every + 1e-9) + 1) * every


def decode_pass(path: str, info: VideoInfo, cfg: Config, spool: KeyframeSpool, progress: Progress,
                start: float = 0.0, end: float = math.inf, seek: float | None = None, stop: float = math.inf
                ) -> Decoded:
    """The single decode: every frame feeds cut detection, the first of each sample_every slot is
    spooled. A shard of a long video (shards.py) decodes from `seek` (before `start`, so the cut
    detector's state at `start` is what a whole run has there) to `stop` (after `end`, so cuts
    near `end` are confirmed); it keeps cuts in [start, end) and keyframes before `end`."""
    sc = cfg.scenes
    detector = CutDetector(sc, info.fps)
    stats = DecodeStats()
    next_sample = 0.0
    span = min(end, info.duration or end) - start
    report_every = max(1.0, span / 100) if math.isfinite(span) else 1.0
    next_report = start + report_every
    for t, frame in decode_frames(path, stats, reference_only=not sc.decode_all_frames, seek=seek):
        if t >= stop:
            break
        detector.feed(t, tiny_bgr(frame, sc.analysis_width))
        due, next_sample = sample_due(t, next_sample, sc.sample_every)
        if due and t < end:
            ok, buf = cv2.imencode(".jpg", frame_to_bgr(frame, sc.frame_width), [cv2.IMWRITE_JPEG_QUALITY, 88])
            if ok:
                spool.add(t, buf)
        if t >= next_report:
            progress("scenes", min(1.0, (t - start) / max(span, 1e-6)))
            next_report = t + report_every
    if stats.frames == 0:
        raise MediaError("no decodable video frames (corrupt or truncated file)")
    last = stats.last_time + 1.0 / (info.fps or 25.0)
    cuts = [c for c in detector.finish() if start <= c < end]
    return Decoded(info, cuts, spool.keyframes, last, stats.corrupt)


def thumbnails(fp: str, scenes: list[Scene], keyframes: list[Keyframe], width: int) -> dict[str, bytes]:
    """One JPEG per scene (the keyframe nearest its middle); sets each scene's `thumb`."""
    times = np.array([k.t for k in keyframes])
    out = {}
    for s in scenes:
        img = keyframes[int(np.argmin(np.abs(times - (s.start + s.end) / 2)))].image()
        h = max(2, round(img.shape[0] * width / img.shape[1]))
        ok, buf = cv2.imencode(".jpg", cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA),
                               [cv2.IMWRITE_JPEG_QUALITY, 80])
        s.thumb = f"thumbs/{fp[:16]}/{s.idx:05d}.jpg"
        out[s.thumb] = buf.tobytes()
    return out


# Which scene fields each stage owns: carried over from the stored scene when it does not rerun.
FIELDS = {"asr": ("words", "transcript"), "ocr": ("ocr_lines", "ocr_text"), "objects": ("detections", "objects"),
          "caption": ("caption", "caption_source"), "clip": (), "embed": ()}
VECTORS = {"clip": "clip", "embed": "text"}


def carry_over(old: list[Scene], new: list[Scene], stages: list[str]) -> None:
    for o, n in zip(old, new):
        for stage in stages:
            for f in FIELDS[stage]:
                setattr(n, f, getattr(o, f))
            if stage in VECTORS and VECTORS[stage] in o.vectors:
                n.vectors[VECTORS[stage]] = o.vectors[VECTORS[stage]]


def compute(job: Job, cfg: Config, stages: dict[str, Any], scratch: Path,
            progress: Progress = lambda s, f: None) -> Result:
    """Index one file into a Result (no library access). `stages` maps a name to its stage."""
    started = time.perf_counter()
    asr = stages.get("asr") if "asr" in job.todo else None
    with ThreadPoolExecutor(1) as pool, KeyframeSpool(scratch, job.fingerprint) as spool:
        try:
            t0 = time.perf_counter()
            info = probe(job.path)
            # ASR reads the audio track on the other core while this one decodes and looks.
            words = pool.submit(timed, asr.transcribe_file, job.path) if asr and info.has_audio else None
            decoded = decode_pass(job.path, info, cfg, spool, progress)
            timings = {"decode+scenes": time.perf_counter() - t0}
        except MediaError as exc:
            return Result(job, error=str(exc), seconds=time.perf_counter() - started)
        items = {"asr": words.result} if words is not None else {}
        result = assemble(job, cfg, stages, decoded, items, progress)
    result.timings = timings | result.timings
    result.seconds = time.perf_counter() - started
    return result


def assemble(job: Job, cfg: Config, stages: dict[str, Any], decoded: Decoded,
             items: dict[str, Callable[[], tuple[Any, float]]], progress: Progress) -> Result:
    """Scenes from the cuts, then every stage to run, in order. `items` holds the per-time output
    (words, OCR lines, detections) of stages already run elsewhere (a thread, or the shards of
    a long video): those are only placed into the scenes."""
    info, warnings = decoded.info, []
    duration = info.duration or decoded.end
    truncated = bool(info.duration) and decoded.end < TRUNCATION_SLACK * info.duration
    if truncated:
        warnings.append(f"truncated: frames end at {decoded.end:.1f}s of {info.duration:.1f}s")
        duration = decoded.end
    if decoded.corrupt:
        warnings.append(f"{decoded.corrupt} corrupt packets skipped")
    sc = cfg.scenes
    scenes = [Scene(i, a, b) for i, (a, b) in enumerate(bound_scenes(decoded.cuts, duration, sc.min_len, sc.max_len))]
    thumbs = thumbnails(job.fingerprint, scenes, decoded.keyframes, sc.thumb_width)
    todo = job.todo
    if job.done:
        if job.old is not None and len(job.old) == len(scenes):
            carry_over(job.old, scenes, [n for n in job.done if n in FIELDS and n not in todo])
        else:
            todo = list(job.stages)   # boundaries moved: nothing old can be reused
    from vidrag.indexers.stages import VideoContext
    ctx = VideoContext(job.path, duration, info.has_audio, decoded.keyframes)
    ran, timings = [], {}
    for stage_name in todo:
        progress(stage_name, 0.0)
        t0 = time.perf_counter()
        try:
            if stage_name in items:
                found, seconds = items[stage_name]()
                stages[stage_name].place(scenes, found)
                timings[stage_name] = seconds
            else:
                stages[stage_name].run(ctx, scenes)
                timings[stage_name] = time.perf_counter() - t0
            ran.append(stage_name)
        except Exception as exc:  # one broken stage must not lose the others' work
            warnings.append(f"{stage_name} failed: {type(exc).__name__}: {exc}")
        progress(stage_name, 1.0)
    stored = {k: v for k, v in job.done.items() if k not in todo} | {"scenes": job.hashes["scenes"]} | \
        {n: job.hashes[n] for n in ran}
    video = Video(job.fingerprint, job.path, job.name, job.size, duration, info.fps, info.width, info.height,
                  info.has_audio, warnings="; ".join(warnings), config_hash=job.hashes["scenes"], stages=stored)
    # `todo` may have grown (boundaries moved): the job says what was asked for this run
    job.todo = todo
    return Result(job, video=video, scenes=scenes, thumbs=thumbs, warnings=warnings, ran=ran,
                  truncated=truncated, timings=timings)


def timed(fn: Callable, *args: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    return fn(*args), time.perf_counter() - t0
