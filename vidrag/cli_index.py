"""`vidrag index`: on this machine, or on a Ray cluster with `--ray`. Same progress bars and
summary table either way; with Ray, one bar per video (or shard) in flight."""
from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typing_extensions import Annotated

from vidrag.cli_common import ConfigOpt, JsonOpt, LibraryOpt, ProfileOpt, app, emit_json, err, fail, open_library, out
from vidrag.cluster import ClusterError
from vidrag.models import ModelMissing
from vidrag.store import StoreError
from vidrag.timecode import hms

RayOpt = Annotated[Optional[str], typer.Option(
    "--ray", help="Compute on Ray: 'auto' joins RAY_ADDRESS when set, else starts a new local Ray; or a cluster "
                  "address. This process stays the library's only writer. Needs the 'cluster' extra.")]


class Bars:
    """Progress bars keyed by video (and stage), so videos running at once each get theirs."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.names: dict[str, str] = {}
        self.bars: dict[tuple[str, str], Any] = {}
        self.current = ""

    def start(self, path: Path, i: int, n: int) -> None:
        self.current = str(Path(path).expanduser().absolute())
        self.names[self.current] = f"[{i + 1}/{n}] {escape(Path(path).name)}"

    def update(self, path: str, stage: str, fraction: float) -> None:
        video, _, shard = path.partition("#")
        if video not in self.names:
            return
        key = (path, stage)
        if key not in self.bars:
            label = f"{self.names[video]}{f' shard {shard}' if shard else ''} {stage}"
            self.bars[key] = self.progress.add_task(label, total=1.0)
        self.progress.update(self.bars[key], completed=fraction)

    def done(self, path: str) -> None:
        for key in [k for k in self.bars if k[0].partition("#")[0] == path]:
            self.progress.remove_task(self.bars.pop(key))


@app.command()
def index(paths: Annotated[List[str], typer.Argument(help="Video files and folders (folders are searched recursively).")],
          glob: Annotated[Optional[str], typer.Option(help="Only files whose name matches, e.g. '*.mkv'.")] = None,
          stages: Annotated[Optional[str], typer.Option(help="Comma-separated stages to run: asr,ocr,objects,caption,clip,embed (default: all in config).")] = None,
          strict: Annotated[bool, typer.Option(help="Fail instead of skipping a stage whose weights are missing.")] = False,
          ray: RayOpt = None, library: LibraryOpt = None, config: ConfigOpt = None, profile: ProfileOpt = None,
          as_json: JsonOpt = False) -> None:
    """Index videos into the library. Unchanged files are skipped; moved files are recognised;
    stages added later are filled in without redoing the others."""
    if ray is not None:
        import importlib.util
        if importlib.util.find_spec("ray") is None:   # before anything is opened or started
            fail(escape("--ray needs Ray, which is not installed: pip install 'vidrag[cluster]'"), 2)
    lib = open_library(library, config, profile, create=True, strict=strict or None)
    from vidrag.indexers.stages import ALL_STAGES
    chosen = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
    unknown = [s for s in chosen or [] if s not in ALL_STAGES]
    if unknown:
        fail(f"unknown stage {', '.join(unknown)} (choose from {', '.join(ALL_STAGES)})", 2)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                        TimeElapsedColumn(), console=err, transient=True, disable=as_json)
    bars = Bars(progress)

    def on_done(o: Any) -> None:
        bars.done(o.path)
        if not o.ok and not as_json:
            err.print(f"[red]{o.status}[/red] {escape(o.path)}: {escape(o.message)}")   # a name may hold [brackets]

    try:
        with progress:
            outcomes = lib.index(paths, glob=glob, stages=chosen, warn=lambda m: err.print(f"[yellow]warning:[/yellow] {escape(m)}"),
                                 on_start=bars.start, on_progress=lambda s, f: bars.update(bars.current, s, f),
                                 on_done=on_done, ray=ray, note=lambda m: err.print(escape(m)),
                                 on_event=lambda e: bars.update(e.path, e.stage, e.fraction))
    except ClusterError as exc:
        fail(escape(str(exc)))
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
