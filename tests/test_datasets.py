"""Dataset adapters: small fixtures written in each benchmark's official layout and field names,
read back, then run end to end (real indexing, real model) through `vidrag eval dataset`."""
import json

import pytest

from conftest import cli, text_video
from vidrag.eval.datasets import load
from vidrag.indexers.subtitles import read_cues

WORD_Q = "Which word is written on the screen?"
WORDS = ["HARBOR", "LANTERN", "MEADOW", "COPPER"]           # the video shows HARBOR, then LANTERN
PASSWORD_Q = "What password does the speaker mention?"
PASSWORDS = ["river", "candle", "marble", "tiger"]           # the subtitles say marble


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return text_video(tmp_path_factory.mktemp("v") / "clip.mp4", ["HARBOR", "LANTERN"], seconds_per_scene=4)


def lettered(options):
    return [f"{'ABCD'[i]}. {o}" for i, o in enumerate(options)]   # Video-MME writes "A. ..." into each option


def place(video, dest):
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(video.read_bytes())


def write(fmt, root, video):
    """One dataset folder in the official layout; returns the question ids in file order."""
    if fmt == "videomme":
        import polars as pl
        place(video, root / "data" / "vid001.mp4")
        (root / "subtitle").mkdir(parents=True)
        (root / "subtitle" / "vid001.srt").write_text(
            "1\n00:00:01,000 --> 00:00:03,500\nWelcome back. The password is marble.\n\n")
        (root / "videomme").mkdir()
        pl.DataFrame({
            "video_id": ["001", "001", "002"], "duration": ["short"] * 3, "domain": ["Life Record"] * 3,
            "sub_category": ["Vlog"] * 3, "url": ["https://example.invalid"] * 3, "videoID": ["vid001", "vid001", "vid404"],
            "question_id": ["001-1", "001-2", "002-1"], "task_type": ["Speech Recognition", "OCR Problems", "OCR Problems"],
            "question": [PASSWORD_Q, WORD_Q, WORD_Q],
            "options": [lettered(PASSWORDS), lettered(WORDS), lettered(WORDS)],
            "answer": ["C", "A", "A"]}).write_parquet(root / "videomme" / "test-00000-of-00001.parquet")
    elif fmt == "longvideobench":
        place(video, root / "videos" / "lvb001.mp4")
        (root / "subtitles").mkdir(parents=True)
        # Subtitle times are in the source's clock; starting_timestamp_for_subtitles maps them to the clip.
        (root / "subtitles" / "lvb001_en.json").write_text(json.dumps(
            [{"start": "00:01:41.000", "end": "00:01:43.500", "line": "The password is marble."}]))
        (root / "lvb_val.json").write_text(json.dumps([{
            "video_id": "lvb001", "question": PASSWORD_Q, "question_wo_referring_query": PASSWORD_Q,
            "candidates": PASSWORDS, "correct_choice": 2, "position": [1], "topic_category": "NP-News-Programs",
            "question_category": "S2E", "level": "L1-Perception", "id": "lvb001_0", "video_path": "lvb001.mp4",
            "subtitle_path": "lvb001_en.json", "duration_group": 15, "starting_timestamp_for_subtitles": 100.0,
            "duration": 8.0}]))
    elif fmt == "mlvu":
        place(video, root / "video" / "2_needle" / "needle_01.mp4")
        (root / "json").mkdir(parents=True)
        (root / "json" / "2_needle.json").write_text(json.dumps([
            {"video": "needle_01.mp4", "duration": 8.0, "question": WORD_Q, "candidates": WORDS,
             "answer": "HARBOR", "question_type": "findNeedle"},
            {"video": "needle_01.mp4", "duration": 8.0, "question": "Summarise it.", "answer": "x",
             "question_type": "summary"}]))
    elif fmt == "egoschema":
        place(video, root / "videos" / "q-uid-1.mp4")
        (root / "questions.json").write_text(json.dumps([
            {"q_uid": "q-uid-1", "google_drive_id": "x", "question": WORD_Q,
             **{f"option {i}": w for i, w in enumerate(WORDS + ["EMBER"])}},
            {"q_uid": "q-uid-2", "google_drive_id": "y", "question": WORD_Q,
             **{f"option {i}": w for i, w in enumerate(WORDS + ["EMBER"])}}]))
        (root / "subset_answers.json").write_text(json.dumps({"q-uid-1": 0}))
    elif fmt == "nextqa":
        place(video, root / "NExTVideo" / "1010" / "4882821564.mp4")
        (root / "map_vid_vidorID.json").write_text(json.dumps({"4882821564": "1010/4882821564"}))
        (root / "val.csv").write_text(
            "video,frame_count,width,height,question,answer,qid,type,a0,a1,a2,a3,a4\n"
            f"4882821564,80,640,360,which word is written on the screen,0,4,DO,{','.join(WORDS)},EMBER\n"
            "999,80,640,360,what is missing,1,1,CW,a,b,c,d,e\n")
    return root


