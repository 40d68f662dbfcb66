"""The `vidrag` command line. Data goes to stdout (tables or --json); progress goes to stderr."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typing_extensions import Annotated

from vidrag.config import ConfigError, load_config
from vidrag.library import Library, VideoNotFound
from vidrag.models import ModelMissing
from vidrag.store import StoreError

app = typer.Typer(help="Ask questions about hours of video and get answers with timestamps you can check.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

LibraryOpt = Annotated[Optional[str], typer.Option("--library", "-l", help="Library directory [env VIDRAG_LIBRARY; default ~/.vidrag/library].")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="TOML config file [env VIDRAG_CONFIG; default ~/.vidrag/config.toml].")]
ProfileOpt = Annotated[Optional[str], typer.Option("--profile", help="Model profile: cpu (default, offline) or gpu.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def open_library(library: str | None, config: Path | None, profile: str | None = None,
                 create: bool = False, **overrides: Any) -> Library:
    try:
        cfg = load_config(config, dict(overrides, library=library, profile=profile))
        return Library(config=cfg, create=create)
    except (ConfigError, StoreError) as exc:
        fail(str(exc), 2)
    raise AssertionError("unreachable")


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


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
            err.print(f"[red]{o.status}[/red] {o.path}: {o.message}")

    try:
        with progress:
            outcomes = lib.index(paths, glob=glob, stages=chosen, warn=lambda m: err.print(f"[yellow]warning:[/yellow] {m}"),
                                 on_start=on_start, on_progress=on_progress, on_done=on_done)
    except (StoreError, ModelMissing) as exc:
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
            table.add_row(Path(o.path).name, f"[{style}]{o.status}[/{style}]" if style else o.status,
                          str(o.scenes or ""), hms(o.duration) if o.duration else "",
                          f"{o.seconds:.1f}s" if o.seconds else "", rt, o.message)
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
        table.add_row(str(v.id), v.name, hms(v.duration) if v.duration else "", str(v.scene_count),
                      v.status, v.error or v.warnings, v.path)
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


def parse_time(value: str | None) -> float | None:
    """Seconds from 'SS', 'MM:SS' or 'HH:MM:SS'."""
    if value is None:
        return None
    try:
        parts = [float(p) for p in value.split(":")]
    except ValueError:
        fail(f"not a time: {value!r} (use seconds, MM:SS or HH:MM:SS)", 2)
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))


@app.command()
def search(query: Annotated[str, typer.Argument(help="What to look for, in words.")],
           k: Annotated[int, typer.Option("--top", "-k", help="How many results.")] = 10,
           video: Annotated[Optional[str], typer.Option(help="Only this video (id, name or path).")] = None,
           start: Annotated[Optional[str], typer.Option("--from", help="Only scenes after this time (SS, MM:SS, HH:MM:SS).")] = None,
           end: Annotated[Optional[str], typer.Option("--to", help="Only scenes before this time.")] = None,
           modality: Annotated[Optional[str], typer.Option(help="Only hits whose match is in: speech, text, objects, caption.")] = None,
           library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Find the scenes that match a query (dense text + CLIP + keywords, fused)."""
    from vidrag.agent.search import MODALITIES

    if modality and modality not in MODALITIES:
        fail(f"unknown modality {modality!r} (choose from {', '.join(MODALITIES)})", 2)
    lib = open_library(library, config)
    try:
        hits = lib.search(query, k=k, video=video, start=parse_time(start), end=parse_time(end), modality=modality)
    except (ValueError, VideoNotFound, ModelMissing) as exc:
        fail(str(exc))
    if as_json:
        return emit_json([h.to_dict() for h in hits])
    if not hits:
        err.print("no matching scenes")
        raise typer.Exit(1)
    table = Table()
    for col in ("video", "scene", "match at", "score", "match"):
        table.add_column(col)
    for h in hits:
        table.add_row(h.video, f"{hms(h.start)}–{hms(h.end)}", f"{hms(h.cite_start)}–{hms(h.cite_end)}",
                      f"{h.score:.4f}", f"{h.modality}: {h.snippet[:100]}")
    out.print(table)


def llm_overrides(llm_url: str | None, model: str | None) -> dict:
    if not llm_url:
        return {"llm": {"model": model}} if model else {}
    return {"llm": {"backend": "openai", "model": model or "default", "options": {"url": llm_url}}}


def print_answer(a: Any, trace: bool) -> None:
    colour = "green" if a.found else "yellow"
    out.print(f"[{colour}]{a.answer}[/{colour}]")
    for c in a.citations:
        out.print(f"  {c.label()}  [dim]{c.snippet[:80]}[/dim]")
    out.print(f"[dim]confidence {a.confidence:.2f} · {a.kind}[/dim]")
    if trace:
        for step in a.trace:
            extra = ", ".join(f"{k}={v}" for k, v in step.items() if k not in ("step", "seconds"))
            err.print(f"  {step['step']:<10} {step['seconds']:7.3f}s  {extra}")


LlmUrlOpt = Annotated[Optional[str], typer.Option("--llm-url", help="OpenAI-compatible endpoint, e.g. http://host:8000/v1 (key from VIDRAG_LLM_KEY).")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Model name (for --llm-url) or packaged model.")]


def answer_or_fail(lib: Library, question: str, video: str | None) -> Any:
    from vidrag.agent.llm import LLMError
    try:
        return lib.ask(question, video=video)
    except (ValueError, VideoNotFound, ModelMissing, LLMError) as exc:
        fail(str(exc))


@app.command()
def ask(question: Annotated[str, typer.Argument(help="A question about the videos in the library.")],
        video: Annotated[Optional[str], typer.Option(help="Only this video (id, name or path).")] = None,
        trace: Annotated[bool, typer.Option(help="Show each agent step with its timing.")] = False,
        llm_url: LlmUrlOpt = None, model: ModelOpt = None,
        library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Answer a question with citations `video @ hh:mm:ss–hh:mm:ss`, or say the library does not show it."""
    lib = open_library(library, config, **llm_overrides(llm_url, model))
    a = answer_or_fail(lib, question, video)
    if as_json:
        return emit_json(a.to_dict())
    print_answer(a, trace)


@app.command()
def chat(video: Annotated[Optional[str], typer.Option(help="Only this video.")] = None,
         llm_url: LlmUrlOpt = None, model: ModelOpt = None,
         library: LibraryOpt = None, config: ConfigOpt = None) -> None:
    """Ask several questions in one session; the model stays loaded. Empty line or Ctrl-D ends."""
    lib = open_library(library, config, **llm_overrides(llm_url, model))
    while True:
        try:
            question = input("? ").strip()
        except EOFError:
            break
        if not question:
            break
        from vidrag.agent.llm import LLMError
        try:
            print_answer(lib.ask(question, video=video), False)
        except (ValueError, VideoNotFound, ModelMissing, LLMError) as exc:
            err.print(f"[red]error:[/red] {exc}")


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
    from vidrag.tools.mcp_server import build_server, check_bind, serve_http

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


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
