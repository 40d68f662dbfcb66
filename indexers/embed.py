"""Text embeddings of each scene's texts with sentence-transformers (packaged all-MiniLM-L6-v2)."""
from __future__ import annotations

from vidrag.config import Config
from vidrag.records import Scene
from vidrag.indexers.stages import VideoContext
from vidrag.encoders import TextEmbedder


def scene_text(s: Scene) -> str:
    """What a scene says in words. A tags caption only restates the other fields, so it is left out."""
    parts = [s.caption if s.caption_source == "vlm" else "", s.transcript,
             s.ocr_text and f"on-screen text: {s.ocr_text}", s.objects and f"objects: {s.objects}"]
    return " . ".join(p for p in parts if p)


class EmbedStage:
    name = "embed"

    def __init__(self, cfg: Config):
        if cfg.embed.backend != "sentence-transformers":
            raise ValueError(f"unknown embed backend '{cfg.embed.backend}' (sentence-transformers)")
        self.embedder = TextEmbedder(cfg)

    def run(self, ctx: VideoContext, scenes: list[Scene]) -> None:
        texted = [s for s in scenes if scene_text(s)]
        for s in scenes:
            s.vectors.pop("text", None)
        if texted:
            for s, v in zip(texted, self.embedder.encode([scene_text(s) for s in texted])):
                s.vectors["text"] = v
