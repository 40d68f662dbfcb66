"""Run the needle benchmark through the public Python API and report it (JSON, Markdown, PNG)."""
from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from vidrag.config import Config
from vidrag.eval.bench import machine, peak_rss_mb, percentiles
from vidrag.eval.circular import ask_choice
from vidrag.eval.needle import generate
from vidrag.library import Library

NUMBERS = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five"}


def overlap(a: list[float], b: list[float]) -> float:
    """Temporal IoU of two [start, end] windows."""
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def score(q: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    text = answer["answer"].lower()
    cites = [[c["start"], c["end"]] for c in answer["citations"]]
    hit = any(overlap(c, w) > 0 for c in cites for w in q["windows"])
    iou = max((overlap(c, w) for c in cites for w in q["windows"]), default=0.0)
    kind, want = q["kind"], q["expected"].lower()
    if kind == "absent":
        correct = not answer["found"]
    elif kind == "when":
        correct = answer["found"] and hit
    elif kind == "count":
        correct = bool(re.search(rf"\b({want}|{NUMBERS.get(want, want)})\b", text))
    elif kind == "order":
        correct = want in text and q["avoid"].lower() not in text
    else:
        correct = answer["found"] and want in text
    return {"correct": correct, "citation_hit": hit, "iou": round(iou, 3)}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    kinds: dict[str, list[bool]] = {}
    for r in rows:
        kinds.setdefault(r["kind"], []).append(r["correct"])
    located = [r for r in rows if r["kind"] != "absent"]
    abstained = [r for r in rows if not r["found"]]
    absent = [r for r in rows if r["kind"] == "absent"]
    return {
        "accuracy": {k: round(sum(v) / len(v), 3) for k, v in sorted(kinds.items())},
        "citation_overlap": round(sum(r["citation_hit"] for r in located) / max(1, len(located)), 3),
        "mean_tiou": round(sum(r["iou"] for r in located) / max(1, len(located)), 3),
        "abstention_precision": round(sum(r["kind"] == "absent" for r in abstained) / max(1, len(abstained)), 3),
        "abstention_recall": round(sum(not r["found"] for r in absent) / max(1, len(absent)), 3),
    }


def ask_open(lib: Library, q: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    answer = lib.ask(q["question"]).to_dict()
    return {**q, "answer": answer["answer"], "found": answer["found"], "seconds": round(time.perf_counter() - t0, 2),
            "citations": [c["label"] for c in answer["citations"]], **score(q, answer)}


def ask_mc(lib: Library, q: dict[str, Any]) -> dict[str, Any]:
    got = ask_choice(lib, q["question"], q["options"], q["gold"])
    hit = any(overlap(c, w) > 0 for c in got["cited"] for w in q["windows"])
    return {**q, "answer": got["answer"], "found": got["picks"][0] is not None, "picks": got["picks"],
            "seconds": round(sum(got["seconds"]) / len(got["seconds"]), 2), "citations": got["citations"],
            "correct": got["correct"], "citation_hit": hit,
            "iou": round(max((overlap(c, w) for c in got["cited"] for w in q["windows"]), default=0.0), 3)}


def run_needle(minutes: float, seed: int, cfg: Config, samples: dict[str, Path], out_dir: Path,
               log: Callable[[str], None] = print, form: str = "open") -> dict[str, Any]:
    """form: "open" (free answers), "mc" (multiple choice, scored circularly) or "both"."""
    out_dir.mkdir(parents=True, exist_ok=True)
    log(f"generating a {minutes:g}-minute needle video (seed {seed})")
    video, truth_path = generate(minutes, seed, samples, out_dir / "videos")
    truth = json.loads(truth_path.read_text())
    lib_dir = out_dir / f"library_{video.stem}"
    shutil.rmtree(lib_dir, ignore_errors=True)
    cfg.library = str(lib_dir)
    rows = []
    with Library(config=cfg) as lib:
        log("indexing")
        t0 = time.perf_counter()
        outcome = lib.index([video])[0]
        index_s = time.perf_counter() - t0
        lib.agent()
        for q in truth["questions"]:
            asks = ([("open", ask_open)] if form in ("open", "both") else []) + \
                   ([("mc", ask_mc)] if form in ("mc", "both") and q["options"] else [])
            for name, fn in asks:
                rows.append({"form": name, **fn(lib, q)})
                r = rows[-1]
                log(f"{'ok ' if r['correct'] else 'MISS'} {r['seconds']:5.1f}s {name:<4} {q['kind']:<11} {q['question']} -> {r['answer'][:60]}")
    duration = truth["minutes"] * 60
    open_rows, mc_rows = [r for r in rows if r["form"] == "open"], [r for r in rows if r["form"] == "mc"]
    report = {"benchmark": "needle", **machine(), "video": video.name, "minutes": minutes, "seed": seed,
              "llm": f"{cfg.llm.backend}:{cfg.llm.model}", **summarise(open_rows or mc_rows),
              "mc_accuracy": summarise(mc_rows)["accuracy"] if mc_rows else {},
              "ask": percentiles([r["seconds"] for r in open_rows or mc_rows]),
              "index": {"seconds": round(index_s, 1), "x_real_time": round(duration / index_s, 1),
                        "stages_x_real_time": {k: round(duration / v, 1) for k, v in outcome.timings.items() if v}},
              "peak_rss_mb": round(peak_rss_mb(), 1), "questions": rows}
    stem = out_dir / f"report_{video.stem}"
    Path(f"{stem}.json").write_text(json.dumps(report, indent=2))
    Path(f"{stem}.md").write_text(markdown(report))
    chart(report, Path(f"{stem}.png"))
    report["files"] = [f"{stem}.json", f"{stem}.md", f"{stem}.png"]
    return report


def markdown(r: dict[str, Any]) -> str:
    lines = [f"## Needle benchmark: {r['minutes']:g} min, seed {r['seed']}, {r['llm']}, {r['cores']} cores", "",
             "| measure | value |", "| --- | --- |"]
    lines += [f"| accuracy: {k} | {v:.0%} |" for k, v in r["accuracy"].items()]
    lines += [f"| multiple choice (circular): {k} | {v:.0%} |" for k, v in r["mc_accuracy"].items()]
    lines += [f"| citation overlaps the needle | {r['citation_overlap']:.0%} |",
              f"| mean temporal IoU | {r['mean_tiou']:.2f} |",
              f"| abstention precision / recall | {r['abstention_precision']:.0%} / {r['abstention_recall']:.0%} |",
              f"| ask p50 / p95 | {r['ask']['p50_ms'] / 1000:.1f} s / {r['ask']['p95_ms'] / 1000:.1f} s |",
              f"| indexing | {r['index']['x_real_time']}x real time |",
              "| stages (x real time) | " + ", ".join(f"{k} {v}" for k, v in r["index"]["stages_x_real_time"].items()) + " |",
              f"| peak RSS | {r['peak_rss_mb']:.0f} MB |", "",
              "| form | kind | question | expected | answer | cited | ok |", "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {q['form']} | {q['kind']} | {q['question']} | {q['expected']} | {q['answer'][:80]} | "
              f"{', '.join(q['citations'][:2])} | {'yes' if q['correct'] else 'no'} |" for q in r["questions"]]
    return "\n".join(lines) + "\n"


def chart(r: dict[str, Any], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
    kinds = list(r["accuracy"])
    x = range(len(kinds))
    a.bar([i - 0.2 for i in x], list(r["accuracy"].values()), 0.4, color="#4477aa", label="open-ended")
    a.bar([i + 0.2 for i in x], [r["mc_accuracy"].get(k, 0) for k in kinds], 0.4, color="#66ccee", label="multiple choice")
    a.set_xticks(list(x), kinds, rotation=30, fontsize=8)
    a.legend(fontsize=7)
    a.set_ylim(0, 1)
    a.set_title("accuracy per question kind")
    stages = r["index"]["stages_x_real_time"]
    b.barh(list(stages), list(stages.values()), color="#aa7744")
    b.set_title("indexing speed per stage (x real time)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
