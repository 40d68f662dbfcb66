"""`vidrag serve`: one process holds the library and its loaded models behind a JSON API and a web page.

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
from typing import Any, Optional

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from vidrag.access import LOOPBACK, PathRefused, bearer_guard, browser_guard, inside
from vidrag.confine import OutsideRoots, confine
from vidrag.jobs import JobNotFound, Jobs
from vidrag.library import Library, VideoNotFound
from vidrag.models import ModelMissing
from vidrag.steps import with_steps
from vidrag.store import Store, StoreError

WEB = Path(__file__).parent / "web"
log = logging.getLogger("vidrag.serve")


class AskBody(BaseModel):
    question: str
    video: Optional[str] = None
    options: Optional[list[str]] = None


class IndexBody(BaseModel):
    paths: list[str]


def status_of(exc: BaseException) -> int:
    """The HTTP status for an error the library raises: the caller's fault, or this server's state."""
    from vidrag.llm import LLMError
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
            matches = self.reads.find_videos(ref)
        if len(matches) != 1:
            raise VideoNotFound(f"no video '{ref}' in the library" if not matches else
                                f"'{ref}' matches {len(matches)} videos; use its id")
        return matches[0]

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


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


def build_app(lib: Library, roots: list[Path] | None = None) -> FastAPI:
    """The ASGI app (without the host/origin/token guards, which `wrap` adds)."""
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
    # thread of the default pool, which the page's browsing (run) needs meanwhile.
    model_worker = ThreadPoolExecutor(1, thread_name_prefix="vidrag-model")

    def run(fn, *args, **kw):
        """Library reads off the event loop; their errors come back as JSON via the handler above."""
        return asyncio.to_thread(fn, *args, **kw)

    def on_model(fn, *args, **kw):
        return asyncio.get_running_loop().run_in_executor(model_worker, partial(fn, *args, **kw))

    @app.get("/api/health")
    async def health() -> dict:
        return {"library": str(lib.path.resolve()), "answered": dict(served.answered)}

    @app.get("/api/videos")
    async def videos() -> list:
        return await run(served.videos)

    @app.get("/api/videos/{ref}")
    async def video(ref: str) -> dict:
        return await run(served.detail, ref)

    @app.get("/api/search")
    async def search(q: str, video: Optional[str] = None, k: int = Query(10, ge=1, le=100),
                     start: Optional[float] = Query(None, alias="from"), end: Optional[float] = Query(None, alias="to"),
                     modality: Optional[str] = None) -> list:
        from vidrag.agent.search import MODALITIES
        if modality and modality not in MODALITIES:
            raise ValueError(f"unknown modality {modality!r} (choose from {', '.join(MODALITIES)})")
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

        def emit(event: str, data: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, (event, data))

        def work() -> None:
            try:
                def progress(done: int, total: int, message: str) -> None:
                    emit("progress", {"done": done, "total": total, "message": message})
                emit("answer", with_steps(lambda: served.ask(q, video or None, progress=progress), emit))
            except Exception as exc:
                status = status_of(exc)
                if status == 500:
                    log.exception("error answering %r", q)
                emit("error", {"error": str(exc), "status": status})
            emit("end", None)

        loop.run_in_executor(model_worker, work)

        async def events():
            while (item := await queue.get())[0] != "end":
                yield sse(*item)
        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

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
            while True:
                status = served.jobs.status(job_id)
                if status["state"] != "running":
                    yield sse("done", status)
                    return
                if status["version"] != seen:
                    seen = status["version"]
                    yield sse("progress", status)
                await asyncio.sleep(0.2)
        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @app.get("/media/{ref}")
    async def media(ref: str) -> FileResponse:
        v = served.video(ref)
        path = Path(v.path)
        # Serve the file that was indexed, not whatever now sits at its path (a swapped-in link).
        if not path.is_file() or (v.size and path.stat().st_size != v.size):
            raise FileNotFoundError(f"{v.name}: the file is gone or changed since it was indexed ({v.path})")
        return FileResponse(path, filename=v.name, content_disposition_type="inline")

    @app.get("/thumbs/{rel:path}")
    async def thumbs(rel: str) -> FileResponse:
        return FileResponse(inside(lib.path / "thumbs", rel), media_type="image/jpeg")

    @app.get("/")
    async def page() -> FileResponse:
        return FileResponse(WEB / "index.html", headers={"Cache-Control": "no-store"})

    app.mount("/static", StaticFiles(directory=WEB), name="static")
    return app


def wrap(app: FastAPI, host: str, token: str | None):
    """The guards: Host and origin checks (vidrag.access.browser_guard), then the bearer token."""
    guarded = browser_guard(app, hosts=LOOPBACK if host in LOOPBACK else None)
    return bearer_guard(guarded, token, cookie="vidrag_token") if token else guarded


def serve(lib: Library, host: str, port: int, token: str | None, roots: list[Path] | None,
          warm: bool = True, say=print) -> None:
    """Listen until Ctrl-C or SIGTERM. The socket is bound here, so `--port 0` works and a busy
    port is one clear error; the address goes to the library's serve.json for the CLI to find."""
    import signal
    import socket
    import sys

    import uvicorn
    from vidrag.client import announce

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    port = sock.getsockname()[1]
    app = build_app(lib, roots)
    if warm:
        threading.Thread(target=app.state.served.warm, daemon=True).start()
    # Where a client on this machine connects: a wildcard address is reached through loopback.
    local = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "localhost": "127.0.0.1", "::": "::1"}.get(host, host)
    url = f"http://[{local}]:{port}" if ":" in local else f"http://{local}:{port}"
    config = uvicorn.Config(wrap(app, host, token), log_level="warning", lifespan="off", timeout_graceful_shutdown=3)
    # uvicorn stops gracefully on SIGTERM, then re-raises it; exiting from our handler (rather
    # than dying by the default one) lets `announce` remove serve.json on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with announce(lib.path, url, token):
        say(f"serving {lib.path} at {url}/" + (" (open the page once as /?token=TOKEN)" if token else ""))
        uvicorn.Server(config).run(sockets=[sock])
