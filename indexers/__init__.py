"""The offline indexing pipeline: scenes, ASR, OCR, objects, captions, embeddings, the runner."""
