"""The disk-full row of `vidrag bench reliability`: the library's disk fills while a video commits.

The library's database goes on a small tmpfs mounted in a private mount namespace (`unshare`,
as root or through a user namespace), its thumbnails and scratch folders linked to a roomy disk,
and the tmpfs filled to a few pages short of what the commit needs: the write that fails is the
commit's (a real ENOSPC). Where no namespace can be made, every file the indexer writes is
capped with RLIMIT_FSIZE instead, which the keyframe spool meets before the commit does.
Either way the library must stay as it was, the message be one line, and a rerun complete.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

from vidrag.eval.reliability_faults import check, digests, run_index, vidrag_argv
from vidrag.store import Store
from vidrag.store_audit import library_digest

SLACK = 8 << 10            # free bytes left for the commit: two pages, far less than a video's rows
OPEN_COST = 40 << 10       # what opening the library takes on that disk: SQLite's 32 KiB -shm, the lock


def _namespace() -> list[str] | None:
    """The unshare command that gives a private mount namespace here, if any does."""
    if not shutil.which("unshare") or not shutil.which("mount"):
        return None
    for cmd in (["unshare", "-m"], ["unshare", "-rm"]):
        if subprocess.run([*cmd, "true"], capture_output=True).returncode == 0:
            return cmd
    return None


def _digest(library: Path) -> str:
    store = Store(library)
    try:
        return library_digest(store)
    finally:
        store.close()


def _attempt(argv: Callable[..., list[str]], library: Path, clip: Path, fill: Callable[[], None],
             preexec: Callable[[], None] | None = None) -> dict:
    """Index `clip` with the disk filled, then with the space freed; what a user would see."""
    before = _digest(library)
    fill()
    rc, err, _ = run_index(argv, library, [clip], preexec=preexec)
    unchanged = _digest(library) == before
    message = [l for l in err.splitlines() if l.startswith("failed")]
    for filler in library.glob("filler"):
        filler.unlink()
    rerun_rc, rerun_err, _ = run_index(argv, library, [clip])
    return {"exit": rc, "message": message[0] if len(message) == 1 else " | ".join(message), "unchanged": unchanged,
            "tracebacks": ("Traceback" in err) + ("Traceback" in rerun_err), "rerun_exit": rerun_rc,
            "videos": len(digests(library)), "audit": check(library)}


def inner(roomy: str, small: str, clip: str, out: str, config: str) -> None:
    """Run inside the namespace: mount the tmpfs, move the database onto it, fill it, index."""
    roomy_p, small_p = Path(roomy), Path(small)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", small], check=True)
    shutil.copy(roomy_p / "library.db", small_p / "library.db")
    for folder in ("thumbs", "scratch"):
        (roomy_p / folder).mkdir(exist_ok=True)
        (small_p / folder).symlink_to(roomy_p / folder)

    def fill() -> None:
        st = os.statvfs(small)
        free = st.f_bavail * st.f_frsize
        (small_p / "filler").write_bytes(b"\0" * max(0, free - OPEN_COST - SLACK))

    result = _attempt(vidrag_argv(config or None), small_p, Path(clip), fill)
    Path(out).write_text(json.dumps(result))


def _capped(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # write() fails with EFBIG instead of a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def disk_full(argv: Callable[..., list[str]], clips: list[Path], work: Path, config: str | None,
              log: Callable[[str], None]) -> dict:
    """Index all but the last clip, then the last one onto a full disk, then again with space."""
    library = work / "disk-full"
    rc, err, _ = run_index(argv, library, clips[:-1])
    if rc != 0:
        raise ValueError(f"the disk-full library does not index cleanly (exit {rc}): {err.strip()[-300:]}")
    store = Store(library)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")   # all rows in library.db, the WAL empty
    store.close()
    unshare = _namespace()
    if unshare:
        log(f"disk full: {clips[-1].name} onto a full tmpfs ({' '.join(unshare)})")
        small, out = work / "disk-full-tmpfs", work / "disk-full.json"
        small.mkdir()
        done = subprocess.run([*unshare, sys.executable, "-m", "vidrag.eval.reliability_disk", str(library),
                               str(small), str(clips[-1]), str(out), config or ""], capture_output=True, text=True)
        if done.returncode != 0 or not out.exists():
            raise ValueError(f"the disk-full check failed to run: {done.stderr.strip()[-300:]}")
        result = json.loads(out.read_text()) | {"how": f"database on a full tmpfs, {SLACK >> 10} KiB free"}
    else:
        log(f"disk full: {clips[-1].name} with every file capped at 48 KiB (RLIMIT_FSIZE)")
        result = _attempt(argv, library, clips[-1], lambda: None, _capped(48 << 10))
        result["how"] = "RLIMIT_FSIZE 48 KiB on every file (no mount namespace here)"
    return result | {"expected": len(clips), "lost": len(clips) - result["videos"]}


if __name__ == "__main__":
    inner(*sys.argv[1:6])
