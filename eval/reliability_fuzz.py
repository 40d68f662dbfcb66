"""The fuzz row of `vidrag bench reliability`: index mutated files, each within a time bound.

A worker process (this module: `python -m vidrag.eval.reliability_fuzz LIB LIST [CONFIG]`) indexes
the files through `Library.index`, the CLI's path, and prints a JSON line when each file starts
and ends. The bench kills a worker whose file overruns the bound, records a hang, and starts a
new worker on the files left, so the batch always finishes. Then the real CLI indexes the same
folder once more, to show what a user sees.
"""
from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Callable

STARTUP_S = 600   # a worker loads every model before its first file


def worker(library: str, listing: str, config: str | None) -> None:
    from vidrag.config import load_config
    from vidrag.library import Library

    def emit(**record) -> None:
        print(json.dumps(record), flush=True)

    files = json.loads(Path(listing).read_text())
    with Library(config=load_config(Path(config) if config else None, {"library": library})) as lib:
        try:
            lib.index(files, on_start=lambda p, i, n: emit(start=str(p)),
                      on_done=lambda o: emit(done=o.path, status=o.status, message=o.message))
        except BaseException as exc:   # what would reach a user of `vidrag index` as a traceback
            emit(traceback=traceback.format_exception_only(type(exc), exc)[-1].strip())
            sys.exit(3)


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def run_workers(files: list[Path], library: Path, config: str | None, bound: float,
                log: Callable[[str], None]) -> dict[str, dict]:
    """path -> {status, message, seconds}; status also hang, crash or traceback."""
    results: dict[str, dict] = {}
    left = [str(f.absolute()) for f in files]
    while left:
        listing = library.parent / "fuzz-list.json"
        listing.write_text(json.dumps(left))
        proc = subprocess.Popen([sys.executable, "-m", "vidrag.eval.reliability_fuzz", str(library), str(listing),
                                 config or ""], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
        current, started, deadline = None, 0.0, time.monotonic() + STARTUP_S
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                proc.kill()
                if current is None:   # before its first file (or after its last)
                    break
                results[current] = {"status": "hang", "message": f"no outcome after {bound:.0f} s", "seconds": bound}
                log(f"fuzz: {Path(current).name} overran {bound:.0f} s: killed")
                break
            if line is None:
                break
            record = json.loads(line) if line.startswith("{") else {}
            if "start" in record:
                current, started, deadline = record["start"], time.monotonic(), time.monotonic() + bound
            elif "done" in record:
                results[record["done"]] = {"status": record["status"], "message": record["message"],
                                           "seconds": time.monotonic() - started if record["done"] == current else 0.0}
                current, deadline = None, time.monotonic() + bound
            elif "traceback" in record and current:
                results[current] = {"status": "traceback", "message": record["traceback"], "seconds": 0.0}
                current = None
        code = proc.wait()
        if current is not None and current not in results:   # died mid-file: a crash in native code
            results[current] = {"status": "crash", "message": f"worker exited with {code}",
                                "seconds": time.monotonic() - started}
        done_now = [f for f in left if f in results]
        if not done_now:
            raise ValueError(f"a fuzz worker finished no file (exit {code}); is the library writable?")
        left = [f for f in left if f not in results]
        if len(results) % 20 < len(done_now) or not left:
            log(f"fuzz: {len(results)}/{len(files)} files")
    return results


def fuzz(argv: Callable[..., list[str]], made: list[tuple[Path, str]], work: Path, config: str | None,
         bound: float, log: Callable[[str], None]) -> dict:
    from vidrag.eval.reliability_faults import check

    library = work / "fuzz-lib"
    results = run_workers([f for f, _ in made], library, config, bound, log)
    kinds = {str(f.absolute()): k for f, k in made}
    outcomes = Counter(r["status"] for r in results.values())
    bad_lines = [p for p, r in results.items() if r["status"] == "failed" and (not r["message"] or "\n" in r["message"])]
    slowest = max(results.items(), key=lambda kv: kv[1]["seconds"])
    by_kind: dict[str, Counter] = {}
    for p, r in results.items():
        by_kind.setdefault(kinds.get(p, "?"), Counter())[r["status"]] += 1
    # What a user sees: the real CLI over the whole folder (failed files are tried again).
    folder = made[0][0].parent
    try:
        cli = subprocess.run(argv("index", "--library", str(library), str(folder)), capture_output=True,
                             text=True, timeout=bound * len(made) + STARTUP_S)
        cli_exit, cli_err = cli.returncode, cli.stderr
    except subprocess.TimeoutExpired:
        cli_exit, cli_err = None, ""
    # Each file that failed must have its one line in the CLI's output, naming it as it is named.
    lines = set(cli_err.splitlines())
    unnamed = [Path(p).name for p, r in results.items()
               if r["status"] == "failed" and not any(l.startswith(f"failed {p}: ") for l in lines)]
    return {"files": len(made), "outcomes": dict(outcomes), "by_mutation": {k: dict(v) for k, v in by_kind.items()},
            "hangs": outcomes["hang"], "crashes": outcomes["crash"], "tracebacks": outcomes["traceback"] + ("Traceback" in cli_err),
            "bad_messages": len(bad_lines), "bound_s": bound,
            "slowest": {"file": Path(slowest[0]).name, "seconds": round(slowest[1]["seconds"], 1),
                        "status": slowest[1]["status"]},
            "cli_exit": cli_exit, "cli_unnamed": len(unnamed), "cli_unnamed_files": unnamed[:5],
            "cli_stderr_tail": cli_err[-2000:] if unnamed else "", "audit": check(library)}


if __name__ == "__main__":
    worker(sys.argv[1], sys.argv[2], sys.argv[3] or None)
