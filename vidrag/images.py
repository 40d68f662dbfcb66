"""Keyframes as one image for vision models: a grid, as a JPEG data URL."""
from __future__ import annotations

import base64

import cv2
import numpy as np


def image_grid(images: list[np.ndarray], cols: int = 2, width: int = 384) -> bytes:
    tiles = [cv2.resize(i, (width, round(i.shape[0] * width / i.shape[1]))) for i in images]
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[r:r + cols]) for r in range(0, len(tiles), cols)]
    return cv2.imencode(".jpg", np.vstack(rows), [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def jpeg_data_url(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
