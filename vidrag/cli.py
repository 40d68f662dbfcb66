"""The `vidrag` command line. Data goes to stdout (tables or --json); progress goes to stderr."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape
from rich.table import Table
from typing_extensions import Annotated

# `index` first, so it leads the help; each module registers its commands on the app
from vidrag import cli_index, cli_ask, cli_bench  # noqa: F401
from vidrag.cli_common import (ConfigOpt, JsonOpt, LibraryOpt, ProfileOpt, app, emit_json, err, fail,
                               open_library, out)
from vidrag.config import ConfigError, load_config
from vidrag.library import VideoNotFound
from vidrag.store import StoreError
from vidrag.timecode import hms


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
def eval_questions(split: Annotated[str, typer.Option(help="dev, heldout or all of the bank (the split keeps each fact's phrasings together), or fresh / fresh2 / fresh3: later sets, all held out.")] = "dev",
                   baseline: Annotated[bool, typer.Option("--baseline", help="Score the rule-free baseline (search + one prompt) instead of the agent.")] = False,
                   family: Annotated[Optional[str], typer.Option(help="Only one phrasing family (meeting, lecture, credits, signage, casual, library).")] = None,
                   limit: Annotated[Optional[int], typer.Option(help="At most N questions, a hash-ordered spread over the split.")] = None,
                   out_dir: Annotated[Optional[Path], typer.Option("--out", help="Where reports go [cache/eval/questions/reports].")] = None,
                   library: Annotated[Optional[Path], typer.Option("--library", help="The corpus library [cache/eval/questions/lib], indexed once.")] = None,
                   config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Ask the natural-phrasing question bank about its corpus; correct, grounded and abstention rates, misses."""
    from vidrag.eval.questions_run import SPLITS, markdown, run_questions

    if split not in SPLITS:
        fail(f"--split must be one of {', '.join(SPLITS)}", 2)
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
