"""CLIP image embeddings of keyframes (vidrag.encoders.ClipModel), when weights are configured;
without them the stage is skipped with a notice."""
from __future__ import annotations


import numpy as np

from vidrag.config import Config
from vidrag.records import Scene
from vidrag.indexers.stages import VideoContext
from vidrag.encoders import ClipModel
from vidrag.indexers.caption import scene_images


class ClipStage:
    name = "clip"

    def __init__(self, cfg: Config):
        self.model = ClipModel(cfg)

    def run(self, ctx: VideoContext, scenes: list[Scene]) -> None:
        for s in scenes:
            images = scene_images(ctx, s, 3)
            if images:
                v = self.model.encode_images(images).mean(0)
                s.vectors["clip"] = v / max(float(np.linalg.norm(v)), 1e-9)   # a mean of unit vectors is shorter
