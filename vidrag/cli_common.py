"""What every `vidrag` command shares: the app, consoles, common options, error exits."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from typing_extensions import Annotated

from vidrag.config import ConfigError, load_config
from vidrag.library import Library
from vidrag.store import StoreError

app = typer.Typer(help="Ask questions about hours of video and get answers with timestamps you can check.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)   # an error stays one line in a log or pipe

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
