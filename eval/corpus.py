"""The question bank's corpus: three scripted videos built from real media, plus the samples as they are.

Everything is deterministic (fixed scripts, a seeded RNG for footage pieces) and cached by a
version in the file names, so the hand-written question bank always matches what was rendered.
- team_meeting.mp4: two voices (Piper joe, espeak-ng en-gb+f3) over cv2 slides;
- city_walk.mp4: sample footage with inserted signs, photos and a narrator;
- reading.mp4: Debian pocketsphinx-testdata's LibriVox clips over street footage.
"""
from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Iterator

import av
import cv2
import numpy as np

from vidrag.eval.needle import FPS, H, W, frames_of, photo, tts, voice
from vidrag.media import decode_audio, mux_mono_audio

VERSION = 2           # in the marker file: a script change rebuilds the corpus (and the bank must follow)
RATE = 16000
SAMPLES_AS_IS = ("bbb.mp4", "trailer_bbb.mp4", "demo.mp4", "bikes.mp4")
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")

# (speaker, line): D = Daniel (Piper joe), M = Maria (espeak-ng en-gb+f3). Slide index changes at "#n".
MEETING = [
    "#0", ("D", "Good morning Maria. Let's start the planning meeting for the Orion project."),
    ("M", "Good morning Daniel. Who is taking notes today?"),
    ("D", "I am taking the notes, and I will share them with the team tonight."),
    ("M", "Thanks. The first item on the agenda is the budget."),
    "#1", ("D", "We have spent thirty one thousand dollars so far, so about seventeen thousand is left."),
    ("M", "Then we agreed to cut the travel budget by twenty percent."),
    ("D", "Agreed. Travel is cut by twenty percent."),
    ("M", "Our biggest risk is the payment provider integration."),
    ("D", "Then let's test the payment flow every day until the launch."),
    "#2", ("M", "Next is the launch. The beta goes out on the third of November."),
    ("D", "And the full launch is on the first of December. That is our deadline."),
    ("M", "I will own the launch checklist."),
    ("M", "Daniel, can you please send the budget sheet to the finance team by Thursday?"),
    ("D", "Yes, I will send the budget sheet to finance by Thursday."),
    "#3", ("D", "For hiring, we need two engineers and one designer."),
    ("M", "Let's ask Kevin from human resources to post the job ads."),
    ("D", "Good idea. Kevin will post the job ads this week."),
    ("M", "Priya is running the customer survey, and the results come back on the fifteenth of November."),
    "#4", ("M", "The last item is the team offsite."),
    ("D", "Let's meet at the Lakeview Hotel on Friday at half past nine in the morning."),
    ("M", "I will book a meeting room for twelve people."),
    ("D", "Please bring your laptop and a printed copy of the agenda."),
    ("M", "Should we order lunch for the offsite?"),
    ("D", "Yes, order sandwiches for everyone, with vegetarian options too."),
    ("M", "And please remind Kevin to bring the projector."),
    "#5", ("M", "We also decided to move the weekly call to Monday at ten."),
    ("D", "Great. The next review is in two weeks. Thank you Maria."),
    ("M", "Thanks Daniel. Bye for now."),
]
SLIDES = [
    ("ORION PROJECT", ["Q3 planning meeting", "Tuesday 14 October", "Room 4B", "Daniel and Maria"]),
    ("BUDGET", ["Total budget: $48,000", "Spent so far: $31,500", "Marketing: $9,000", "Travel: cut 20%"]),
    ("LAUNCH TIMELINE", ["Beta: 3 November", "Launch: 1 December", "Owner: Maria", "Status: on track"]),
    ("HIRING", ["2 engineers", "1 designer", "Interviews start 20 October", "Job ads: Kevin (HR)"]),
    ("TEAM OFFSITE", ["Lakeview Hotel", "Friday 9:30 am", "Room for 12 people", "Parking: level 2"]),
    ("ACTION ITEMS", ["Daniel: budget sheet to finance", "Maria: launch checklist", "Kevin: job ads",
                      "Weekly call: Monday 10:00"]),
]
GAP = 2.0            # seconds of silence between turns, so each turn is its own ASR segment

# city walk: (start s, kind, content); signs last SIGN_S seconds, narration is spoken at `start`
WALK_S, SIGN_S = 480.0, 6.0
WALK = [
    (20, "sign", "ELM STREET"), (35, "say", "Today we walk from the old harbour to the city museum."),
    (60, "sign", "ROSE BAKERY"), (75, "say", "Remember to buy two loaves of bread and a jar of honey at the bakery."),
    (100, "photo", "cat"), (130, "board", "PLATFORM 4|DEPARTS 14:35"),
    (150, "say", "Our train to Brighton leaves from platform four."), (185, "sign", "MUSEUM 500 m"),
    (210, "photo", "cup"), (225, "say", "We will meet Anna at the fountain in front of the museum at noon."),
    (260, "limit", "30"), (280, "say", "The last ferry to the island leaves at a quarter past six in the evening."),
    (310, "sign", "GREEN CROSS PHARMACY"), (335, "photo", "person"), (360, "board", "FERRY TERMINAL|GATE B"),
    (385, "say", "Do not forget to buy sunscreen at the pharmacy before the ferry."),
    (420, "sign", "CITY PARK CLOSES 22:00"), (430, "photo", "cup"),
    (450, "say", "That is the end of our walk. Thank you for joining me."),
]
READING_TITLE = "SENSE AND SENSIBILITY|CHAPTER ONE"


