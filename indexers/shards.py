"""A long video in time shards, computed in parallel and stitched into what a whole run stores.

Shards are cut at keyframes. Each decodes from `overlap` seconds before its start (so the cut
detector's state, and OCR's "picture unchanged" memory, at its first owned frame are what a
whole run has there) to `overlap` seconds past its end (so a cut near the end is confirmed),
and owns only the cuts, keyframes, OCR lines and detections in [start, end). Keyframes are
sampled in fixed time slots (compute.sample_due), so a shard samples the frames a whole run does.
Speech is heard with the same overlap on both sides; a word belongs to the shard holding its
midpoint, and a word both neighbours heard (same text, overlapping times) is kept once.

The stitch then runs the ordinary assembly (compute.assemble): scenes from all the cuts, the
shards' words, lines and detections placed into them, and the per-scene stages (captions, CLIP,
text embeddings, thumbnails) on the whole video's keyframes.
"""
from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av

from vidrag.config import Config
from vidrag.media import MediaError, VideoInfo, probe
from vidrag.indexers.asr_windows import _same
from vidrag.indexers.compute import Decoded, Job, Progress, Result, assemble, decode_pass, timed
from vidrag.indexers.keyframes import KeyframeSpool

ITEM_STAGES = ("asr", "ocr", "objects")   # per-time output, computed inside each shard


@dataclass
class Shard:
    index: int
    start: float        # owns [start, end)
    end: float
    overlap: float


@dataclass
class ShardPart:
    shard: Shard
    error: str = ""
    info: VideoInfo | None = None
    cuts: list[float] = field(default_factory=list)
    keyframes: list[tuple[float, bytes]] = field(default_factory=list)   # owned, in time order
    end: float = 0.0                 # time after the last decoded frame
    corrupt: int = 0
    items: dict[str, tuple[list, float]] = field(default_factory=dict)   # stage -> (items, seconds)
    seconds: float = 0.0
    failed: dict[str, str] = field(default_factory=dict)   # stage -> its error in this shard


class ShardStageError(RuntimeError):
    """A per-time stage failed in a shard: the stitched video records that stage as failed."""


def _raise(message: str):
    raise ShardStageError(message)


def keyframe_times(path: str) -> list[float]:
    """Times of the video stream's keyframes, from the container's packets (no decoding)."""
    with av.open(path, metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        return [float(p.pts * p.time_base) for p in container.demux(stream)
                if p.is_keyframe and p.pts is not None and p.time_base is not None]


def plan_shards(path: str, duration: float, over_s: float, shard_s: float, overlap: float) -> list[Shard]:
    """No shards for a video up to `over_s` long; else about `shard_s` each, edges at keyframes."""
    if not duration or duration <= over_s:
        return []
    n = max(2, math.ceil(duration / shard_s))
    keys = sorted(set(keyframe_times(path)))
    edges = [0.0]
    for i in range(1, n):
        target = i * duration / n
        later = [k for k in keys if k > edges[-1] + overlap]
        if not later:
            break
        edge = min(later, key=lambda k: abs(k - target))
        if edge < duration - overlap:
            edges.append(edge)
    edges.append(math.inf)
    return [Shard(i, a, b, overlap) for i, (a, b) in enumerate(zip(edges, edges[1:]))]


def compute_shard(job: Job, shard: Shard, cfg: Config, stages: dict[str, Any], scratch: Path,
                  progress: Progress = lambda s, f: None) -> ShardPart:
    """Decode one shard, and run the per-time stages (ASR, OCR, objects) on what it owns."""
    started = time.perf_counter()
    asr = stages.get("asr") if "asr" in job.todo else None
    with ThreadPoolExecutor(1) as pool, KeyframeSpool(scratch, f"{job.fingerprint}-{shard.index}") as spool:
        try:
            info = probe(job.path)
            words = (pool.submit(timed, asr.transcribe_range, job.path, shard.start, shard.end, shard.overlap)
                     if asr and info.has_audio else None)
            seek = shard.start - shard.overlap if shard.start > 0 else None
            decoded = decode_pass(job.path, info, cfg, spool, progress, shard.start, shard.end, seek,
                                  shard.end + shard.overlap)
        except MediaError as exc:
            return ShardPart(shard, error=str(exc))
        items, failed = {}, {}
        calls = {"ocr": lambda: timed(stages["ocr"].read_lines, decoded.keyframes, shard.start),
                 "objects": lambda: timed(stages["objects"].detect_all, decoded.keyframes, shard.start),
                 "asr": lambda: words.result()}
        for name in ("ocr", "objects", "asr"):   # speech last: it is heard on the other thread meanwhile
            if name in job.todo and name in stages and (name != "asr" or words is not None):
                try:   # one broken stage must not lose the others' work, as in a whole run
                    items[name] = calls[name]()
                except Exception as exc:
                    failed[name] = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"
        owned = [(k.t, k.jpeg()) for k in decoded.keyframes if k.t >= shard.start]
    return ShardPart(shard, "", info, decoded.cuts, owned, decoded.end, decoded.corrupt, items,
                     time.perf_counter() - started, failed)


def stitch_words(parts: list[list]) -> list:
    out: list = []
    for words in parts:
        for w in words:
            if not (out and _same(out[-1], w)):
                out.append(w)
    return out


def merge_shards(job: Job, cfg: Config, stages: dict[str, Any], scratch: Path, parts: list[ShardPart],
                 progress: Progress = lambda s, f: None) -> Result:
    """One Result from a video's shards, as compute.compute would have made it."""
    started = time.perf_counter()
    parts = sorted(parts, key=lambda p: p.shard.index)
    failed = next((p for p in parts if p.error), None)
    if failed is not None:
        return Result(job, error=failed.error)
    with KeyframeSpool(scratch, job.fingerprint) as spool:
        for part in parts:
            for t, jpeg in part.keyframes:
                spool.add(t, jpeg)
        decoded = Decoded(parts[0].info, sorted(c for p in parts for c in p.cuts), spool.keyframes,
                          parts[-1].end, sum(p.corrupt for p in parts))
        items = {}
        for name in ITEM_STAGES:
            broken = [f"shard {p.shard.index}: {p.failed[name]}" for p in parts if name in p.failed]
            if broken:   # assemble records the stage as failed (a warning), so the video is partial
                items[name] = lambda m="; ".join(broken): _raise(m)
            elif all(name in p.items for p in parts):
                found = [p.items[name][0] for p in parts]
                stitched = stitch_words(found) if name == "asr" else [x for f in found for x in f]
                seconds = sum(p.items[name][1] for p in parts)
                items[name] = lambda v=(stitched, seconds): v
        result = assemble(job, cfg, stages, decoded, items, progress)
    result.timings = {"shards": sum(p.seconds for p in parts), **result.timings}
    result.seconds = max(p.seconds for p in parts) + time.perf_counter() - started
    return result
