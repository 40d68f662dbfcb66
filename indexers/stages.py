"""What every indexing stage shares: the per-video context, the model cache, the stage list.

A stage fills fields of the video's scenes. Visual stages read the keyframes of the single
decode pass; ASR reads the audio track. Models are loaded once per process.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from vidrag.config import Config
from vidrag.models import ModelMissing
from vidrag.records import Scene

# "summary" is opt-in (not in the default config.stages): it needs the local LLM.
ALL_STAGES = ("asr", "ocr", "objects", "caption", "clip", "embed", "summary")
# Stages whose output is built from other stages' text: they rerun when any of those change.
DEPENDS_ON = {"caption": ("asr", "ocr", "objects"), "embed": ("asr", "ocr", "objects", "caption"),
              "summary": ("asr", "ocr", "objects", "caption")}
SECTIONS = {"summary": "llm"}   # the config section a stage's settings live in, when not its own name

@dataclass
class VideoContext:
    path: str
    duration: float
    has_audio: bool
    keyframes: list  # list[keyframes.Keyframe] (spooled to scratch), in time order
    notes: list[str] = field(default_factory=list)


class Stage(Protocol):
    name: str

    def run(self, ctx: VideoContext, scenes: list[Scene]) -> None: ...


def scene_at(scenes: list[Scene], t: float) -> Scene:
    """The scene whose [start, end) holds time t (the last scene takes anything past the end)."""
    for s in scenes:
        if t < s.end:
            return s
    return scenes[-1]


# Bumped when a stage's code changes what it stores, so libraries indexed before re-run it
# (asr 2: transcripts hold whole sentences across cuts; ocr 2: text held past a cut).
CODE_VERSIONS = {"asr": 2, "ocr": 2}


def stage_hash(cfg: Config, name: str, active: dict[str, str]) -> str:
    own = cfg.stage_hash(SECTIONS.get(name, name)) + (f"v{CODE_VERSIONS[name]}" if name in CODE_VERSIONS else "")
    ups = [active.get(u, "-") for u in DEPENDS_ON.get(name, ())]
    return own if not ups else own + ":" + ",".join(ups)


STAGE_CLASSES = {"asr": "AsrStage", "ocr": "OcrStage", "objects": "ObjectsStage",
                 "caption": "CaptionStage", "clip": "ClipStage", "embed": "EmbedStage", "summary": "SummaryStage"}


def build_stage(name: str, cfg: Config) -> Stage:
    """Import and construct one stage's backend; raises ModelMissing when it has no weights."""
    if name not in STAGE_CLASSES:
        raise ValueError(f"unknown stage '{name}' (choose from {', '.join(ALL_STAGES)})")
    module = importlib.import_module(f"vidrag.indexers.{name}")   # a stage's imports load only when used
    try:
        return getattr(module, STAGE_CLASSES[name])(cfg)
    except ModuleNotFoundError as exc:   # a backend's runtime is an optional extra
        raise ModelMissing(f"{name} ({getattr(cfg, SECTIONS.get(name, name)).backend}): python package '{exc.name}' is not "
                           f"installed; pip install 'vidrag[vision]' (or 'vidrag[cpu-models]')") from exc


def pick_backend(role: str, backends: dict[str, Callable[[Config], Any]], cfg: Config) -> Any:
    """Construct the configured backend of one role, or say which ones exist."""
    name = getattr(cfg, role).backend
    if name not in backends:
        raise ValueError(f"unknown {role} backend '{name}' ({', '.join(backends)})")
    return backends[name](cfg)
