"""Scene cuts with PySceneDetect's detectors fed from our own single decode pass, then bounded.

Retrieval works on scenes, so every scene is kept between min_len and max_len seconds: short
ones merge into a neighbour, long ones split evenly.
"""
from __future__ import annotations

import math

import numpy as np
from scenedetect.common import FrameTimecode
from scenedetect.detectors import AdaptiveDetector, ContentDetector

from vidrag.config import ScenesConfig


class CutDetector:
    """Feeds small BGR frames to a PySceneDetect detector and collects cut times in seconds."""

    def __init__(self, cfg: ScenesConfig, fps: float):
        self.fps = float(fps or 25.0)
        min_frames = max(1, int(self.fps * 0.5))
        if cfg.detector == "content":
            kwargs = {"threshold": cfg.threshold} if cfg.threshold > 0 else {}
            self.detector = ContentDetector(min_scene_len=min_frames, **kwargs)
        elif cfg.detector == "adaptive":
            kwargs = {"adaptive_threshold": cfg.threshold} if cfg.threshold > 0 else {}
            self.detector = AdaptiveDetector(min_scene_len=min_frames, **kwargs)
        else:
            raise ValueError(f"unknown scene detector '{cfg.detector}' (adaptive or content)")
        self.cuts: list[float] = []
        self._frame = 0

    def feed(self, t: float, bgr: np.ndarray) -> None:
        # Frame numbers come from the timestamp so variable frame rates and skipped corrupt
        # frames keep cuts at the right time.
        self._frame = max(self._frame + 1, int(round(t * self.fps)))
        tc = FrameTimecode(self._frame, fps=self.fps)
        self.cuts.extend(c.seconds for c in self.detector.process_frame(tc, bgr))

    def finish(self) -> list[float]:
        tc = FrameTimecode(self._frame, fps=self.fps)
        self.cuts.extend(c.seconds for c in self.detector.post_process(tc))
        return sorted(set(self.cuts))


def bound_scenes(cuts: list[float], duration: float, min_len: float, max_len: float
                 ) -> list[tuple[float, float]]:
    """Turn cut times into (start, end) scenes, each within [min_len, max_len] where possible."""
    if duration <= 0:
        return []
    edges = [0.0] + [c for c in sorted(cuts) if 0.0 < c < duration] + [duration]
    scenes = [(a, b) for a, b in zip(edges, edges[1:]) if b > a]
    merged: list[tuple[float, float]] = []
    for start, end in scenes:
        if merged and (end - start < min_len or merged[-1][1] - merged[-1][0] < min_len):
            merged[-1] = (merged[-1][0], end)  # short scene joins the one before it
        else:
            merged.append((start, end))
    out: list[tuple[float, float]] = []
    for start, end in merged:
        parts = max(1, math.ceil((end - start) / max_len - 1e-9))
        step = (end - start) / parts
        out.extend((start + i * step, start + (i + 1) * step) for i in range(parts))
    return [(round(a, 3), round(b, 3)) for a, b in out]
