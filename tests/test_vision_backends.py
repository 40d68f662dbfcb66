"""The alternative backends of the vidrag[vision] extra: easyocr with its packaged English weights,
and three whose weights no package ships, exercised with tiny random-weight models built here:
ultralytics YOLO, open_clip, and an in-process transformers VLM (a tiny BLIP)."""
import json

import numpy as np

from test_stages import find_line, indexed
from vidrag.models import doctor_report


def test_easyocr_reads_the_trailer_captions_with_packaged_weights(samples, tmp_path):
    lib, [o] = indexed(tmp_path, samples["trailer_bbb.mp4"], stages=["ocr"], ocr={"backend": "easyocr"})
    assert o.status == "indexed", o.message
    scenes = lib.store.scenes(lib.video("trailer_bbb.mp4").id, details=True)
    times = []
    for caption in ("unlucky bird", "Revenge is coming"):
        scene, line = find_line(scenes, caption)
        assert scene.start <= line.t < scene.end and line.conf >= 0.6
        times.append(line.t)
    assert times == sorted(times)
    row = next(r for r in doctor_report(lib.config) if r["role"] == "ocr")
    assert row["ok"] and "easyocr_en_models" in row["where"]


def test_yolo_backend_loads_a_weights_path_offline(samples, tmp_path, monkeypatch):
    monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path / "ultralytics"))
    from ultralytics import YOLO
    weights = tmp_path / "tiny-yolo.pt"
    YOLO("yolov8n.yaml").save(str(weights))        # random weights: the architecture ships, weights don't
    objects = {"backend": "yolo", "model": str(weights), "options": {"min_conf": 1e-5, "imgsz": 160}}
    lib, [o] = indexed(tmp_path, samples["bikes.mp4"], stages=["objects"], objects=objects)
    assert o.status == "indexed", o.message
    scenes = lib.store.scenes(lib.video("bikes.mp4").id, details=True)
    dets = [d for s in scenes for d in s.detections]
    assert dets, "a random YOLO still proposes boxes at a tiny threshold"
    v = lib.video("bikes.mp4")
    for s in scenes:
        for d in s.detections:
            assert s.start <= d.t < s.end and 0 <= d.conf <= 1 and d.label
            assert 0 <= d.box[0] <= d.box[2] <= v.width + 1 and 0 <= d.box[1] <= d.box[3] <= v.height + 1
    assert all(s.objects for s in scenes if s.detections)


def test_open_clip_embeds_keyframes_and_serves_visual_search(samples, tmp_path):
    import open_clip
    import torch
    config = tmp_path / "tiny-clip.json"
    config.write_text(json.dumps({
        "embed_dim": 32,
        "vision_cfg": {"image_size": 64, "layers": 1, "width": 64, "patch_size": 16},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 1}}))
    open_clip.add_model_config(config)
    torch.manual_seed(0)
    checkpoint = tmp_path / "tiny-clip.pt"
    torch.save(open_clip.create_model("tiny-clip").state_dict(), checkpoint)
    clip = {"model": str(config), "options": {"pretrained": str(checkpoint), "min_similarity": -1.0}}
    lib, outcomes = indexed(tmp_path, samples["trailer_bbb.mp4"], samples["bikes.mp4"], stages=["clip"], clip=clip)
    assert [o.status for o in outcomes] == ["indexed", "indexed"], [o.message for o in outcomes]
    scenes = [s for v in ("trailer_bbb.mp4", "bikes.mp4") for s in lib.store.scenes(lib.video(v).id, vectors=True)]
    vecs = np.stack([s.vectors["clip"] for s in scenes])
    assert vecs.shape == (len(scenes), 32)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert len({v.tobytes() for v in vecs}) == len(scenes)      # each scene's own pictures
    # Random weights mean nothing, so the check is the arithmetic: the picture-only hits are the
    # scenes whose stored vectors are closest to the query's CLIP text vector, across both videos.
    from vidrag.encoders import ClipModel
    query = ClipModel(lib.config).encode_text(["a rabbit in a meadow"])[0]
    closest = [scenes[i].id for i in np.argsort(-(vecs @ query))[:3]]
    hits = lib.searcher().search("a rabbit in a meadow", k=3, modality="image", merge=False)
    assert [h.scene_ids[0] for h in hits] == closest and all(h.modality == "image" for h in hits)


def test_transformers_vlm_captions_scenes_in_process(samples, tmp_path):
    import torch
    from transformers import (BertTokenizer, BlipConfig, BlipForConditionalGeneration, BlipImageProcessor,
                              BlipProcessor)
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]", "a", "bunny", "tree", "car", "road", "sky"]
    folder = tmp_path / "tiny-blip"
    BlipProcessor(image_processor=BlipImageProcessor(size={"height": 32, "width": 32}),
                  tokenizer=BertTokenizer(vocab={w: i for i, w in enumerate(words)}, bos_token="[DEC]")
                  ).save_pretrained(folder)
    small = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    torch.manual_seed(0)
    BlipForConditionalGeneration(BlipConfig(
        text_config=dict(vocab_size=len(words), bos_token_id=5, pad_token_id=0, sep_token_id=3, eos_token_id=3, **small),
        vision_config=dict(image_size=32, patch_size=16, **small), projection_dim=32)).save_pretrained(folder)
    caption = {"backend": "transformers", "model": str(folder), "options": {"max_tokens": 6}}
    lib, [o] = indexed(tmp_path, samples["bikes.mp4"], stages=["caption"], caption=caption)
    assert o.status == "indexed", o.message
    scenes = lib.store.scenes(lib.video("bikes.mp4").id, details=True)
    for s in scenes:
        assert s.caption_source == "vlm"
        assert s.caption and set(s.caption.split()) <= set(words[6:]), s.caption   # decoded from this model
        assert len(s.caption.split()) <= 6
