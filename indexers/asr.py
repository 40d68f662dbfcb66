"""Speech: transcribe the audio track once, with word times, then give words to scenes.

The track streams through in windows of a few minutes (asr_windows.py), so memory does not grow
with a video's length; `window_s = 0` in the asr options transcribes it whole.

Word timestamps are always on: with VAD and segment times only, a sentence at 1100 s was seen
stamped 32.7 s. Backends: faster-whisper (default, CTranslate2 int8), openai-whisper, and
subtitles (a video's own SRT/VTT, see subtitles.py).
"""
from __future__ import annotations

import math

from vidrag.config import Config
from vidrag.media import audio_blocks
from vidrag.models import resolve
from vidrag.records import Scene, Word
from vidrag.indexers.stages import VideoContext, pick_backend, scene_at
from vidrag.models import cached_model
from vidrag.indexers.subtitles import SubtitleTrack
from vidrag.indexers.asr_windows import first_window_sample, transcribe_windows

SAMPLE_RATE = 16000


class FasterWhisper:
    def __init__(self, cfg: Config):
        r = resolve("asr", cfg)
        opts = cfg.asr.options

        def load():
            from faster_whisper import WhisperModel
            return WhisperModel(r.path, device=cfg.asr.device, compute_type=opts.get("compute_type", "int8"),
                                cpu_threads=int(opts.get("cpu_threads", 1)))
        self.model = cached_model(("asr", "faster-whisper", r.path), load)
        self.language = opts.get("language") or None
        self.beam_size = int(opts.get("beam_size", 1))
        # Silero VAD's default 400 ms pad clipped words of short sentences over music ("Meet me at
        # the market." -> "Me at the market.": 3 of 27 needle sentences); 600 ms kept all 27 at the
        # same speed (800 ms did too, but misheard "ill-disposed" in the LibriVox test clip).
        self.vad = {"speech_pad_ms": int(opts.get("vad_pad_ms", 600))}

    def transcribe(self, audio) -> list[Word]:
        segments, _info = self.model.transcribe(
            audio, language=self.language, beam_size=self.beam_size, temperature=0.0,
            word_timestamps=True, vad_filter=True, vad_parameters=self.vad,
            condition_on_previous_text=False)
        return [Word(float(round(w.start, 2)), float(round(w.end, 2)), w.word.strip(), float(round(w.probability, 3)))
                for seg in segments for w in (seg.words or []) if w.word.strip()]


class OpenAIWhisper:
    """openai-whisper by name or checkpoint path (`whisper.load_model`)."""

    def __init__(self, cfg: Config):
        r = resolve("asr", cfg)
        self.model = cached_model(("asr", "openai-whisper", r.path),
                                  lambda: __import__("whisper").load_model(r.path, device=cfg.asr.device))
        self.language = cfg.asr.options.get("language") or None
        # whisper's own filters, settable (None turns one off): which segments count as silence
        self.filters = {k: cfg.asr.options[k] for k in ("no_speech_threshold", "logprob_threshold",
                                                        "compression_ratio_threshold") if k in cfg.asr.options}

    def transcribe(self, audio) -> list[Word]:
        out = self.model.transcribe(audio, language=self.language, temperature=0.0, word_timestamps=True,
                                    fp16=False, condition_on_previous_text=False, **self.filters)
        return [Word(round(w["start"], 2), round(w["end"], 2), w["word"].strip(), round(w.get("probability", 1.0), 3))
                for seg in out["segments"] for w in seg.get("words", []) if w["word"].strip()]


BACKENDS = {"faster-whisper": FasterWhisper, "openai-whisper": OpenAIWhisper, "subtitles": SubtitleTrack}


def sentences(words: list[Word], pause: float = 1.0) -> list[list[Word]]:
    """Runs of words ending at . ? ! or at a pause."""
    out: list[list[Word]] = [[]]
    for w in words:
        if out[-1] and w.start - out[-1][-1].end > pause:
            out.append([])
        out[-1].append(w)
        if w.text.rstrip().endswith((".", "?", "!")):
            out.append([])
    return [s for s in out if s]


