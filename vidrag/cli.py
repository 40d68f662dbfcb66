"""The `vidrag` command line. Data goes to stdout (tables or --json); progress goes to stderr."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typing_extensions import Annotated

from vidrag import cli_ask
from vidrag.cli_ask import LlmUrlOpt, ModelOpt, llm_overrides
from vidrag.cli_common import (ConfigOpt, JsonOpt, LibraryOpt, ProfileOpt, app, emit_json, err, fail,
                               open_library, out)
from vidrag.config import ConfigError, load_config
from vidrag.library import VideoNotFound
from vidrag.models import ModelMissing
from vidrag.store import StoreError
from vidrag.timecode import hms


@app.command()
def index(paths: Annotated[List[str], typer.Argument(help="Video files and folders (folders are searched recursively).")],
          glob: Annotated[Optional[str], typer.Option(help="Only files whose name matches, e.g. '*.mkv'.")] = None,
          stages: Annotated[Optional[str], typer.Option(help="Comma-separated stages to run: asr,ocr,objects,caption,clip,embed (default: all in config).")] = None,
          strict: Annotated[bool, typer.Option(help="Fail instead of skipping a stage whose weights are missing.")] = False,
          library: LibraryOpt = None, config: ConfigOpt = None, profile: ProfileOpt = None,
          as_json: JsonOpt = False) -> None:
    """Index videos into the library. Unchanged files are skipped; moved files are recognised;
    stages added later are filled in without redoing the others."""
    lib = open_library(library, config, profile, create=True, strict=strict or None)
    from vidrag.indexers.stages import ALL_STAGES
    chosen = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
    unknown = [s for s in chosen or [] if s not in ALL_STAGES]
    if unknown:
        fail(f"unknown stage {', '.join(unknown)} (choose from {', '.join(ALL_STAGES)})", 2)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                        TimeElapsedColumn(), console=err, transient=True, disable=as_json)
    tasks: dict[str, Any] = {}

    def on_start(path: Path, i: int, n: int) -> None:
        tasks.clear()
        tasks["_name"] = f"[{i + 1}/{n}] {path.name}"

    def on_progress(stage: str, fraction: float) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(f"{tasks.get('_name', '')} {stage}", total=1.0)
        progress.update(tasks[stage], completed=fraction)

    def on_done(o: Any) -> None:
        for key, task in list(tasks.items()):
            if key != "_name":
                progress.remove_task(task)
                del tasks[key]
        if not o.ok and not as_json:
            err.print(f"[red]{o.status}[/red] {escape(o.path)}: {escape(o.message)}")   # a name may hold [brackets]

    try:
        with progress:
            outcomes = lib.index(paths, glob=glob, stages=chosen, warn=lambda m: err.print(f"[yellow]warning:[/yellow] {escape(m)}"),
                                 on_start=on_start, on_progress=on_progress, on_done=on_done)
    except (StoreError, ModelMissing, ValueError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err.print("interrupted: videos finished so far are saved; run the same command again to resume")
        raise typer.Exit(130)
    failed = sum(not o.ok for o in outcomes)
    if as_json:
        emit_json([vars(o) | {"ok": o.ok} for o in outcomes])
    else:
        table = Table(title=f"Indexed into {lib.path}")
        for col in ("file", "status", "scenes", "duration", "time", "x real time", "note"):
            table.add_column(col)
        for o in outcomes:
            style = {"failed": "red", "partial": "yellow", "indexed": "green"}.get(o.status, "")
            rt = f"{o.duration / o.seconds:.1f}" if o.status in ("indexed", "partial") and o.seconds > 0 else ""
            table.add_row(escape(Path(o.path).name), f"[{style}]{o.status}[/{style}]" if style else o.status,
                          str(o.scenes or ""), hms(o.duration) if o.duration else "",
                          f"{o.seconds:.1f}s" if o.seconds else "", rt, escape(o.message))
        out.print(table)
        if not outcomes:
            err.print("no video files found")
    if failed or not outcomes:
        raise typer.Exit(1)


@app.command("list")
def list_videos(library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """List the videos in the library."""
    lib = open_library(library, config)
    videos = lib.videos()
    if as_json:
        return emit_json([v.to_dict() for v in videos])
    if not videos:
        err.print(f"the library {lib.path} is empty; add videos with `vidrag index PATH`")
        return
    table = Table()
    for col in ("id", "name", "duration", "scenes", "status", "note", "path"):
        table.add_column(col)
    for v in videos:
        table.add_row(str(v.id), escape(v.name), hms(v.duration) if v.duration else "", str(v.scene_count),
                      v.status, escape(v.error or v.warnings), escape(v.path))
    out.print(table)


@app.command()
def show(video: Annotated[str, typer.Argument(help="Video id, file name, path or fingerprint prefix.")],
         library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False,
         details: Annotated[bool, typer.Option(help="Include word times, OCR lines and detections.")] = False) -> None:
    """Show a video's scenes with their times and texts."""
    lib = open_library(library, config)
    try:
        v = lib.video(video)
    except VideoNotFound as exc:
        fail(str(exc))
    scenes = lib.store.scenes(v.id, details=details)
    if as_json:
        return emit_json(v.to_dict() | {"scenes": [s.to_dict(details) for s in scenes]})
    out.print(f"[bold]{v.name}[/bold]  {hms(v.duration)}  {v.width}x{v.height}  {len(scenes)} scenes  {v.path}")
    table = Table()
    for col in ("#", "start", "end", "text"):
        table.add_column(col)
    for s in scenes:
        text = " | ".join(x for x in (s.caption, s.objects and f"objects: {s.objects}",
                                       s.ocr_text and f"text: {s.ocr_text}",
                                       s.transcript and f"said: {s.transcript}") if x)
        table.add_row(str(s.idx), hms(s.start), hms(s.end), text[:160])
    out.print(table)