def slide(n: int) -> np.ndarray:
    """Slide n: a white page, blue title bar, black bullet lines, page number."""
    title, lines = SLIDES[n]
    img = np.full((H, W, 3), 250, np.uint8)
    cv2.rectangle(img, (0, 0), (W, 70), (150, 80, 20), -1)
    cv2.putText(img, title, (24, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (255, 255, 255), 3)
    for i, line in enumerate(lines):
        cv2.putText(img, "- " + line, (30, 130 + 55 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (20, 20, 20), 2)
    cv2.putText(img, f"{n + 1}/{len(SLIDES)}", (W - 70, H - 15), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (90, 90, 90), 1)
    return img


def speak(text: str, who: str, piper) -> np.ndarray:
    """Daniel speaks with Piper joe (espeak en-us without it), Maria with espeak-ng en-gb+f3."""
    if who == "D":
        return tts(text, piper)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "m.wav"
        subprocess.run(["espeak-ng", "-v", "en-gb+f3", "-s", "130", "-w", str(wav), text], check=True, capture_output=True)
        return decode_audio(wav, RATE)


def meeting_plan(say=speak, piper=None) -> tuple[list[dict], list[tuple[float, float, int]]]:
    """The turns with their times, and (start, end, slide) spans; `say` renders one turn's audio."""
    turns, spans, t, current, since = [], [], 2.0, 0, 0.0
    for item in MEETING:
        if isinstance(item, str):
            if t > since:
                spans.append((since, t, current))
            current, since = int(item[1:]), t
            continue
        who, text = item
        pcm = say(text, who, piper)
        turns.append({"speaker": {"D": "Daniel", "M": "Maria"}[who], "text": text, "start": round(t, 2),
                      "end": round(t + len(pcm) / RATE, 2), "pcm": pcm})
        t += len(pcm) / RATE + GAP
    spans.append((since, t + 2.0, current))
    return turns, spans


def _write(path: Path, frames: Iterator[np.ndarray], audio: np.ndarray) -> Path:
    """Encode BGR frames at FPS and mono audio; written to a side file first, so a crash leaves no half video."""
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as out:
        vs = out.add_stream("libx264", rate=FPS, options={"preset": "veryfast", "crf": "24"})
        vs.width, vs.height, vs.pix_fmt = W, H, "yuv420p"
        aus = out.add_stream("aac", rate=RATE)
        for img in frames:
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        mux_mono_audio(out, aus, audio.astype(np.float32))
    tmp.replace(path)
    return path


def build_meeting(path: Path) -> Path:
    turns, spans = meeting_plan(piper=voice())
    total = spans[-1][1]
    audio = np.zeros(int(total * RATE) + RATE, np.float32)
    for tr in turns:
        at = int(tr["start"] * RATE)
        audio[at:at + len(tr["pcm"])] = tr["pcm"]
    pages = [slide(i) for i in range(len(SLIDES))]

    def frames():
        for start, end, n in spans:
            for _ in range(int(round((end - start) * FPS))):
                yield pages[n]
    return _write(path, frames(), audio)


def sign(img: np.ndarray, kind: str, content: str) -> np.ndarray:
    """Street/shop signs (green plate), departure boards (black, amber text), a round speed-limit sign."""
    out = img.copy()
    if kind == "sign":
        cv2.rectangle(out, (30, 40), (W - 30, 130), (40, 110, 30), -1)
        cv2.rectangle(out, (36, 46), (W - 36, 124), (255, 255, 255), 2)
        cv2.putText(out, content, (55, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (255, 255, 255), 3)
    elif kind == "board":
        cv2.rectangle(out, (60, 80), (W - 60, 260), (10, 10, 10), -1)
        for i, line in enumerate(content.split("|")):
            cv2.putText(out, line, (90, 150 + 70 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (0, 190, 255), 3)
    elif kind == "limit":
        cv2.circle(out, (W // 2, H // 2 - 20), 110, (255, 255, 255), -1)
        cv2.circle(out, (W // 2, H // 2 - 20), 110, (0, 0, 220), 18)
        cv2.putText(out, content, (W // 2 - 55, H // 2 + 10), cv2.FONT_HERSHEY_SIMPLEX, 2.8, (0, 0, 0), 8)
        cv2.rectangle(out, (W // 2 - 150, H - 60), (W // 2 + 150, H - 15), (255, 255, 255), -1)
        cv2.putText(out, "SPEED LIMIT", (W // 2 - 125, H - 25), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (0, 0, 0), 3)
    return out


def footage(samples: dict[str, Path], duration: float, seed: int, names=("bbb.mp4", "bikes.mp4", "demo.mp4")
            ) -> list[tuple[Path, float, float]]:
    """(file, start, length) pieces of real footage filling `duration` seconds."""
    rng, lengths = random.Random(seed), {"bbb.mp4": 590, "bikes.mp4": 9.5, "demo.mp4": 58, "trailer_bbb.mp4": 50}
    out, total = [], 0.0
    while total < duration - 1e-6:
        name = rng.choices(names, weights=[6, 2, 2][:len(names)])[0]
        piece = min(rng.uniform(8, 30), lengths[name], duration - total)
        out.append((samples[name], rng.uniform(0, max(0.0, lengths[name] - piece)), piece))
        total += piece
    return out


def _footage_frames(pieces, duration: float) -> Iterator[np.ndarray]:
    n, want = 0, int(duration * FPS)
    for path, start, length in pieces:
        for img in frames_of(path, start, length):
            if n >= want:
                return
            yield img
            n += 1
    while n < want:             # a short piece (rounding) is padded with its last frame
        yield img
        n += 1


def _footage_audio(pieces, duration: float, gain: float) -> np.ndarray:
    """The pieces' own sound, quieter, so the narrator is heard over real music and street noise."""
    cache, parts = {}, []
    for path, start, length in pieces:
        if path not in cache:
            cache[path] = decode_audio(path, RATE)
        a = cache[path][int(start * RATE):int((start + length) * RATE)]
        parts.append(np.pad(a, (0, max(0, int(length * RATE) - len(a)))))
    audio = np.concatenate(parts)[: int(duration * RATE)] * gain
    return np.pad(audio, (0, int(duration * RATE) - len(audio)))


def build_city_walk(path: Path, samples: dict[str, Path]) -> Path:
    pieces = footage(samples, WALK_S, seed=7)
    audio = _footage_audio(pieces, WALK_S, 0.3)
    piper = voice()
    for start, kind, content in WALK:
        if kind == "say":
            pcm = tts(content, piper)
            at = int(start * RATE)
            audio[at:at + len(pcm)] = audio[at:at + len(pcm)] * 0.2 + pcm   # duck the footage under the voice

    def frames():
        for i, img in enumerate(_footage_frames(pieces, WALK_S)):
            t = i / FPS
            for start, kind, content in WALK:
                if start <= t < start + SIGN_S and kind != "say":
                    img = photo(content) if kind == "photo" else sign(img, kind, content)
            yield img
    return _write(path, frames(), audio)


def librivox() -> list[tuple[str, str]]:
    """(wav path, transcript) for each LibriVox clip, in file order."""
    text = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        words, _, fid = line.rpartition("(")
        text[fid.strip(" )")] = words.replace("<s>", "").replace("</s>", "").strip()
    return [(str(p), text[p.stem]) for p in sorted(LIBRIVOX.glob("*.wav"))]


def reading_plan() -> tuple[list[dict], float]:
    """Each clip's place: after a 6 s title card, the clips in order with 2 s between them."""
    clips, t = [], 6.0
    for wav_path, words in librivox():
        with wave.open(wav_path) as w:
            seconds = w.getnframes() / w.getframerate()
        clips.append({"wav": wav_path, "text": words, "start": t, "end": round(t + seconds, 2)})
        t += seconds + 2.0
    return clips, t + 3.0


def build_reading(path: Path, samples: dict[str, Path]) -> Path:
    clips, total = reading_plan()
    audio = np.zeros(int(total * RATE), np.float32)
    for c in clips:
        pcm = decode_audio(c["wav"], RATE)
        at = int(c["start"] * RATE)
        audio[at:at + len(pcm)] = pcm[: len(audio) - at]
    pieces = footage(samples, total, seed=3, names=("bikes.mp4", "bbb.mp4"))

    def frames():
        for i, img in enumerate(_footage_frames(pieces, total)):
            if i < 5 * FPS:
                img = sign(np.zeros_like(img), "board", READING_TITLE)
            yield img
    return _write(path, frames(), audio)


def build_corpus(samples: dict[str, Path], out_dir: Path, log=lambda m: None) -> list[Path]:
    """The corpus's videos in `out_dir`, rendered once (a VERSION marker decides reuse)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    marker = out_dir / f"corpus_v{VERSION}.done"
    built = {"team_meeting.mp4": lambda p: build_meeting(p), "city_walk.mp4": lambda p: build_city_walk(p, samples),
             "reading.mp4": lambda p: build_reading(p, samples)}
    paths = []
    for name, fn in built.items():
        p = out_dir / name
        if not (p.exists() and marker.exists()):
            log(f"rendering {name}")
            fn(p)
        paths.append(p)
    for name in SAMPLES_AS_IS:
        p = out_dir / name
        if not p.exists() or p.stat().st_size != samples[name].stat().st_size:
            shutil.copyfile(samples[name], p)
        paths.append(p)
    marker.touch()
    return paths
