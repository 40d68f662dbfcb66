"""Plain records that flow from the indexers to the store and out through the API as JSON."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Word:
    start: float
    end: float
    text: str
    prob: float = 1.0


@dataclass
class OcrLine:
    t: float
    text: str
    conf: float
    box: list[float] = field(default_factory=list)


@dataclass
class HeldLine(OcrLine):
    """A line still on screen at a later sample than its read (ocr.py): it lends its text to the
    scene of that time, and is never stored as a line of its own."""


@dataclass
class Detection:
    t: float
    label: str
    conf: float
    box: list[float] = field(default_factory=list)


@dataclass
class Scene:
    idx: int
    start: float
    end: float
    thumb: str = ""                       # path relative to the library directory
    caption: str = ""
    caption_source: str = ""              # "vlm", "tags" or "" when no caption stage ran
    transcript: str = ""
    ocr_text: str = ""
    objects: str = ""                     # per-scene summary, e.g. "2 person, 1 bicycle"
    words: list[Word] = field(default_factory=list)
    ocr_lines: list[OcrLine] = field(default_factory=list)
    detections: list[Detection] = field(default_factory=list)
    vectors: dict[str, Any] = field(default_factory=dict)   # kind -> np.ndarray (float32)
    id: int | None = None

    def to_dict(self, details: bool = False) -> dict[str, Any]:
        d = asdict(self)
        d.pop("vectors")
        if not details:
            for key in ("words", "ocr_lines", "detections"):
                d.pop(key)
        return d


@dataclass
class Video:
    fingerprint: str
    path: str
    name: str
    size: int = 0
    duration: float = 0.0
    fps: float = 0.0
    width: int = 0
    height: int = 0
    has_audio: bool = False
    status: str = "indexed"               # "indexed" or "failed"
    error: str = ""
    warnings: str = ""
    config_hash: str = ""
    stages: dict[str, str] = field(default_factory=dict)   # stage -> settings hash it ran with
    indexed_at: float = 0.0
    scene_count: int = 0
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
