"""Readers for local copies of public long-video QA benchmarks, in their official layouts and
field names. Each yields multiple-choice items; subtitles, where a dataset ships them, are
converted to SRT files named after the video so the `subtitles` ASR backend can use them.

  videomme        videomme/test-00000-of-00001.parquet, data/ (or video/) {videoID}.mp4, subtitle/{videoID}.srt
  longvideobench  lvb_val.json, videos/{video_path}, subtitles/{subtitle_path} (JSON cues)
  mlvu            json/N_task.json, video/N_task/{video} (or video/{task}/)
  egoschema       questions.json + subset_answers.json, videos/{q_uid}.mp4
  nextqa          val.csv (or test.csv), map_vid_vidorID.json, NExTVideo/{folder}/{id}.mp4
"""
from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from vidrag.indexers.subtitles import seconds, write_srt

FORMATS: dict[str, Callable[[Path, Path], Iterator["Item"]]] = {}


@dataclass
class Item:
    qid: str
    video: Path
    question: str
    options: list[str]
    gold: int                # index of the right option
    category: str = ""
    duration: str = ""       # the dataset's duration field or group, as written


def reader(name: str):
    def register(fn):
        FORMATS[name] = fn
        return fn
    return register


def load(fmt: str, root: Path, subtitles_dir: Path) -> list[Item]:
    """The items whose video exists under root; subtitles written into subtitles_dir."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown dataset format '{fmt}' (choose from {', '.join(FORMATS)})")
    if not root.is_dir():
        raise ValueError(f"{root}: no such folder")
    items = list(FORMATS[fmt](root, subtitles_dir))
    if not items:
        raise ValueError(f"{root}: no {fmt} questions whose video is present")
    return items


def first_file(*candidates: Path) -> Path | None:
    return next((p for p in candidates if p.is_file()), None)


def strip_letter(option: str) -> str:
    """'A. a red car' -> 'a red car' (Video-MME writes the letter into each option)."""
    return option[3:].strip() if len(option) > 2 and option[0].isalpha() and option[1] in ".)" else option.strip()


@reader("videomme")
def videomme(root: Path, subs: Path) -> Iterator[Item]:
    import polars as pl
    table = first_file(*sorted((root / "videomme").glob("*.parquet")), *sorted(root.glob("*.parquet")))
    if table is None:
        raise ValueError(f"{root}: no videomme/*.parquet")
    for row in pl.read_parquet(table).iter_rows(named=True):
        vid = row["videoID"]
        video = first_file(root / "data" / f"{vid}.mp4", root / "video" / f"{vid}.mp4")
        if video is None:
            continue
        srt = root / "subtitle" / f"{vid}.srt"
        if srt.is_file() and not (subs / f"{video.stem}.srt").exists():
            subs.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(srt, subs / f"{video.stem}.srt")
        yield Item(row["question_id"], video, row["question"], [strip_letter(o) for o in row["options"]],
                   "ABCDEFGH".index(row["answer"].strip()[0]), row.get("task_type") or "", row.get("duration") or "")


def lvb_cues(path: Path, offset: float, duration: float) -> list[tuple[float, float, str]]:
    """LongVideoBench subtitle JSON: {"timestamp": [s, e], "text"} or {"start", "end", "line"}."""
    cues = []
    for c in json.loads(path.read_text(encoding="utf-8")):
        if "timestamp" in c:
            a, b = c["timestamp"]
            b = b if isinstance(b, (int, float)) else duration + offset
            text = c["text"]
        else:
            a, b, text = seconds(c["start"]), seconds(c["end"]), c["line"]
        cues.append((max(0.0, a - offset), max(0.0, b - offset), text.strip()))
    return [c for c in cues if c[2]]


@reader("longvideobench")
def longvideobench(root: Path, subs: Path) -> Iterator[Item]:
    ann = first_file(root / "lvb_val.json", *sorted(root.glob("lvb_*.json")))
    if ann is None:
        raise ValueError(f"{root}: no lvb_val.json")
    for d in json.loads(ann.read_text(encoding="utf-8")):
        video = root / "videos" / d["video_path"]
        if not video.is_file() or "correct_choice" not in d:
            continue
        sub = root / "subtitles" / d.get("subtitle_path", "")
        if d.get("subtitle_path") and sub.is_file() and not (subs / f"{video.stem}.srt").exists():
            write_srt(subs / f"{video.stem}.srt",
                      lvb_cues(sub, float(d.get("starting_timestamp_for_subtitles", 0)), float(d.get("duration", 0))))
        yield Item(str(d["id"]), video, d["question"], list(d["candidates"]), int(d["correct_choice"]),
                   d.get("question_category", ""), str(d.get("duration_group", "")))


@reader("mlvu")
def mlvu(root: Path, subs: Path) -> Iterator[Item]:
    files = sorted((root / "json").glob("*.json"))
    if not files:
        raise ValueError(f"{root}: no json/*.json")
    for f in files:
        task = f.stem.split("_", 1)[-1]
        for n, d in enumerate(json.loads(f.read_text(encoding="utf-8"))):
            if "candidates" not in d:
                continue   # the open-ended tasks (sub-scene captioning, summaries)
            video = first_file(root / "video" / f.stem / d["video"], root / "video" / task / d["video"])
            if video is None:
                continue
            yield Item(f"{f.stem}-{n}", video, d["question"], list(d["candidates"]),
                       list(d["candidates"]).index(d["answer"]), d.get("question_type", task), str(d.get("duration", "")))


@reader("egoschema")
def egoschema(root: Path, subs: Path) -> Iterator[Item]:
    questions, answers = root / "questions.json", root / "subset_answers.json"
    if not questions.is_file() or not answers.is_file():
        raise ValueError(f"{root}: needs questions.json and subset_answers.json")
    gold = json.loads(answers.read_text(encoding="utf-8"))
    for d in json.loads(questions.read_text(encoding="utf-8")):
        video = first_file(root / "videos" / f"{d['q_uid']}.mp4", root / "good_clips_git" / f"{d['q_uid']}.mp4")
        if video is None or d["q_uid"] not in gold:
            continue
        yield Item(d["q_uid"], video, d["question"], [d[f"option {i}"] for i in range(5)], int(gold[d["q_uid"]]), "", "180s")


@reader("nextqa")
def nextqa(root: Path, subs: Path) -> Iterator[Item]:
    table = first_file(root / "val.csv", root / "test.csv", *sorted(root.glob("*.csv")))
    mapping = first_file(root / "map_vid_vidorID.json")
    if table is None or mapping is None:
        raise ValueError(f"{root}: needs val.csv and map_vid_vidorID.json")
    where = json.loads(mapping.read_text(encoding="utf-8"))
    with table.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rel = where.get(str(row["video"]))
            video = first_file(root / "NExTVideo" / f"{rel}.mp4") if rel else None
            if video is None:
                continue
            yield Item(f"{row['video']}-{row['qid']}", video, row["question"].strip().rstrip("?") + "?",
                       [row[f"a{i}"] for i in range(5)], int(row["answer"]), row.get("type", ""), "")
