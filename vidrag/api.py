"""The JSON API and the page that `vidrag serve` runs (the process itself is `vidrag.serve`).

The API paths are a contract (the page, `vidrag ask/search/chat` and other tools use them):
GET /api/videos, /api/videos/{id}, /api/search, POST /api/ask, GET /api/ask/stream (server-sent
events), POST /api/index and GET /api/index/{job}[/events], GET /media/{id} (HTTP Range), and
GET /thumbs/... . Errors are JSON `{"error": message}` with a fitting status.

Searches and questions share one Library and run one at a time (one model, one FAISS view);
browsing reads through its own store connection, so the page stays live during a long answer.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, AsyncIterator, Optional

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable

from vidrag.access import PathRefused, thumbnail
from vidrag.confine import OutsideRoots, confine
from vidrag.jobs import JobNotFound, Jobs
from vidrag.library import Library, VideoNotFound, one_video
from vidrag.llm import LLMError
from vidrag.models import ModelMissing
from vidrag.steps import with_steps
from vidrag.store import Store, StoreError

WEB = Path(__file__).parent / "web"
log = logging.getLogger(__name__)


class AskBody(BaseModel):
    question: str
    video: Optional[str] = None
    options: Optional[list[str]] = None


class IndexBody(BaseModel):
    paths: list[str]


def status_of(exc: BaseException) -> int:
    """The HTTP status for an error the library raises: the caller's fault, or this server's state."""
    if isinstance(exc, (VideoNotFound, JobNotFound, FileNotFoundError)):
        return 404
    if isinstance(exc, (PathRefused, OutsideRoots, PermissionError)):
        return 403
    if isinstance(exc, (ModelMissing, LLMError, StoreError)):
        return 503
    if isinstance(exc, ValueError):
        return 400
    return 500


def thumb_url(rel: str | None) -> str | None:
    return f"/{rel}" if rel else None


class Served:
    """What the routes share: the library (searches, answers), a read connection, jobs, counts."""

    def __init__(self, lib: Library, roots: list[Path] | None):
        self.lib, self.roots = lib, roots
        self.reads = Store(lib.path, create=False)
        self.read_lock, self.model_lock = threading.Lock(), threading.Lock()
        self.jobs = Jobs(lib, roots)
        self.answered: Counter = Counter()   # the CLI client's proof that the server answered

    def warm(self) -> None:
        """Load the models before the first question (in the background, holding the model lock,
        so a question that comes early waits for this load instead of starting a second one)."""
        with self.model_lock:
            try:
                self.lib.agent(warm=any(v.status == "indexed" for v in self.lib.videos()))
            except Exception as exc:   # a missing model is reported when a question needs it
                log.warning("could not load the models ahead of the first question: %s", exc)

    def video(self, ref: str):
        with self.read_lock:
            return one_video(self.reads, ref)

    def videos(self) -> list[dict]:
        with self.read_lock:
            videos, thumbs = self.reads.videos(), self.reads.first_thumbs()
        return [v.to_dict() | {"thumb": thumb_url(thumbs.get(v.id)), "media": f"/media/{v.id}"} for v in videos]

    def detail(self, ref: str) -> dict:
        v = self.video(ref)
        with self.read_lock:
            scenes = self.reads.scenes(v.id)
        return v.to_dict() | {"media": f"/media/{v.id}", "scenes": [
            s.to_dict() | {"thumb": thumb_url(s.thumb)} for s in scenes]}

    def search(self, **kw: Any) -> list[dict]:
        with self.model_lock:
            hits = self.lib.search(**kw)
            self.answered["search"] += 1
        ids = [h.scene_ids[0] for h in hits if h.scene_ids]
        with self.read_lock:
            thumbs = {i: s.thumb for i, s in self.reads.scenes_by_id(ids).items()}
        return [h.to_dict() | {"thumb": thumb_url(thumbs.get(h.scene_ids[0]) if h.scene_ids else None)} for h in hits]

    def ask(self, question: str, video: str | None = None, options: list[str] | None = None,
            progress=None) -> dict:
        with self.model_lock:
            answer = self.lib.ask(question, video=video, options=options, progress=progress).to_dict()
            self.answered["ask"] += 1
        return answer


def event_stream(events: AsyncIterator[tuple[str, Any]]) -> StreamingResponse:
    """Server-sent events, each `(name, data)` as `event: name` and one line of JSON."""
    async def lines():
        async for event, data in events:
            yield f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
    return StreamingResponse(lines(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


class MediaResponse(FileResponse):
    """A FileResponse whose Range errors are JSON like every other error: Starlette answers them in
    plain text, so the Range is checked first, with Starlette's own parser, before it serves."""

    async def __call__(self, scope, receive, send) -> None:
        wanted = Headers(scope=scope).get("range")
        if wanted and self.stat_result is not None:
            try:
                self._parse_range_header(wanted, self.stat_result.st_size)
            except MalformedRangeHeader as exc:
                return await JSONResponse({"error": f"bad Range header: {exc.content}"}, 400)(scope, receive, send)
            except RangeNotSatisfiable as exc:
                return await JSONResponse({"error": f"range not satisfiable: the file has {exc.max_size} bytes"}, 416,
                                          headers={"Content-Range": f"bytes */{exc.max_size}"})(scope, receive, send)
        await super().__call__(scope, receive, send)