def assign_words(scenes: list[Scene], words: list[Word]) -> None:
    """Each word goes to the scene holding its midpoint. A transcript holds the whole sentences
    its words belong to: a cut inside "The password | is feather." must not leave either scene
    with half of it, to search or to answer from."""
    for s in scenes:
        s.words = []
    text: dict[int, list[str]] = {id(s): [] for s in scenes}
    for sentence in sentences(words):
        owners = []
        for w in sentence:
            owner = scene_at(scenes, (w.start + w.end) / 2)
            owner.words.append(w)
            if not any(o is owner for o in owners):
                owners.append(owner)
        for owner in owners:
            text[id(owner)] += [w.text for w in sentence]
    for s in scenes:
        s.transcript = " ".join(text[id(s)])


def skip_samples(blocks, n: int):
    """The blocks, less their first `n` samples."""
    for b in blocks:
        if n >= len(b):
            n -= len(b)
            continue
        yield b[n:]
        n = 0


class AsrStage:
    name = "asr"

    def __init__(self, cfg: Config):
        self.backend = pick_backend("asr", BACKENDS, cfg)
        opts = cfg.asr.options
        # 5-minute windows keep the track's samples and features to ~100 MB at any length; whisper
        # reads 30 s at a time anyway, so only the words within `window_pad_s` of a seam can differ.
        self.window = float(opts.get("window_s", 300.0)) or math.inf
        self.pad = float(opts.get("window_pad_s", 2.0))
        if not self.window > 2 * self.pad >= 0:
            raise ValueError(f"asr window_s ({self.window:g}) must be 0 (the whole track) or more than twice "
                             f"window_pad_s ({self.pad:g})")

    def own_words(self, path: str) -> list[Word] | None:
        """Words the video carries itself (subtitles), without listening to it."""
        return self.backend.words_for(path) if hasattr(self.backend, "words_for") else None

    def transcribe_file(self, path: str) -> list[Word]:
        words = self.own_words(path)
        if words is not None:
            return words
        return transcribe_windows(self.backend.transcribe, audio_blocks(path, SAMPLE_RATE), SAMPLE_RATE,
                                  self.window, self.pad)

    def transcribe_range(self, path: str, start: float, end: float, overlap: float) -> list[Word]:
        """The words whose midpoint lies in [start, end) (a shard of a long video): the whole
        run's windows that meet the range, heard from the first one's start, so each word is
        the one a whole run hears. With `window_s = 0` (the whole track at once) the range is
        heard alone, `overlap` s either side, and words near its edges may differ."""
        words = self.own_words(path)
        if words is None and math.isfinite(self.window):
            origin = first_window_sample(start, SAMPLE_RATE, self.window, self.pad)
            preroll = min(origin, SAMPLE_RATE)   # a decoder just after a seek is off for a frame or so
            blocks = skip_samples(audio_blocks(path, SAMPLE_RATE, (origin - preroll) / SAMPLE_RATE), preroll)
            words = transcribe_windows(self.backend.transcribe, blocks, SAMPLE_RATE, self.window, self.pad,
                                       origin, end)
        elif words is None:
            a = max(0.0, start - overlap)
            blocks = audio_blocks(path, SAMPLE_RATE, a, end + overlap)
            words = [Word(round(w.start + a, 2), round(w.end + a, 2), w.text, w.prob)
                     for w in transcribe_windows(self.backend.transcribe, blocks, SAMPLE_RATE, math.inf, self.pad)]
        return [w for w in words if start <= (w.start + w.end) / 2 < end]

    place = staticmethod(assign_words)   # words computed elsewhere (a thread, shards) into scenes

    def run(self, ctx: VideoContext, scenes: list[Scene]) -> None:
        assign_words(scenes, self.transcribe_file(ctx.path) if ctx.has_audio else self.own_words(ctx.path) or [])
