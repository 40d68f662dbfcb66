"""`vidrag bench reliability` scaled down, and the bugs it found: real processes, kills, fuzzed
files and full disks; nothing lost, nothing corrupt, no traceback."""
import json
import subprocess
import sys
import textwrap

from conftest import VIDRAG, cli

ROWS = ("soak", "readers", "fuzz", "disk_full")


def test_reliability_bench_scaled_down(samples):
    done = subprocess.run([VIDRAG, "bench", "reliability", "--kills", "2", "--fuzz", "12", "--readers", "1",
                           "--seed", "1", "--json"], capture_output=True, text=True, timeout=3600)
    assert "Traceback" not in done.stderr, done.stderr
    result = json.loads(done.stdout)
    assert set(ROWS) <= set(result)
    soak, readers, fuzz, disk = (result[k] for k in ROWS)
    assert soak["kills"] == 2 and soak["lost"] == 0 and soak["problems"] == [] and soak["tracebacks"] == 0
    assert soak["rerun_exit"] == 0 and soak["videos"] == soak["expected"] == 3
    assert soak["audit"]["integrity"] == "ok" and all(f["faiss"] == f["sqlite"] for f in soak["audit"]["faiss"].values())
    assert readers["errors"] == 0 and readers["locked"] == 0 and readers["half_committed"] == 0
    assert readers["lost"] == 0 and readers["searches"] > 0 and readers["audit"]["problems"] == []
    assert sum(fuzz["outcomes"].values()) == 12
    # no hang, crash or traceback; "unchanged": the same bytes as a file indexed before it
    assert set(fuzz["outcomes"]) <= {"indexed", "partial", "failed", "unchanged"}
    assert fuzz["bad_messages"] == 0 and fuzz["cli_exit"] == 1 and fuzz["cli_unnamed"] == 0
    assert fuzz["tracebacks"] == 0 and fuzz["audit"]["problems"] == []
    assert disk["exit"] == 1 and disk["unchanged"] and disk["message"].count("failed") == 1
    assert disk["rerun_exit"] == 0 and disk["lost"] == 0 and disk["tracebacks"] == 0 and disk["audit"]["problems"] == []
    assert done.returncode == 0 and result["passed"]


FULL_DISK = textwrap.dedent("""
    import resource, signal, sys
    import numpy as np
    from vidrag.records import Scene, Video, Word
    from vidrag.store import Store, StoreError
    store = Store(sys.argv[1])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))   # from here on no file can grow: a full disk
    scenes = [Scene(i, i * 10.0, i * 10.0 + 10, transcript="words " * 200, words=[Word(i * 10.0, i * 10.0 + 1, "words")],
                    vectors={"text": np.ones(384, np.float32)}) for i in range(200)]
    try:
        with store.writer_lock():    # writing its pid fails too: the lock must still be taken
            store.save_video(Video("fp-new", "/v/new.mp4", "new.mp4", duration=2000.0), scenes)
    except StoreError as exc:
        print(exc)
""")


def test_a_full_disk_at_commit_is_one_line_and_changes_nothing(tmp_path):
    from vidrag.records import Scene, Video
    from vidrag.store import Store
    from vidrag.store_audit import audit, library_digest, problems

    store = Store(tmp_path / "lib")
    store.save_video(Video("fp-old", "/v/old.mp4", "old.mp4", duration=10.0), [Scene(0, 0.0, 10.0, transcript="kept")])
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = library_digest(store)
    store.close()
    done = subprocess.run([sys.executable, "-c", FULL_DISK, str(tmp_path / "lib")], capture_output=True, text=True)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "cannot write to the library" in done.stdout and "nothing of this change was saved" in done.stdout
    assert len(done.stdout.strip().splitlines()) == 1
    store = Store(tmp_path / "lib")
    assert library_digest(store) == before and problems(audit(store)) == []
    store.save_video(Video("fp-new", "/v/new.mp4", "new.mp4", duration=10.0), [Scene(0, 0.0, 10.0)])   # space again
    assert [v.name for v in store.videos()] == ["new.mp4", "old.mp4"]


def test_failure_lines_name_files_with_brackets_as_they_are(tmp_path):
    odd = tmp_path / "[red]clip [x].mp4"
    odd.write_text("not a video")
    done = cli(tmp_path / "lib", "index", str(odd), "--stages", "embed", env={"COLUMNS": "60"})
    failed = [l for l in done.stderr.splitlines() if l.startswith("failed")]
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert failed == [f"failed {odd}: not a readable video (Invalid data found when processing input)"]
