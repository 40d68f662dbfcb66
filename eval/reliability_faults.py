"""The kill -9 soak of `vidrag bench reliability`, and the helpers every row shares: run a real
`vidrag index`, audit a library, and tell which videos it holds.
"""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Callable

from vidrag.store import Store
from vidrag.store_audit import audit, problems, video_digests

Log = Callable[[str], None]


def vidrag_argv(config: str | None) -> Callable[..., list[str]]:
    """argv for a `vidrag` command in a fresh process of this Python, with the bench's config."""
    return lambda *args: [sys.executable, "-m", "vidrag.cli", *args, *(["--config", config] if config else [])]


def run_index(argv: Callable[..., list[str]], library: Path, paths: list[Path], timeout: float = 1800,
              preexec: Callable[[], None] | None = None) -> tuple[int, str, float]:
    """`vidrag index` to the end: (exit code, stderr, seconds)."""
    t0 = time.perf_counter()
    done = subprocess.run(argv("index", "--library", str(library), *map(str, paths)), capture_output=True,
                          text=True, timeout=timeout, preexec_fn=preexec)
    return done.returncode, done.stderr, time.perf_counter() - t0


def digests(library: Path) -> dict[str, tuple]:
    """The indexed videos: fingerprint -> (status, scenes, digest of their rows)."""
    store = Store(library)
    try:
        return {fp: d for fp, d in video_digests(store).items() if d[0] == "indexed"}
    finally:
        store.close()


def check(library: Path) -> dict:
    """The library's audit, with the problems it found under "problems"."""
    store = Store(library)
    try:
        report = audit(store)
        return report | {"problems": problems(report)}
    finally:
        store.close()


def forget_all(library: Path) -> None:
    """Remove every video (the product's own `remove`), so the next run has the whole batch to do."""
    store = Store(library)
    try:
        for v in store.videos():
            store.remove_video(v)
    finally:
        store.close()


def soak(argv: Callable[..., list[str]], clips: list[Path], work: Path, kills: int, seed: int, log: Log) -> dict:
    library, rng = work / "soak", random.Random(seed)
    rc, err, full = run_index(argv, library, clips)
    expected = digests(library)
    if rc != 0 or len(expected) != len(clips):
        raise ValueError(f"the soak batch does not index cleanly (exit {rc}): {err.strip()[-300:]}")
    log(f"soak: the batch indexes in {full:.0f} s; now {kills} kills at random moments in it")
    forget_all(library)
    delivered, cycles, lost, tracebacks, found = 0, 0, 0, 0, []
    moments: Counter = Counter()     # videos committed by the killed run before the kill
    while delivered < kills and cycles < 3 * kills + 3:
        cycles += 1
        before = digests(library)
        with tempfile.TemporaryFile() as errors:
            proc = subprocess.Popen(argv("index", "--library", str(library), *map(str, clips)),
                                    stdout=subprocess.DEVNULL, stderr=errors)
            try:
                proc.wait(rng.uniform(0, full))
                killed = False
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed = True
            errors.seek(0)
            tracebacks += b"Traceback" in errors.read()
        after = digests(library)
        lost += sum(after.get(fp) != d for fp, d in before.items())
        found += check(library)["problems"]
        if killed:
            delivered += 1
            moments[len(after) - len(before)] += 1
            log(f"soak: kill {delivered}/{kills}: {len(after)}/{len(clips)} videos in the library")
        elif len(after) == len(clips):   # the run finished first: start the batch over
            lost += sum(after.get(fp, (0, -1))[1] != d[1] for fp, d in expected.items())
            forget_all(library)
    rc, err, _ = run_index(argv, library, clips)
    final = digests(library)
    tracebacks += "Traceback" in err
    lost += sum(final.get(fp, (0, -1))[1] != d[1] for fp, d in expected.items())
    report = check(library)
    found += report["problems"]
    return {"kills": delivered, "runs": cycles + 2, "batch_s": round(full, 1), "rerun_exit": rc,
            "committed_by_killed_run": dict(sorted(moments.items())), "lost": lost, "problems": found,
            "tracebacks": tracebacks, "videos": len(final), "expected": len(expected), "audit": report}
