"""Keyframes of the video being indexed, spilled to the library's scratch folder as they decode.

The visual stages read them after the decode pass, so they must outlive it; held in memory (one
640 px JPEG a second, ~540 MB at 3 h) they made peak memory grow with a video's length. On disk
they cost a sequential write and reads the page cache mostly serves.

The spool file is not library state: it is deleted when the video is done, whatever happened;
one left by a killed run is named for its video, so a rerun overwrites it, and `sweep` clears
what no rerun will (call it holding the library's writer lock).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

SUFFIX = ".keyframes"


@dataclass(frozen=True, slots=True)
class Keyframe:
    t: float
    offset: int
    size: int
    spool: "KeyframeSpool"

    def jpeg(self) -> bytes:
        return self.spool.read(self.offset, self.size)

    def image(self) -> np.ndarray:
        return cv2.imdecode(np.frombuffer(self.jpeg(), np.uint8), cv2.IMREAD_COLOR)


class KeyframeSpool:
    """An append-only file of JPEG keyframes and their times, in time order."""

    def __init__(self, folder: Path, name: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{name}{SUFFIX}"
        self.file = self.path.open("w+b")   # truncates what a killed run of this video left
        self.keyframes: list[Keyframe] = []
        self._end = 0
        self._dirty = False

    def add(self, t: float, jpeg: bytes | np.ndarray) -> None:
        size = self.file.write(jpeg)
        self.keyframes.append(Keyframe(t, self._end, size, self))
        self._end += size
        self._dirty = True

    def read(self, offset: int, size: int) -> bytes:
        if self._dirty:
            self.file.flush()
            self._dirty = False
        return os.pread(self.file.fileno(), size, offset)

    def close(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> "KeyframeSpool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sweep(folder: Path) -> None:
    """Delete spool files killed runs left behind."""
    for leftover in folder.glob(f"*{SUFFIX}"):
        leftover.unlink(missing_ok=True)
