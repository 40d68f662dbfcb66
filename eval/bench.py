"""`vidrag bench index`: index into a fresh temporary library, report real-time factors and memory."""
from __future__ import annotations

import os
import platform
import resource
import tempfile
import time
from typing import Any, Callable

from vidrag.config import Config
from vidrag.library import Library


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def machine() -> dict[str, Any]:
    return {"cores": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version()}


def bench_index(paths: list[str] | None, cfg: Config, log: Callable[[str], None] = print) -> dict[str, Any]:
    if not paths:
        from vidrag.samples import fetch_samples
        paths = [str(fetch_samples(names=("bbb.mp4",), log=log)["bbb.mp4"])]
    rows = []
    with tempfile.TemporaryDirectory(prefix="vidrag-bench-") as tmp:
        cfg.library = tmp
        with Library(config=cfg) as lib:
            for path in paths:
                log(f"indexing {path}")
                t0 = time.perf_counter()
                outcome = lib.index([path])[0]
                wall = time.perf_counter() - t0
                stages = {name: {"seconds": round(sec, 2),
                                 "x_real_time": round(outcome.duration / sec, 1) if sec else None}
                          for name, sec in outcome.timings.items()}
                rows.append({"video": os.path.basename(path), "status": outcome.status,
                             "message": outcome.message, "duration_s": round(outcome.duration, 1),
                             "scenes": outcome.scenes, "wall_s": round(wall, 2),
                             "x_real_time": round(outcome.duration / wall, 1) if wall else None,
                             "stages": stages})
    return {"benchmark": "index", **machine(), "profile": cfg.profile, "videos": rows,
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
    return {"p50_ms": round(pick(0.5) * 1000, 1), "p95_ms": round(pick(0.95) * 1000, 1), "n": len(ordered)}


VOCAB = ("river mountain bicycle car person dog cat bird kitchen office meeting slide chart lecture goal "
         "referee crowd street night rain snow tree house door window phone laptop screen table chair "
         "speaker music guitar drum stage light sign exit gate train bus station market bridge boat").split()


def zipf_words(n_words: int = 6000):
    """A vocabulary with speech-like (Zipfian) word frequencies: the real words first, then
    pseudo-words, so a few words are everywhere and most are rare, as in transcripts."""
    import numpy as np
    words = list(VOCAB) + [f"w{i:04d}" for i in range(n_words - len(VOCAB))]
    p = 1.0 / np.arange(1, len(words) + 1)
    return words, p / p.sum()


def synthetic_library(root: str, hours: float, scene_seconds: float = 10.0, dim: int = 384,
                      log: Callable[[str], None] = print) -> int:
    """Real-sized rows: one video per hour, scenes with transcripts, OCR, objects and vectors."""
    import numpy as np

    from vidrag.records import OcrLine, Scene, Video, Word
    from vidrag.store import Store

    rng = np.random.default_rng(0)
    vocab, p = zipf_words()
    store = Store(root)
    total = 0
    for h in range(int(hours)):
        scenes = []
        n = int(3600 / scene_seconds)
        drawn = np.array(vocab)[rng.choice(len(vocab), size=(n, 36), p=p)]   # 30 said + 6 on screen
        for i in range(n):
            t0 = i * scene_seconds
            words = drawn[i, :30]
            w = [Word(t0 + j * 0.3, t0 + j * 0.3 + 0.25, str(x)) for j, x in enumerate(words)]
            vec = rng.normal(size=dim).astype(np.float32)
            scenes.append(Scene(i, t0, t0 + scene_seconds, transcript=" ".join(words), words=w,
                                ocr_text=" ".join(drawn[i, 30:33]),
                                ocr_lines=[OcrLine(t0 + 1, " ".join(drawn[i, 33:]), 0.9)],
                                objects=f"1 {VOCAB[i % len(VOCAB)]}", vectors={"text": vec / np.linalg.norm(vec)}))
        store.save_video(Video(f"synthetic{h:04d}", f"/synthetic/hour{h}.mp4", f"hour{h}.mp4", duration=3600.0), scenes)
        total += len(scenes)
        if h % 10 == 9:
            log(f"built {h + 1} video-hours ({total} scenes)")
    store.close()
    return total


def bench_search(cfg: Config, hours: float = 100, queries: int = 50, log: Callable[[str], None] = print) -> dict[str, Any]:
    import random

    with tempfile.TemporaryDirectory(prefix="vidrag-bench-") as tmp:
        t0 = time.perf_counter()
        scenes = synthetic_library(tmp, hours, log=log)
        build = time.perf_counter() - t0
        cfg.library = tmp
        with Library(config=cfg) as lib:
            t0 = time.perf_counter()
            lib.search("warm up the models and the index")
            first = time.perf_counter() - t0
            vocab, p = zipf_words()
            rnd = random.Random(0)
            timings = []
            for _ in range(queries):
                q = " ".join(rnd.choices(vocab, weights=p, k=3))
                t0 = time.perf_counter()
                lib.search(q, k=10)
                timings.append(time.perf_counter() - t0)
    return {"benchmark": "search", **machine(), "video_hours": hours, "scenes": scenes,
            "build_s": round(build, 1), "first_query_s (loads models, builds FAISS)": round(first, 2),
            **percentiles(timings), "peak_rss_mb": round(peak_rss_mb(), 1)}


ASK_QUESTIONS = ("What is written on screen about the bunny?", "Which video shows a car?",
                 "What animals appear in the trailer?", "How many times does a bird appear?",
                 "Is there a submarine?", "What happens at the start of the trailer?",
                 "What text appears at the end of the trailer?", "Is there a person on a bicycle?")


def bench_ask(cfg: Config, questions: tuple[str, ...] = ASK_QUESTIONS, log: Callable[[str], None] = print) -> dict[str, Any]:
    with Library(config=cfg) as lib:
        if not lib.videos():
            raise ValueError(f"the library {lib.path} is empty; index the samples first")
        t0 = time.perf_counter()
        lib.agent()
        load = time.perf_counter() - t0
        timings, rows = [], []
        for q in questions:
            t0 = time.perf_counter()
            a = lib.ask(q)
            timings.append(time.perf_counter() - t0)
            rows.append({"question": q, "seconds": round(timings[-1], 2), "answer": a.answer,
                         "citations": [c.label() for c in a.citations]})
            log(f"{timings[-1]:5.1f}s  {q} -> {a.answer[:60]}")
    return {"benchmark": "ask", **machine(), "llm": f"{cfg.llm.backend}:{cfg.llm.model}",
            "load_s": round(load, 2), **percentiles(timings), "questions": rows, "peak_rss_mb": round(peak_rss_mb(), 1)}
