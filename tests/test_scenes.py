import pytest

from vidrag.config import load_config
from vidrag.library import Library
from vidrag.indexers.scenes import bound_scenes


def test_short_scenes_merge_and_long_scenes_split():
    scenes = bound_scenes([0.5, 10.0, 10.8, 75.0], 80.0, min_len=2.0, max_len=30.0)
    assert scenes[0] == (0.0, 10.8)  # 0.5 s opening merged forward, 10.0-10.8 joined the one before
    assert all(2.0 <= b - a <= 30.0 for a, b in scenes)
    assert scenes[-1][1] == 80.0
    assert all(x[1] == y[0] for x, y in zip(scenes, scenes[1:]))  # contiguous, no gaps


@pytest.mark.parametrize("cuts,duration", [([], 95.0), ([1.0, 1.5, 2.0, 2.5], 4.0), ([], 1.0)])
def test_bounds_hold_for_edge_cases(cuts, duration):
    scenes = bound_scenes(cuts, duration, 2.0, 30.0)
    assert scenes[0][0] == 0.0 and scenes[-1][1] == duration
    assert all(b - a <= 30.0 for a, b in scenes)


def test_real_footage_cuts_are_bounded_and_thumbnailed(samples, tmp_path):
    cfg = load_config(overrides={"library": str(tmp_path / "lib")}, environ={})
    with Library(config=cfg) as lib:
        [outcome] = lib.index([samples["trailer_bbb.mp4"]])
        assert outcome.status == "indexed"
        scenes = lib.scenes("trailer_bbb.mp4")
    assert len(scenes) >= 4                           # the trailer is made of several shots
    assert scenes[0].start == 0.0 and abs(scenes[-1].end - 55.0) < 1.5
    for s in scenes:
        assert s.end - s.start <= cfg.scenes.max_len + 1e-6
        assert (tmp_path / "lib" / s.thumb).stat().st_size > 1000
