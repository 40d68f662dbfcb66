"""`vidrag bench serve`: a real `vidrag serve` on the sample library, timed as a client sees it.

API latencies (p50/p95) over loopback, and what answering through the server adds: the same
question asked in this process (`Library.ask`, models loaded) and through POST /api/ask and
/api/ask/stream (the page's way), in turns, so other load on the machine falls on each alike.
With `page`, also how soon the page shows search hits after the API answered, in chromium.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx

from vidrag.client import Server, wait_for_server
from vidrag.config import Config
from vidrag.eval.bench import machine, percentiles
from vidrag.library import Library

MIB = 1 << 20
SAMPLES = ("bbb.mp4", "trailer_bbb.mp4", "demo.mp4", "bikes.mp4", "bigbuckbunny.mp4")
SEARCHES = ("bunny", "a bird in a tree", "bicycle", "big buck bunny", "people talking", "a river", "butterfly")
# A count, which the agent answers from the index alone, and a question its model reads evidence for.
QUESTIONS = ("How many times does a bird appear?", "What animals appear in the trailer?")


def sample_library(cfg: Config, log: Callable[[str], None]) -> Path:
    """The samples indexed into the cache once (later runs find them unchanged and skip them)."""
    from vidrag.samples import cache_dir, fetch_samples
    files = fetch_samples(names=SAMPLES, log=log)
    cfg.library = str(cache_dir() / "bench" / "serve")
    with Library(config=cfg) as lib:
        log(f"indexing the samples into {lib.path} (once)")
        failed = [f"{o.path}: {o.message}" for o in lib.index([str(files[n]) for n in SAMPLES]) if not o.ok]
    if failed:
        raise ValueError("could not index the samples: " + "; ".join(failed))
    return Path(cfg.library)


@contextmanager
def serving(library: Path, config_file: str | None, *options: str) -> Iterator[Server]:
    """`vidrag serve --port 0` in its own process, stopped afterwards."""
    with tempfile.TemporaryFile() as errors:   # a file: a full pipe would block the server
        proc = subprocess.Popen([sys.executable, "-m", "vidrag.cli", "serve", "--library", str(library), "--port", "0",
                                 *(["--config", config_file] if config_file else []), *options],
                                stdout=subprocess.DEVNULL, stderr=errors)
        try:
            server = wait_for_server(library, proc, timeout=300)
        except RuntimeError as exc:
            proc.kill()
            errors.seek(0)
            raise ValueError(f"{exc}: {errors.read().decode(errors='replace')[-2000:]}") from None
        try:
            yield server
        finally:
            proc.terminate()
            proc.wait(30)


def seconds(call: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def timed(call: Callable[[int], Any], n: int) -> list[float]:
    return [seconds(lambda: call(i)) for i in range(n)]


def streamed(server: Server, question: str) -> dict:
    """The `answer` event of /api/ask/stream (the page's request), once it has arrived."""
    with server.http.stream("GET", "/api/ask/stream", params={"q": question}) as r:
        event = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event in ("answer", "error"):
                data = json.loads(line[6:])
                if event == "error":
                    raise ValueError(f"/api/ask/stream: {data['error']}")
                return data
    raise ValueError("/api/ask/stream ended without an answer")


def bench_serve(cfg: Config, library: str | None = None, config_file: str | None = None, requests: int = 30,
                rounds: int = 3, page: bool = False, questions: tuple[str, ...] = QUESTIONS,
                log: Callable[[str], None] = print) -> dict[str, Any]:
    library = Path(library) if library else sample_library(cfg, log)
    cfg.library = str(library)
    with serving(library, config_file) as server, Library(config=cfg) as lib:
        def get(path: str, status: int = 200, **kw: Any) -> httpx.Response:
            r = server.http.get(path, **kw)
            if r.status_code != status:
                raise ValueError(f"GET {path}: HTTP {r.status_code}, not {status}: {r.text[:200]}")
            return r

        videos = get("/api/videos").json()
        if not videos:
            raise ValueError(f"the library {library} is empty")
        longest = max(videos, key=lambda v: v["scene_count"])
        room = max(1, Path(longest["path"]).stat().st_size - MIB)

        def media(i: int) -> None:   # 1 MiB from a different place each time, as a player seeks
            start = i * 7_919_000 % room
            get(longest["media"], 206, headers={"Range": f"bytes={start}-{start + MIB - 1}"})

        log("warming up (the server loads its models at start)")
        server.search(SEARCHES[0])
        lib.agent(warm=True)
        api = {
            "GET /api/videos": timed(lambda i: get("/api/videos"), requests),
            f"GET /api/videos/{{id}} ({longest['scene_count']} scenes)":
                timed(lambda i: get(f"/api/videos/{longest['id']}"), requests),
            "GET /api/search": timed(lambda i: get("/api/search", params={"q": SEARCHES[i % len(SEARCHES)]}), requests),
            "GET /media/{id} (Range: 1 MiB)": timed(media, requests),
        }
        asks = []
        for q in questions:
            log(f"asking {q!r}: in-process, POST /api/ask, /api/ask/stream, {rounds} rounds after one to warm up")
            answer = lib.ask(q)   # the first ask of a question may build a video's summary: not timed
            server.ask(q)
            turns = [(seconds(lambda: lib.ask(q)), seconds(lambda: server.ask(q)), seconds(lambda: streamed(server, q)))
                     for _ in range(rounds)]
            local, post, stream = (statistics.median(t) for t in zip(*turns))
            asks.append({"question": q, "model": any(t["step"] == "answer" for t in answer.trace),
                         "answer": answer.answer, "in_process_s": round(local, 3), "api_ask_s": round(post, 3),
                         "stream_s": round(stream, 3),
                         "api_ask_gap_s": round(statistics.median(p - lo for lo, p, _ in turns), 3),
                         "stream_gap_s": round(statistics.median(s - lo for lo, _, s in turns), 3)})
    return {"benchmark": "serve", **machine(), "library": str(library), "videos": len(videos),
            "api": [{"request": name, **percentiles(s)} for name, s in api.items()], "ask": asks,
            **({"page_search_render": bench_page(cfg, config_file, log=log)} if page else {})}


# After the page puts the hits in, the next frame is painted: the time from the moment
# /api/search's response ended (Resource Timing) to then is what the reader waits for the page.
WATCH = """() => { performance.clearResourceTimings(); window.__shown = 0;
  new MutationObserver((_, o) => { if (!document.querySelector('#hits .hit')) return; o.disconnect();
    requestAnimationFrame(() => setTimeout(() => { window.__shown = performance.now(); })); })
  .observe(document.querySelector('#hits'), { childList: true }); }"""
RENDER_MS = """() => window.__shown && window.__shown -
  performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/search')).pop().responseEnd"""


def bench_page(cfg: Config, config_file: str | None = None, searches: int = 20, hours: int = 100,
               log: Callable[[str], None] = print) -> dict[str, Any]:
    """How long the page takes to show search hits once /api/search has answered, in Debian's
    chromium (headless, as the page's tests drive it), on `vidrag bench search`'s synthetic library."""
    import random
    import shutil

    from playwright.sync_api import sync_playwright

    from vidrag.eval.bench import synthetic_library, zipf_words
    chromium = shutil.which("chromium")
    if not chromium:
        raise ValueError("the page benchmark needs Debian's chromium (scripts/setup.sh installs it)")
    vocab, p = zipf_words()
    rnd = random.Random(0)
    with tempfile.TemporaryDirectory(prefix="vidrag-bench-") as tmp:
        synthetic_library(tmp, hours, log=log)
        with serving(Path(tmp), config_file, "--no-warm") as server, sync_playwright() as pw:
            server.search("warm up the embedder and the index")
            browser = pw.chromium.launch(executable_path=chromium, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(server.url + "/")
            page.wait_for_selector("#videos li.video")
            render = []
            for _ in range(searches):
                page.evaluate(WATCH)
                page.fill("#q", " ".join(rnd.choices(vocab, weights=p, k=3)))
                page.click("#search-btn")
                deadline = time.monotonic() + 60
                while not (ms := page.evaluate(RENDER_MS)):
                    if time.monotonic() > deadline:
                        raise ValueError("the page showed no search hits within 60 s")
                    time.sleep(0.02)
                render.append(ms / 1000)
            browser.close()
    return {"video_hours": hours, **percentiles(render)}
