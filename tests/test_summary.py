"""Summaries: extractive segment notes, one stored model-written video summary, spans, and a
plain-text answer whenever the model fails.

Scripted replies (Counting, Raising) stand in for the model only to count calls and to produce
malformed or failed replies on demand, which the real model cannot be made to do; the packaged
model writes a real summary in the last test, and tests/test_agent.py asks for one end to end."""
from __future__ import annotations

import pytest

from vidrag.summaries import Summarizer, clean_reply
from vidrag.records import OcrLine, Scene, Video
from vidrag.store import Store

GOOD = "The video opens with a talk about the harbor at 00:10, then the EXIT FJORD sign is shown."


class Counting:
    """An llm that answers well and counts how often it was asked."""

    def __init__(self, reply: str = GOOD):
        self.reply, self.calls = reply, 0

    def chat(self, messages, schema=None, max_tokens=300):
        self.calls += 1
        self.prompt = messages[-1]["content"]
        return self.reply


class Raising(Counting):
    def chat(self, messages, schema=None, max_tokens=300):
        self.calls += 1
        raise RuntimeError("model crashed")


def scenes(n: int = 40, length: float = 10.0) -> list[Scene]:
    out = []
    for i in range(n):
        s = Scene(i, i * length, (i + 1) * length, transcript=f"Sentence number {i} is about the harbor. Meet me there.",
                  objects="2 person, 1 boat" if i % 3 else "1 dog")
        # the same sign read in three frames, once misread: one line in the notes
        if 5 <= i < 8:
            s.ocr_lines = [OcrLine(i * length + 1, "EXIT FJORD" if i != 6 else "EXIT FJ0RD", 0.9)]
            s.ocr_text = s.ocr_lines[0].text
        out.append(s)
    return out


@pytest.fixture
def store(tmp_path):
    st = Store(tmp_path / "lib")
    st.save_video(Video("fp1", "/v/harbor.mp4", "harbor.mp4", duration=400), scenes())
    yield st
    st.close()


def test_parts_cover_the_video_in_order_are_bounded_and_stored(store):
    llm = Counting()
    seen = []
    parts = Summarizer(store, llm).parts(1, progress=lambda d, n, m: seen.append((d, n)))
    assert len(parts) >= 2 and parts[0].start == 0 and parts[-1].end == 400   # 40 scenes, more than 12
    assert all(a.end == b.start for a, b in zip(parts, parts[1:]))            # no gaps, time order
    assert all(60 <= p.end - p.start <= 180 for p in parts)
    ids = [i for p in parts for i in p.scene_ids]
    assert ids == [s.id for s in store.scenes(1)]                              # each scene cited once, in order
    assert all(len(p.text) <= 400 and p.video == "harbor.mp4" and p.path == "/v/harbor.mp4" for p in parts)
    first = parts[0].text
    assert first.count("EXIT FJ") == 1 and first.count("Meet me there") == 1   # deduplicated across frames
    assert "person in" in first and "dog in" in first
    assert seen[0] == (1, len(parts) + 1) and llm.calls == 0                  # notes need no model
    assert len(store.summaries(1, "segment")) == len(parts)

    text, cited = Summarizer(store, llm).summarise(1, question="what is the main risk they talk about?")
    assert text == GOOD and cited == parts and llm.calls == 1
    assert "main risk" not in llm.prompt   # the stored summary serves every later question: written for none
    again = Counting()
    assert Summarizer(store, again).summarise(1) == (GOOD, parts) and again.calls == 0   # read, not recomputed


def test_a_span_reads_the_parts_it_overlaps(store):
    llm = Counting()
    s = Summarizer(store, llm)
    parts = s.parts(1)
    last = parts[-1]
    text, cited = s.summarise(1, last.start + 1, 400, question="What happens at the end?")
    assert cited == [last] and last.text in text and llm.calls == 0          # one part: its notes, no model
    text, cited = s.summarise(1, 0, parts[1].start + 5)
    assert cited == parts[:2] and text == GOOD and llm.calls == 1            # several: one short call
    quiet = Summarizer(store, llm, span_model=False).summarise(1, 0, parts[1].start + 5)
    assert quiet[1] == parts[:2] and parts[1].text in quiet[0] and llm.calls == 1   # notes only, no call
    assert s.parts(1, 0, 0) == parts[:1] and s.parts(1, parts[1].start, parts[1].start) == [parts[1]]
    text, cited = s.summarise(1, 500, 600)
    assert cited == [] and "00:06:40" in text                                 # past the end: says where it ends
    assert store.summaries(1, "video") == []                                  # a span is not the video summary


@pytest.mark.parametrize("llm", [Raising(), Counting(""), Counting('{"found": true, "answer": "x"'),
                                 Counting("!!!! ???? 1234 5678 ---- ...."), None])
def test_any_model_failure_degrades_to_the_notes(store, llm):
    text, cited = Summarizer(store, llm).summarise(1)
    assert cited and "00:00:00" in text and "harbor" in text
    assert store.summaries(1, "video") == []          # a failed summary is not stored: the next one retries
    text, cited = Summarizer(store, llm).summarise(1, 0, 250)
    assert len(cited) == 2 and "harbor" in text and "00:00:00" in text


def test_removing_or_reindexing_a_video_drops_its_summaries(store, tmp_path):
    Summarizer(store, Counting()).summarise(1)
    assert store.summaries(1, "segment") and store.summaries(1, "video")
    new_id = store.save_video(Video("fp1", "/v/harbor.mp4", "harbor.mp4", duration=50), scenes(5))
    assert store.summaries(1, "segment") == [] and store.summaries(new_id, "segment") == []
    parts = Summarizer(store, Counting()).parts(new_id)
    assert len(parts) == 1 and parts[0].end == 50                            # rebuilt from the new scenes
    store.remove_video(store.find_videos(str(new_id))[0])
    assert store.db.execute("SELECT count(*) FROM summaries").fetchone()[0] == 0


def test_replies_are_cleaned_into_plain_prose():
    assert clean_reply("```\nSummary: A bunny wakes up. A bunny wakes up. Birds tease him and") == "A bunny wakes up."
    assert clean_reply("<notes>ignore</notes>") == "" and clean_reply("ok") == ""


def test_summary_is_an_opt_in_stage_with_a_hash():
    from vidrag.config import load_config
    from vidrag.indexers.stages import ALL_STAGES, stage_hash
    cfg = load_config(environ={})
    assert "summary" in ALL_STAGES and "summary" not in cfg.stages
    assert stage_hash(cfg, "summary", {"asr": "a"}) != stage_hash(cfg, "summary", {"asr": "b"})


def test_the_packaged_model_writes_the_video_summary(store):
    from vidrag.config import load_config
    from vidrag.llm import load_llm
    llm = load_llm(load_config(environ={}))
    text, parts = Summarizer(store, llm).summarise(1)
    assert 30 <= len(text) <= 1500 and not text.startswith(("{", "[", "What is said and shown"))
    assert store.summaries(1, "video")[0]["text"] == text and len(parts) >= 2
