"""`vidrag bench memory`: peak memory and real-time factor of indexing videos of several lengths.

The long videos are the sample footage, once transcoded to one 10-minute 640x360 clip, then
looped by stream copy into ~/.cache/vidrag/long/ (cheap to build, never in the repository).
Each length is indexed by `vidrag bench index` in its own process, since a process's peak
resident memory only ever grows.
"""
from __future__ import annotations

import json
import math
from fractions import Fraction
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import av
import numpy as np

from vidrag.eval.bench import machine
from vidrag.media import decode_audio, decode_frames, mux_mono_audio
from vidrag.samples import cache_dir, fetch_samples

BASE_S = 600.0   # the clip that is looped
FPS = 25
# In order, each until the clip is full: speech-like audio (sung vocals, a trailer's narration)
# comes first, since bbb.mp4 alone is music that voice detection hands to whisper almost none of.
PARTS = ("demo.mp4", "trailer_bbb.mp4", "bikes.mp4", "bbb.mp4")


def _base_clip(folder: Path, log: Callable[[str], None]) -> Path:
    path = folder / "base_10min.mp4"
    if path.exists():
        return path
    samples = fetch_samples(names=PARTS, log=log)
    log(f"building {path} from {', '.join(PARTS)} (once)")
    part = path.with_suffix(".part.mp4")
    audio: list[np.ndarray] = []
    with av.open(str(part), "w") as out:
        vs = out.add_stream("libx264", rate=FPS, options={"preset": "veryfast", "crf": "23"})
        vs.width, vs.height, vs.pix_fmt = 640, 360, "yuv420p"
        aus = out.add_stream("aac", rate=16000)
        n = 0
        for name in PARTS:
            start, t = n, 0.0
            for t, frame in decode_frames(samples[name], reference_only=False):
                while n < BASE_S * FPS and (n - start) / FPS <= t:   # resample to FPS by time
                    img = frame.reformat(width=640, height=360, format="yuv420p")
                    img.pts, img.time_base = n, Fraction(1, FPS)
                    for p in vs.encode(img):
                        out.mux(p)
                    n += 1
            track = np.zeros(int((n - start) / FPS * 16000), np.float32)   # silence where a part has none
            sound = decode_audio(samples[name])[: len(track)]
            track[: len(sound)] = sound
            audio.append(track)
            if n >= BASE_S * FPS:
                break
        for p in vs.encode():
            out.mux(p)
        # a little short of the video, so each loop's audio ends before the next one starts
        mux_mono_audio(out, aus, np.concatenate(audio)[: int((BASE_S - 0.5) * 16000)])
    part.rename(path)
    return path


def long_video(minutes: float, log: Callable[[str], None] = print) -> Path:
    """The sample footage looped to `minutes` (cached)."""
    folder = cache_dir() / "long"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"samples_{minutes:g}min.mp4"
    if path.exists():
        return path
    base = _base_clip(folder, log)
    log(f"building {path}")
    part = path.with_suffix(".part.mp4")
    end = minutes * 60
    with av.open(str(part), "w") as out:
        for loop in range(math.ceil(end / BASE_S)):
            with av.open(str(base)) as src:
                if loop == 0:
                    streams = {s.index: out.add_stream_from_template(s) for s in src.streams if s.type in ("video", "audio")}
                for packet in src.demux(*[s for s in src.streams if s.index in streams]):
                    if packet.dts is None or packet.pts is None:
                        continue   # the demuxer's end-of-stream marker
                    shift = round(loop * BASE_S / packet.time_base)
                    if (packet.pts + shift) * packet.time_base >= end:
                        continue
                    packet.pts += shift
                    packet.dts += shift
                    packet.stream = streams[packet.stream.index]
                    out.mux(packet)
    part.rename(path)
    return path


def bench_memory(minutes: list[float], config: str | None = None, profile: str | None = None,
                 log: Callable[[str], None] = print) -> dict[str, Any]:
    if not minutes or any(not 1 <= m <= 600 for m in minutes):
        raise ValueError("lengths are given in minutes, from 1 to 600")
    rows = []
    for m in minutes:
        video = long_video(m, log)
        cmd = [str(Path(sys.executable).parent / "vidrag"), "bench", "index", str(video), "--json"]
        cmd += ["--config", config] if config else []
        cmd += ["--profile", profile] if profile else []
        log(f"indexing {video.name} in a fresh process")
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(f"vidrag bench index {video.name} failed: {done.stderr.strip().splitlines()[-1:]}")
        result = json.loads(done.stdout)
        v = result["videos"][0]
        rows.append({"minutes": m, "video": str(video), "status": v["status"], "duration_s": v["duration_s"],
                     "scenes": v["scenes"], "wall_s": v["wall_s"], "x_real_time": v["x_real_time"],
                     "peak_rss_mb": result["peak_rss_mb"],
                     "stages_s": {k: s["seconds"] for k, s in v["stages"].items()}})
        log(f"{m:g} min: {v['x_real_time']}x real time, peak {result['peak_rss_mb']:.0f} MiB")
    return {"benchmark": "memory", **machine(), "rows": rows}
