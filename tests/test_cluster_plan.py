"""What `--ray` works out before touching Ray (vidrag.cluster): how GPU actor pools share GPUs."""
import pytest

from vidrag.cluster import ClusterError, gpu_shares


def test_cuda_stages_share_the_gpus_by_default():
    assert gpu_shares(5, 1) == (1, 0.2)       # the gpu profile's 5 cuda stages on one GPU
    assert gpu_shares(3, 1) == (1, 0.33)      # rounded down, so the pools always fit
    assert gpu_shares(1, 1) == (1, 1.0)
    assert gpu_shares(5, 2) == (2, 0.2)       # one actor per GPU per stage, 10 actors on 2 GPUs
    assert gpu_shares(2, 4, actors_per_stage=1) == (1, 2.0)
    assert gpu_shares(0, 0) == (0, 0.0)       # no stage on cuda: nothing to place


def test_a_set_share_is_kept_when_it_fits():
    assert gpu_shares(2, 2, gpus_per_actor=1.0, actors_per_stage=1) == (1, 1.0)
    assert gpu_shares(2, 1, gpus_per_actor=0.5) == (1, 0.5)


@pytest.mark.parametrize("n, gpus, each, says", [
    (5, 1, 1.0, "need 5 GPUs (5 stages on cuda, 1 actor each, 1 GPU each) but the Ray cluster has 1"),
    (1, 0, 0.0, "need GPUs (1 stage on cuda, 1 actor each) but the Ray cluster has 0"),
    (2, 0, 1.0, "but the Ray cluster has 0"),
    (2, 2, 1.0, "need 4 GPUs (2 stages on cuda, 2 actors each, 1 GPU each) but the Ray cluster has 2"),
])
def test_pools_that_cannot_be_placed_are_one_line_not_a_wait(n, gpus, each, says):
    with pytest.raises(ClusterError) as exc:
        gpu_shares(n, gpus, each)
    assert says in str(exc.value) and "\n" not in str(exc.value)


def test_a_shard_hears_the_whole_runs_asr_windows_from_any_start():
    """ASR seams sit at fixed multiples of window_s on the track's timeline (at the quietest
    point before each), so audio read from first_window_sample(start) yields exactly the whole
    run's windows that meet [start, end)."""
    import numpy as np

    from vidrag.indexers.asr_windows import first_window_sample, windows
    rate, length, pad = 1000, 8.0, 1.0
    rng = np.random.default_rng(7)
    track = (rng.standard_normal(60 * rate) * np.repeat(rng.uniform(0.01, 1, 60 * 4), rate // 4)).astype(np.float32)
    blocks = lambda a: (track[i:i + 700] for i in range(a, len(track), 700))
    whole = list(windows(blocks(0), rate, length, pad))
    assert len(whole) >= 6
    for start, end in [(0.0, 21.3), (21.3, 40.0), (40.0, np.inf), (8.0, 9.0), (3.5, 30.0)]:
        origin = first_window_sample(start, rate, length, pad)
        got = list(windows(blocks(origin), rate, length, pad, origin, end))
        want = [w for w in whole if w[3] > start and w[2] < end]
        assert [(o, kf, kt) for o, _, kf, kt in got] == [(o, kf, kt) for o, _, kf, kt in want], (start, end)
        assert all(np.array_equal(a[1], b[1]) for a, b in zip(got, want))
