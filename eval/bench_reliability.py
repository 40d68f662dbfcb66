"""`vidrag bench reliability`: soak, concurrency, fuzz and disk-full checks on real processes,
one table row each. Every row must show 0 lost and 0 corrupt, and no traceback.

Clips a few seconds long are cut from the samples once (into the cache) so that hundreds of
files stay affordable on two cores; libraries and mutated files live in a temporary folder.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from rich.console import Group
from rich.table import Table
from rich.text import Text

from vidrag.eval.bench import machine
from vidrag.eval.reliability_disk import disk_full
from vidrag.eval.reliability_faults import soak, vidrag_argv
from vidrag.eval.reliability_fuzz import fuzz
from vidrag.eval.reliability_media import BATCH, FUZZ_SOURCES, SEED_CLIP, clips, fuzz_files
from vidrag.eval.reliability_readers import readers


def bench_reliability(config: str | None = None, kills: int = 20, fuzz_files_n: int = 200, reader_n: int = 4,
                      seed: int = 0, file_timeout: float = 120, disk: bool = True,
                      log: Callable[[str], None] = print) -> dict[str, Any]:
    from vidrag.samples import cache_dir, fetch_samples

    if min(kills, fuzz_files_n, reader_n) < 0 or file_timeout <= 0:
        raise ValueError("--kills, --fuzz and --readers must be 0 or more, --file-timeout more than 0")
    samples = fetch_samples(names=tuple({name for name, *_ in BATCH + FUZZ_SOURCES + (SEED_CLIP,)}), log=log)
    media = cache_dir() / "bench" / "reliability"
    batch = clips(samples, media / "batch", BATCH)
    sources = clips(samples, media / "fuzz-sources", FUZZ_SOURCES)
    argv = vidrag_argv(config)
    result: dict[str, Any] = {"benchmark": "reliability", **machine(), "seed": seed,
                              "load_before": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(prefix="vidrag-reliability-") as tmp:
        work = Path(tmp)
        if kills:
            result["soak"] = soak(argv, batch, work, kills, seed, log)
        if reader_n:
            seed_clip = clips(samples, media / "seed", (SEED_CLIP,))[0]
            result["readers"] = readers(argv, seed_clip, batch, work, reader_n, seed, config, log)
        if fuzz_files_n:
            made = fuzz_files(sources, work / "fuzz", fuzz_files_n, seed, log)
            result["fuzz"] = fuzz(argv, made, work, config, file_timeout, log)
        if disk:
            result["disk_full"] = disk_full(argv, batch, work, config, log)
    result["load_after"] = round(os.getloadavg()[0], 2)
    result["passed"] = all(row["ok"] for row in rows(result))
    return result


def _audit_note(a: dict) -> str:
    faiss = ", ".join(f"FAISS {k} {f['faiss']} = SQLite {f['sqlite']}" if f["faiss"] == f["sqlite"] else
                      f"FAISS {k} {f['faiss']} != SQLite {f['sqlite']}" for k, f in a["faiss"].items())
    return (f"integrity_check {a['integrity']}, FTS {a['fts_integrity']}; duplicates {sum(a['duplicates'].values())}, "
            f"orphans {sum(a['orphans'].values())}; {faiss or 'no vectors'}")


def rows(r: dict) -> list[dict]:
    """The table: one row per check that ran, with lost, corrupt, tracebacks and its numbers."""
    out = []
    if "soak" in r:
        s = r["soak"]
        corrupt = len(set(s["problems"]))
        at = ", ".join(f"{n} after {k} commits" for k, n in s["committed_by_killed_run"].items())
        out.append({"row": "kill -9 soak", "ran": f"{s['kills']} kills, {s['runs']} runs", "lost": s["lost"],
                    "corrupt": corrupt, "tracebacks": s["tracebacks"],
                    "numbers": f"{_audit_note(s['audit'])}; killed {at}; final rerun exit {s['rerun_exit']}, "
                               f"{s['videos']}/{s['expected']} videos",
                    "ok": not (s["lost"] or corrupt or s["tracebacks"] or s["rerun_exit"] or s["videos"] != s["expected"])})
    if "readers" in r:
        d = r["readers"]
        corrupt = d["half_committed"] + len(d["audit"]["problems"])
        out.append({"row": "concurrent readers", "ran": f"{d['readers']} readers, {d['searches']} searches, "
                    f"{d['asks']} asks", "lost": d["lost"], "corrupt": corrupt, "tracebacks": d["tracebacks"],
                    "numbers": f"errors {d['errors']} (database is locked {d['locked']}); search during indexing "
                               f"p50 {d['p50_ms']} ms, p95 {d['p95_ms']} ms; half-committed views {d['half_committed']}; "
                               f"{_audit_note(d['audit'])}",
                    "ok": not (d["lost"] or corrupt or d["tracebacks"] or d["errors"] or d["index_exit"])})
    if "fuzz" in r:
        f = r["fuzz"]
        corrupt = len(f["audit"]["problems"])
        counts = ", ".join(f"{k} {n}" for k, n in sorted(f["outcomes"].items()))
        sl = f["slowest"]
        out.append({"row": "fuzz", "ran": f"{f['files']} files, bound {f['bound_s']:.0f} s each", "lost": 0,
                    "corrupt": corrupt, "tracebacks": f["tracebacks"],
                    "numbers": f"{counts}; hangs {f['hangs']}, crashes {f['crashes']}, messages not one line "
                               f"{f['bad_messages']}; slowest {sl['file']} {sl['seconds']} s ({sl['status']}); "
                               f"CLI rerun exit {f['cli_exit']}, failed files without their one line {f['cli_unnamed']}; "
                               f"{_audit_note(f['audit'])}",
                    "ok": not (corrupt or f["tracebacks"] or f["hangs"] or f["crashes"] or f["bad_messages"]
                               or f["cli_exit"] is None or f["cli_unnamed"])})
    if "disk_full" in r:
        d = r["disk_full"]
        corrupt = (not d["unchanged"]) + len(d["audit"]["problems"])
        out.append({"row": "disk full during commit", "ran": d["how"],
                    "lost": d["lost"], "corrupt": corrupt, "tracebacks": d["tracebacks"],
                    "numbers": f"exit {d['exit']}: {d['message'] or '(no message)'}; library unchanged: "
                               f"{'yes' if d['unchanged'] else 'NO'}; rerun with space exit {d['rerun_exit']}, "
                               f"{d['videos']}/{d['expected']} videos; {_audit_note(d['audit'])}",
                    "ok": not (d["lost"] or corrupt or d["tracebacks"] or d["rerun_exit"]) and d["exit"] == 1
                          and bool(d["message"])})
    return out


def render(result: dict) -> Group:
    """What `vidrag bench reliability` prints: the table, then the numbers behind each row."""
    table = Table(title=f"vidrag bench reliability (seed {result['seed']}, {result['cores']} cores, load "
                        f"{result['load_before']} before, {result['load_after']} after)")
    for col in ("check", "ran", "lost", "corrupt", "tracebacks", "pass"):
        table.add_column(col)
    for r in rows(result):
        table.add_row(r["row"], Text(r["ran"]), str(r["lost"]), str(r["corrupt"]), str(r["tracebacks"]),
                      "yes" if r["ok"] else "[red]NO[/red]")
    return Group(table, *(Text(f"{r['row']}: {r['numbers']}") for r in rows(result)))
