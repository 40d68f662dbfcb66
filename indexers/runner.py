"""Index one video: fingerprint, decode once, cut scenes, spool keyframes, run stages, commit.

Nothing is written to the database until every stage has run; then one transaction replaces
the video's rows, so an interrupted run leaves the library as it was and a rerun resumes.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from vidrag.config import Config
from vidrag.media import DecodeStats, MediaError, VideoInfo, decode_frames, fingerprint, frame_to_bgr, probe, tiny_bgr
from vidrag.records import Scene, Video
from vidrag.store import Store
from vidrag.models import ModelMissing
from vidrag.indexers.asr import assign_words
from vidrag.indexers.keyframes import Keyframe, KeyframeSpool, sweep
from vidrag.indexers.scenes import CutDetector, bound_scenes
from vidrag.indexers.stages import ALL_STAGES, VideoContext, build_stage, stage_hash

Progress = Callable[[str, float], None]   # (stage name, fraction done 0..1)
TRUNCATION_SLACK = 0.9                    # decoded less than this share of the header's duration


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


@dataclass
class Decoded:
    info: VideoInfo
    cuts: list[float]
    keyframes: list[Keyframe]
    end: float
    corrupt: int


def decode_pass(path: str, info: VideoInfo, cfg: Config, spool: KeyframeSpool, progress: Progress) -> Decoded:
    """The single decode: every frame feeds cut detection, one every sample_every s is spooled."""
    sc = cfg.scenes
    detector = CutDetector(sc, info.fps)
    stats = DecodeStats()
    next_sample = 0.0
    report_every = max(1.0, info.duration / 100)
    next_report = report_every
    for t, frame in decode_frames(path, stats, reference_only=not sc.decode_all_frames):
        detector.feed(t, tiny_bgr(frame, sc.analysis_width))
        if t >= next_sample:
            ok, buf = cv2.imencode(".jpg", frame_to_bgr(frame, sc.frame_width), [cv2.IMWRITE_JPEG_QUALITY, 88])
            if ok:
                spool.add(t, buf)
            next_sample = t + sc.sample_every
        if t >= next_report:
            progress("scenes", min(1.0, t / max(info.duration, 1e-6)))
            next_report = t + report_every
    if stats.frames == 0:
        raise MediaError("no decodable video frames (corrupt or truncated file)")
    end = stats.last_time + 1.0 / (info.fps or 25.0)
    return Decoded(info, detector.finish(), spool.keyframes, end, stats.corrupt)


def write_thumbs(store: Store, fp: str, scenes: list[Scene], keyframes: list[Keyframe], width: int) -> None:
    folder = store.root / "thumbs" / fp[:16]
    folder.mkdir(parents=True, exist_ok=True)
    times = np.array([k.t for k in keyframes])
    for s in scenes:
        k = keyframes[int(np.argmin(np.abs(times - (s.start + s.end) / 2)))]
        img = k.image()
        h = max(2, round(img.shape[0] * width / img.shape[1]))
        rel = f"thumbs/{fp[:16]}/{s.idx:05d}.jpg"
        cv2.imwrite(str(store.root / rel), cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA),
                    [cv2.IMWRITE_JPEG_QUALITY, 80])
        s.thumb = rel


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


class Indexer:
    """Indexes files one by one with the stages asked for; stages without weights are skipped.
    Built under the library's writer lock, so scratch files it finds are leftovers of killed runs."""

    def __init__(self, cfg: Config, store: Store, stages: list[str] | None = None,
                 warn: Callable[[str], None] = lambda m: None):
        self.cfg, self.store = cfg, store
        self.scratch = store.root / "scratch"
        sweep(self.scratch)
        self.stages: dict[str, Any] = {}
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
        started = time.perf_counter()
        path = str(Path(path).expanduser().absolute())
        name = Path(path).name
        try:
            fp = fingerprint(path)
        except OSError as exc:
            return Outcome(path, "failed", exc.strerror or str(exc))
        size = Path(path).stat().st_size
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
        timings: dict[str, float] = {}
        asr = self.stages.get("asr") if "asr" in todo else None
        with ThreadPoolExecutor(1) as pool, KeyframeSpool(self.scratch, fp) as spool:
            try:
                t0 = time.perf_counter()
                info = probe(path)
                # ASR reads the audio track on the other core while this one decodes and looks.
                words = pool.submit(timed, asr.transcribe_file, path) if asr and info.has_audio else None
                decoded = decode_pass(path, info, self.cfg, spool, progress)
                timings["decode+scenes"] = time.perf_counter() - t0
            except MediaError as exc:
                self.store.record_failure(Video(fp, path, name, size, status="failed", error=str(exc)))
                return Outcome(path, "failed", str(exc), seconds=time.perf_counter() - started)
            warnings = []
            duration = info.duration or decoded.end
            truncated = bool(info.duration) and decoded.end < TRUNCATION_SLACK * info.duration
            if truncated:
                warnings.append(f"truncated: frames end at {decoded.end:.1f}s of {info.duration:.1f}s")
                duration = decoded.end
            if decoded.corrupt:
                warnings.append(f"{decoded.corrupt} corrupt packets skipped")
            sc = self.cfg.scenes
            scenes = [Scene(i, a, b) for i, (a, b) in
                      enumerate(bound_scenes(decoded.cuts, duration, sc.min_len, sc.max_len))]
            write_thumbs(self.store, fp, scenes, decoded.keyframes, sc.thumb_width)
            if done:
                old = self.store.scenes(existing.id, details=True, vectors=True)
                if len(old) == len(scenes):
                    carry_over(old, scenes, [n for n in done if n in FIELDS and n not in todo])
                else:
                    todo = list(self.stages)   # boundaries moved: nothing old can be reused
            ctx = VideoContext(path, duration, info.has_audio, decoded.keyframes)
            ran = []
            for stage_name in todo:
                progress(stage_name, 0.0)
                t0 = time.perf_counter()
                try:
                    if stage_name == "asr" and words is not None:
                        found, seconds = words.result()
                        assign_words(scenes, found)
                        timings["asr"] = seconds
                    else:
                        self.stages[stage_name].run(ctx, scenes)
                        timings[stage_name] = time.perf_counter() - t0
                    ran.append(stage_name)
                except Exception as exc:  # one broken stage must not lose the others' work
                    warnings.append(f"{stage_name} failed: {type(exc).__name__}: {exc}")
                progress(stage_name, 1.0)
        stages = {k: v for k, v in done.items() if k not in todo} | {"scenes": self.hashes["scenes"]} | \
            {n: self.hashes[n] for n in ran}
        video = Video(fp, path, name, size, duration, info.fps, info.width, info.height, info.has_audio,
                      warnings="; ".join(warnings), config_hash=self.hashes["scenes"], stages=stages)
        self.store.save_video(video, scenes)
        # Stages that read committed rows (summary) run after the commit: saving dropped their rows.
        for stage_name, stage in self.stages.items():
            if hasattr(stage, "after_save"):
                try:
                    stage.after_save(self.store, video.id, lambda d, n, m, s=stage_name: progress(s, d / max(n, 1)))
                except Exception as exc:
                    warnings.append(f"{stage_name} failed: {type(exc).__name__}: {exc}")
                    ran = [n for n in ran if n != stage_name]
        # Partial: the rows are saved, but part of the file or a stage could not be read; a rerun retries.
        partial = truncated or len(ran) < len(todo)
        return Outcome(path, "partial" if partial else "indexed", "; ".join(warnings), len(scenes), duration,
                       time.perf_counter() - started, timings)


def timed(fn: Callable, *args: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    return fn(*args), time.perf_counter() - t0