@app.command()
def remove(video: Annotated[str, typer.Argument(help="Video id, file name, path or fingerprint prefix.")],
           library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Remove a video and everything indexed from it (the video file itself is not touched)."""
    lib = open_library(library, config)
    try:
        v = lib.remove(video)
    except (VideoNotFound, StoreError) as exc:
        fail(str(exc))
    if as_json:
        return emit_json({"removed": v.to_dict()})
    out.print(f"removed {v.name} ({v.scene_count} scenes)")


for query_command in (cli_ask.search, cli_ask.ask, cli_ask.chat):
    app.command()(query_command)


@app.command()
def doctor(config: ConfigOpt = None, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Show, for each model role, the backend and where its weights resolve from (or how to get them)."""
    from vidrag.models import doctor_report

    try:
        cfg = load_config(config, {"profile": profile})
    except ConfigError as exc:
        fail(str(exc), 2)
    rows = doctor_report(cfg)
    if as_json:
        emit_json(rows)
    else:
        table = Table(title=f"profile {cfg.profile}")
        for col in ("role", "backend", "model", "status", "where"):
            table.add_column(col)
        for r in rows:
            colour = "green" if r["ok"] else "yellow"
            table.add_row(r["role"], r["backend"], r["model"], f"[{colour}]{r['status']}[/{colour}]", r["where"])
        out.print(table)
    if not all(r["ok"] for r in rows if r["required"]):
        raise typer.Exit(1)


@app.command()
def samples(dest: Annotated[Optional[Path], typer.Option(help="Cache folder [env VIDRAG_CACHE/samples].")] = None,
            as_json: JsonOpt = False) -> None:
    """Fetch the real sample footage (Big Buck Bunny, street scene, band, speech) into a cache."""
    from vidrag.samples import SampleError, fetch_samples

    try:
        files = fetch_samples(dest, log=lambda m: err.print(m))
    except SampleError as exc:
        fail(str(exc))
    if as_json:
        return emit_json({k: str(v) for k, v in files.items()})
    for name, path in files.items():
        out.print(f"{name:18s} {path}")


@app.command()
def mcp(http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP instead of stdio.")] = False,
        host: Annotated[str, typer.Option(help="HTTP address; anything but loopback needs --token.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="HTTP port.")] = 8765,
        token: Annotated[Optional[str], typer.Option(help="Bearer token clients must send [env VIDRAG_MCP_TOKEN].")] = None,
        allow_root: Annotated[Optional[List[str]], typer.Option("--allow-root", help="Folder index_videos may read (repeatable). Default: none over HTTP, your home over stdio.")] = None,
        library: LibraryOpt = None, config: ConfigOpt = None) -> None:
    """Serve the library to chat agents (Claude Desktop, Cursor, LangGraph) over MCP."""
    import os
    from vidrag.access import check_bind
    from vidrag.tools.mcp_server import build_server, serve_http

    token = token or os.environ.get("VIDRAG_MCP_TOKEN")
    roots = allow_root if allow_root is not None else ([] if http else [str(Path.home())])
    if http:
        try:
            check_bind(host, token)
        except ValueError as exc:
            fail(str(exc), 2)
    lib = open_library(library, config, create=True)
    server = build_server(lib, roots, host, port)
    if http:
        serve_http(server, host, port, token)
    else:
        server.run("stdio")


@app.command()
def serve(host: Annotated[str, typer.Option(help="Address to listen on; anything but loopback needs --token.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port (0: any free one).")] = 8700,
          token: Annotated[Optional[str], typer.Option(help="Bearer token clients must send [env VIDRAG_SERVE_TOKEN]; the page takes it once as /?token=T.")] = None,
          allow_root: Annotated[Optional[List[str]], typer.Option("--allow-root", help="Folder the page may index from (repeatable). Default: none (indexing off).")] = None,
          warm: Annotated[bool, typer.Option(help="Load the models at start, before the first question.")] = True,
          library: LibraryOpt = None, config: ConfigOpt = None) -> None:
    """Serve the library as a web page and a JSON API; `vidrag ask/search/chat` use it while it runs."""
    import os
    from vidrag.access import check_bind
    from vidrag.confine import resolve_roots
    from vidrag.serve import serve as run

    token = token or os.environ.get("VIDRAG_SERVE_TOKEN")
    try:
        check_bind(host, token, env="VIDRAG_SERVE_TOKEN")
    except ValueError as exc:
        fail(str(exc), 2)
    lib = open_library(library, config, create=True)
    from vidrag.client import find_server
    if (running := find_server(lib.path)) is not None:
        fail(f"{lib.path} is already served at {running.url}", 2)
    try:
        run(lib, host, port, token, resolve_roots(allow_root or []), warm=warm, say=lambda m: err.print(m))
    except ValueError as exc:
        fail(str(exc), 2)
    except KeyboardInterrupt:   # Ctrl-C is how a server is stopped: not an error
        err.print("stopped")


bench_app = typer.Typer(help="Benchmarks that print speed and memory numbers.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("index")
def bench_index(paths: Annotated[Optional[List[str]], typer.Argument(help="Videos (default: bbb.mp4 from the samples).")] = None,
                config: ConfigOpt = None, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Index into a fresh temporary library and report real-time factors and peak memory."""
    from vidrag.eval.bench import bench_index as run

    try:
        result = run(paths, load_config(config, {"profile": profile}), log=lambda m: err.print(m))
    except (ConfigError, StoreError) as exc:
        fail(str(exc))
    if as_json:
        return emit_json(result)
    out.print_json(json.dumps(result))


@bench_app.command("memory")
def bench_memory(minutes: Annotated[Optional[List[float]], typer.Argument(help="Video lengths in minutes (default: 20 60 180).")] = None,
                 config: ConfigOpt = None, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Peak memory and real-time factor of indexing the samples looped to each length (one process per length)."""
    from vidrag.eval.bench_memory import bench_memory as run

    try:
        result = run(minutes or [20, 60, 180], str(config) if config else None, profile, log=lambda m: err.print(m))
    except (ValueError, RuntimeError) as exc:
        fail(str(exc))
    if as_json:
        return emit_json(result)
    table = Table(title=f"Indexing the samples looped to each length ({result['cores']} cores, one process each)")
    for col in ("minutes", "status", "scenes", "wall s", "x real time", "peak RSS MiB"):
        table.add_column(col, justify="right")
    for r in result["rows"]:
        table.add_row(f"{r['minutes']:g}", r["status"], str(r["scenes"]), f"{r['wall_s']:.0f}",
                      f"{r['x_real_time']}", f"{r['peak_rss_mb']:.0f}")
    out.print(table)


@bench_app.command("search")
def bench_search(hours: Annotated[float, typer.Option(help="Video-hours of synthetic, real-sized rows.")] = 100,
                 queries: Annotated[int, typer.Option(help="Queries to time.")] = 50,
                 config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Search latency p50/p95 on a synthetic library of real-sized scenes and vectors."""
    from vidrag.eval.bench import bench_search as run

    result = run(load_config(config), hours, queries, log=lambda m: err.print(m))
    emit_json(result) if as_json else out.print_json(json.dumps(result))


@bench_app.command("ask")
def bench_ask(library: LibraryOpt = None, config: ConfigOpt = None, llm_url: LlmUrlOpt = None, model: ModelOpt = None,
              as_json: JsonOpt = False) -> None:
    """Ask latency p50/p95 over a fixed set of questions on an indexed library (e.g. the samples)."""
    from vidrag.eval.bench import bench_ask as run

    try:
        cfg = load_config(config, dict(llm_overrides(llm_url, model), library=library))
        result = run(cfg, log=lambda m: err.print(m))
    except (ConfigError, StoreError, ValueError) as exc:
        fail(str(exc))
    emit_json(result) if as_json else out.print_json(json.dumps(result))


@bench_app.command("serve")
def bench_serve(requests: Annotated[int, typer.Option(help="Requests to time per API path.")] = 30,
                rounds: Annotated[int, typer.Option(help="Timed asks per question and way (after one to warm up).")] = 3,
                page: Annotated[bool, typer.Option("--page", help="Also time the page showing search hits, in chromium, on a synthetic 100-video library.")] = False,
                library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """A real `vidrag serve` on the samples (or --library): API p50/p95, answers through it vs in-process."""
    from vidrag.eval.bench_serve import bench_serve as run

    try:
        result = run(load_config(config), library, str(config) if config else None, requests, rounds, page,
                     log=lambda m: err.print(m))
    except (ConfigError, StoreError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        return emit_json(result)
    api = Table(title=f"vidrag serve on {result['library']} ({result['videos']} videos, {result['cores']} cores)")
    for col in ("request", "p50 ms", "p95 ms", "n"):
        api.add_column(col, justify="left" if col == "request" else "right")
    for row in result["api"]:
        api.add_row(row["request"], f"{row['p50_ms']:.1f}", f"{row['p95_ms']:.1f}", str(row["n"]))
    asks = Table(title="Seconds to the answer (medians): Library.ask in-process, POST /api/ask, and "
                       "/api/ask/stream (the page's request); gaps are paired, against in-process")
    for col in ("question", "model", "in-process", "/api/ask", "gap", "stream", "gap"):
        asks.add_column(col, justify="left" if col == "question" else "right", min_width=20 if col == "question" else None)
    for a in result["ask"]:
        asks.add_row(a["question"], "yes" if a["model"] else "no", f"{a['in_process_s']:.3f}", f"{a['api_ask_s']:.3f}",
                     f"{a['api_ask_gap_s']:+.3f}", f"{a['stream_s']:.3f}", f"{a['stream_gap_s']:+.3f}")
    out.print(api, asks)
    if "page_search_render" in result:
        r = result["page_search_render"]
        out.print(f"page: search hits on screen {r['p50_ms']:.1f} ms (p50), {r['p95_ms']:.1f} ms (p95) after "
                  f"/api/search answered; {r['n']} searches on a synthetic {r['video_hours']}-video library")


@bench_app.command("reliability")
def bench_reliability(kills: Annotated[int, typer.Option(help="kill -9 moments in the soak (0 skips it).")] = 20,
                      fuzz: Annotated[int, typer.Option(help="Mutated files to index (0 skips the fuzz).")] = 200,
                      readers: Annotated[int, typer.Option(help="Reader processes while one indexes (0 skips).")] = 4,
                      seed: Annotated[int, typer.Option(help="Seed for kill moments, mutations and queries.")] = 0,
                      file_timeout: Annotated[float, typer.Option(help="Seconds a fuzz file may take before it counts as a hang.")] = 120,
                      disk_full: Annotated[bool, typer.Option(help="Run the disk-full-during-commit check.")] = True,
                      config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """kill -9 soak, concurrent readers, fuzzed files and a full disk on real `vidrag index` processes:
    one row each with lost, corrupt and tracebacks (all must be 0). Exit 1 when a row fails."""
    from vidrag.eval.bench_reliability import bench_reliability as run, render

    try:
        result = run(str(config) if config else None, kills, fuzz, readers, seed, file_timeout, disk_full,
                     log=lambda m: err.print(m, markup=False, highlight=False))
    except (StoreError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        emit_json(result)
    else:
        out.print(render(result))
    if not result["passed"]:
        raise typer.Exit(1)


eval_app = typer.Typer(help="Quality benchmarks.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("needle")
def eval_needle(minutes: Annotated[float, typer.Option(help="Length of the generated video (2 to 60).")] = 10,
                seed: Annotated[int, typer.Option(help="Seed: the same seed makes the same video and questions.")] = 0,
                out_dir: Annotated[Optional[Path], typer.Option("--out", help="Where videos and reports go [cache/needle].")] = None,
                form: Annotated[str, typer.Option(help="open (free answers), mc (multiple choice, scored circularly) or both.")] = "open",
                config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Generate a needle-in-a-video benchmark from the sample footage, index it, ask every question, report."""
    from vidrag.eval.needle_run import run_needle
    from vidrag.samples import cache_dir, fetch_samples

    if not 2 <= minutes <= 60:
        fail(f"--minutes must be between 2 and 60, not {minutes:g}", 2)
    if form not in ("open", "mc", "both"):
        fail("--form must be open, mc or both", 2)
    report = run_needle(minutes, seed, load_config(config), fetch_samples(log=lambda m: err.print(m)),
                        out_dir or cache_dir() / "needle", log=lambda m: err.print(m), form=form)
    if as_json:
        return emit_json({k: v for k, v in report.items() if k != "questions"})
    from vidrag.eval.needle_run import markdown
    out.print(markdown(report))
    out.print("reports: " + ", ".join(report["files"]))


@eval_app.command("dataset")
def eval_dataset(fmt: Annotated[str, typer.Option("--format", help="videomme, longvideobench, mlvu, egoschema or nextqa.")],
                 root: Annotated[Path, typer.Option(help="The dataset's local folder, in its official layout.")],
                 limit: Annotated[Optional[int], typer.Option(help="Only the first N questions.")] = None,
                 circular: Annotated[bool, typer.Option(help="Rotate the options; a question counts only if every rotation is right.")] = False,
                 out_dir: Annotated[Optional[Path], typer.Option("--out", help="Where the library and reports go [cache/datasets/FORMAT].")] = None,
                 config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Score vidrag on a local copy of a public long-video QA benchmark (multiple choice)."""
    from vidrag.eval.dataset_run import markdown, run_dataset
    from vidrag.samples import cache_dir

    try:
        report = run_dataset(fmt, root, load_config(config), out_dir or cache_dir() / "datasets" / fmt,
                             limit=limit, circular=circular, log=lambda m: err.print(m))
    except (ConfigError, StoreError, ValueError, KeyError) as exc:
        fail(f"{fmt}: {exc}" if not isinstance(exc, KeyError) else f"{fmt}: field {exc} missing from the annotations")
    if as_json:
        return emit_json({k: v for k, v in report.items() if k != "items"})
    out.print(markdown(report))
    out.print("reports: " + ", ".join(report["files"]))


@eval_app.command("questions")
def eval_questions(split: Annotated[str, typer.Option(help="dev, heldout or all (the split keeps each fact's phrasings together).")] = "dev",
                   baseline: Annotated[bool, typer.Option("--baseline", help="Score the rule-free baseline (search + one prompt) instead of the agent.")] = False,
                   family: Annotated[Optional[str], typer.Option(help="Only one phrasing family (meeting, lecture, credits, signage, casual, library).")] = None,
                   limit: Annotated[Optional[int], typer.Option(help="At most N questions, a hash-ordered spread over the split.")] = None,
                   out_dir: Annotated[Optional[Path], typer.Option("--out", help="Where reports go [cache/eval/questions/reports].")] = None,
                   library: Annotated[Optional[Path], typer.Option("--library", help="The corpus library [cache/eval/questions/lib], indexed once.")] = None,
                   config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Ask the natural-phrasing question bank about its corpus; correct, grounded and abstention rates, misses."""
    from vidrag.eval.questions_run import markdown, run_questions

    if split not in ("dev", "heldout", "all"):
        fail("--split must be dev, heldout or all", 2)
    try:
        report = run_questions(load_config(config), split, baseline, family, limit, out_dir, library,
                               log=lambda m: err.print(m, markup=False, highlight=False))
    except (ConfigError, StoreError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        return emit_json({k: v for k, v in report.items() if k != "rows"})
    out.print(markdown(report), markup=False, highlight=False)
    out.print("reports: " + ", ".join(report["files"]))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
