"""On-screen text: OCR on keyframes, skipping near-duplicates of the last frame read.

Each kept line carries its time and confidence; low-confidence junk is dropped. A line repeated
over consecutive keyframes (a caption held on screen) is stored once per scene.
"""
from __future__ import annotations

import cv2
import numpy as np

from vidrag.config import Config
from vidrag.models import resolve
from vidrag.records import OcrLine, Scene
from vidrag.indexers.stages import VideoContext, pick_backend, scene_at
from vidrag.models import cached_model


def phash(img: np.ndarray) -> int:
    """64-bit perceptual hash (DCT of a 32x32 grey thumbnail)."""
    grey = cv2.resize(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), (32, 32), interpolation=cv2.INTER_AREA)
    dct = cv2.dct(np.float32(grey))[:8, :8]
    bits = (dct > np.median(dct)).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def hamming(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


class RapidOcr:
    def __init__(self, cfg: Config):
        resolve("ocr", cfg)
        limit = int(cfg.ocr.options.get("det_limit", 480))

        def load():
            from rapidocr import RapidOCR
            # The angle classifier flipped upright lines in tests, so it stays off.
            return RapidOCR(params={"Global.use_cls": False, "Global.log_level": "critical",
                                    "Det.limit_side_len": limit, "Det.limit_type": "max"})
        self.engine = cached_model(("ocr", "rapidocr", limit), load)

    def read(self, img: np.ndarray) -> list[tuple[str, float, list[float]]]:
        r = self.engine(img)
        if not r.txts:
            return []
        return [(t, float(s), [float(v) for v in np.asarray(b).reshape(-1, 2).min(0).tolist() +
                               np.asarray(b).reshape(-1, 2).max(0).tolist()])
                for t, s, b in zip(r.txts, r.scores, r.boxes)]


class EasyOcr:
    """easyocr with local English weights (model_storage_directory), downloads disabled."""

    def __init__(self, cfg: Config):
        r = resolve("ocr", cfg)

        def load():
            import easyocr
            return easyocr.Reader(["en"], gpu=cfg.ocr.device == "cuda", model_storage_directory=r.path,
                                  download_enabled=False, verbose=False)
        self.reader = cached_model(("ocr", "easyocr", r.path), load)

    def read(self, img: np.ndarray) -> list[tuple[str, float, list[float]]]:
        out = []
        for box, text, conf in self.reader.readtext(img):
            pts = np.asarray(box, dtype=float)
            out.append((text, float(conf), pts.min(0).tolist() + pts.max(0).tolist()))
        return out


BACKENDS = {"rapidocr": RapidOcr, "easyocr": EasyOcr}


class OcrStage:
    name = "ocr"

    def __init__(self, cfg: Config):
        self.backend = pick_backend("ocr", BACKENDS, cfg)
        opts = cfg.ocr.options
        self.every = float(opts.get("every", 2.0))          # seconds between frames read
        self.min_conf = float(opts.get("min_conf", 0.6))
        self.same_frame = int(opts.get("same_frame_bits", 4))  # phash distance treated as unchanged

    def run(self, ctx: VideoContext, scenes: list[Scene]) -> None:
        for s in scenes:
            s.ocr_lines = []
        last_hash, next_t = None, 0.0
        for k in ctx.keyframes:
            if k.t < next_t:
                continue
            next_t = k.t + self.every
            img = k.image()
            h = phash(img)
            if last_hash is not None and hamming(h, last_hash) <= self.same_frame:
                continue  # the picture did not change: its text was already read
            last_hash = h
            scene = scene_at(scenes, k.t)
            for text, conf, box in self.backend.read(img):
                text = " ".join(text.split())
                if conf < self.min_conf or sum(c.isalnum() for c in text) < 2:
                    continue
                if any(line.text == text for line in scene.ocr_lines):
                    continue
                scene.ocr_lines.append(OcrLine(round(k.t, 2), text, round(conf, 3), [round(v, 1) for v in box]))
        for s in scenes:
            s.ocr_text = " | ".join(line.text for line in s.ocr_lines)
