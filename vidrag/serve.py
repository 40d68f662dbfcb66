"""`vidrag serve`: one process holds the library and its loaded models behind a JSON API and a web page.

This module runs the process: it binds the socket, puts the guards in front of the app
(`vidrag.access`: Host and origin checks, the bearer token off loopback), announces the address
for the CLI (`vidrag.client`) and serves until stopped. The routes are `vidrag.api`.
"""
from __future__ import annotations

import signal
import socket
import sys
import threading
from pathlib import Path

from vidrag.access import LOOPBACK, bearer_guard, browser_guard
from vidrag.api import build_app
from vidrag.library import Library


def wrap(app, host: str, token: str | None):
    """The guards: Host and origin checks (vidrag.access.browser_guard), then the bearer token."""
    guarded = browser_guard(app, hosts=LOOPBACK if host in LOOPBACK else None)
    return bearer_guard(guarded, token, cookie="vidrag_token") if token else guarded


def listen(host: str, port: int) -> socket.socket:
    """The bound socket, so `--port 0` works and a busy port is one clear error (ValueError)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: asyncio turns Nagle off only on sockets that name TCP, and with it
    # on, every small answer waited ~40 ms for the client's delayed ACK (headers and body are two writes).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def serve(lib: Library, host: str, port: int, token: str | None, roots: list[Path] | None,
          warm: bool = True, say=print) -> None:
    """Listen until Ctrl-C or SIGTERM; the address goes to the library's serve.json for the CLI to find."""
    import uvicorn
    from vidrag.client import announce

    sock = listen(host, port)
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
