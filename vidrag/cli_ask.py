"""`vidrag search`, `ask` and `chat`: querying the library from the command line (registered in cli.py)."""
from __future__ import annotations

from typing import Any, Optional

import typer
from rich.table import Table
from typing_extensions import Annotated

from vidrag import client
from vidrag.cli_common import ConfigOpt, JsonOpt, LibraryOpt, emit_json, err, fail, open_library, out
from vidrag.library import Library, VideoNotFound
from vidrag.models import ModelMissing
from vidrag.timecode import hms, parse_timecode


def parse_time(value: str | None) -> float | None:
    """Seconds from 'SS', 'MM:SS' or 'HH:MM:SS'; a usage error otherwise."""
    if value is None:
        return None
    try:
        return parse_timecode(value)
    except ValueError as exc:
        fail(str(exc), 2)


def via_server(lib: Library, remote_call, local_call) -> Any:
    """A running `vidrag serve` on this library answers when there is one (no model to load here);
    without one, or if it goes away mid-call, the library answers in-process as before."""
    import httpx
    server = client.find_server(lib.path)
    if server is not None:
        try:
            return remote_call(server)
        except httpx.TransportError:
            pass
        except client.RemoteError as exc:
            fail(str(exc))
    return local_call()


def search(query: Annotated[str, typer.Argument(help="What to look for, in words.")],
           k: Annotated[int, typer.Option("--top", "-k", help="How many results.")] = 10,
           video: Annotated[Optional[str], typer.Option(help="Only this video (id, name or path).")] = None,
           start: Annotated[Optional[str], typer.Option("--from", help="Only scenes after this time (SS, MM:SS, HH:MM:SS).")] = None,
           end: Annotated[Optional[str], typer.Option("--to", help="Only scenes before this time.")] = None,
           modality: Annotated[Optional[str], typer.Option(help="Only hits whose match is in: speech, text, objects, caption, image (CLIP).")] = None,
           library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Find the scenes that match a query (dense text + CLIP + keywords, fused)."""
    lib = open_library(library, config)
    where = dict(k=k, video=video, start=parse_time(start), end=parse_time(end), modality=modality)
    try:
        hits = via_server(lib, lambda server: server.search(query, **where), lambda: lib.search(query, **where))
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
    for c in a.related:
        out.print(f"  [dim]related: {c.label()}  {c.snippet[:80]}[/dim]")
    out.print(f"[dim]confidence {a.confidence:.2f} · {a.kind} · {a.outcome}[/dim]")
    if trace:
        for step in a.trace:
            extra = ", ".join(f"{k}={v}" for k, v in step.items() if k not in ("step", "seconds"))
            err.print(f"  {step['step']:<10} {step['seconds']:7.3f}s  {extra}")


def progress_line(done: int, total: int, message: str) -> None:
    """Long first-time work (a video's summary) reports as it goes, on stderr."""
    err.print(f"[dim]{message} ({done}/{total})[/dim]")


LlmUrlOpt = Annotated[Optional[str], typer.Option("--llm-url", help="OpenAI-compatible endpoint, e.g. http://host:8000/v1 (key from VIDRAG_LLM_KEY).")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Model name (for --llm-url) or packaged model.")]


def answer_or_fail(lib: Library, question: str, video: str | None, options: list[str] | None = None,
                   own_model: bool = False) -> Any:
    """The answer, from a running `vidrag serve` unless this call names its own model."""
    from vidrag.llm import LLMError

    def local() -> Any:
        return lib.ask(question, video=video, options=options, progress=progress_line)
    try:
        if own_model:
            return local()
        return via_server(lib, lambda server: server.ask(question, video, options), local)
    except (ValueError, VideoNotFound, ModelMissing, LLMError) as exc:
        fail(str(exc))


def ask(question: Annotated[str, typer.Argument(help="A question about the videos in the library.")],
        video: Annotated[Optional[str], typer.Option(help="Only this video (id, name or path).")] = None,
        trace: Annotated[bool, typer.Option(help="Show each agent step with its timing.")] = False,
        option: Annotated[Optional[list[str]], typer.Option("--option", "-o", help="A multiple-choice option (repeat: A, B, ...); the answer picks one.")] = None,
        llm_url: LlmUrlOpt = None, model: ModelOpt = None,
        library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Answer a question with citations `video @ hh:mm:ss–hh:mm:ss`, or say the library does not show it."""
    lib = open_library(library, config, **llm_overrides(llm_url, model))
    a = answer_or_fail(lib, question, video, option or None, own_model=bool(llm_url or model))
    if as_json:
        return emit_json(a.to_dict())
    print_answer(a, trace)


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
        try:
            print_answer(answer_or_fail(lib, question, video, own_model=bool(llm_url or model)), False)
        except typer.Exit:   # one bad question does not end the session
            continue
