"""Indexing memory does not grow with a video's length: speech is transcribed in windows and
keyframes are spooled to the library's scratch folder. Real models, real media; the memory
numbers themselves come from `vidrag bench memory`, not from tests."""
import difflib
import math
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np

from conftest import VIDRAG, speech_video
from vidrag.config import load_config
from vidrag.indexers.asr import SAMPLE_RATE, AsrStage
from vidrag.indexers.asr_windows import windows
from vidrag.indexers.keyframes import SUFFIX, KeyframeSpool
from vidrag.indexers.compute import decode_pass
from vidrag.library import Library
from vidrag.media import audio_blocks, decode_audio, decode_frames, frame_to_bgr, probe

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
CLIPS = (("0870", 7.1), ("0880", 2.99), ("0890", 5.3), ("0920", 6.05), ("0930", 3.29))   # seconds
SAME = {"mr": "mister"}


def talk(path, cycles=3, gap=0.4):
    """Read speech, the five clips in a new order each cycle, with sentence pauses only: every
    window seam falls close to speech. Returns the video and the reference words."""
    said = {line.split("(")[-1][-5:-1]: line.split("<s>")[1].split("</s>")[0]
            for line in (LIBRIVOX / "transcription").read_text().splitlines()}
    at, placed, ref = 0.5, [], []
    for c in range(cycles):
        for name, seconds in CLIPS[c:] + CLIPS[:c]:
            placed.append((at, name))
            ref += tokens(said[name])
            at += seconds + gap
    return speech_video(path, placed, seconds=at + 0.5), ref


def tokens(text):
    return [SAME.get(t, t) for t in re.findall(r"[a-z']+", text.lower())]


def key(word):
    return re.sub(r"\W+", "", word.text.lower())


def errors(words, ref):
    """Word edits (substitutions, insertions, deletions) from the reference."""
    hyp = tokens(" ".join(w.text for w in words))
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def asr(window_s, pad=2.0):
    cfg = load_config(environ={})
    cfg.asr.options.update(window_s=window_s, window_pad_s=pad)
    return AsrStage(cfg)


def test_audio_windows_tile_the_track_and_seams_fall_in_pauses(tmp_path):
    video, _ = talk(tmp_path / "talk.mp4")
    track = decode_audio(video)
    got = list(windows(audio_blocks(video, SAMPLE_RATE), SAMPLE_RATE, length=20.0, pad=2.0))
    assert len(got) >= 3
    assert got[0][2] == 0.0 and got[-1][3] == float("inf")
    for (offset, samples, keep_from, keep_to), nxt in zip(got, got[1:]):
        assert nxt[2] == keep_to                                 # owned stretches meet exactly
        assert offset <= keep_from - 2.0 + 1e-6 or offset == 0.0   # heard 2 s before its seam...
        assert offset + len(samples) / SAMPLE_RATE >= keep_to + 2.0 - 1e-3   # ...and 2 s after
        assert len(samples) <= (20.0 + 5.0 + 2 * 2.0) * SAMPLE_RATE   # bounded (length + search + pads), whatever the length
        start = int(offset * SAMPLE_RATE)
        assert np.array_equal(samples, track[start:start + len(samples)])   # the track's own samples
        seam = int(keep_to * SAMPLE_RATE)
        around = np.square(track[seam - 2000:seam + 2000]).mean()
        assert around < 0.1 * np.square(track).mean()            # a pause, not the middle of a word


