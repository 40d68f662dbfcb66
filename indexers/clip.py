"""CLIP image embeddings of keyframes with open_clip, when weights are configured.

No CLIP weights ship in any package, so by default this stage is skipped with a notice; set
[clip] model = "ViT-B-32" with options.pretrained = "/path/to/checkpoint.bin" (or a tag when
downloads are allowed). `model` may also be the path of an open_clip model config (.json) for an
architecture open_clip does not list.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vidrag.config import Config
from vidrag.models import ModelMissing
from vidrag.records import Scene
from vidrag.indexers.stages import VideoContext, cached_model
from vidrag.indexers.caption import scene_images


class ClipModel:
    def __init__(self, cfg: Config):
        c = cfg.clip
        pretrained = c.options.get("pretrained", "")
        if not c.model or not pretrained:
            raise ModelMissing("clip (open_clip): no weights configured; set [clip] model and "
                               "options.pretrained (a local checkpoint path)")

        def load():
            import open_clip
            name = c.model
            if name.endswith(".json"):
                open_clip.add_model_config(Path(name).expanduser())
                name = Path(name).stem
            model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=pretrained, device=c.device)
            return model.eval(), preprocess, open_clip.get_tokenizer(name)
        self.model, self.preprocess, self.tokenizer = cached_model(("clip", c.model, pretrained), load)
        self.device = c.device

    def encode_images(self, images: list[np.ndarray]) -> np.ndarray:
        import torch
        from PIL import Image
        batch = torch.stack([self.preprocess(Image.fromarray(i[..., ::-1])) for i in images]).to(self.device)
        with torch.no_grad():
            v = self.model.encode_image(batch).float()
        return torch.nn.functional.normalize(v, dim=-1).cpu().numpy()

    def encode_text(self, texts: list[str]) -> np.ndarray:
        import torch
        with torch.no_grad():
            v = self.model.encode_text(self.tokenizer(texts).to(self.device)).float()
        return torch.nn.functional.normalize(v, dim=-1).cpu().numpy()


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
