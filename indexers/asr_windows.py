"""Speech in windows: a long audio track is transcribed a few minutes at a time.

Whole-track transcription held the decoded track (16 kHz float32: 691 MB at 3 h) and the
model's features of all of it at once, so memory grew with a video's length. Here the track
streams in; each window ends at the quietest moment of the 20 s before the next multiple of its
length on the track's timeline (a pause, so a seam rarely falls inside a word; fixed multiples,
so a shard of a long video finds the seams a whole run has) and runs `pad` seconds past it, and the next one starts `pad`
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


def windows(blocks: Iterable[np.ndarray], rate: int, length: float, pad: float, origin: int = 0,
            until: float = math.inf) -> Iterator[tuple[float, np.ndarray, float, float]]:
    """Yield (offset s, samples, keep_from s, keep_to s) per window: samples start at `offset`;
    the window owns the words whose midpoint is in [keep_from, keep_to).

    Seam k goes at the quietest point of the `search` seconds before k * `length` on the track's
    own timeline (not after the previous seam), so it depends only on the audio there: a shard of
    a long video whose `blocks` begin at absolute sample `origin` places every seam it can see
    where a whole run does, and yields the same windows from its first whole one on. `until`
    (seconds): stop after the window that owns that moment."""
    target = int(length * rate) if math.isfinite(length) else sys.maxsize   # inf: the whole track at once
    padn = int(pad * rate)
    search = _search(target, rate)
    if origin <= 0:
        origin, k, keep_from = 0, 1, 0
    else:                                       # the first seam whose search stretch and pad we hold
        k, keep_from = -(-(origin + search + padn) // target), None
    buf = np.zeros(0, np.float32)               # buf[0] is absolute sample `origin`
    pending: list[np.ndarray] = []
    have = 0
    for block in blocks:
        pending.append(block)
        have += len(block)
        if origin + len(buf) + have < k * target + padn:
            continue
        buf = np.concatenate([buf, *pending])
        pending, have = [], 0
        while origin + len(buf) >= k * target + padn:
            lo = k * target - search - origin
            seam = origin + lo + quietest(buf[lo:lo + search], rate)
            if keep_from is not None:
                yield origin / rate, buf[:seam + padn - origin], keep_from / rate, seam / rate
                if seam / rate >= until:
                    return
            start = max(origin, seam - padn)
            buf = buf[start - origin:].copy()   # a copy: the window's samples can be freed
            origin, keep_from, k = start, seam, k + 1
    if pending:
        buf = np.concatenate([buf, *pending])
    if keep_from is not None and origin + len(buf) > keep_from:
        yield origin / rate, buf, keep_from / rate, math.inf


def _search(target: int, rate: int) -> int:
    """Samples before each seam's mark searched for its quietest point: 20 s, or a quarter window
    (so a window, at most length + search + 2 pad, stays near its length)."""
    return min(int(20 * rate), target // 4)


def first_window_sample(start: float, rate: int, length: float, pad: float) -> int:
    """Where a shard starting at `start` s must begin reading audio (a sample index) to hold the
    whole-run window that owns `start`: the search stretch and pad of the seam before it."""
    if not math.isfinite(length):
        return 0
    target, padn = int(length * rate), int(pad * rate)
    search = _search(target, rate)
    m = int(start * rate) // target   # that window's first seam is seam m (none for m = 0)
    return max(0, m * target - search - padn) if m >= 1 else 0


def _same(a: Word, b: Word) -> bool:
    norm = lambda w: re.sub(r"\W+", "", w.text.lower())
    return norm(a) == norm(b) and b.start < a.end


def transcribe_windows(transcribe: Callable[[np.ndarray], list[Word]], blocks: Iterable[np.ndarray],
                       rate: int, length: float, pad: float, origin: int = 0, until: float = math.inf) -> list[Word]:
    """Words of the whole track, with track times, transcribed one window at a time (with
    `origin`/`until`, see windows(): the whole-run windows from the one holding `origin`)."""
    out: list[Word] = []
    for offset, samples, keep_from, keep_to in windows(blocks, rate, length, pad, origin, until):
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
