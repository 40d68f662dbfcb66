"""Shared fixtures: real sample footage (fetched once into the cache), fresh libraries, the CLI."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import av
import numpy as np
import pytest

from vidrag.media import mux_mono_audio

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

VIDRAG = str(Path(sys.executable).parent / "vidrag")


@pytest.fixture(scope="session")
def samples() -> dict[str, Path]:
    from vidrag.samples import fetch_samples
    return fetch_samples()


@pytest.fixture
def library(tmp_path) -> Path:
    return tmp_path / "lib"


def cli(library: Path | str, *args: str, timeout: float = 600, prefix: list[str] = (), **kwargs
        ) -> subprocess.CompletedProcess:
    """Run the installed `vidrag` console script against one library."""
    env = dict(os.environ, VIDRAG_LIBRARY=str(library), COLUMNS="200")
    env.update(kwargs.pop("env", {}))
    return subprocess.run([*prefix, VIDRAG, *args], capture_output=True, text=True, env=env, timeout=timeout, **kwargs)


def cli_json(library: Path | str, *args: str):
    done = cli(library, *args, "--json")
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def make_video(path: Path, seconds: float = 4.0, fps: int = 10, size=(160, 96), audio: bool = False,
               colour_every: float = 0.0, faststart: bool = False, audio_track: np.ndarray | None = None) -> Path:
    """A synthetic H.264 clip: flat colours that change every `colour_every` seconds (cuts)."""
    options = {"movflags": "faststart"} if faststart else {}
    audio = audio or audio_track is not None
    with av.open(str(path), "w", options=options) as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        if audio:
            aus = out.add_stream("aac", rate=16000)
        palette = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (220, 220, 40)]
        for i in range(int(seconds * fps)):
            colour = palette[int(i / fps / colour_every) % 4] if colour_every else (0, 0, 0)
            img = np.zeros((size[1], size[0], 3), np.uint8) + np.array(colour, np.uint8)
            img[(i % size[1]), :, :] = 255  # a moving line so frames differ
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        if audio:
            t = np.arange(int(seconds * 16000)) / 16000
            tone = audio_track if audio_track is not None else (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            mux_mono_audio(out, aus, tone)
    return path


def copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


def speech_video(path: Path, clips: list[tuple[float, str]], seconds: float = 40.0) -> Path:
    """A video with colour cuts every 10 s and real read speech (LibriVox WAVs from Debian's
    pocketsphinx-testdata) placed at the given times over silence."""
    import wave
    audio = np.zeros(int(seconds * 16000), np.float32)
    for at, name in clips:
        with wave.open(str(LIBRIVOX / f"sense_and_sensibility_01_austen_64kb-{name}.wav")) as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
        start = int(at * 16000)
        audio[start:start + len(pcm)] = pcm[: len(audio) - start]
    make_video(path, seconds=seconds, fps=5, colour_every=10.0, audio_track=audio)
    return path


def text_video(path: Path, texts: list[str], seconds_per_scene: float = 4.0, fps: int = 5) -> Path:
    """One scene per entry: its own background colour and, when non-empty, big black text."""
    import cv2
    palette = [(235, 235, 235), (180, 220, 250), (200, 250, 200), (250, 210, 180), (230, 200, 250)]
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = 640, 360, "yuv420p"
        for n, text in enumerate(texts):
            img = np.full((360, 640, 3), palette[n % len(palette)], np.uint8)
            for row, line in enumerate(text.split("\n") if text else []):
                cv2.putText(img, line, (30, 150 + 60 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (0, 0, 0), 3)
            for _ in range(int(seconds_per_scene * fps)):
                for p in vs.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                    out.mux(p)
        for p in vs.encode():
            out.mux(p)
    return path


@contextmanager
def chat_server(reply: str):
    """A local OpenAI-compatible chat endpoint that always answers `reply`. It stands in for a
    remote model (a VLM behind vLLM) that cannot run on this machine. Yields (base url, requests)."""
    seen: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append((self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            data = json.dumps({"choices": [{"message": {"role": "assistant", "content": reply}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1", seen
    finally:
        server.shutdown()


# ---- a served library (tests/test_serve.py, tests/test_web_page.py) ---------------------------
XSS_TEXT = "<script>alert(1)</script>"                          # on screen, read by OCR
XSS_SPEECH = 'Welcome <img src=x onerror="window.__xss=1"> home'  # a transcript, written into the store


@dataclass
class Served:
    url: str
    library: Path
    allowed: Path        # the --allow-root
    outside: Path        # a folder beside it that must stay out of reach
    log: Path
    proc: subprocess.Popen


@pytest.fixture(scope="session")
def web_library(samples, tmp_path_factory) -> tuple[Path, Path, Path]:
    """bikes.mp4 (real footage), signs.mp4 (a scene showing markup, then GATE 7 and WELCOME HOME;
    its first scene's transcript holds markup too) and old.avi (a container browsers cannot play)."""
    from vidrag.store import Store
    root = tmp_path_factory.mktemp("served")
    allowed, outside, lib = root / "videos", root / "outside", root / "lib"
    copy(samples["bikes.mp4"], allowed / "bikes.mp4")
    text_video(allowed / "signs.mp4", ["", XSS_TEXT, "GATE 7", "WELCOME HOME"])
    make_video(allowed / "old.avi", seconds=6, colour_every=2.0)
    copy(samples["bigbuckbunny.mp4"], outside / "bunny.mp4")
    (outside / "secret.txt").write_text("not for the web")
    done = cli(lib, "index", str(allowed), "--stages", "ocr,objects,caption,embed")
    assert done.returncode == 0, done.stderr
    # No speech engine transcribes markup, so the transcript case is written through the store.
    store = Store(lib, create=False)
    video = next(v for v in store.videos() if v.name == "signs.mp4")
    scenes = store.scenes(video.id, details=True, vectors=True)
    scenes[0].transcript = XSS_SPEECH
    store.save_video(video, scenes)
    store.close()
    return lib, allowed, outside


def start_server(lib: Path, log: Path, *args: str) -> tuple[str, subprocess.Popen]:
    """`vidrag serve --port 0` on a library; returns its address (from serve.json) once it answers."""
    from vidrag.client import wait_for_server
    (lib / "serve.json").unlink(missing_ok=True)
    proc = subprocess.Popen([VIDRAG, "serve", "--library", str(lib), "--port", "0", "--no-warm", *args],
                            stdout=subprocess.DEVNULL, stderr=log.open("w"))   # a file: a full pipe would block it
    try:
        return wait_for_server(lib, proc).url, proc
    except RuntimeError as exc:
        proc.kill()
        pytest.fail(f"{exc}\n{log.read_text()}")


@pytest.fixture(scope="session")
def served(web_library, tmp_path_factory) -> Served:
    lib, allowed, outside = web_library
    log = tmp_path_factory.mktemp("serve-log") / "serve.log"
    url, proc = start_server(lib, log, "--allow-root", str(allowed))
    yield Served(url, lib, allowed, outside, log, proc)
    proc.terminate()
    proc.wait(15)
