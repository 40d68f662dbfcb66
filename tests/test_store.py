import multiprocessing
import sqlite3

import numpy as np
import pytest

from vidrag.records import OcrLine, Scene, Video, Word
from vidrag.store import SCHEMA_VERSION, LibraryBusy, Store, StoreError
from vidrag.vector_index import VectorIndex


def scene(i, text, vec=None):
    s = Scene(i, i * 5.0, i * 5.0 + 5.0, transcript=text, words=[Word(i * 5.0 + 1, i * 5.0 + 1.4, text.split()[0])],
              ocr_lines=[OcrLine(i * 5.0 + 2, f"SIGN {i}", 0.9, [0, 0, 10, 10])])
    if vec is not None:
        s.vectors["text"] = vec
    return s


def test_schema_wal_fts_and_details(tmp_path):
    st = Store(tmp_path)
    assert st.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert st.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    vid = st.save_video(Video("fp1", "/v/a.mp4", "a.mp4", duration=10), [scene(0, "hello rabbit"), scene(1, "quiet forest")])
    hits = st.keyword_search("rabbits")        # porter stemming
    assert len(hits) == 1
    [s] = st.scenes_by_id([hits[0][0]], details=True).values()
    assert s.transcript == "hello rabbit" and s.words[0].text == "hello" and s.ocr_lines[0].box == [0, 0, 10, 10]
    assert st.videos()[0].scene_count == 2 and st.find_videos("a.mp4")[0].id == vid
    st.save_video(Video("fp2", "/v/b.mp4", "b.mp4", duration=10), [scene(0, "hello forest"), scene(1, "rabbit hole")])
    assert len(st.keyword_search("hello rabbit")) == 3                     # any term
    [both] = st.keyword_search("hello rabbit", every_term=True)            # every term
    assert st.scenes_by_id([both[0]])[both[0]].transcript == "hello rabbit"
    st.save_video(Video("fp3", "/v/c.mp4", "c.mp4", duration=10), [scene(0, "SACHA GOEDEGEBURE Director")])
    assert st.keyword_search("directed") == []                                    # porter: direct, director
    assert len(st.keyword_search("directed", prefixes=frozenset({"directed"}))) == 1  # "direct" starts "director"
    rarity = st.term_rarity(["hello", "quiet", "submarine"])               # in 2, 1 and 0 of 5 scenes
    assert rarity["quiet"] > rarity["hello"] > 0 and "submarine" not in rarity


def test_replacing_a_video_is_one_transaction(tmp_path):
    st = Store(tmp_path)
    st.save_video(Video("fp1", "/v/a.mp4", "a.mp4"), [scene(0, "first words")])
    bad = scene(1, "second words")
    bad.words.append("not a word")  # makes the insert fail half way
    with pytest.raises(Exception):
        st.save_video(Video("fp1", "/v/a.mp4", "a.mp4"), [scene(0, "replacement"), bad])
    # the old rows are intact: nothing of the failed replacement is visible
    [v] = st.videos()
    assert [s.transcript for s in st.scenes(v.id)] == ["first words"]
    assert st.keyword_search("replacement") == []


def test_faiss_index_follows_sqlite_and_rebuilds_when_stale(tmp_path):
    st = Store(tmp_path)
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(6, 16)).astype(np.float32)
    st.save_video(Video("fp1", "/v/a.mp4", "a.mp4"), [scene(i, f"w{i} x", vecs[i]) for i in range(3)])
    idx = VectorIndex(st, "text")
    assert idx.rebuilt and len(idx) == 3
    top = idx.search(vecs[1], k=1)[0][0]
    assert st.scenes_by_id([top])[top].idx == 1
    assert not VectorIndex(st, "text").rebuilt            # fresh file reused
    st.save_video(Video("fp2", "/v/b.mp4", "b.mp4"), [scene(i, f"w{i} y", vecs[3 + i]) for i in range(3)])
    idx = VectorIndex(st, "text")
    assert idx.rebuilt and len(idx) == 6                 # stale file noticed and rebuilt
    (tmp_path / "text.faiss").write_bytes(b"garbage")
    assert len(VectorIndex(st, "text")) == 6             # damaged file rebuilt
    st.remove_video(st.find_videos("b.mp4")[0])
    assert len(VectorIndex(st, "text")) == 3


def _hold_lock(root, ready, release):
    st = Store(root)
    with st.writer_lock():
        ready.set()
        release.wait(20)


def test_second_writer_gets_a_clear_message_and_readers_go_on(tmp_path):
    Store(tmp_path).save_video(Video("fp1", "/v/a.mp4", "a.mp4"), [scene(0, "kept")])
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=_hold_lock, args=(tmp_path, ready, release))
    p.start()
    try:
        assert ready.wait(30)
        st = Store(tmp_path)
        with pytest.raises(LibraryBusy, match="another vidrag is indexing"):
            with st.writer_lock():
                pass
        assert st.keyword_search("kept")                 # reading still works
    finally:
        release.set()
        p.join(20)
    with Store(tmp_path).writer_lock():                 # free again once the holder is gone
        pass


def test_newer_schema_and_garbage_db_are_refused(tmp_path):
    Store(tmp_path).close()
    con = sqlite3.connect(tmp_path / "library.db")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="newer vidrag"):
        Store(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "library.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open library database"):
        Store(other)
    with pytest.raises(StoreError, match="no library here"):
        Store(tmp_path / "nowhere", create=False)


HOSTILE = ["'; DROP TABLE scenes; --", 'say NEAR(rabbit forest, 2) "quoted', "<script>x</script> OR * AND NOT -col:"]


def test_hostile_text_is_stored_and_searched_as_text(tmp_path):
    """Text read out of videos and typed into questions may look like SQL or FTS5 syntax; it is
    stored verbatim, found as words, and no query breaks on it."""
    from vidrag.agent import operate

    st = Store(tmp_path)
    scenes = [scene(i, t) for i, t in enumerate(HOSTILE)]
    for s in scenes:   # every word said, half a second apart
        s.words = [Word(s.start + k / 2, s.start + k / 2 + 0.4, w) for k, w in enumerate(s.transcript.split())]
    vid = st.save_video(Video("fp1", "/v/a.mp4", "a.mp4", duration=15), scenes)
    assert [s.transcript for s in st.scenes(vid)] == HOSTILE and st.db.execute("SELECT count(*) FROM scenes").fetchone()[0] == 3
    for i, text in enumerate(HOSTILE):
        for hits in (st.keyword_search(text), st.keyword_search(text, every_term=True)):
            assert st.scenes_by_id([hits[0][0]])[hits[0][0]].idx == i
        assert st.scenes_with_phrase(text) and st.holding_any(text.split(), [s.id for s in st.scenes(vid)])
    assert st.scenes_by_id([st.keyword_search("drop table")[0][0]]).popitem()[1].idx == 0
    assert [m.start for m in operate.occurrences(st, "NEAR(rabbit forest")] == [5.5]   # said at its first word's time
    for junk in ('"', "NEAR(", "*", "-", ":", "'", "AND OR NOT", "{text}:", "^"):
        st.keyword_search(junk), st.scenes_with_phrase(junk), st.term_rarity([junk]), operate.occurrences(st, junk)
