"""Speech in windows: a long audio track is transcribed a few minutes at a time.

Whole-track transcription held the decoded track (16 kHz float32: 691 MB at 3 h) and the
model's features of all of it at once, so memory grew with a video's length. Here the track
streams in; each window ends at the quietest moment near its target length (a pause, so a seam
rarely falls inside a word) and runs `pad` seconds past it, and the next one starts `pad`
before it, so a word at a seam is heard whole by both windows. Each window keeps only the words
whose midpoint lies on its side of the seam, and a word both windows kept (same text, times
overlapping) is kept once.
"""
from __future__ import annotations

import ctypes
import math
import re
import sys
from typing import Callable, Iterable, Iterator

import numpy as np

from vidrag.records import Word

FRAME_S = 0.05    # energy is measured over 50 ms frames...
SMOOTH = 5        # ...averaged over 250 ms, so a pause between words or sentences is the minimum


def quietest(samples: np.ndarray, rate: int) -> int:
    """Index of the middle of the quietest stretch of `samples`."""
    n = max(1, int(rate * FRAME_S))
    frames = len(samples) // n
    if frames < SMOOTH:
        return len(samples) // 2
    energy = np.square(samples[:frames * n].reshape(frames, n)).mean(1)
    smooth = np.convolve(energy, np.ones(SMOOTH) / SMOOTH, mode="valid")
    return (int(np.argmin(smooth)) + SMOOTH // 2) * n + n // 2


def windows(blocks: Iterable[np.ndarray], rate: int, length: float, pad: float
            ) -> Iterator[tuple[float, np.ndarray, float, float]]:
    """Yield (offset s, samples, keep_from s, keep_to s) per window: samples start at `offset`;
    the window owns the words whose midpoint is in [keep_from, keep_to)."""
    target = int(length * rate) if math.isfinite(length) else sys.maxsize   # inf: the whole track at once
    padn = int(pad * rate)
    search = min(int(20 * rate), target // 2)   # the seam goes at the quietest point of the last 20 s
    origin, keep_from = 0, 0                    # absolute sample indexes: buf[0], and the last seam
    buf = np.zeros(0, np.float32)
    pending: list[np.ndarray] = []
    have = 0
    for block in blocks:
        pending.append(block)
        have += len(block)
        if origin + len(buf) + have < keep_from + target + padn:
            continue
        buf = np.concatenate([buf, *pending])
        pending, have = [], 0
        while origin + len(buf) >= keep_from + target + padn:
            lo = keep_from + target - search - origin
            seam = origin + lo + quietest(buf[lo:lo + search], rate)
            yield origin / rate, buf[:seam + padn - origin], keep_from / rate, seam / rate
            start = max(origin, seam - padn)
            buf = buf[start - origin:].copy()   # a copy: the window's samples can be freed
            origin, keep_from = start, seam
    if pending:
        buf = np.concatenate([buf, *pending])
    if origin + len(buf) > keep_from:
        yield origin / rate, buf, keep_from / rate, math.inf


def _same(a: Word, b: Word) -> bool:
    norm = lambda w: re.sub(r"\W+", "", w.text.lower())
    return norm(a) == norm(b) and b.start < a.end


def transcribe_windows(transcribe: Callable[[np.ndarray], list[Word]], blocks: Iterable[np.ndarray],
                       rate: int, length: float, pad: float) -> list[Word]:
    """Words of the whole track, with track times, transcribed one window at a time."""
    out: list[Word] = []
    for offset, samples, keep_from, keep_to in windows(blocks, rate, length, pad):
        if len(samples) < rate // 4:
            continue   # too short to hold a word
        for w in transcribe(samples):
            w = Word(round(w.start + offset, 2), round(w.end + offset, 2), w.text, w.prob)
            if keep_from <= (w.start + w.end) / 2 < keep_to and not (out and _same(out[-1], w)):
                out.append(w)
    release_freed_memory()
    return out


def release_freed_memory() -> None:
    """glibc keeps what the windows' buffers freed (each under its mmap threshold) in the thread's
    arena: ~200 MB measured after a 20-minute track, held through every later stage. Hand it back
    to the OS; elsewhere (no malloc_trim) there is nothing to do."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