def build_app(lib: Library, roots: list[Path] | None = None) -> FastAPI:
    """The ASGI app (without the host/origin/token guards, which `vidrag.serve.wrap` adds)."""
    served = Served(lib, roots)
    app = FastAPI(title="vidrag", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.served = served

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        message = {404: "not found", 405: "method not allowed"}.get(exc.status_code, str(exc.detail))
        return JSONResponse({"error": message}, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(map(str, e.get('loc', ())[1:])) or 'body'}: {e.get('msg')}" for e in exc.errors())
        return JSONResponse({"error": f"bad request: {problems}"}, 422)

    @app.exception_handler(Exception)
    async def library_error(request: Request, exc: Exception) -> JSONResponse:
        status = status_of(exc)
        if status == 500:
            log.exception("error serving %s", request.url.path)
        return JSONResponse({"error": str(exc) if status != 500 else f"internal error: {exc}"}, status)

    # Searches and answers queue on one worker thread: many waiting questions must not take every
    # thread of the default pool, which the page's browsing (asyncio.to_thread) needs meanwhile.
    model_worker = ThreadPoolExecutor(1, thread_name_prefix="vidrag-model")

    def on_model(fn, *args, **kw):
        return asyncio.get_running_loop().run_in_executor(model_worker, partial(fn, *args, **kw))

    @app.get("/api/health")
    async def health() -> dict:
        return {"library": str(lib.path.resolve()), "answered": dict(served.answered)}

    @app.get("/api/videos")
    async def videos() -> list:
        return await asyncio.to_thread(served.videos)

    @app.get("/api/videos/{ref}")
    async def video(ref: str) -> dict:
        return await asyncio.to_thread(served.detail, ref)

    @app.get("/api/search")
    async def search(q: str, video: Optional[str] = None, k: int = Query(10, ge=1, le=100),
                     start: Optional[float] = Query(None, alias="from"), end: Optional[float] = Query(None, alias="to"),
                     modality: Optional[str] = None) -> list:
        return await on_model(served.search, query=q, k=k, video=video or None, start=start, end=end, modality=modality or None)

    @app.post("/api/ask")
    async def ask(body: AskBody) -> dict:
        return await on_model(served.ask, body.question, body.video or None, body.options)

    @app.get("/api/ask/stream")
    async def ask_stream(q: str, video: Optional[str] = None) -> StreamingResponse:
        """Each agent step as it starts and ends (`start`, `step` events; `progress` while a video's
        summary is built the first time), then `answer` (or `error`)."""
        if not q.strip():
            raise ValueError("empty question")
        loop, queue = asyncio.get_running_loop(), asyncio.Queue()

        def emit(event: str, data: Any) -> None:   # from the model thread to this request's loop
            loop.call_soon_threadsafe(queue.put_nowait, (event, data))

        def progress(done: int, total: int, message: str) -> None:
            emit("progress", {"done": done, "total": total, "message": message})

        def work() -> None:
            try:
                emit("answer", with_steps(lambda: served.ask(q, video or None, progress=progress), emit))
            except Exception as exc:   # the stream has begun: the error is an event, not a status
                status = status_of(exc)
                if status == 500:
                    log.exception("error answering %r", q)
                emit("error", {"error": str(exc), "status": status})
            emit("end", None)

        loop.run_in_executor(model_worker, work)

        async def events():
            while (item := await queue.get())[0] != "end":
                yield item
        return event_stream(events())

    @app.post("/api/index", status_code=202)
    async def index(body: IndexBody) -> dict:
        if not roots:
            raise PathRefused("indexing is disabled: the server was started without --allow-root")
        if not body.paths:
            raise ValueError("no paths given")
        checked = [confine(p, roots) for p in body.paths]
        return {"job_id": served.jobs.start(checked), "state": "running"}

    @app.get("/api/index")
    async def jobs() -> list:
        return served.jobs.all()

    @app.get("/api/index/{job_id}")
    async def job(job_id: str) -> dict:
        return served.jobs.status(job_id)

    @app.get("/api/index/{job_id}/events")
    async def job_events(job_id: str) -> StreamingResponse:
        """The job's record each time it changes (`progress`), then once more as `done`."""
        served.jobs.status(job_id)   # an unknown job is a 404 now, not an empty stream

        async def events():
            seen = -1
            while (status := served.jobs.status(job_id))["state"] == "running":
                if status["version"] != seen:
                    seen = status["version"]
                    yield "progress", status
                await asyncio.sleep(0.2)
            yield "done", status
        return event_stream(events())

    @app.get("/media/{ref}")
    async def media(ref: str) -> FileResponse:
        v = served.video(ref)
        path = Path(v.path)
        stat = path.stat() if path.is_file() else None
        # Serve the file that was indexed, not whatever now sits at its path (a swapped-in link).
        if stat is None or (v.size and stat.st_size != v.size):
            raise FileNotFoundError(f"{v.name}: the file is gone or changed since it was indexed ({v.path})")
        return MediaResponse(path, filename=v.name, content_disposition_type="inline", stat_result=stat)

    @app.get("/thumbs/{rel:path}")
    async def thumbs(rel: str) -> FileResponse:
        return FileResponse(thumbnail(lib.path, f"thumbs/{rel}"), media_type="image/jpeg")

    @app.get("/")
    async def page() -> FileResponse:
        return FileResponse(WEB / "index.html", headers={"Cache-Control": "no-store"})

    app.mount("/static", StaticFiles(directory=WEB), name="static")
    return app
