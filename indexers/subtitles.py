"""Subtitles as the speech track: SRT/VTT cues instead of running ASR, where a video has them
(benchmark datasets ship subtitles; so do many films). Word times are spread evenly over each cue.

Backend `asr.backend = "subtitles"`: looks for `<video stem>.srt` (or `.vtt`) in
`asr.options.subtitles_dir`, or beside the video; a video without one falls back to
`asr.options.fallback` (faster-whisper by default, "none" for no speech).
"""
from __future__ import annotations

import re
from pathlib import Path

from vidrag.config import Config
from vidrag.records import Word

CUE_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})")
ARROW = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)")
TAGS = re.compile(r"<[^>]+>|\{[^}]+\}")


def seconds(stamp: str) -> float:
    m = CUE_TIME.fullmatch(stamp.strip())
    if not m:
        raise ValueError(f"not a subtitle time: {stamp!r}")
    h, mnt, s, ms = m.groups()
    return int(h or 0) * 3600 + int(mnt) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def read_cues(path: str | Path) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue of an SRT or WebVTT file."""
    cues, current, lines = [], None, []
    for raw in Path(path).read_text(encoding="utf-8-sig", errors="replace").splitlines() + [""]:
        m = ARROW.match(raw)
        if m:
            current, lines = (seconds(m.group(1)), seconds(m.group(2))), []
        elif not raw.strip():
            if current and lines:
                cues.append((current[0], current[1], TAGS.sub("", " ".join(lines)).strip()))
            current = None
        elif current:
            lines.append(raw.strip())
    return [c for c in cues if c[2]]


def stamp(t: float) -> str:
    ms = round(t * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def write_srt(path: str | Path, cues: list[tuple[float, float, str]]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{i}\n{stamp(a)} --> {stamp(b)}\n{text}\n\n" for i, (a, b, text) in enumerate(cues, 1)),
                    encoding="utf-8")
    return path


def cue_words(cues: list[tuple[float, float, str]]) -> list[Word]:
    words = []
    for start, end, text in cues:
        parts = text.split()
        step = max(end - start, 0.01) / max(len(parts), 1)
        words += [Word(round(start + i * step, 2), round(start + (i + 1) * step, 2), w, 1.0) for i, w in enumerate(parts)]
    return words


class SubtitleTrack:
    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.folder = cfg.asr.options.get("subtitles_dir", "")
        self.fallback_name = cfg.asr.options.get("fallback", "faster-whisper")
        self._fallback = None

    def find(self, video: str) -> Path | None:
        v = Path(video)
        for folder in ([Path(self.folder).expanduser()] if self.folder else []) + [v.parent]:
            for ext in (".srt", ".vtt"):
                if (folder / (v.stem + ext)).is_file():
                    return folder / (v.stem + ext)
        return None

    def words_for(self, video: str) -> list[Word] | None:
        """The video's subtitle words, or None when it has no subtitle file."""
        found = self.find(video)
        return cue_words(read_cues(found)) if found else None

    def transcribe(self, audio) -> list[Word]:
        if self.fallback_name == "none":
            return []
        if self._fallback is None:
            from vidrag.indexers.asr import BACKENDS
            self._fallback = BACKENDS[self.fallback_name](self.cfg)
        return self._fallback.transcribe(audio)
