"""The encoders shared by indexing and search: text into the scene-text space (sentence-transformers)
and text or images into CLIP's space (open_clip). Loaded once per process (models.cached_model).

No CLIP weights ship in any package: set [clip] model = "ViT-B-32" with options.pretrained =
"/path/to/checkpoint.bin" (or a tag when downloads are allowed). `model` may also be the path of
an open_clip model config (.json) for an architecture open_clip does not list.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vidrag.config import Config
from vidrag.models import ModelMissing, cached_model, resolve


class TextEmbedder:
    """Encodes scene texts and queries into the same normalised space."""

    def __init__(self, cfg: Config):
        r = resolve("embed", cfg)

        def load():
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging
            hf_logging.disable_progress_bar()   # no "Loading weights" bars on every CLI call
            return SentenceTransformer(r.path, device=cfg.embed.device)
        self.model = cached_model(("embed", "sentence-transformers", r.path), load)
        self.batch = int(cfg.embed.options.get("batch_size", 32))

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.encode(texts, batch_size=self.batch, normalize_embeddings=True,
                                            show_progress_bar=False), dtype=np.float32)



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
