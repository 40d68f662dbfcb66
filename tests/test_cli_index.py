"""The CLI end to end on real sample footage."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time

from conftest import VIDRAG, cli, cli_json, copy


def test_index_list_show_remove_and_json(samples, library, tmp_path):
    folder = tmp_path / "in"
    for name in ("bikes.mp4", "demo.mp4"):
        copy(samples[name], folder / "sub" / name)
    code, outcomes = cli_json(library, "index", str(folder))
    assert code == 0 and sorted(o["status"] for o in outcomes) == ["indexed", "indexed"]
    code, videos = cli_json(library, "list")
    assert {v["name"] for v in videos} == {"bikes.mp4", "demo.mp4"}
    demo = next(v for v in videos if v["name"] == "demo.mp4")
    assert demo["has_audio"] and abs(demo["duration"] - 60) < 1.5 and demo["scene_count"] >= 2
    code, shown = cli_json(library, "show", "demo.mp4")
    assert code == 0 and len(shown["scenes"]) == demo["scene_count"]
    assert shown["scenes"][0]["start"] == 0 and all(s["thumb"] for s in shown["scenes"])
    table = cli(library, "show", str(demo["id"]))
    assert table.returncode == 0 and "demo.mp4" in table.stdout and "00:00:00" in table.stdout

    # unchanged files are a no-op; a moved file is recognised by content, not path
    code, again = cli_json(library, "index", str(folder))
    assert code == 0 and {o["status"] for o in again} == {"unchanged"}
    moved = folder / "moved here.mp4"
    shutil.move(folder / "sub" / "bikes.mp4", moved)
    code, again = cli_json(library, "index", str(moved))
    assert code == 0 and again[0]["status"] == "moved"
    code, videos = cli_json(library, "list")
    assert len(videos) == 2 and any(v["path"] == str(moved) for v in videos)

    code, removed = cli_json(library, "remove", "moved here.mp4")
    assert code == 0 and removed["removed"]["name"] == "moved here.mp4"
    code, videos = cli_json(library, "list")
    assert [v["name"] for v in videos] == ["demo.mp4"]
    gone = cli(library, "show", "moved here.mp4")
    assert gone.returncode == 1 and "no video 'moved here.mp4'" in gone.stderr


def test_doctor_names_every_role(library):
    code, rows = cli_json(library, "doctor")
    roles = {r["role"]: r for r in rows}
    assert set(roles) >= {"scenes", "asr", "ocr", "objects", "caption", "clip", "embed", "llm"}
    assert roles["clip"]["ok"] is False and "model =" in roles["clip"]["where"]   # no CLIP weights ship
    assert roles["scenes"]["ok"]


def _consistent(db_path):
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = con.execute("SELECT name, status, (SELECT COUNT(*) FROM scenes WHERE video_id = videos.id) FROM videos").fetchall()
    fts = con.execute("SELECT COUNT(*) FROM scenes_fts").fetchone()[0]
    scenes = con.execute("SELECT COUNT(*) FROM scenes").fetchone()[0]
    con.close()
    assert fts == scenes
    return rows


def test_sigkill_mid_index_leaves_library_consistent_and_rerun_finishes(samples, library, tmp_path):
    folder = tmp_path / "in"
    copy(samples["demo.mp4"], folder / "a_demo.mp4")
    copy(samples["bbb.mp4"], folder / "b_bbb.mp4")
    env = dict(os.environ, VIDRAG_LIBRARY=str(library))
    proc = subprocess.Popen([VIDRAG, "index", str(folder)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:       # wait until the first video is committed, then kill mid-bbb
        if (library / "library.db").exists():
            try:
                if _consistent(library / "library.db"):
                    break
            except sqlite3.OperationalError:
                pass
        time.sleep(0.2)
    time.sleep(2)
    assert proc.poll() is None, "indexing finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rows = _consistent(library / "library.db")
    assert [r[0] for r in rows] == ["a_demo.mp4"] and rows[0][2] > 0     # bbb left no half rows
    # a concurrent indexer is refused with a clear message while one is running
    done = cli(library, "index", str(folder), "--json")
    assert done.returncode == 0, done.stderr
    statuses = {o["path"].rsplit("/", 1)[1]: o["status"] for o in json.loads(done.stdout)}
    assert statuses == {"a_demo.mp4": "unchanged", "b_bbb.mp4": "indexed"}
    assert len(_consistent(library / "library.db")) == 2


def test_concurrent_indexer_is_refused(samples, library, tmp_path):
    big = copy(samples["bbb.mp4"], tmp_path / "bbb.mp4")
    env = dict(os.environ, VIDRAG_LIBRARY=str(library))
    proc = subprocess.Popen([VIDRAG, "index", str(big)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while not (library / "index.lock").exists() or not (library / "index.lock").read_text():
            assert time.time() < deadline
            time.sleep(0.1)
        second = cli(library, "index", str(samples["bikes.mp4"]))
        assert second.returncode == 1
        assert "another vidrag is indexing" in second.stderr and f"pid {proc.pid}" in second.stderr
        assert cli(library, "list").returncode == 0     # readers are not blocked
    finally:
        proc.kill()
        proc.wait()
