"""Configuration: defaults < profile < TOML file < VIDRAG_* environment < CLI flags.

Settings are nested dataclasses, one per stage, so a stage's settings hash can tell which
stored results a configuration change makes stale.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

DEFAULT_LIBRARY = "~/.vidrag/library"
DEFAULT_CONFIG = "~/.vidrag/config.toml"


class ConfigError(ValueError):
    """A configuration value or file that cannot be used."""


@dataclass
class ScenesConfig:
    detector: str = "adaptive"      # adaptive | content
    threshold: float = 0.0          # 0 = the detector's own default
    analysis_width: int = 256       # frames are downscaled to this width for cut detection
    decode_all_frames: bool = False # False: reference frames only (faster, cuts within ~2 frames)
    min_len: float = 2.0            # shorter scenes merge into a neighbour
    max_len: float = 30.0           # longer scenes are split evenly
    sample_every: float = 1.0       # seconds between analysis keyframes (OCR, objects, thumbs)
    frame_width: int = 640          # width of analysis keyframes
    thumb_width: int = 320


@dataclass
class StageConfig:
    backend: str = ""
    model: str = ""                 # a name, or a local path to weights
    device: str = "cpu"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class RayConfig:
    """`vidrag index --ray`: how work is spread over a Ray cluster (no effect on stored results)."""
    max_in_flight: int = 0          # tasks queued at once (backpressure); 0 = 2 per CPU of the cluster
    actor_stages: list[str] = field(default_factory=list)   # stages run by actor pools; [] = those on cuda
    actors_per_stage: int = 0       # 0 = one per GPU of the cluster (at least one)
    gpus_per_actor: float = 0.0     # for a stage on cuda; 0 = the cluster's GPUs shared by all cuda stages' actors
    actor_start_s: float = 600.0    # an actor pool not ready (model loaded) in this long is an error, not a hang
    shard_over_s: float = 1200.0    # videos longer than this are split into time shards
    shard_s: float = 600.0          # about this long each (cut at keyframes)
    overlap_s: float = 10.0         # shards decode and listen this far past their edges
    retries: int = 3                # a task whose worker died is run again this many times


@dataclass
class Config:
    library: str = DEFAULT_LIBRARY
    profile: str = "cpu"
    strict: bool = False
    allow_download: bool = False
    stages: list[str] = field(default_factory=lambda: ["asr", "ocr", "objects", "caption", "clip", "embed"])
    scenes: ScenesConfig = field(default_factory=ScenesConfig)
    asr: StageConfig = field(default_factory=lambda: StageConfig("faster-whisper", "base"))
    ocr: StageConfig = field(default_factory=lambda: StageConfig("rapidocr"))
    objects: StageConfig = field(default_factory=lambda: StageConfig("ssd"))
    caption: StageConfig = field(default_factory=lambda: StageConfig("tags"))
    clip: StageConfig = field(default_factory=lambda: StageConfig("open_clip"))
    embed: StageConfig = field(default_factory=lambda: StageConfig("sentence-transformers", "all-MiniLM-L6-v2"))
    llm: StageConfig = field(default_factory=lambda: StageConfig("xllamacpp", "qwen2.5-1.5b"))
    ray: RayConfig = field(default_factory=RayConfig)

    @property
    def library_path(self) -> Path:
        return Path(os.path.expanduser(self.library))

    def stage_hash(self, name: str) -> str:
        """A short hash of one section's settings; stored results carry it."""
        blob = json.dumps(dataclasses.asdict(getattr(self, name)), sort_keys=True)
        return hashlib.sha1(blob.encode()).hexdigest()[:12]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


PROFILES: dict[str, dict[str, Any]] = {
    "cpu": {},
    "gpu": {
        "asr": {"model": "large-v3", "device": "cuda", "options": {"compute_type": "float16"}},
        "ocr": {"device": "cuda"},
        "objects": {"backend": "yolo", "model": "yolo11n.pt", "device": "cuda"},
        "caption": {"backend": "openai", "model": "Qwen/Qwen2.5-VL-7B-Instruct"},
        "clip": {"model": "ViT-L-14", "device": "cuda", "options": {"pretrained": "openai"}},
        "embed": {"model": "BAAI/bge-small-en-v1.5", "device": "cuda"},
        "llm": {"backend": "openai", "model": "Qwen/Qwen2.5-VL-7B-Instruct"},
        "allow_download": True,
    },
}


def _apply(cfg: Any, values: dict[str, Any], where: str) -> None:
    for key, value in values.items():
        if not hasattr(cfg, key):
            raise ConfigError(f"{where}: unknown setting '{key}'")
        current = getattr(cfg, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: '{key}' must be a table")
            _apply(current, value, f"{where}.{key}")
        else:
            setattr(cfg, key, _coerce(current, value, f"{where}.{key}"))


def _coerce(current: Any, value: Any, where: str) -> Any:
    if isinstance(current, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    try:
        if isinstance(current, float):
            return float(value)
        if isinstance(current, int):
            return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if isinstance(current, dict):
        # options tables merge, so a flag adding a url keeps the timeout set in the file
        extra = json.loads(value) if isinstance(value, str) else value
        if not isinstance(extra, dict):
            raise ConfigError(f"{where}: expected a table")
        return {**current, **extra}
    if isinstance(current, list) and isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    """VIDRAG_LIBRARY=..., VIDRAG_ASR__MODEL=... (double underscore nests)."""
    out: dict[str, Any] = {}
    # Not settings: where the config is, the cache, secrets (keys, the servers' tokens), and
    # VIDRAG_NO_SERVER (the CLI answers in-process even when `vidrag serve` runs).
    skip = {"VIDRAG_CONFIG", "VIDRAG_CACHE", "VIDRAG_NO_SERVER"}
    for name, value in environ.items():
        if not name.startswith("VIDRAG_") or name in skip or name.endswith(("_KEY", "_TOKEN")):
            continue
        path = name[len("VIDRAG_"):].lower().split("__")
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return out


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None,
                environ: dict[str, str] | None = None) -> Config:
    environ = dict(os.environ) if environ is None else environ
    file_values: dict[str, Any] = {}
    explicit = path or environ.get("VIDRAG_CONFIG")
    cfg_path = Path(os.path.expanduser(str(explicit or DEFAULT_CONFIG)))
    if cfg_path.is_file():
        try:
            file_values = tomllib.loads(cfg_path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{cfg_path}: not valid TOML ({exc})") from None
    elif explicit:
        raise ConfigError(f"{cfg_path}: config file not found")
    env_values = _env_overrides(environ)
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}

    profile = overrides.get("profile") or env_values.get("profile") or file_values.get("profile") or "cpu"
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile '{profile}' (choose from {', '.join(PROFILES)})")
    cfg = Config()
    _apply(cfg, PROFILES[profile], f"profile {profile}")
    _apply(cfg, file_values, str(cfg_path))
    _apply(cfg, env_values, "environment")
    _apply(cfg, overrides, "command line")
    return cfg
