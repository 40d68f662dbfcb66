"""`vidrag bench`: benchmarks that print speed and memory numbers (timings live here, never in tests)."""
from __future__ import annotations

import json
from typing import List, Optional

import typer
from rich.table import Table
from typing_extensions import Annotated

from vidrag.cli_ask import LlmUrlOpt, ModelOpt, llm_overrides
from vidrag.cli_common import ConfigOpt, JsonOpt, LibraryOpt, ProfileOpt, app, emit_json, err, fail, out
from vidrag.config import ConfigError, load_config
from vidrag.store import StoreError


bench_app = typer.Typer(help="Benchmarks that print speed and memory numbers.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("index")
def bench_index(paths: Annotated[Optional[List[str]], typer.Argument(help="Videos (default: bbb.mp4 from the samples; with --ray all four sample videos).")] = None,
                ray: Annotated[Optional[str], typer.Option("--ray", help="Also index on Ray ('auto' or an address) and compare with local; time the one writer's commits.")] = None,
                config: ConfigOpt = None, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Index into a fresh temporary library and report real-time factors and peak memory."""
    from vidrag.eval.bench import bench_index as run

    try:
        if ray is not None:
            from vidrag.eval.bench_ray import bench_index_ray
            result = bench_index_ray(paths, load_config(config, {"profile": profile}), ray, log=lambda m: err.print(m))
        else:
            result = run(paths, load_config(config, {"profile": profile}), log=lambda m: err.print(m))
    except (ConfigError, StoreError, RuntimeError) as exc:
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
