"""`vidrag samples` lists sample footage only: every entry is a video file that opens as one."""
import json
from pathlib import Path

from conftest import cli
from vidrag.media import VIDEO_EXTENSIONS, probe
from vidrag.samples import SOURCES


def test_every_sample_source_is_a_video_file():
    assert SOURCES and all(Path(name).suffix in VIDEO_EXTENSIONS for name in SOURCES)   # trailer.py was one


def test_samples_command_lists_only_real_media(samples, tmp_path):
    done = cli(tmp_path / "lib", "samples", "--json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert listed and set(listed) <= set(samples)
    for name, path in listed.items():
        info = probe(path)                                   # a real video stream, not just a name
        assert Path(name).suffix in VIDEO_EXTENSIONS and info.duration > 1 and info.width > 0, name
    table = cli(tmp_path / "lib", "samples")
    assert [line.split()[0] for line in table.stdout.splitlines()] == list(listed)
