"""`vidrag mcp`: the library as tools for chat agents, over stdio or streamable HTTP.

Models stay loaded between calls (one Library per server). Indexing runs as a background job
with its own store connection. Paths to index, and every file found under them, must lie under
the allowed roots after symlinks are resolved (`vidrag.confine`); thumbnails are served only from
the library's own thumbs folder (`vidrag.access.thumbnail`, as `vidrag serve` does).
"""
from __future__ import annotations

import json
from pathlib import Path

from mcp.server.fastmcp import FastMCP, Image
from mcp.server.fastmcp.exceptions import ToolError

from vidrag.access import PathRefused, bearer_guard, check_bind, thumbnail
from vidrag.confine import confine, resolve_roots
from vidrag.jobs import JobNotFound, Jobs
from vidrag.library import Library, VideoNotFound
from vidrag.models import ModelMissing
from vidrag.store import StoreError

INSTRUCTIONS = ("vidrag answers questions about a library of indexed videos with timestamps. Use "
                "search_video_library to find moments, ask_video_library for a cited answer, list_videos "
                "to see what is indexed, get_scene to read one scene and see its keyframe.")


def build_server(lib: Library, allowed_roots: list[str | Path], host: str = "127.0.0.1", port: int = 8765) -> FastMCP:
    roots = resolve_roots(allowed_roots)
    jobs = Jobs(lib, roots)
    server = FastMCP(name="vidrag", instructions=INSTRUCTIONS, host=host, port=port, log_level="WARNING")

    def guard(fn, *args, **kwargs):
        """The library's errors (a bad question, an unknown video or job, a path outside the
        roots, a model that failed: LLMError is a RuntimeError) as the tool's error message."""
        try:
            return fn(*args, **kwargs)
        except (ValueError, VideoNotFound, JobNotFound, ModelMissing, StoreError, RuntimeError) as exc:
            raise ToolError(str(exc)) from None

    @server.tool(description="Search the indexed videos for moments matching a description (speech, "
                             "on-screen text, objects). Returns scenes with video name, start/end seconds, "
                             "the matching snippet and where in the scene it matched.")
    def search_video_library(query: str, k: int = 5, video: str | None = None) -> list[dict]:
        return [h.to_dict() for h in guard(lib.search, query, k=max(1, min(k, 50)), video=video)]

    @server.tool(description="Answer a question about the videos, with citations 'video @ hh:mm:ss–hh:mm:ss', "
                             "or say the library does not show it. Slower than search (runs a language model).")
    def ask_video_library(question: str, video: str | None = None) -> dict:
        return guard(lib.ask, question, video=video).to_dict()

    @server.tool(description="List the indexed videos: id, name, duration in seconds, scene count, status.")
    def list_videos() -> list[dict]:
        return [{k: v.to_dict()[k] for k in ("id", "name", "path", "duration", "scene_count", "status", "error")}
                for v in lib.videos()]

    @server.tool(description="One scene of a video by index: its times, transcript, on-screen text, objects, "
                             "and its keyframe as an image.")
    def get_scene(video: str, scene: int) -> list:
        scenes = guard(lib.scenes, video)
        match = [s for s in scenes if s.idx == scene]
        if not match:
            raise ToolError(f"{video} has scenes 0..{len(scenes) - 1}, not {scene}")
        s = match[0]
        content: list = [json.dumps(s.to_dict(), ensure_ascii=False)]
        if s.thumb:
            try:   # the same guard as the web page's /thumbs/...: only files inside the thumbs folder
                content.append(Image(data=thumbnail(lib.path, s.thumb).read_bytes(), format="jpeg"))
            except (PathRefused, OSError):   # no keyframe to show; the scene's texts still stand
                pass
        return content

    @server.tool(description="Start indexing video files or folders (under the allowed roots). Returns a "
                             "job id at once; poll index_status with it.")
    def index_videos(paths: list[str]) -> dict:
        if not roots:
            raise ToolError("indexing is disabled: the server was started without --allow-root")
        if not paths:
            raise ToolError("no paths given")
        checked = [guard(confine, p, roots) for p in paths]
        return {"job_id": jobs.start(checked), "state": "running"}

    @server.tool(description="Progress of an indexing job started by index_videos: state, done/total, results.")
    def index_status(job_id: str) -> dict:
        status = guard(jobs.status, job_id)
        return {k: status[k] for k in ("job_id", "state", "done", "total", "results", "error") if k in status}

    @server.resource("vidrag://videos", name="videos", description="The indexed videos as JSON",
                     mime_type="application/json")
    def videos_resource() -> str:
        return json.dumps(list_videos(), ensure_ascii=False)

    return server


def serve_http(server: FastMCP, host: str, port: int, token: str | None) -> None:
    import uvicorn
    check_bind(host, token)
    app = server.streamable_http_app()
    uvicorn.run(bearer_guard(app, token) if token else app, host=host, port=port, log_level="warning",
                lifespan="on")
