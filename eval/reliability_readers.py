"""The concurrent-readers row of `vidrag bench reliability`: reader processes search and ask
while a real `vidrag index` commits a batch, and report errors, search latency, and every view
of a video that disagrees with what was finally committed (a half-committed video).

A reader is this module run as a process: `python -m vidrag.eval.reliability_readers LIB STOP SEED OUT [CONFIG]`.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

SEARCHES = ("bunny", "a man playing guitar", "people on bicycles", "music", "title card", "trees and grass",
            "a car in the street", "singing on stage", "butterfly", "text on screen")
# Counts and orders are answered from the index alone (no model load), so four readers can ask
# often on two cores; they read every table a model-backed answer reads.
QUESTIONS = ("How many times does a person appear?", "How many times does a car appear?",
             "What is shown first, a bicycle or a person?")


def one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def reader(library: str, stop: str, seed: int, out: str, config: str | None) -> None:
    from vidrag.config import load_config
    from vidrag.library import Library

    rng = random.Random(seed)
    lib = Library(config=load_config(Path(config) if config else None, {"library": library}), create=False)
    lib.search("warm up the models and the index")
    print("ready", flush=True)
    searches, asks, errors, seen = [], 0, [], {}
    while not Path(stop).exists():
        try:
            t0 = time.perf_counter()
            hits = lib.search(rng.choice(SEARCHES), k=10)
            searches.append(time.perf_counter() - t0)
            ids = [i for h in hits for i in h.scene_ids]
            if len(lib.store.scenes_by_id(ids)) != len(set(ids)):
                errors.append("a search hit names a scene that is not in the library")
            if rng.random() < 0.3:
                lib.ask(rng.choice(QUESTIONS))
                asks += 1
            for v in lib.videos():        # what a user listing the library sees, and then opens
                if v.status == "indexed":
                    shown = len(lib.store.scenes(v.id))
                    seen.setdefault(v.fingerprint, set()).update({v.scene_count, shown})
        except Exception as exc:   # the bench counts every error a reader meets
            errors.append(one_line(exc))
    model = bool(getattr(lib, "_agent", None) and lib._agent.llm.loaded)
    Path(out).write_text(json.dumps({"searches": searches, "asks": asks, "errors": errors, "model_loaded": model,
                                     "seen": {fp: sorted(n) for fp, n in seen.items()}}))


def readers(argv: Callable[..., list[str]], seed_clip: Path, clips: list[Path], work: Path, n: int, seed: int,
            config: str | None, log: Callable[[str], None]) -> dict:
    from vidrag.eval.bench import percentiles
    from vidrag.eval.reliability_faults import check, digests, run_index

    library, stop = work / "readers", work / "readers.stop"
    stop.unlink(missing_ok=True)
    rc, err, _ = run_index(argv, library, [seed_clip])
    if rc != 0:
        raise ValueError(f"the readers' library does not index cleanly (exit {rc}): {err.strip()[-300:]}")
    outs = [work / f"reader{i}.json" for i in range(n)]
    procs = [subprocess.Popen([sys.executable, "-m", "vidrag.eval.reliability_readers", str(library), str(stop),
                               str(seed + i), str(o), config or ""], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True) for i, o in enumerate(outs)]
    for p in procs:   # every reader has loaded its models before the indexer starts
        p.stdout.readline()
    log(f"readers: {n} readers searching and asking; indexing {len(clips)} videos")
    rc, err, seconds = run_index(argv, library, clips)
    stop.touch()
    exits = [p.wait(600) for p in procs]
    results = [json.loads(o.read_text()) for o in outs if o.exists()]
    final = {fp: d[1] for fp, d in digests(library).items()}
    half = sum(any(c != final.get(fp) for c in counts) for r in results for fp, counts in r["seen"].items())
    errors = [e for r in results for e in r["errors"]]
    if len(results) < n:
        errors.append(f"{n - len(results)} readers died (exit codes {exits})")
    timings = [t for r in results for t in r["searches"]]
    return {"readers": n, "index_exit": rc, "index_s": round(seconds, 1), "tracebacks": int("Traceback" in err),
            "errors": len(errors), "locked": sum("locked" in e for e in errors), "error_lines": sorted(set(errors))[:5],
            "searches": len(timings), "asks": sum(r["asks"] for r in results),
            "model_loaded": any(r["model_loaded"] for r in results),
            **(percentiles(timings) if timings else {"p50_ms": None, "p95_ms": None}),
            "half_committed": half, "videos": len(final), "expected": len(clips) + 1,
            "lost": len(clips) + 1 - len(final), "audit": check(library)}


if __name__ == "__main__":
    reader(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] or None)