EXPECTED = {  # format: (question ids read, gold option text, category, subtitles written)
    "videomme": (["001-1", "001-2"], "marble", "Speech Recognition", True),
    "longvideobench": (["lvb001_0"], "marble", "S2E", True),
    "mlvu": (["2_needle-0"], "HARBOR", "findNeedle", False),
    "egoschema": (["q-uid-1"], "HARBOR", "", False),
    "nextqa": (["4882821564-4"], "HARBOR", "DO", False),
}


@pytest.mark.parametrize("fmt", sorted(EXPECTED))
def test_adapters_read_the_official_layouts(fmt, video, tmp_path):
    root = write(fmt, tmp_path / fmt, video)
    items = load(fmt, root, tmp_path / "subs")
    ids, gold, category, has_subs = EXPECTED[fmt]
    assert [i.qid for i in items] == ids                      # missing videos and open-ended items left out
    first = items[0]
    assert first.video.is_file() and first.options[first.gold] == gold and first.category == category
    assert all(not o[:2] in ("A.", "B.", "C.", "D.") for o in first.options)
    srt = tmp_path / "subs" / f"{first.video.stem}.srt"
    assert srt.exists() == has_subs
    if has_subs:
        [(start, end, text)] = read_cues(srt)
        assert (start, end) == (1.0, 3.5) and "marble" in text    # LongVideoBench's offset applied


def test_adapters_refuse_what_they_cannot_read(tmp_path):
    for fmt in EXPECTED:
        with pytest.raises(ValueError):
            load(fmt, tmp_path, tmp_path / "subs")
    with pytest.raises(ValueError, match="unknown dataset format"):
        load("kinetics", tmp_path, tmp_path / "subs")


@pytest.mark.parametrize("fmt", ["videomme", "longvideobench", "nextqa"])
def test_eval_dataset_runs_end_to_end(fmt, video, tmp_path):
    root = write(fmt, tmp_path / fmt, video)
    r = cli(tmp_path / "unused", "eval", "dataset", "--format", fmt, "--root", str(root), "--out", str(tmp_path / "out"),
            "--json", "--circular" if fmt == "nextqa" else "--no-circular")
    assert r.returncode == 0, r.stderr[-2000:]
    report = json.loads(r.stdout)
    ids, gold, category, has_subs = EXPECTED[fmt]
    assert report["questions"] == len(ids) and report["speech"] == ("subtitles" if has_subs else "faster-whisper")
    assert category in report["by_category"]
    items = json.loads((tmp_path / "out" / f"report_{fmt}.json").read_text())["items"]
    first = items[0]
    assert first["correct"], first                        # the evidence (subtitles / screen text) shows it
    assert first["picks"] == [first["gold"]] * (len(first["options"]) if fmt == "nextqa" else 1)
    assert (tmp_path / "out" / f"report_{fmt}.md").read_text().count("| yes |") >= 1
