"""The needle benchmark's parts: a deterministic generator with needles where the truth says, and scoring."""
import json
import random

import numpy as np
import pytest

from conftest import cli
from vidrag.eval.needle import plan
from vidrag.eval.needle_run import overlap, score, summarise
from vidrag.media import decode_audio, decode_frames, frame_to_bgr, probe


def test_plans_are_deterministic_per_seed_and_drawn_from_pools():
    a, b, c = plan(10, random.Random(0)), plan(10, random.Random(0)), plan(10, random.Random(1))
    assert a == b and a != c
    needles, questions = a
    windows = sorted((n.start, n.end) for n in needles)
    assert all(x[1] < y[0] for x, y in zip(windows, windows[1:]))       # needles never overlap
    assert windows[-1][1] <= 600
    kinds = {q.kind for q in questions}
    assert kinds == {"retrieval", "when", "order", "count", "cross-modal", "absent"}
    count = next(q for q in questions if q.kind == "count")
    assert int(count.expected) == len(count.windows) >= 2
    for q in questions:   # the multiple-choice form: four distinct options, the right one marked
        if q.kind == "absent":
            assert q.options == [] and q.gold == -1
        else:
            assert len(set(q.options)) == 4 and 0 <= q.gold < 4
            assert q.options[q.gold] == q.expected or q.kind == "when"
    both = next(n for n in needles if n.kind == "both")
    xmodal = next(q for q in questions if q.kind == "cross-modal")
    assert xmodal.expected == both.value and both.spoken and xmodal.windows == [[both.start, both.end]]
    assert {plan(10, random.Random(s))[1][-1].question for s in range(8)}.__len__() > 3   # absent questions vary


def test_generated_video_carries_its_needles(samples, tmp_path):
    from vidrag.eval.needle import generate
    video, truth_path = generate(2, 3, samples, tmp_path)
    truth = json.loads(truth_path.read_text())
    info = probe(video)
    assert abs(info.duration - 120) < 1 and info.has_audio and (info.width, info.height) == (640, 360)
    text = next(n for n in truth["needles"] if n["kind"] == "text")
    speech = next(n for n in truth["needles"] if n["kind"] == "speech")
    frames = {round(t, 1): frame_to_bgr(f, 640) for t, f in decode_frames(video, reference_only=False)}
    inside = frames[min(frames, key=lambda t: abs(t - (text["start"] + 1)))]
    assert inside[140:220, 30:610].mean() > 200           # the white caption box is there
    audio = decode_audio(video)
    at = int(speech["start"] * 16000)
    assert np.abs(audio[at:at + 32000]).max() > 0.05      # speech where the truth says
    quiet = [n for n in truth["needles"] if n["kind"] in ("text", "image")][0]
    assert np.abs(audio[int(quiet["start"] * 16000):int(quiet["end"] * 16000)]).max() < 0.01


def test_scoring_rules():
    when = {"kind": "when", "expected": "cup", "windows": [[30.0, 35.0]], "avoid": ""}
    assert score(when, {"answer": "at 00:00:31", "found": True, "citations": [{"start": 31, "end": 32}]})["correct"]
    assert not score(when, {"answer": "at 00:01:00", "found": True, "citations": [{"start": 60, "end": 62}]})["correct"]
    count = {"kind": "count", "expected": "3", "windows": [[1, 2]], "avoid": ""}
    assert score(count, {"answer": "Three times.", "found": True, "citations": []})["correct"]
    assert not score(count, {"answer": "13 times", "found": True, "citations": []})["correct"]
    order = {"kind": "order", "expected": "cedar", "windows": [], "avoid": "delta"}
    assert not score(order, {"answer": "CEDAR then DELTA", "found": True, "citations": []})["correct"]
    absent = {"kind": "absent", "expected": "", "windows": [], "avoid": ""}
    assert score(absent, {"answer": "The library does not show this.", "found": False, "citations": []})["correct"]
    assert overlap([0, 10], [5, 15]) == 5 / 15
    rows = [{"kind": "absent", "found": False, "correct": True, "citation_hit": False, "iou": 0},
            {"kind": "when", "found": False, "correct": False, "citation_hit": False, "iou": 0},
            {"kind": "when", "found": True, "correct": True, "citation_hit": True, "iou": 0.5}]
    s = summarise(rows)
    assert s["abstention_precision"] == 0.5 and s["abstention_recall"] == 1.0
    assert s["accuracy"] == {"absent": 1.0, "when": 0.5} and s["citation_overlap"] == 0.5 and s["mean_tiou"] == 0.25


def check_plan(minutes, seed):
    needles, questions = plan(minutes, random.Random(seed))
    windows = sorted((n.start, n.end) for n in needles)
    assert 0 < windows[0][0] and windows[-1][1] <= minutes * 60
    assert all(x[1] < y[0] for x, y in zip(windows, windows[1:]))       # needles never touch
    count = next(q for q in questions if q.kind == "count")
    assert int(count.expected) == len(count.windows)
    assert all(len(set(q.options)) == 4 for q in questions if q.kind != "absent")


@pytest.mark.parametrize("minutes", [2, 3, 60])
def test_plans_fit_every_promised_length(minutes):
    for seed in range(20):   # 3 minutes failed (Sample larger than population) when a seed drew 11 needles
        check_plan(minutes, seed)


def test_plans_fit_every_whole_and_odd_length_from_2_to_60():
    for minutes in [*range(2, 61), 2.5, 3.3, 7.77, 59.9]:
        for seed in range(4):
            check_plan(minutes, seed)


@pytest.mark.parametrize("minutes", ["1", "1.99", "61", "0", "-3", "nan"])
def test_needle_lengths_out_of_range_get_one_line_and_exit_2(minutes, tmp_path):
    done = cli(tmp_path / "lib", "eval", "needle", "--minutes", minutes, "--out", str(tmp_path / "out"),
               env={"VIDRAG_CACHE": str(tmp_path / "cache")}, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [f"error: --minutes must be between 2 and 60, not {float(minutes):g}"]
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()   # refused before any work
