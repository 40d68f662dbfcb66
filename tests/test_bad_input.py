"""Bad input is normal input: one clear line naming the file, the batch goes on, exit code 1."""
import json
import os

from conftest import cli, cli_json, copy, make_video


def index_json(library, *paths):
    done = cli(library, "index", *map(str, paths), "--json")
    return done.returncode, {os.path.basename(o["path"]): o for o in json.loads(done.stdout)}


def test_a_mixed_batch_carries_on_past_each_bad_file(samples, library, tmp_path):
    mixed = tmp_path / "mixed"
    copy(samples["bikes.mp4"], mixed / "good.mp4")                       # no audio track: fine
    make_video(mixed / "Schöne Grüße – vidéo 1.mp4", audio=True, colour_every=1.0)  # spaces, non-ASCII
    (mixed / "notes.txt").write_text("not a video")
    (mixed / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 500)
    (mixed / "fake.mp4").write_text("this is text with a video name\n" * 50)
    (mixed / "empty.mp4").write_bytes(b"")
    data = samples["trailer_bbb.mp4"].read_bytes()
    (mixed / "truncated.mp4").write_bytes(data[: len(data) // 2])        # moov at the end: unreadable
    code, out = index_json(library, mixed, tmp_path / "missing.mp4")
    assert code == 1
    assert out["good.mp4"]["status"] == "indexed"
    assert out["Schöne Grüße – vidéo 1.mp4"]["status"] == "indexed"
    assert "notes.txt" not in out and "photo.jpg" not in out          # folders yield only videos
    assert out["fake.mp4"]["status"] == "failed" and "not a readable video" in out["fake.mp4"]["message"]
    assert out["empty.mp4"]["message"] == "empty file (0 bytes)"
    assert out["truncated.mp4"]["status"] == "failed"
    assert out["missing.mp4"]["message"] == "no such file or directory"
    # the human output: one line per problem, naming the file
    done = cli(library, "index", str(mixed / "fake.mp4"), str(mixed / "good.mp4"))
    lines = [l for l in done.stderr.splitlines() if l.startswith("failed")]
    assert done.returncode == 1 and len(lines) == 1 and "fake.mp4" in lines[0] and "Traceback" not in done.stderr
    # failures are listed, and nothing indexed was lost
    code, videos = cli_json(library, "list")
    status = {v["name"]: v["status"] for v in videos}
    assert status["good.mp4"] == "indexed" and status["fake.mp4"] == "failed"


def test_a_file_cut_short_keeps_what_can_be_read(library, tmp_path):
    whole = make_video(tmp_path / "whole.mp4", seconds=20, colour_every=2.0, faststart=True)
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    code, out = index_json(library, cut)
    assert code == 1 and out["cut.mp4"]["status"] == "partial"
    assert "truncated" in out["cut.mp4"]["message"]
    assert 3 < out["cut.mp4"]["duration"] < 16 and out["cut.mp4"]["scenes"] >= 1


def test_unreadable_file_and_directory(samples, library, tmp_path):
    locked = copy(samples["bikes.mp4"], tmp_path / "locked" / "secret.mp4")
    os.chmod(locked, 0)
    # root reads anything: drop the capabilities that let it (setpriv is in util-linux)
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    done = cli(library, "index", str(locked), "--json", prefix=prefix)
    out = json.loads(done.stdout)
    assert done.returncode == 1 and out[0]["status"] == "failed" and "ermission denied" in out[0]["message"]
    os.chmod(locked.parent, 0)
    done = cli(library, "index", str(locked.parent), "--json", prefix=prefix)
    assert done.returncode == 1 and "cannot list directory" in json.loads(done.stdout)[0]["message"]
    os.chmod(locked.parent, 0o755)


def test_empty_library_and_unknown_video(library, tmp_path):
    done = cli(library, "list")
    assert done.returncode == 2 and "no library here" in done.stderr
    (tmp_path / "nothing").mkdir()
    done = cli(library, "index", str(tmp_path / "nothing"))
    assert done.returncode == 1 and "no video files found" in done.stderr
    done = cli(library, "list")
    assert done.returncode == 0 and "empty" in done.stderr
    done = cli(library, "show", "nothing.mp4")
    assert done.returncode == 1 and "no video 'nothing.mp4'" in done.stderr
    done = cli(library, "remove", "nothing.mp4")
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_thumbnails_that_cannot_be_written_fail_the_video_in_one_line(library, tmp_path):
    from vidrag.media import fingerprint
    video = make_video(tmp_path / "v.mp4", seconds=6, colour_every=2.0)
    blocker = library / "thumbs" / fingerprint(video)[:16]      # a file where its thumbnail folder goes
    blocker.parent.mkdir(parents=True)
    blocker.write_text("in the way")
    done = cli(library, "index", str(video))
    [line] = [l for l in done.stderr.splitlines() if l.startswith("failed")]
    assert done.returncode == 1 and "cannot write its thumbnails" in line and "Traceback" not in done.stderr
    assert cli_json(library, "list")[1] == []                    # nothing of it was saved
    blocker.unlink()
    code, out = index_json(library, video)                       # space freed: the rerun completes
    assert code == 0 and out["v.mp4"]["status"] == "indexed"
