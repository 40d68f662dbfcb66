"""Confinement to allowed roots: symlinks found while walking a root must not lead out of it."""
import json
import os

import anyio
import pytest

from conftest import make_video
from vidrag.confine import OutsideRoots, confine, resolve_roots
from vidrag.discover import discover


@pytest.fixture
def tree(tmp_path):
    """allowed/ with a real clip and links of every kind; outside/ with a clip it must not reach."""
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    (allowed / "real").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.mp4").write_bytes(b"not for the client")
    (allowed / "real" / "clip.mp4").write_bytes(b"inside")
    os.symlink(outside / "secret.mp4", allowed / "file_link.mp4")             # a file link out
    os.symlink(outside, allowed / "dir_link")                                 # a folder link out
    os.symlink(outside / "secret.mp4", allowed / "real" / "hop.mp4")          # a chain: two hops,
    os.symlink(allowed / "real" / "hop.mp4", allowed / "chain.mp4")           # the first one inside
    os.symlink(allowed / "dir_link" / "secret.mp4", allowed / "via_dir.mp4")  # a file link through the folder link
    os.symlink(allowed / "real" / "clip.mp4", allowed / "alias.mp4")          # a link inside, to inside
    return allowed, outside, resolve_roots([allowed])


def one_line_refusals(errors):
    for path, reason in errors:
        assert "outside the allowed roots" in reason and "\n" not in f"{path}: {reason}"
        assert "secret" not in reason                     # the target outside is never named
    return {os.path.basename(p) for p, _ in errors}


def test_walking_a_root_refuses_every_link_out_and_keeps_links_within(tree):
    allowed, outside, roots = tree
    found, errors = discover([str(allowed)], roots=roots)
    assert found == [(allowed / "real" / "clip.mp4").resolve()]   # alias.mp4 is the same file, read once
    assert one_line_refusals(errors) == {"file_link.mp4", "chain.mp4", "hop.mp4", "via_dir.mp4"}


@pytest.mark.parametrize("name", ["file_link.mp4", "dir_link", "dir_link/secret.mp4", "chain.mp4", "via_dir.mp4"])
def test_naming_a_link_out_is_refused(tree, name):
    allowed, outside, roots = tree
    found, errors = discover([str(allowed / name)], roots=roots)
    assert found == [] and one_line_refusals(errors) == {os.path.basename(name)}
    with pytest.raises(OutsideRoots, match=r"links outside the allowed roots"):
        confine(allowed / name, roots)


def test_a_link_inside_pointing_inside_is_allowed(tree):
    allowed, outside, roots = tree
    assert discover([str(allowed / "alias.mp4")], roots=roots) == ([(allowed / "real" / "clip.mp4").resolve()], [])
    assert confine(allowed / "alias.mp4", roots) == (allowed / "real" / "clip.mp4").resolve()


def test_plain_paths_outside_loops_and_nul_get_one_line(tree, tmp_path):
    allowed, outside, roots = tree
    os.symlink(allowed / "loop_b.mp4", allowed / "loop_a.mp4")
    os.symlink(allowed / "loop_a.mp4", allowed / "loop_b.mp4")
    for raw, reason in [(outside / "secret.mp4", "is outside the allowed roots"),
                        (allowed / ".." / "outside" / "secret.mp4", "outside the allowed roots"),
                        (allowed / "loop_a.mp4", "cannot be resolved (symlink loop)"),
                        ("/tmp/a\x00b", "invalid path"), ("", "empty path"), (allowed / "new\nline", None)]:
        try:
            confine(raw, roots)
        except OutsideRoots as exc:
            assert reason and reason in str(exc) and "\n" not in str(exc)
        else:
            assert reason is None                            # a new name inside is not refused


def test_without_roots_the_command_line_reads_what_it_is_given(tree):
    allowed, outside, roots = tree
    found, errors = discover([str(allowed)])
    assert allowed / "file_link.mp4" in found and errors == []


def test_mcp_index_videos_skips_links_out_of_its_root(tmp_path):
    """Through the MCP server's own tools: the walk of an allowed folder indexes only what is inside."""
    from vidrag.config import load_config
    from vidrag.library import Library
    from vidrag.tools.mcp_server import build_server

    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    make_video(allowed / "inside.mp4")
    make_video(outside / "secret.mp4", seconds=3.0)   # other bytes: not taken for a copy of inside.mp4
    os.symlink(outside / "secret.mp4", allowed / "link.mp4")
    lib = Library(config=load_config(None, {"library": str(tmp_path / "lib"), "stages": []}, environ={}), create=True)
    server = build_server(lib, [str(allowed)])

    async def call(tool, args):
        result = await server.call_tool(tool, args)
        blocks = result[0] if isinstance(result, tuple) else result
        return json.loads("".join(b.text for b in blocks))

    async def index():
        job = await call("index_videos", {"paths": [str(allowed)]})
        with anyio.fail_after(120):
            while (status := await call("index_status", {"job_id": job["job_id"]}))["state"] == "running":
                await anyio.sleep(0.2)
        return status

    status = anyio.run(index)
    by_name = {os.path.basename(r["path"]): r for r in status["results"]}
    assert status["state"] == "finished" and set(by_name) == {"inside.mp4", "link.mp4"}
    assert by_name["inside.mp4"]["status"] == "indexed"
    assert by_name["link.mp4"]["status"] == "failed" and "outside the allowed roots" in by_name["link.mp4"]["message"]
    assert [v.name for v in lib.videos()] == ["inside.mp4"]