def test_windowed_speech_reads_as_well_as_the_whole_track_and_keeps_seam_words_once(tmp_path):
    video, ref = talk(tmp_path / "talk.mp4")
    whole = asr(0).transcribe_file(str(video))
    chunked = asr(20.0).transcribe_file(str(video))
    seams = [w[3] for w in windows(audio_blocks(video, SAMPLE_RATE), SAMPLE_RATE, 20.0, 2.0)][:-1]
    assert len(seams) >= 3
    # Whisper's own 30 s segments fall differently in a window than in the whole track, so a word
    # here and there can differ anywhere (either may be the right one): compare with what was read.
    assert errors(whole, ref) <= 0.05 * len(ref)
    assert errors(chunked, ref) <= errors(whole, ref) + 4
    # Away from the seams, the same words at the same times.
    away = lambda words: [w for w in words if all(abs((w.start + w.end) / 2 - s) > 3.0 for s in seams)]
    a, b = away(whole), away(chunked)
    match = difflib.SequenceMatcher(a=[key(w) for w in a], b=[key(w) for w in b], autojunk=False)
    assert match.ratio() >= 0.97
    shifts = sorted(abs(a[i + k].start - b[j + k].start) for i, j, n in match.get_matching_blocks() for k in range(n))
    # most words to 50 ms; whisper places a word up to ~0.6 s apart when its segment falls differently
    # (0.61 s with faster-whisper 1.2.1, ctranslate2 4.8.5); a window placed wrongly would be seconds off
    assert shifts[len(shifts) // 2] <= 0.05 and shifts[-1] <= 1.0
    # At a seam, each word once: nothing both windows heard is kept twice.
    assert not any(key(x) == key(y) and y.start < x.end for x, y in zip(chunked, chunked[1:]))
    for s in seams:
        near = lambda words: len([w for w in words if abs((w.start + w.end) / 2 - s) <= 3.0])
        assert near(chunked) <= near(whole) + 2, s
    assert abs(len(tokens(" ".join(w.text for w in chunked))) - len(ref)) <= 0.03 * len(ref)
    assert all(x.start <= y.start for x, y in zip(chunked, chunked[1:]))


def test_spooled_keyframes_are_the_keyframes_held_in_memory_before(samples, tmp_path):
    """The visual stages (OCR, objects, captions, thumbnails) read exactly the JPEGs they read when
    keyframes stayed in memory: same times, same bytes."""
    path = str(samples["trailer_bbb.mp4"])
    cfg = load_config(environ={})
    expected, next_t = [], 0.0
    for t, frame in decode_frames(path, reference_only=not cfg.scenes.decode_all_frames):
        if t >= next_t:
            ok, buf = cv2.imencode(".jpg", frame_to_bgr(frame, cfg.scenes.frame_width), [cv2.IMWRITE_JPEG_QUALITY, 88])
            expected.append((t, buf.tobytes()))
            next_t = (math.floor(t / cfg.scenes.sample_every + 1e-9) + 1) * cfg.scenes.sample_every   # slots
    with KeyframeSpool(tmp_path / "scratch", "trailer") as spool:
        decoded = decode_pass(path, probe(path), cfg, spool, lambda s, f: None)
        assert [(k.t, k.jpeg()) for k in decoded.keyframes] == expected
        assert decoded.keyframes[10].image().shape == (360, 640, 3)
        assert spool.path.stat().st_size == sum(len(b) for _, b in expected)
    assert not spool.path.exists()


def test_indexing_reads_spooled_keyframes_and_leaves_no_scratch(samples, tmp_path):
    cfg = load_config(overrides={"library": str(tmp_path / "lib")}, environ={})
    with Library(config=cfg) as lib:
        [o] = lib.index([samples["trailer_bbb.mp4"]], stages=["ocr"])
        assert o.status == "indexed"
        scenes = lib.store.scenes(lib.video("trailer_bbb.mp4").id, details=True)
        assert "unlucky bird" in " ".join(s.ocr_text for s in scenes).lower()
        for s in scenes:
            thumb = cv2.imread(str(lib.store.root / s.thumb))
            assert thumb is not None and thumb.shape[1] == cfg.scenes.thumb_width
    assert list((tmp_path / "lib" / "scratch").iterdir()) == []


def test_a_kill_mid_index_leaves_a_spool_the_rerun_clears(samples, tmp_path):
    lib = tmp_path / "lib"
    env = dict(os.environ, VIDRAG_LIBRARY=str(lib))
    proc = subprocess.Popen([VIDRAG, "index", str(samples["bbb.mp4"]), "--stages", "ocr"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 300
    spools = []
    while time.time() < deadline and proc.poll() is None:   # kill once keyframes are being spooled
        spools = list((lib / "scratch").glob(f"*{SUFFIX}")) if (lib / "scratch").exists() else []
        if spools and spools[0].stat().st_size > 1_000_000:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "indexing finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert spools and spools[0].exists()
    with Library(config=load_config(overrides={"library": str(lib)}, environ={})) as library:
        assert not [v for v in library.videos() if v.status == "indexed"]   # nothing half-committed
    # the rerun starts by clearing what the killed run left, then indexes from the start
    done = subprocess.run([VIDRAG, "index", str(samples["trailer_bbb.mp4"]), "--stages", "ocr"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert list((lib / "scratch").iterdir()) == []
