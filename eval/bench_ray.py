"""`vidrag bench index --ray`: the same videos indexed locally and on Ray, and the rate at which
the driver (the one writer) commits rows: what an N-node cluster can expect, and where the
single writer becomes the bottleneck."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from vidrag.config import Config
from vidrag.eval.bench import machine, zipf_words
from vidrag.library import Library
from vidrag.records import Detection, OcrLine, Scene, Video, Word
from vidrag.store import Store

SAMPLES = ("bbb.mp4", "demo.mp4", "trailer_bbb.mp4", "bikes.mp4")


def run_once(paths: list[str], cfg: Config, ray: str | None, log: Callable[[str], None]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="vidrag-bench-") as tmp:
        cfg.library = tmp
        with Library(config=cfg) as lib:
            t0 = time.perf_counter()
            outcomes = lib.index(paths, ray=ray, note=log, warn=log)
            wall = time.perf_counter() - t0
    duration = sum(o.duration for o in outcomes)
    stages: dict[str, float] = {}
    for o in outcomes:
        for name, sec in o.timings.items():
            stages[name] = stages.get(name, 0.0) + sec
    return {"wall_s": round(wall, 1), "video_s": round(duration, 1),
            "x_real_time": round(duration / wall, 2) if wall else None,
            "statuses": sorted({o.status for o in outcomes}),
            # seconds of work per second of video, per stage (summed over the videos)
            "stage_s_per_video_s": {k: round(v / duration, 4) for k, v in stages.items()} if duration else {}}


def commit_rate(hours: int = 3, scene_s: float = 10.0, dim: int = 384) -> dict[str, Any]:
    """Commit real-sized one-hour videos (scenes with words, OCR lines, detections, a vector)
    through Store.save_video, as the driver does, and time the transactions."""
    rng = np.random.default_rng(0)
    vocab, p = zipf_words()
    rows, seconds = 0, 0.0
    with tempfile.TemporaryDirectory(prefix="vidrag-bench-") as tmp:
        store = Store(tmp)
        for h in range(hours):
            scenes = []
            for i in range(int(3600 / scene_s)):
                t0 = i * scene_s
                said = rng.choice(vocab, size=25, p=p)
                vec = rng.normal(size=dim).astype(np.float32)
                scenes.append(Scene(i, t0, t0 + scene_s, transcript=" ".join(said), ocr_text="EXIT 12",
                                    words=[Word(t0 + j * 0.4, t0 + j * 0.4 + 0.3, str(w)) for j, w in enumerate(said)],
                                    ocr_lines=[OcrLine(t0 + 1, "EXIT 12", 0.9, [1, 2, 3, 4])] * 2,
                                    detections=[Detection(t0 + 2 * k, "person", 0.8, [1, 2, 3, 4]) for k in range(5)],
                                    objects="1 person", vectors={"text": vec / np.linalg.norm(vec)}))
            n = sum(1 + len(s.words) + len(s.ocr_lines) + len(s.detections) + len(s.vectors) + 1 for s in scenes)
            t = time.perf_counter()
            store.save_video(Video(f"bench{h:04d}", f"/bench/hour{h}.mp4", f"hour{h}.mp4", duration=3600.0), scenes)
            seconds += time.perf_counter() - t
            rows += n
        store.close()
    return {"video_hours": hours, "rows": rows, "rows_per_video_hour": rows // hours, "seconds": round(seconds, 3),
            "rows_per_s": round(rows / seconds), "video_hours_per_s": round(hours / seconds, 2)}


def bench_index_ray(paths: list[str] | None, cfg: Config, address: str, log: Callable[[str], None] = print
                    ) -> dict[str, Any]:
    from vidrag.indexers.ray_driver import connect
    if not paths:
        from vidrag.samples import fetch_samples
        found = fetch_samples(names=SAMPLES, log=log)
        paths = [str(found[n]) for n in SAMPLES]
    log(f"local run of {len(paths)} videos")
    local = run_once(paths, cfg, None, log)
    t0 = time.perf_counter()
    info = connect(address)
    started = time.perf_counter() - t0
    log(f"Ray run ({info.describe()})")
    on_ray = run_once(paths, cfg, address, log)
    log("commit rate of the one writer")
    commits = commit_rate()
    return {"benchmark": "index --ray", **machine(), "videos": [Path(p).name for p in paths],
            "cluster": {"nodes": info.nodes, "cpus": info.cpus, "gpus": info.gpus, "connect_s": round(started, 1)},
            "local": local, "ray": on_ray,
            "ray_vs_local": round(local["wall_s"] / on_ray["wall_s"], 2) if on_ray["wall_s"] else None,
            "commit": commits}
