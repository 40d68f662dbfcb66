"""`vidrag bench index`: index into a fresh temporary library, report real-time factors and memory."""
from __future__ import annotations

import os
import platform
import resource
import tempfile
import time
from typing import Any, Callable

from vidrag.config import Config
from vidrag.library import Library


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def machine() -> dict[str, Any]:
    return {"cores": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version()}


def bench_index(paths: list[str] | None, cfg: Config, log: Callable[[str], None] = print) -> dict[str, Any]:
    if not paths:
        from vidrag.samples import fetch_samples
        paths = [str(fetch_samples(names=("bbb.mp4",), log=log)["bbb.mp4"])]
    rows = []
    with tempfile.TemporaryDirectory(prefix="vidrag-bench-") as tmp:
        cfg.library = tmp
        with Library(config=cfg) as lib:
            for path in paths:
                log(f"indexing {path}")
                t0 = time.perf_counter()
                outcome = lib.index([path])[0]
                wall = time.perf_counter() - t0
                stages = {name: {"seconds": round(sec, 2),
                                 "x_real_time": round(outcome.duration / sec, 1) if sec else None}
                          for name, sec in outcome.timings.items()}
                rows.append({"video": os.path.basename(path), "status": outcome.status,
                             "message": outcome.message, "duration_s": round(outcome.duration, 1),
                             "scenes": outcome.scenes, "wall_s": round(wall, 2),
                             "x_real_time": round(outcome.duration / wall, 1) if wall else None,
                             "stages": stages})
    return {"benchmark": "index", **machine(), "profile": cfg.profile, "videos": rows,
            "peak_rss_mb": round(peak_rss_mb(), 1)}
