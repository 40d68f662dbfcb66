"""Scene descriptions. With a VLM (behind an OpenAI-compatible endpoint, or in-process with
transformers): several keyframes of the scene as one image grid. Without one: a description assembled from the scene's own tags (objects,
on-screen text, speech, simple pixel facts), stored with caption_source="tags" so nobody takes
it for what a vision model saw.
"""
from __future__ import annotations


import cv2
import numpy as np

from vidrag.config import Config
from vidrag.images import image_grid
from vidrag.records import Scene
from vidrag.indexers.stages import VideoContext

GRID = 4   # keyframes per scene in the image grid sent to a VLM


def pixel_facts(images: list[np.ndarray]) -> str:
    """Brightness and dominant colour: what a description can say without a vision model."""
    if not images:
        return ""
    img = np.mean([cv2.resize(i, (64, 36)) for i in images], axis=0).astype(np.uint8)
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
    v, s = hsv[..., 2].mean(), hsv[..., 1].mean()
    light = "dark" if v < 50 else "bright" if v > 180 else "moderately lit"
    if s < 40:
        return f"{light}, mostly grey tones"
    hue = int(np.median(hsv[..., 0])) * 2
    names = ((15, "red"), (45, "orange"), (70, "yellow"), (160, "green"), (200, "cyan"),
             (260, "blue"), (320, "purple"), (361, "red"))
    return f"{light}, mostly {next(n for limit, n in names if hue < limit)} tones"


def scene_images(ctx: VideoContext, scene: Scene, n: int) -> list[np.ndarray]:
    inside = [k for k in ctx.keyframes if scene.start <= k.t < scene.end] or ctx.keyframes[:1]
    step = max(1, len(inside) // n)
    return [k.image() for k in inside[::step][:n]]


def tags_caption(scene: Scene, facts: str) -> str:
    parts = []
    if scene.objects:
        parts.append(f"Objects seen: {scene.objects}.")
    if scene.ocr_text:
        parts.append(f"On-screen text: {scene.ocr_text[:200]}.")
    if scene.transcript:
        parts.append(f"Speech: {scene.transcript[:200]}")
    if facts:
        parts.append(f"Picture: {facts}.")
    return " ".join(parts)


class LlmTagWriter:
    """The local LLM turns a scene's tags into a sentence; still caption_source="tags", since no
    model looked at the pixels. About 3 s per scene on 2 cores, hence not the default."""

    def __init__(self, cfg: Config):
        from vidrag.llm import load_llm
        self.llm = load_llm(cfg)

    def write(self, facts: str) -> str:
        from vidrag.prompts import load
        prompt = load("caption_tags").format(facts=facts.replace("<", "‹").replace(">", "›"))
        return self.llm.chat([{"role": "user", "content": prompt}], max_tokens=60).strip()


class CaptionStage:
    """Backends: "tags" (template, default), "llm" (local LLM writes from tags), "openai" and
    "transformers" (a VLM)."""
    name = "caption"

    def __init__(self, cfg: Config):
        self.vlm = self.writer = None
        if cfg.caption.backend == "openai":
            from vidrag.indexers.caption_openai import VlmCaptioner
            self.vlm = VlmCaptioner(cfg)
        elif cfg.caption.backend == "transformers":
            from vidrag.indexers.caption_transformers import TransformersCaptioner
            self.vlm = TransformersCaptioner(cfg)
        elif cfg.caption.backend == "llm":
            self.writer = LlmTagWriter(cfg)
        elif cfg.caption.backend != "tags":
            raise ValueError(f"unknown caption backend '{cfg.caption.backend}' (tags, llm, openai or transformers)")

    def run(self, ctx: VideoContext, scenes: list[Scene]) -> None:
        for s in scenes:
            images = scene_images(ctx, s, GRID)
            if self.vlm is not None:
                s.caption, s.caption_source = self.vlm.describe(image_grid(images)), "vlm"
                continue
            s.caption, s.caption_source = tags_caption(s, pixel_facts(images)), "tags"
            if self.writer is not None:
                s.caption = self.writer.write(s.caption) or s.caption


