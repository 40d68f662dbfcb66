"""Finding and using a running `vidrag serve` on the same library, so a CLI question loads no model.

`vidrag serve` writes `serve.json` (its address, pid, and token if any; readable by the owner
only) into the library folder while it runs. The CLI reads it, asks the server's health with a
short connect timeout and checks it serves this very library; anything short of that (no file,
a stale file from a killed server, a server gone mid-question) falls back to answering
in-process, silently. `VIDRAG_NO_SERVER=1` always answers in-process.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, Iterator

import httpx

FILE = "serve.json"
CONNECT_TIMEOUT = 0.25   # loopback answers in microseconds; a dead address must not delay the CLI


class RemoteError(Exception):
    """The server answered with an error (a bad question, an unknown video): the message is its own."""


@contextmanager
def announce(library: Path, url: str, token: str | None) -> Iterator[None]:
    path = Path(library) / FILE
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": url, "pid": os.getpid(), "token": token}, f)
    os.replace(tmp, path)
    try:
        yield
    finally:
        try:   # only our own: a second server on this library may have announced itself since
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError):
            pass


class Server:
    def __init__(self, url: str, token: str | None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url
        self.http = httpx.Client(base_url=url, headers=headers, timeout=httpx.Timeout(None, connect=CONNECT_TIMEOUT))

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        r = self.http.request(method, path, **kw)
        try:
            data = r.json()
        except ValueError:
            raise httpx.TransportError(f"{self.url}{path}: not a vidrag answer") from None
        if r.status_code >= 400:
            raise RemoteError(data.get("error", f"HTTP {r.status_code}") if isinstance(data, dict) else r.text)
        return data

    def search(self, query: str, **params: Any) -> list:
        """The hits of `Library.search(query, **params)`, as that returns them."""
        from vidrag.agent.search import Hit
        names = {"start": "from", "end": "to"}
        wanted = {names.get(k, k): v for k, v in params.items() if v is not None}
        return [from_dict(Hit, h) for h in self._call("GET", "/api/search", params={"q": query, **wanted})]

    def ask(self, question: str, video: str | None = None, options: list[str] | None = None):
        """The Answer of `Library.ask`, as that returns it."""
        from vidrag.agent.answer import Answer, Citation
        d = self._call("POST", "/api/ask", json={"question": question, "video": video, "options": options})
        return from_dict(Answer, d | {k: [from_dict(Citation, c) for c in d.get(k, [])] for k in ("citations", "related")})


def find_server(library: Path) -> Server | None:
    """The server announced for this library if it is up and serves it, else None."""
    if os.environ.get("VIDRAG_NO_SERVER"):
        return None
    try:
        info = json.loads((Path(library) / FILE).read_text())
        server = Server(info["url"], info.get("token"))
        health = server._call("GET", "/api/health")
    except (OSError, ValueError, KeyError, TypeError, httpx.HTTPError, RemoteError):
        return None
    return server if health.get("library") == str(Path(library).resolve()) else None


def wait_for_server(library: Path, proc: subprocess.Popen, timeout: float = 60.0) -> Server:
    """The `vidrag serve` just started as `proc` on `library`, once it has announced itself and answers."""
    deadline = time.monotonic() + timeout
    while (server := find_server(library)) is None:
        if proc.poll() is not None:
            raise RuntimeError(f"vidrag serve exited with status {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"vidrag serve did not answer within {timeout:g} s")
        time.sleep(0.2)
    return server


def from_dict(cls, d: dict):
    """A dataclass from its JSON, leaving out what the server adds to it (labels, thumbnails)."""
    return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})
