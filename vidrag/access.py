"""Who may reach a served library, and which files it may read: shared by `vidrag mcp` and `vidrag serve`.

Both servers bind to loopback unless given a bearer token, and read thumbnails only inside the
library's thumbs folder (`thumbnail`). Files to index must lie under allowed roots: that check is
`vidrag.confine`.
"""
from __future__ import annotations

import hmac
import json
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class PathRefused(ValueError):
    """A path outside what the server may read; the message says which and why."""


def check_bind(host: str, token: str | None, env: str = "VIDRAG_MCP_TOKEN") -> None:
    if host not in LOOPBACK and not token:
        raise ValueError(f"refusing to listen on {host} without a bearer token (--token or {env})")


def inside(folder: Path, relative: str) -> Path:
    """`folder/relative`, resolved, if it is a file strictly inside `folder`. Absolute paths, `..`
    (however encoded: the router has decoded it by now) and symlinks out are PathRefused; a file
    that is not there is FileNotFoundError."""
    folder = folder.resolve()
    if "\x00" in relative or relative.startswith(("/", "\\")) or Path(relative).is_absolute():
        raise PathRefused(f"refused: {relative!r} is an absolute path")
    path = (folder / relative).resolve()
    if folder not in path.parents:
        raise PathRefused(f"refused: {relative!r} is outside the {folder.name} folder")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {relative}")
    return path


def thumbnail(library: Path, stored: str) -> Path:
    """A scene's keyframe, named as the store names it and the /thumbs/... URL shows it
    (`thumbs/<video>/<scene>.jpg`, relative to the library), if it is a file inside the library's
    thumbs folder; otherwise PathRefused or FileNotFoundError, as for `inside`."""
    folder, _, rest = stored.partition("/")
    if folder != "thumbs":
        raise PathRefused(f"refused: {stored!r} is not in the thumbs folder")
    return inside(Path(library) / "thumbs", rest)


def bearer_guard(app, token: str, cookie: str | None = None):
    """ASGI middleware: every HTTP request must carry `Authorization: Bearer <token>`.

    With `cookie` (the web page, whose <video> and <img> requests cannot send headers), the token
    may also come as that cookie; `?token=T` on a GET sets the cookie and redirects to the same
    path without it, so the token does not stay in the address bar or the history."""
    expected = token.encode()

    async def guarded(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if hmac.compare_digest(headers.get(b"authorization", b""), b"Bearer " + expected):
            return await app(scope, receive, send)
        if cookie:
            jar = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
            if cookie in jar and hmac.compare_digest(jar[cookie].value.encode(), expected):
                return await app(scope, receive, send)
            given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
            if scope["method"] == "GET" and given and hmac.compare_digest(given.encode(), expected):
                # Never "//host/...": a protocol-relative Location would redirect off this server.
                where = b"/" + (scope.get("raw_path") or scope["path"].encode()).lstrip(b"/")
                await send({"type": "http.response.start", "status": 303, "headers": [
                    (b"location", where),
                    (b"set-cookie", f"{cookie}={token}; HttpOnly; SameSite=Strict; Path=/".encode())]})
                return await send({"type": "http.response.body", "body": b""})
        body = json.dumps({"error": "missing or wrong bearer token"}).encode()
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
        await send({"type": "http.response.body", "body": body})
    return guarded


def browser_guard(app, hosts: tuple[str, ...] | None = LOOPBACK):
    """ASGI middleware for a server a browser talks to.

    - A POST (or any unsafe method) from another origin is refused: browsers send `Origin` and
      `Sec-Fetch-Site` on such requests, and a form post cannot forge either. A POST must also
      be JSON, which a cross-origin page cannot send without a CORS preflight we never answer.
    - No request the page did not make itself may start work: cross-site requests (an <img> or
      a link on another site pointing at /api/ask/stream) are refused, except for the page itself.
    - With `hosts`, the Host header must name one of them (a loopback server is otherwise open to
      DNS rebinding: a site whose name resolves to 127.0.0.1 would be "same origin").
    - Every response says: no framing, no sniffing, no inline script (defence in depth for XSS)."""
    security = [(b"content-security-policy", b"default-src 'self'; img-src 'self' data:; media-src 'self'; "
                 b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
                (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                (b"x-frame-options", b"DENY")]

    async def refuse(send, status: int, message: str) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), *security]})
        await send({"type": "http.response.body", "body": json.dumps({"error": message}).encode()})

    async def guarded(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []}
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if hosts is not None and name.strip("[]") not in hosts:
            return await refuse(send, 403, f"host {host!r} refused: this server answers to {', '.join(hosts)}")
        site, origin = headers.get("sec-fetch-site", ""), headers.get("origin")
        foreign = site in ("cross-site", "same-site") or (origin is not None and origin.split("://", 1)[-1] != host)
        unsafe = scope["method"] not in ("GET", "HEAD", "OPTIONS")
        if foreign and (unsafe or scope["path"] not in ("/", "/index.html")):
            return await refuse(send, 403, "cross-origin request refused")
        if unsafe and headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return await refuse(send, 415, "send JSON (Content-Type: application/json)")

        async def send_secured(message):
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), *security])
            await send(message)
        await app(scope, receive, send_secured)
    return guarded
