"""Media for `vidrag bench reliability`: short clips cut from the samples, and broken files
mutated from them (byte flips, truncations, a swapped header, an empty moov, a huge declared
duration, a stream with no frames). Everything is written under a cache or temporary folder.
"""
from __future__ import annotations

import random
import struct
from pathlib import Path
from typing import Callable

import av
import numpy as np

from vidrag.eval.needle import FPS, frames_of
from vidrag.media import decode_audio, mux_mono_audio

# (sample, start s, seconds): the batch the soak and the readers index, and the fuzz sources.
BATCH = (("trailer_bbb.mp4", 8.0, 12.0), ("demo.mp4", 20.0, 12.0), ("bbb.mp4", 60.0, 12.0))
SEED_CLIP = ("bikes.mp4", 0.0, 6.0)       # in the readers' library before the batch starts
FUZZ_SOURCES = (("trailer_bbb.mp4", 30.0, 3.0), ("demo.mp4", 40.0, 3.0), ("bikes.mp4", 2.0, 3.0),
                ("bbb.mp4", 120.0, 3.0))
MUTATIONS = ("flip", "truncate", "swap_header", "empty_moov", "huge_duration", "no_frames")
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"udta"}


def cut_clip(sample: Path, start: float, seconds: float, out: Path, faststart: bool = False) -> Path:
    """A few seconds of a sample re-encoded at 640x360, with its audio (16 kHz mono) if it has any."""
    if out.exists():
        return out
    with av.open(str(sample)) as c:
        has_audio = bool(c.streams.audio)
    audio = decode_audio(sample)[int(start * 16000):int((start + seconds) * 16000)] if has_audio else None
    part = out.with_name(f".{out.stem}.part{out.suffix}")
    with av.open(str(part), "w", options={"movflags": "faststart"} if faststart else {}) as o:
        vs = o.add_stream("libx264", rate=FPS, options={"preset": "veryfast", "crf": "28"})
        vs.width, vs.height, vs.pix_fmt = 640, 360, "yuv420p"
        aus = o.add_stream("aac", rate=16000) if audio is not None and len(audio) else None
        for img in frames_of(sample, start, seconds):
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                o.mux(p)
        for p in vs.encode():
            o.mux(p)
        if aus is not None:
            mux_mono_audio(o, aus, audio)
    part.replace(out)
    return out


def clips(samples: dict[str, Path], folder: Path, specs: tuple, faststart_every: int = 2) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [cut_clip(samples[name], start, sec, folder / f"{Path(name).stem}_{int(start)}s_{int(sec)}s.mp4",
                     faststart=i % faststart_every == 0) for i, (name, start, sec) in enumerate(specs)]


# ---- mp4 boxes --------------------------------------------------------------------------------
def boxes(data: bytes, start: int = 0, end: int | None = None):
    """(offset, header size, total size, type) of each box in data[start:end], descending into
    container boxes; stops at the first box whose size makes no sense."""
    end = len(data) if end is None else end
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        head = 8
        if size == 1 and at + 16 <= end:
            size, head = struct.unpack(">Q", data[at + 8:at + 16])[0], 16
        elif size == 0:
            size = end - at
        if size < head or at + size > end:
            return
        yield at, head, size, kind
        if kind in CONTAINERS:
            yield from boxes(data, at + head, at + size)
        at += size


def find(data: bytes, kind: bytes) -> list[tuple[int, int, int, bytes]]:
    return [b for b in boxes(data) if b[3] == kind]


