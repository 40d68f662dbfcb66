"""`vidrag serve` over real HTTP: a real server process on a real indexed library (conftest `served`)."""
import http.client
import json
import os
import shutil
import time
from functools import partial
from urllib.parse import urlsplit

import httpx

from conftest import XSS_SPEECH, XSS_TEXT, cli, start_server, text_video

# The first search loads the text embedder, the first index job the OCR and detector models.
get, post, request, stream = (partial(f, timeout=300) for f in (httpx.get, httpx.post, httpx.request, httpx.stream))


def raw_get(url: str, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    """A GET with the path sent exactly as written (httpx would normalise `..` away)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    return r.status, r.read()


def video_id(served, name: str) -> int:
    return next(v["id"] for v in get(f"{served.url}/api/videos").json() if v["name"] == name)


def answered(served) -> dict:
    return get(f"{served.url}/api/health").json()["answered"]


def test_videos_and_scenes_with_thumbnails(served):
    videos = get(f"{served.url}/api/videos").json()
    assert {"bikes.mp4", "signs.mp4", "old.avi"} <= {v["name"] for v in videos}
    for v in videos:
        assert {"id", "name", "duration", "status", "thumb"} <= set(v) and v["status"] == "indexed"
        thumb = get(served.url + v["thumb"])
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg" and thumb.content[:2] == b"\xff\xd8"
    signs = get(f"{served.url}/api/videos/{video_id(served, 'signs.mp4')}").json()
    assert [(s["start"], s["end"]) for s in signs["scenes"]] == [(0, 4), (4, 8), (8, 12), (12, 16)]
    assert [s["ocr_text"] for s in signs["scenes"]][1:] == [XSS_TEXT, "GATE 7", "WELCOME HOME"]
    assert all(s["thumb"].startswith("/thumbs/") for s in signs["scenes"])
    missing = get(f"{served.url}/api/videos/nothing.mp4")
    assert missing.status_code == 404 and "no video 'nothing.mp4'" in missing.json()["error"]


def test_search_hits_carry_video_cite_and_modality(served):
    hits = get(f"{served.url}/api/search", params={"q": "GATE 7"}).json()
    top = hits[0]
    assert top["video"] == "signs.mp4" and top["video_id"] == video_id(served, "signs.mp4")
    assert top["modality"] == "text" and top["snippet"] == "GATE 7" and 8 <= top["cite_start"] < top["cite_end"] <= 12
    only = get(f"{served.url}/api/search", params={"q": "GATE 7", "video": "bikes.mp4"}).json()
    assert all(h["video"] == "bikes.mp4" for h in only)
    bad = get(f"{served.url}/api/search", params={"q": "gate", "modality": "smell"})
    assert bad.status_code == 400 and "unknown modality" in bad.json()["error"]


def test_ask_is_the_cli_answer_and_the_cli_uses_the_server(served):
    question = "When is GATE 7 shown?"
    api = post(f"{served.url}/api/ask", json={"question": question}).json()
    assert api["found"] and api["citations"][0]["video"] == "signs.mp4" and 8 <= api["citations"][0]["start"] < 12
    before = answered(served)
    done = cli(served.library, "ask", question, "--json")          # a server is up: it answers
    assert done.returncode == 0, done.stderr
    assert answered(served)["ask"] == before.get("ask", 0) + 1
    alone = cli(served.library, "ask", question, "--json", env={"VIDRAG_NO_SERVER": "1"})   # in-process
    assert answered(served)["ask"] == before.get("ask", 0) + 1

    def same(d):
        return {k: v for k, v in d.items() if k != "trace"} | {"trace": [t["step"] for t in d["trace"]]}
    assert same(json.loads(done.stdout)) == same(api) == same(json.loads(alone.stdout))
    searched = cli(served.library, "search", "WELCOME HOME", "--json")
    assert answered(served)["search"] == before.get("search", 0) + 1
    assert json.loads(searched.stdout)[0]["snippet"] == "WELCOME HOME"
    refused = cli(served.library, "ask", "   ")                    # the server's error, as the CLI's own
    assert refused.returncode == 1 and "empty question" in refused.stderr
    second = cli(served.library, "serve", "--port", "0")             # one server per library
    assert second.returncode == 2 and f"already served at {served.url}" in second.stderr


def test_cli_without_a_live_server_answers_in_process(served, tmp_path):
    lib = tmp_path / "copy"
    shutil.copytree(served.library, lib)
    (lib / "serve.json").write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": 1}))   # a dead server
    before = answered(served)
    t0 = time.monotonic()
    done = cli(lib, "search", "GATE 7", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)[0]["snippet"] == "GATE 7", done.stderr
    assert answered(served) == before and time.monotonic() - t0 < 120


def events(response) -> list[tuple[str, dict]]:
    out, name = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            out.append((name, json.loads(line[6:])))
    return out


def test_ask_stream_sends_each_step_then_the_answer(served):
    with stream("GET", f"{served.url}/api/ask/stream", params={"q": "When is WELCOME HOME shown?"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        got = events(r)
    names = [n for n, _ in got]
    assert names[-1] == "answer" and names.count("step") >= 2 and names.index("start") < names.index("step")
    steps = [d["step"] for n, d in got if n == "step"]
    answer = got[-1][1]
    assert steps == [t["step"] for t in answer["trace"]] and steps[0] == "understand"
    assert answer["found"] and 12 <= answer["citations"][0]["start"] < 16
    with stream("GET", f"{served.url}/api/ask/stream", params={"q": "When?", "video": "nope.mp4"}) as r:
        failed = events(r)
    assert failed[-1][0] == "error" and failed[-1][1]["status"] == 404
    assert get(f"{served.url}/api/ask/stream", params={"q": " "}).status_code == 400


def test_media_supports_range_requests(served):
    url = f"{served.url}/media/{video_id(served, 'bikes.mp4')}"
    data = (served.allowed / "bikes.mp4").read_bytes()
    part = get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    assert part.content == data[1000:2000] and part.headers["content-type"] == "video/mp4"
    tail = get(url, headers={"Range": f"bytes={len(data) - 10}-"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    whole = get(url)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes" and whole.content == data
    past = get(url, headers={"Range": f"bytes={len(data) + 5}-"})        # an error like any other: JSON
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(data)}"
    assert "not satisfiable" in past.json()["error"]
    assert "bad Range" in get(url, headers={"Range": "pages=1-2"}).json()["error"]


def test_paths_refuse_traversal(served):
    lib = served.library
    thumb = get(f"{served.url}/api/videos").json()[0]["thumb"]
    assert raw_get(served.url, thumb)[0] == 200
    os.symlink(served.outside / "secret.txt", lib / "thumbs" / "link.jpg")
    try:
        for path in ("/thumbs/../library.db", "/thumbs/%2e%2e/library.db", "/thumbs/%2E%2E%2Flibrary.db",
                     "/thumbs/..%2f..%2f" + str(served.outside / "secret.txt").lstrip("/").replace("/", "%2f"),
                     "/thumbs//etc/passwd", "/thumbs/%2fetc%2fpasswd", "/thumbs/link.jpg"):
            status, body = raw_get(served.url, path)
            assert status == 403 and b"refused" in body and b"not for the web" not in body, (path, body)
        for path in ("/media/..%2f..%2fetc%2fpasswd", "/media/%2e%2e", "/static/../library.db", "/static/%2e%2e/serve.py"):
            status, body = raw_get(served.url, path)
            assert status == 404 and json.loads(body)["error"], (path, body)
    finally:
        (lib / "thumbs" / "link.jpg").unlink()
    os.symlink(served.outside, served.allowed / "escape")
    try:
        for paths in ([str(served.outside)], [str(served.allowed / ".." / "outside")], [str(served.allowed / "escape")],
                      [str(served.allowed / "escape" / "bunny.mp4")], ["/etc"], [str(served.allowed), "/etc/passwd"]):
            r = post(f"{served.url}/api/index", json={"paths": paths})
            assert r.status_code == 403 and "outside the allowed roots" in r.json()["error"], (paths, r.text)
    finally:
        (served.allowed / "escape").unlink()
    assert "bunny.mp4" not in {v["name"] for v in get(f"{served.url}/api/videos").json()}


def test_index_job_streams_its_progress(served):
    (served.allowed / "new").mkdir()
    text_video(served.allowed / "new" / "exit.mp4", ["EXIT 12", ""])
    started = post(f"{served.url}/api/index", json={"paths": [str(served.allowed / "new")]})
    assert started.status_code == 202
    job = started.json()["job_id"]
    with stream("GET", f"{served.url}/api/index/{job}/events") as r:
        got = events(r)
    assert got[-1][0] == "done" and got[-1][1]["state"] == "finished"
    assert got[-1][1]["results"][0]["status"] == "indexed"
    assert any(n == "progress" and d.get("stage") for n, d in got)        # per-stage progress was streamed
    assert "exit.mp4" in {v["name"] for v in get(f"{served.url}/api/videos").json()}
    assert get(f"{served.url}/api/index/{job}").json()["done"] == 1
    assert get(f"{served.url}/api/index/nope/events").status_code == 404


def test_cross_origin_posts_and_foreign_hosts_are_refused(served):
    ask = f"{served.url}/api/ask"
    body = {"question": "When is GATE 7 shown?"}
    assert post(ask, json=body, headers={"Origin": "http://evil.example"}).status_code == 403
    assert post(ask, json=body, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert post(ask, content="question=x", headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    assert post(f"{served.url}/api/index", json={"paths": [str(served.allowed)]},
                      headers={"Origin": "http://evil.example"}).status_code == 403
    # A cross-site page may not start an answer by GET either (an <img src> pointing at the stream).
    assert get(f"{ask}/stream", params={"q": "x"}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    # DNS rebinding: a name that resolves to 127.0.0.1 is still not this server's name.
    assert get(f"{served.url}/api/videos", headers={"Host": "evil.example"}).status_code == 403
    same = post(ask, json=body, headers={"Origin": served.url, "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200 and same.json()["found"]


def test_markup_from_videos_is_data_and_the_page_allows_no_inline_script(served):
    signs = get(f"{served.url}/api/videos/{video_id(served, 'signs.mp4')}")
    assert signs.headers["content-type"] == "application/json"
    scenes = signs.json()["scenes"]
    assert scenes[0]["transcript"] == XSS_SPEECH and scenes[1]["ocr_text"] == XSS_TEXT
    page = get(served.url + "/")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and page.headers["x-content-type-options"] == "nosniff"
    js = get(f"{served.url}/static/app.js").text
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "textContent" in js


def test_errors_are_json_and_the_server_lives_on(served):
    for method, path, kw, status, words in [
            ("POST", "/api/ask", {"json": {"question": ""}}, 400, "empty question"),
            ("POST", "/api/ask", {"json": {"question": "x" * 5000}}, 400, "too long"),
            ("POST", "/api/ask", {"json": {"question": "When?", "video": "nope.mp4"}}, 404, "no video"),
            ("POST", "/api/ask", {"content": b"{nope", "headers": {"Content-Type": "application/json"}}, 422, "bad request"),
            ("POST", "/api/ask", {"json": {"video": "x"}}, 422, "question"),
            ("GET", "/api/search?q=x&k=0", {}, 422, "k"),
            ("GET", "/api/nothing", {}, 404, "not found"),
            ("DELETE", "/api/videos", {"headers": {"Content-Type": "application/json"}}, 405, "not allowed"),
            ("GET", "/media/12345", {}, 404, "no video")]:
        r = request(method, served.url + path, **kw)
        assert r.status_code == status and words in r.json()["error"], (path, r.status_code, r.text)
    assert get(f"{served.url}/api/health").status_code == 200 and served.proc.poll() is None


def test_a_token_is_required_off_loopback(web_library, tmp_path):
    lib = tmp_path / "lib"
    shutil.copytree(web_library[0], lib)
    refused = cli(lib, "serve", "--host", "0.0.0.0", "--port", "0")
    assert refused.returncode == 2 and "without a bearer token" in refused.stderr
    url, proc = start_server(lib, tmp_path / "serve.log", "--host", "0.0.0.0", "--token=s3cret")
    try:
        assert urlsplit(url).hostname == "127.0.0.1"
        assert get(f"{url}/api/videos").status_code == 401
        assert get(f"{url}/api/videos", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert get(f"{url}/api/videos", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        login = get(f"{url}/?token=s3cret")                 # the page: once with the token, then a cookie
        assert login.status_code == 303 and login.headers["location"] == "/" and "HttpOnly" in login.headers["set-cookie"]
        assert get(f"{url}/api/videos", cookies={"vidrag_token": "s3cret"}).status_code == 200
        assert get(f"{url}/?token=nope").status_code == 401
        done = cli(lib, "search", "GATE 7", "--json")             # the CLI finds it, token and all
        assert done.returncode == 0 and json.loads(done.stdout)[0]["snippet"] == "GATE 7"
        health = get(f"{url}/api/health", headers={"Authorization": "Bearer s3cret"}).json()
        assert health["answered"] == {"search": 1}
    finally:
        proc.terminate()
        proc.wait(15)
    assert not (lib / "serve.json").exists()


def test_a_job_that_fails_in_an_unforeseen_way_ends_as_failed(web_library, monkeypatch):
    """The job's thread is the only one that sees its error: the record must not stay `running`."""
    from vidrag.jobs import Jobs
    from vidrag.library import Library

    def crash(self, *args, **kwargs):
        raise RuntimeError("the detector crashed")
    monkeypatch.setattr(Library, "index", crash)
    with Library(web_library[0]) as lib:
        jobs = Jobs(lib)
        job = jobs.start([web_library[1]])
        deadline = time.time() + 30
        while jobs.status(job)["state"] == "running" and time.time() < deadline:
            time.sleep(0.05)
    assert jobs.status(job)["state"] == "failed" and jobs.status(job)["error"] == "the detector crashed"


def test_small_answers_are_not_held_back_by_nagle():
    """A response is two writes (headers, body); with Nagle on, the second waits ~40 ms for the
    client's delayed ACK. asyncio turns it off on accepted sockets only if the listener names TCP."""
    import asyncio
    import socket

    from vidrag.serve import listen

    async def main():
        nodelay = asyncio.get_running_loop().create_future()
        server = await asyncio.start_server(lambda r, w: nodelay.set_result(
            w.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)), sock=listen("127.0.0.1", 0))
        async with server:
            _, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
            assert await asyncio.wait_for(nodelay, 10)
            writer.close()
    asyncio.run(main())
