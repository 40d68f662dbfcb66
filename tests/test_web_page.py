"""The web page in a real browser: Debian's chromium, headless, driven by Playwright, against a real
`vidrag serve` on a real indexed library (conftest `served`). The page runs under its own CSP."""
import shutil
import time

import httpx
import pytest

from conftest import XSS_SPEECH, XSS_TEXT, text_video

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    # scripts/setup.sh installs both, so a missing one is a broken setup: fail, never skip.
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run scripts/setup.sh (the dev extra brings it)", pytrace=False)
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Debian's chromium is not at {CHROMIUM}: run scripts/setup.sh as root (it installs "
                    "the chromium package; Playwright's own browser download is not reachable)", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, served):
    """A fresh page; any script error, console error or dialog (an alert from injected markup) is recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield page
    context.close()


def until(page, script: str, timeout: float = 30.0):
    """Poll a JS expression until truthy (the page's CSP forbids the eval wait_for_function uses)."""
    deadline = time.time() + timeout
    while True:
        value = page.evaluate(script)
        if value or time.time() > deadline:
            assert value, f"timed out waiting for: {script}"
            return value
        time.sleep(0.1)


def player_time(page) -> float:
    return until(page, "(() => { const p = document.querySelector('#player');"
                       " return p.readyState >= 1 && !p.seeking ? p.currentTime + 1e-9 : 0; })()")


def player_reaches(page, t: float) -> None:
    """The player's position comes within 1 s of `t` (the bar for landing on a cited second)."""
    until(page, f"Math.abs(document.querySelector('#player').currentTime - {t}) < 1")


def rewind(page, t: float) -> None:
    """Put the player back to `t`, so that a click after this has to move it."""
    page.evaluate(f"document.querySelector('#player').currentTime = {t}")
    until(page, f"document.querySelector('#player').currentTime < {t + 0.5}")


def open_library(page, served):
    page.goto(served.url + "/")
    page.wait_for_selector("#videos li.video")


def test_library_page_lists_the_videos(page, served):
    open_library(page, served)
    api = httpx.get(f"{served.url}/api/videos").json()
    names = page.locator("#videos li.video .name").all_text_contents()
    assert sorted(names) == sorted(v["name"] for v in api) and {"bikes.mp4", "signs.mp4", "old.avi"} <= set(names)
    until(page, "[...document.querySelectorAll('#videos img')].every(i => i.complete && i.naturalWidth > 0)")
    card = page.locator("#videos li.video", has_text="bikes.mp4")
    assert "00:00:10" in card.text_content() and "indexed" in card.text_content()
    card.click()
    page.wait_for_selector("#video-view:not([hidden])")
    assert page.locator("#timeline li").count() == 3 and page.problems == []


def test_search_click_lands_the_player_at_the_cited_second(page, served):
    open_library(page, served)
    page.fill("#q", "WELCOME HOME")
    page.click("#search-btn")
    hit = page.locator("#hits .hit").first
    hit.wait_for()
    expected = httpx.get(f"{served.url}/api/search", params={"q": "WELCOME HOME", "k": 20}, timeout=120).json()[0]
    assert "WELCOME HOME" in hit.text_content() and "text" in hit.locator(".badge").text_content()
    assert float(hit.get_attribute("data-start")) == expected["cite_start"]
    hit.click()
    page.wait_for_selector("#video-view:not([hidden])")
    until(page, "document.querySelector('#video-title').textContent === 'signs.mp4'")
    player_reaches(page, expected["cite_start"])
    assert abs(player_time(page) - expected["cite_start"]) < 1
    # The scene playing is highlighted in the timeline and its texts sit beside the player.
    assert page.locator("#timeline li.current").get_attribute("data-idx") == "3"
    assert "WELCOME HOME" in page.text_content("#scene-texts")
    assert page.problems == []


def test_ask_streams_steps_then_chips_that_seek_and_seek_bar_markers(page, served):
    open_library(page, served)
    page.fill("#q", "When is GATE 7 shown?")
    page.click("#ask-btn")
    chip = page.locator("#answer .chip").first
    chip.wait_for(timeout=120_000)
    assert page.locator("#steps li").count() >= 2 and "understand" in page.text_content("#steps")
    answer = httpx.post(f"{served.url}/api/ask", json={"question": "When is GATE 7 shown?"}, timeout=120).json()
    cited = answer["citations"][0]
    assert chip.text_content() == cited["label"] and page.text_content("#answer .answer-text") == answer["answer"]
    # The answer opened its video; every citation is a mark on the seek bar, where the moment is.
    until(page, "document.querySelector('#video-title').textContent === 'signs.mp4'")
    marks = page.locator("#markers .marker.cited")
    until(page, "document.querySelectorAll('#markers .marker.cited').length > 0")
    assert marks.count() == len(answer["citations"])
    bar, mark = page.locator("#seekbar").bounding_box(), marks.first.bounding_box()
    assert abs((mark["x"] - bar["x"]) / bar["width"] * 16.0 - cited["start"]) < 0.5    # signs.mp4 is 16 s long
    rewind(page, 0)
    chip.click()
    player_reaches(page, cited["start"])
    rewind(page, 1)
    marks.first.click()                                           # a mark seeks too
    player_reaches(page, cited["start"])
    assert page.problems == []


def test_an_abstention_says_so_plainly(page, served):
    open_library(page, served)
    page.fill("#q", "When is the PURPLE ELEPHANT shown?")
    page.click("#ask-btn")
    page.wait_for_selector("#answer .answer-text", timeout=120_000)
    assert page.text_content("#answer .answer-text") == "The library does not show this."
    assert "Not in the library" in page.text_content("#answer") and page.locator("#answer .chip").count() == 0


def test_markup_read_out_of_videos_is_shown_as_text(page, served):
    open_library(page, served)
    page.locator("#videos li.video", has_text="signs.mp4").click()
    page.wait_for_selector("#timeline li")
    assert XSS_SPEECH in page.text_content("#scene-texts")          # scene 1's transcript, as written
    page.locator("#timeline li[data-idx='1'] button").click()
    until(page, "document.querySelector('#scene-texts').textContent.includes('alert(1)')")
    assert XSS_TEXT in page.text_content("#scene-texts")
    page.fill("#q", "script alert")
    page.click("#search-btn")
    page.locator("#hits .hit").first.wait_for()
    assert XSS_TEXT in page.text_content("#hits")
    time.sleep(0.5)
    # Nothing was parsed as HTML: no element came out of the text, nothing ran.
    assert page.evaluate("document.querySelectorAll('main script, main img[src=\"x\"], main [onerror]').length") == 0
    assert page.evaluate("window.__xss === undefined")
    assert page.problems == []


def test_a_video_the_browser_cannot_play_says_so_and_keeps_its_scenes(page, served):
    open_library(page, served)
    page.locator("#videos li.video", has_text="old.avi").click()
    page.wait_for_selector("#unplayable:not([hidden])", timeout=30_000)
    assert "cannot play old.avi" in page.text_content("#unplayable")
    assert page.locator("#timeline li img").count() >= 1 and page.is_visible("#scene-texts dd")
    until(page, "[...document.querySelectorAll('#timeline img')].every(i => i.complete && i.naturalWidth > 0)")


def test_the_page_shows_indexing_progress(page, served):
    folder = served.allowed / "from-page"
    folder.mkdir()
    text_video(folder / "platform.mp4", ["PLATFORM 9", "", "PLATFORM 10"])
    open_library(page, served)
    page.fill("#index-path", str(folder))
    page.click("#index-form button")
    page.wait_for_selector("#jobs li.job")
    until(page, "document.querySelector('#jobs li.job').textContent.startsWith('Indexed 1 file')", timeout=300)
    page.wait_for_selector("#videos li.video:has-text('platform.mp4')")
    page.fill("#index-path", "/etc")
    page.click("#index-form button")
    page.wait_for_selector("#index-error:not([hidden])")
    assert "outside the allowed roots" in page.text_content("#index-error")


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_usable_on_a_laptop_and_a_phone(browser, served, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(served.url + "/#/video/" + str(next(v["id"] for v in httpx.get(f"{served.url}/api/videos").json()
                                                      if v["name"] == "signs.mp4")))
        page.wait_for_selector("#timeline li")
        page.fill("#q", "When is GATE 7 shown?")
        page.click("#ask-btn")
        page.locator("#answer .chip").first.wait_for(timeout=120_000)
        # Nothing wider than the screen; the box, buttons, player, seek bar and answer all fit across it.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for selector in ("#q", "#ask-btn", "#search-btn", "#player", "#seekbar", "#answer .chip", "#timeline"):
            box = page.locator(selector).first.bounding_box()
            assert box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, selector
        chip = page.locator("#answer .chip").first
        start = float(chip.get_attribute("data-start"))
        rewind(page, 0)
        chip.click()
        player_reaches(page, start)
    finally:
        context.close()