def huge_duration(data: bytes, path: Path, rng: random.Random) -> bytes:
    """A duration far beyond the frames: mp4 sample times stretched to hours or weeks (FFmpeg
    believes the sample table, not the mvhd/mdhd fields), or a Matroska header declaring years."""
    if rng.random() < 0.5:
        with av.open(str(path)) as src, av.open(str(path.with_suffix(".part.mkv")), "w", format="matroska") as out:
            maps = {s: out.add_stream_from_template(s) for s in src.streams if s.type in ("video", "audio")}
            for packet in src.demux(*maps):
                if packet.dts is not None:
                    packet.stream = maps[packet.stream]
                    out.mux(packet)
        mkv = path.with_suffix(".part.mkv").read_bytes()
        path.with_suffix(".part.mkv").unlink()
        at = mkv.find(b"\x44\x89\x88")                   # Segment Info Duration, an 8-byte float (ms)
        return mkv[:at + 3] + struct.pack(">d", 1e12) + mkv[at + 11:] if at >= 0 else mkv
    out, seconds = bytearray(data), rng.choice([10, 1000]) * 3600
    fit = lambda n: struct.pack(">I", min(0x7FFFFFFF, int(n)))
    first = lambda kind: next((b[0] + b[1] for b in boxes(data) if b[3] == kind), None)
    mvhd, mdhd, stts, elst = first(b"mvhd"), first(b"mdhd"), first(b"stts"), first(b"elst")
    movie_scale = struct.unpack(">I", data[mvhd + 12:mvhd + 16])[0]
    track_scale = struct.unpack(">I", data[mdhd + 12:mdhd + 16])[0]
    frames = struct.unpack(">I", data[stts + 8:stts + 12])[0]      # the video track's first (count, delta)
    out[stts + 12:stts + 16] = fit(seconds * track_scale / max(frames, 1))
    out[mvhd + 16:mvhd + 20] = fit(seconds * movie_scale)
    out[mdhd + 16:mdhd + 20] = fit(seconds * track_scale)
    if elst is not None:                                             # the edit list bounds what is shown
        out[elst + 8:elst + 12] = fit(seconds * movie_scale)
    return bytes(out)


def empty_moov(data: bytes, rng: random.Random) -> bytes:
    """The moov box emptied: a size of 0 ("to the end of the file") or 8 (no children, the rest
    of its bytes turned into a free box)."""
    moov = find(data, b"moov")
    if not moov:
        return data[:8] + b"\x00\x00\x00\x08moov" + data[8:]
    at, head, size, _ = moov[0]
    if rng.random() < 0.5:
        return data[:at] + b"\x00\x00\x00\x00moov" + data[at + 8:]
    return data[:at] + b"\x00\x00\x00\x08moov" + struct.pack(">I4s", size - 8, b"free") + data[at + 16:]


def swap_header(data: bytes, other: bytes, rng: random.Random) -> bytes:
    """The file's first bytes replaced by another file's (another clip, or a Matroska header)."""
    n = rng.choice([8, 32, 64, 512, 4096])
    head = other[:n] if rng.random() < 0.5 else b"\x1a\x45\xdf\xa3" + other[4:n]
    return head + data[len(head):]


def no_frames(path: Path, rng: random.Random) -> None:
    """A video stream with no frames in it (sometimes beside a real audio track). Matroska, as
    the mp4 muxer drops a track without samples."""
    with av.open(str(path), "w", format="matroska") as o:
        vs = o.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = 640, 360, "yuv420p"
        aus = o.add_stream("aac", rate=16000) if rng.random() < 0.5 else None
        o.start_encoding()   # the header, even when no packet follows
        if aus is not None:
            mux_mono_audio(o, aus, (0.1 * np.sin(np.arange(32000) / 8)).astype(np.float32))


def mutate(kind: str, source: Path, other: Path, out: Path, rng: random.Random) -> Path:
    data = source.read_bytes()
    if kind == "flip":
        buf = bytearray(data)
        for _ in range(rng.choice([1, 4, 16, 64])):
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        data = bytes(buf)
    elif kind == "truncate":
        data = data[:rng.randrange(len(data))]
    elif kind == "swap_header":
        data = swap_header(data, other.read_bytes(), rng)
    elif kind == "empty_moov":
        data = empty_moov(data, rng)
    elif kind == "huge_duration":
        data = huge_duration(data, source, rng)
    elif kind == "no_frames":
        no_frames(out, rng)
        return out
    out.write_bytes(data)
    return out


def fuzz_files(sources: list[Path], folder: Path, n: int, seed: int,
               log: Callable[[str], None] = print) -> list[tuple[Path, str]]:
    """n mutated files, the mutations in turn, each from a source picked by the seeded generator."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(n):
        kind = MUTATIONS[i % len(MUTATIONS)]
        source, other = rng.sample(sources, 2)
        odd = " [x] é " if i % 5 == 4 else "_"    # odd names too: spaces, brackets (rich markup), non-ASCII
        name = f"{i:04d}{odd}{kind}_{source.stem}{'.mkv' if kind == 'no_frames' else source.suffix}"
        made.append((mutate(kind, source, other, folder / name, rng), kind))
        if not made[-1][0].exists():
            raise ValueError(f"could not write the mutated file {name}")
    log(f"made {n} mutated files in {folder}")
    return made
