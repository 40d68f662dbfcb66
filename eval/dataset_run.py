"""Run a local copy of a public video QA benchmark (see datasets.py) through the public Python API:
index its videos (its subtitles as the speech track where it has them), ask every multiple-choice
question, and report accuracy overall, per category and per duration group (JSON + Markdown)."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from vidrag.config import Config
from vidrag.eval.bench import machine, peak_rss_mb, percentiles
from vidrag.eval.circular import ask_choice
from vidrag.eval.datasets import load
from vidrag.library import Library


def grouped(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[bool]] = {}
    for r in rows:
        groups.setdefault(r[key] or "-", []).append(r["correct"])
    return {k: {"n": len(v), "accuracy": round(sum(v) / len(v), 3)} for k, v in sorted(groups.items())}


def run_dataset(fmt: str, root: Path, cfg: Config, out_dir: Path, limit: int | None = None,
                circular: bool = False, log: Callable[[str], None] = print) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    subs = out_dir / "subtitles"
    items = load(fmt, root, subs)[:limit]
    if any(subs.glob("*.srt")):   # the dataset's own subtitles are the speech track; ASR where none
        cfg.asr.backend = "subtitles"
        cfg.asr.options = {**cfg.asr.options, "subtitles_dir": str(subs)}
    cfg.library = str(out_dir / "library")   # kept between runs: videos already indexed are skipped
    rows = []
    with Library(config=cfg) as lib:
        videos = sorted({str(i.video) for i in items})
        log(f"{fmt}: {len(items)} questions over {len(videos)} videos; indexing")
        t0 = time.perf_counter()
        outcomes = lib.index(videos)
        index_s = time.perf_counter() - t0
        failed = {o.path: o.message for o in outcomes if o.status == "failed"}
        for item in items:
            if str(item.video) in failed:
                rows.append({**vars(item), "video": item.video.name, "correct": False, "picks": [], "seconds": [],
                             "answer": f"video failed to index: {failed[str(item.video)]}", "citations": []})
                continue
            got = ask_choice(lib, item.question, item.options, item.gold, video=str(item.video), circular=circular)
            rows.append({**vars(item), "video": item.video.name, **got})
            log(f"{'ok ' if got['correct'] else 'MISS'} {sum(got['seconds']):5.1f}s {item.qid}: {item.question[:60]} -> {got['answer'][:50]}")
    asks = [s for r in rows for s in r["seconds"]]
    report = {"benchmark": "dataset", "format": fmt, "root": str(root), **machine(),
              "llm": f"{cfg.llm.backend}:{cfg.llm.model}", "circular": circular,
              "speech": "subtitles" if cfg.asr.backend == "subtitles" else cfg.asr.backend,
              "questions": len(rows), "accuracy": round(sum(r["correct"] for r in rows) / max(1, len(rows)), 3),
              "no_pick": round(sum(not r["picks"] or r["picks"][0] is None for r in rows) / max(1, len(rows)), 3),
              "by_category": grouped(rows, "category"), "by_duration": grouped(rows, "duration"),
              "index_s": round(index_s, 1), "ask": percentiles(asks) if asks else {},
              "peak_rss_mb": round(peak_rss_mb(), 1), "items": rows}
    stem = out_dir / f"report_{fmt}"
    Path(f"{stem}.json").write_text(json.dumps(report, indent=2, default=str))
    Path(f"{stem}.md").write_text(markdown(report))
    report["files"] = [f"{stem}.json", f"{stem}.md"]
    return report


def markdown(r: dict[str, Any]) -> str:
    lines = [f"## {r['format']}: {r['questions']} questions, {r['llm']}, speech from {r['speech']}, "
             f"{'circular' if r['circular'] else 'single pass'}, {r['cores']} cores", "",
             f"Accuracy **{r['accuracy']:.0%}**; no option picked {r['no_pick']:.0%}; indexing {r['index_s']} s; "
             + (f"ask p50 {r['ask']['p50_ms'] / 1000:.1f} s, p95 {r['ask']['p95_ms'] / 1000:.1f} s." if r["ask"] else ""),
             "", "| group | n | accuracy |", "| --- | --- | --- |"]
    for title in ("by_category", "by_duration"):
        lines += [f"| {title[3:]}: {k} | {v['n']} | {v['accuracy']:.0%} |" for k, v in r[title].items()]
    lines += ["", "| id | question | gold | picked | ok |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {i['qid']} | {i['question'][:70]} | {'ABCDEFGH'[i['gold']]} | "
              f"{' '.join('-' if p is None else 'ABCDEFGH'[p] for p in i['picks'])} | {'yes' if i['correct'] else 'no'} |"
              for i in r["items"]]
    return "\n".join(lines) + "\n"
