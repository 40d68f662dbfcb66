"""On-screen text: OCR on keyframes, skipping near-duplicates of the last frame read.

Each kept line carries its time and confidence; low-confidence junk is dropped. A line repeated
over consecutive keyframes (a caption held on screen) is stored once per scene. A picture that
stays on screen past a scene cut (a slide held for minutes, split into several scenes) lends its
text to the later scenes' `ocr_text`, so they can be found by it; `ocr_lines` keep only the
reads, so a held slide still counts as one appearance.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from vidrag.config import Config
from vidrag.models import resolve
from vidrag.records import HeldLine, OcrLine, Scene
from vidrag.indexers.stages import VideoContext, pick_backend, scene_at
from vidrag.models import cached_model
from vidrag.indexers.compute import sample_due


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
        self.place(scenes, self.read_lines(ctx.keyframes))

    def read_lines(self, keyframes: list, own_from: float = -math.inf) -> list[OcrLine]:
        """Lines of the first keyframe in each `every`-second slot (slots, so a shard of a long
        video reads the frames a whole run reads), skipping pictures unchanged since the last
        one read; such a skipped picture yields the last read's lines again, as HeldLines.
        Keyframes before `own_from` (a shard's overlap) only replay that last picture."""
        lines: list[OcrLine] = []
        last_hash, last_img, last_lines, next_t = None, None, None, 0.0
        for k in keyframes:
            due, next_t = sample_due(k.t, next_t, self.every)
            if not due:
                continue
            img = k.image()
            h = phash(img)
            if last_hash is not None and hamming(h, last_hash) <= self.same_frame:
                if k.t >= own_from:   # the picture did not change: its text is still on screen
                    if last_lines is None:   # read in the overlap, where it was not read yet
                        last_lines = self.read_frame(last_img, k.t)
                    lines += [HeldLine(round(k.t, 2), o.text, o.conf, o.box) for o in last_lines]
                continue
            last_hash, last_img, last_lines = h, img, None
            if k.t >= own_from:
                last_lines = self.read_frame(img, k.t)
                lines += last_lines
        return lines

    def read_frame(self, img, t: float) -> list[OcrLine]:
        out = []
        for text, conf, box in self.backend.read(img):
            text = " ".join(text.split())
            if conf >= self.min_conf and sum(c.isalnum() for c in text) >= 2:
                out.append(OcrLine(round(t, 2), text, round(conf, 3), [round(v, 1) for v in box]))
        return out

    @staticmethod
    def place(scenes: list[Scene], lines: list[OcrLine]) -> None:
        """Each read line into the scene of its time, once per scene (a caption held on screen);
        a held line only into that scene's text, when the scene did not read it itself."""
        texts: dict[int, list[str]] = {s.idx: [] for s in scenes}
        for s in scenes:
            s.ocr_lines = []
        for line in lines:
            scene = scene_at(scenes, line.t)
            if not isinstance(line, HeldLine) and not any(o.text == line.text for o in scene.ocr_lines):
                scene.ocr_lines.append(line)
            if line.text not in texts[scene.idx]:
                texts[scene.idx].append(line.text)
        for s in scenes:
            s.ocr_text = " | ".join(texts[s.idx])
