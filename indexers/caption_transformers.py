"""Captions from a vision-language model run in-process with `transformers` (a local folder:
SmolVLM, Qwen2-VL, BLIP, ...), given the same keyframe grid as the OpenAI-compatible path.

Chat VLMs get the caption prompt through their chat template; captioning models without one
(BLIP) get `options.prompt` as a text prefix, empty by default.
"""
from __future__ import annotations

import cv2
import numpy as np

from vidrag.config import Config
from vidrag.models import resolve
from vidrag.prompts import load
from vidrag.models import cached_model


class TransformersCaptioner:
    def __init__(self, cfg: Config):
        c = cfg.caption
        path = resolve("caption", cfg).path
        self.device = c.device
        self.max_tokens = int(c.options.get("max_tokens", 120))

        def load_model():
            from transformers import AutoModelForImageTextToText, AutoProcessor
            processor = AutoProcessor.from_pretrained(path)
            model = AutoModelForImageTextToText.from_pretrained(path).to(c.device).eval()
            return processor, model
        self.processor, self.model = cached_model(("caption", "transformers", path, c.device), load_model)
        if getattr(self.processor, "chat_template", None):
            messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": load("caption_vlm").strip()}]}]
            self.prompt = self.processor.apply_chat_template(messages, add_generation_prompt=True)
        else:
            self.prompt = c.options.get("prompt", "") or None

    def describe(self, grid_jpeg: bytes) -> str:
        import torch
        from PIL import Image
        bgr = cv2.imdecode(np.frombuffer(grid_jpeg, np.uint8), cv2.IMREAD_COLOR)
        inputs = self.processor(images=Image.fromarray(bgr[..., ::-1]), text=self.prompt, return_tensors="pt").to(self.device)
        with torch.no_grad():
            out = self.model.generate(**inputs, max_new_tokens=self.max_tokens, do_sample=False)
        text = self.processor.batch_decode(out, skip_special_tokens=True)[0]
        # Decoder-only models and BLIP both echo the prompt before what they generated.
        if "input_ids" in inputs:
            echoed = self.processor.batch_decode(inputs["input_ids"], skip_special_tokens=True)[0]
            if echoed and text.startswith(echoed):
                text = text[len(echoed):]
        return text.strip()
