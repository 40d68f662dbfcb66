"""The MCP server through the official MCP client, over stdio and streamable HTTP."""
import json
import os
import shutil
import socket
import subprocess
import time

import anyio
import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client

from conftest import VIDRAG, cli, copy, text_video

TOOLS = {"search_video_library", "ask_video_library", "list_videos", "get_scene", "index_videos", "index_status"}


@pytest.fixture(scope="module")
def indexed(samples, tmp_path_factory):
    root = tmp_path_factory.mktemp("mcp")
    allowed = root / "allowed"
    copy(samples["bikes.mp4"], allowed / "bikes.mp4")
    (allowed / "later").mkdir()
    text_video(allowed / "later" / "signs.mp4", ["", "GATE 7", "WELCOME HOME"])
    (root / "outside").mkdir()
    copy(samples["bigbuckbunny.mp4"], root / "outside" / "bunny.mp4")
    os.symlink(root / "outside", allowed / "escape")
    lib = root / "lib"
    done = cli(lib, "index", str(allowed / "bikes.mp4"), "--stages", "ocr,objects,caption,embed")
    assert done.returncode == 0, done.stderr
    return root, lib, allowed


def text_of(result):
    return "".join(c.text for c in result.content if c.type == "text")


def items(result):
    """A list-returning tool sends one JSON text block per item."""
    return [json.loads(c.text) for c in result.content if c.type == "text"]


async def exercise(session, root, allowed):
    await session.initialize()
    names = {t.name for t in (await session.list_tools()).tools}
    assert TOOLS <= names
    videos = items(await session.call_tool("list_videos", {}))
    assert [v["name"] for v in videos] == ["bikes.mp4"]
    hits = await session.call_tool("search_video_library", {"query": "car", "k": 3})
    assert not hits.isError and "bikes.mp4" in text_of(hits)
    scene = await session.call_tool("get_scene", {"video": "bikes.mp4", "scene": 0})
    kinds = [c.type for c in scene.content]
    assert not scene.isError and "image" in kinds
    image = next(c for c in scene.content if c.type == "image")
    assert image.mimeType == "image/jpeg" and len(image.data) > 1000
    bad = await session.call_tool("get_scene", {"video": "bikes.mp4", "scene": 999})
    assert bad.isError and "not 999" in text_of(bad)
    missing = await session.call_tool("get_scene", {"video": "nothing.mp4", "scene": 0})
    assert missing.isError and "no video 'nothing.mp4'" in text_of(missing)
    outside = await session.call_tool("index_videos", {"paths": [str(root / "outside")]})
    assert outside.isError and "outside the allowed roots" in text_of(outside)
    escape = await session.call_tool("index_videos", {"paths": [str(allowed / "escape" / "bunny.mp4")]})
    assert escape.isError and "outside the allowed roots" in text_of(escape)
    dotdot = await session.call_tool("index_videos", {"paths": [str(allowed / ".." / "outside")]})
    assert dotdot.isError
    started = json.loads(text_of(await session.call_tool("index_videos", {"paths": [str(allowed / "later")]})))
    deadline = time.time() + 180
    while True:
        status = json.loads(text_of(await session.call_tool("index_status", {"job_id": started["job_id"]})))
        if status["state"] != "running" or time.time() > deadline:
            break
        await anyio.sleep(0.5)
    assert status["state"] == "finished" and status["results"][0]["status"] == "indexed"
    unknown = await session.call_tool("index_status", {"job_id": "nope"})
    assert unknown.isError
    resource = await session.read_resource("vidrag://videos")
    assert {v["name"] for v in json.loads(resource.contents[0].text)} == {"bikes.mp4", "signs.mp4"}
    return session


def test_stdio_server_serves_every_tool(indexed):
    root, lib, allowed = indexed
    params = StdioServerParameters(command=VIDRAG, args=["mcp", "--library", str(lib), "--allow-root", str(allowed)],
                                   env=dict(os.environ))

    async def main():
        with anyio.fail_after(400):
            await talk()

    async def talk():
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await exercise(session, root, allowed)
                answer = await session.call_tool("ask_video_library", {"question": "Where is the WELCOME HOME sign?"})
                assert not answer.isError
                data = json.loads(text_of(answer))
                assert data["found"] and any(c["video"] == "signs.mp4" for c in data["citations"])
                empty = await session.call_tool("ask_video_library", {"question": "  "})
                assert empty.isError and "empty question" in text_of(empty)
    anyio.run(main)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_server_needs_its_token(indexed, tmp_path):
    root, lib, allowed = indexed
    port = free_port()
    log = tmp_path / "server.log"   # a file, not a pipe: a full pipe would block the server
    proc = subprocess.Popen([VIDRAG, "mcp", "--http", "--port", str(port), "--token", "s3cret",
                             "--library", str(lib), "--allow-root", str(allowed)],
                            stdout=subprocess.DEVNULL, stderr=log.open("w"))
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.time() + 60
        while True:
            try:
                r = httpx.post(url, json={})
                break
            except httpx.ConnectError:
                assert time.time() < deadline and proc.poll() is None, log.read_text()
                time.sleep(0.3)
        assert r.status_code == 401                      # no token, no service

        async def main():
            with anyio.fail_after(120):
                await talk()

        async def talk():
            client = create_mcp_http_client(headers={"Authorization": "Bearer s3cret"})
            async with client, streamable_http_client(url, http_client=client) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    assert TOOLS <= {t.name for t in (await session.list_tools()).tools}
                    hits = await session.call_tool("search_video_library", {"query": "car"})
                    assert "bikes.mp4" in text_of(hits)
        anyio.run(main)
    finally:
        proc.terminate()
        proc.wait(10)
    refused = cli(lib, "mcp", "--http", "--host", "0.0.0.0", "--port", str(free_port()))
    assert refused.returncode == 2 and "without a bearer token" in refused.stderr


def test_get_scene_shows_keyframes_only_from_the_thumbs_folder(indexed, tmp_path):
    """The same guard as the page's /thumbs/... (vidrag.access.thumbnail): a keyframe that became a
    link out of the library is not read; the scene's texts still come back."""
    from vidrag.library import Library
    from vidrag.tools.mcp_server import build_server

    root, lib, _ = indexed
    shutil.copytree(lib, tmp_path / "lib")
    with Library(tmp_path / "lib") as library:
        server = build_server(library, [])

        def kinds() -> list[str]:
            return [c.type for c in anyio.run(server.call_tool, "get_scene", {"video": "bikes.mp4", "scene": 0})]
        assert "image" in kinds()
        thumb = tmp_path / "lib" / library.scenes("bikes.mp4")[0].thumb
        thumb.unlink()
        os.symlink(root / "outside" / "bunny.mp4", thumb)
        assert kinds() == ["text"]
