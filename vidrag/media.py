"""Media I/O with PyAV: probe, one-pass frame decoding at reduced size, 16 kHz mono audio (whole or streamed).

Every failure to read a file becomes a MediaError with a one-line message; a corrupt packet in
the middle of a file is skipped and counted, not fatal.
"""
from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import cv2
import numpy as np

VIDEO_EXTENSIONS = {".mp4", ".m4v", ".mkv", ".mov", ".avi", ".webm", ".mpg", ".mpeg", ".ts",
                    ".flv", ".wmv", ".3gp", ".3g2", ".asf", ".f4v", ".ogv", ".mts", ".m2ts"}
MAX_CONSECUTIVE_ERRORS = 250


class MediaError(Exception):
    """A file that cannot be read as a video; the message names the problem."""


@dataclass
class VideoInfo:
    path: str
    duration: float
    fps: float
    width: int
    height: int
    has_audio: bool
    codec: str
    size: int


def fingerprint(path: str | Path, chunk: int = 1 << 16, samples: int = 8) -> str:
    """Content identity that survives moves and renames: size plus hashes of sampled chunks.

    Reading ~512 KiB makes it fast on multi-GB files while any re-encode or truncation changes it.
    """
    path = Path(path)
    size = path.stat().st_size
    h = hashlib.blake2b(str(size).encode(), digest_size=16)
    with path.open("rb") as f:
        if size <= chunk * samples:
            h.update(f.read())
        else:
            for i in range(samples):
                f.seek((size - chunk) * i // (samples - 1))
                h.update(f.read(chunk))
    return h.hexdigest()


def _open(path: str | Path) -> av.container.InputContainer:
    path = Path(path)
    if not path.exists():
        raise MediaError("no such file")
    if path.is_dir():
        raise MediaError("is a directory")
    if not os.access(path, os.R_OK):
        raise MediaError("permission denied")
    if path.stat().st_size == 0:
        raise MediaError("empty file (0 bytes)")
    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise MediaError(f"not a readable video ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip() if ";" not in text else text


def probe(path: str | Path) -> VideoInfo:
    with _open(path) as container:
        if not container.streams.video:
            raise MediaError("no video stream (audio-only or not a video)")
        vs = container.streams.video[0]
        fps = float(vs.average_rate or vs.guessed_rate or 25.0)
        if vs.duration is not None and vs.time_base is not None:
            duration = float(vs.duration * vs.time_base)
        elif container.duration:
            duration = container.duration / av.time_base
        else:
            duration = 0.0
        if vs.codec_context.width <= 0 or vs.codec_context.height <= 0:
            raise MediaError("video stream has no picture size (corrupt header)")
        return VideoInfo(path=str(path), duration=duration, fps=fps, width=vs.codec_context.width,
                         height=vs.codec_context.height, has_audio=bool(container.streams.audio),
                         codec=vs.codec_context.name, size=Path(path).stat().st_size)


def scaled_size(width: int, height: int, target_width: int) -> tuple[int, int]:
    """Downscale to target_width (never up), keeping aspect and even dimensions."""
    if width <= target_width:
        return width - width % 2, height - height % 2
    h = round(height * target_width / width)
    return target_width, max(2, h - h % 2)


@dataclass
class DecodeStats:
    frames: int = 0
    corrupt: int = 0
    last_time: float = 0.0


def decode_frames(path: str | Path, stats: DecodeStats | None = None, reference_only: bool = True,
                  seek: float | None = None) -> Iterator[tuple[float, "av.VideoFrame"]]:
    """Yield (seconds, frame) for every decodable frame; corrupt packets are counted in stats.

    Frames are yielded as PyAV frames so each consumer converts only what it needs (tiny
    frames for cut detection, larger keyframes now and then). reference_only skips decoding
    B-frames nothing depends on: about 1.7x faster on typical H.264, cuts stay within ~2 frames.
    `seek` starts at the keyframe at or before that second (a shard of a long video).
    """
    stats = stats if stats is not None else DecodeStats()
    with _open(path) as container:
        if not container.streams.video:
            raise MediaError("no video stream (audio-only or not a video)")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"  # frame threads: both cores decode
        if reference_only:
            stream.codec_context.skip_frame = "NONREF"
        if seek and stream.time_base:
            container.seek(int(seek / stream.time_base), stream=stream, backward=True, any_frame=False)
        errors_in_row = 0
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except av.FFmpegError:
                stats.corrupt += 1
                break  # the demuxer itself gave up: a truncated container
            try:
                frames = packet.decode()
            except av.FFmpegError:
                stats.corrupt += 1
                errors_in_row += 1
                if errors_in_row > MAX_CONSECUTIVE_ERRORS:
                    break
                continue
            errors_in_row = 0
            for frame in frames:
                if frame.time is None:
                    continue
                stats.frames += 1
                stats.last_time = float(frame.time)
                yield stats.last_time, frame


def frame_to_bgr(frame: "av.VideoFrame", width: int) -> np.ndarray:
    w, h = scaled_size(frame.width, frame.height, width)
    return frame.to_ndarray(width=w, height=h, format="bgr24")


def tiny_bgr(frame: "av.VideoFrame", width: int) -> np.ndarray:
    """A nearest-neighbour thumbnail for cut detection, read straight from the YUV planes.

    swscale costs as much as decoding itself at 720p; striding the planes costs almost nothing,
    and cut detection does not need filtered pixels.
    """
    if frame.format.name not in ("yuv420p", "yuvj420p"):
        return frame_to_bgr(frame, width)
    w, h = scaled_size(frame.width, frame.height, width)
    rows = np.linspace(0, frame.height - 1, h).astype(np.intp)
    cols = np.linspace(0, frame.width - 1, w).astype(np.intp)
    planes = [np.frombuffer(p, np.uint8).reshape(-1, p.line_size) for p in frame.planes[:3]]
    yuv = np.dstack([planes[0][rows][:, cols], planes[1][rows // 2][:, cols // 2],
                     planes[2][rows // 2][:, cols // 2]])
    return cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR)


def audio_blocks(path: str | Path, rate: int = 16000, start: float = 0.0, end: float = math.inf
                 ) -> Iterator[np.ndarray]:
    """The first audio track as float32 mono blocks at `rate` Hz, in order, as they decode
    (none when there is no audio), so a long track never has to be in memory whole. With
    `start`/`end` (a shard of a long video), only that stretch: sample 0 is at `start`."""
    with _open(path) as container:
        if not container.streams.audio:
            return
        stream = container.streams.audio[0]
        if start > 0 and stream.time_base:
            container.seek(int(start / stream.time_base), stream=stream, backward=True)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        skip = None                            # samples before `start` still to drop
        left = (end - start) * rate            # samples still wanted

        def trimmed(blocks) -> Iterator[np.ndarray]:
            nonlocal skip, left
            for out in blocks:
                a = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                if skip:
                    a, skip = a[skip:], max(0, skip - len(a))
                if len(a) and left > 0:
                    yield a[:int(min(left, len(a)))]
                    left -= len(a)

        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.FFmpegError:
                continue
            for frame in frames:
                if skip is None:   # where decoding began, after the seek to the frame at or before start
                    skip = max(0, int(round((start - float(frame.time or 0.0)) * rate)))
                yield from trimmed(resampler.resample(frame))
            if left <= 0:
                return
        yield from trimmed(resampler.resample(None))


def decode_audio(path: str | Path, rate: int = 16000) -> np.ndarray:
    """The first audio track as float32 mono at `rate` Hz; empty when there is no audio."""
    chunks = list(audio_blocks(path, rate))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


def mux_mono_audio(container: "av.container.OutputContainer", stream: "av.AudioStream", samples: np.ndarray,
                   rate: int = 16000) -> None:
    """Encode float32 mono samples into an output container's audio stream (test media, benchmarks)."""
    for start in range(0, len(samples), 1024):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[None, start:start + 1024], np.float32),
                                           format="fltp", layout="mono")
        frame.sample_rate = rate
        for p in stream.encode(frame):
            container.mux(p)
    for p in stream.encode():
        container.mux(p)
