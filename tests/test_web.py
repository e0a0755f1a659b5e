"""The web page in a real browser: Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import LABELS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture()
def page(serve, store_copy):
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        message = "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    url = serve("--model", str(store_copy), "--labels", str(LABELS))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            tab = browser.new_page()
            tab.goto(url + "/")
            yield tab
        finally:
            browser.close()


def test_pasting_a_seed_paragraph_shows_direction_scores_and_highlighted_spans(page, seed_rows):
    row = next(r for r in seed_rows if r["id"] == "seed-002-14")
    page.get_by_test_id("text").fill(row["text"])
    page.get_by_test_id("score").click()
    page.get_by_test_id("direction").wait_for()
    page.wait_for_function("document.getElementById('direction').textContent.length > 0")
    assert page.get_by_test_id("direction").inner_text() == "pakistan->afghanistan"
    assert float(page.get_by_test_id("lean").inner_text()) < 0
    marks = page.locator("[data-testid=paragraph] mark")
    assert marks.count() >= 1
    voices = {marks.nth(i).get_attribute("data-voice") for i in range(marks.count())}
    assert voices <= {"quoted", "editorial"}
    assert page.get_by_test_id("loaded").inner_text() in ("quoted", "editorial")
    assert page.get_by_test_id("paragraph").inner_text() == row["text"]
    assert page.locator("[data-testid=direction-push] li").count() >= 1


def test_editorial_and_quoted_spans_are_styled_differently(page):
    page.get_by_test_id("text").fill(
        "The disgraceful and cowardly regime in Kabul, Pakistan\u2019s minister said, is \u201cshameless\u201d and \u201cbarbaric\u201d.")
    page.get_by_test_id("score").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=paragraph] mark').length > 0")
    styles = page.evaluate("""() => [...document.querySelectorAll('[data-testid=paragraph] mark')]
        .map(m => [m.dataset.voice, getComputedStyle(m).backgroundColor])""")
    colours = {voice: colour for voice, colour in styles}
    if len(colours) == 2:
        assert colours["quoted"] != colours["editorial"]
    assert all(voice in ("quoted", "editorial") for voice, _ in styles)


def test_other_sides_can_be_picked_and_bad_custom_sides_are_explained(page):
    page.get_by_test_id("sides").select_option("armenia-azerbaijan")
    page.get_by_test_id("text").fill("Baku accused Yerevan of shelling its positions overnight.")
    page.get_by_test_id("score").click()
    page.wait_for_function("document.getElementById('direction').textContent.length > 0")
    assert page.get_by_test_id("direction").inner_text() == "azerbaijan->armenia"
    page.locator("#custom-wrap summary").click()
    page.get_by_test_id("custom-sides").fill('[{"name": "a", "aliases": ["X"]}]')
    page.get_by_test_id("score").click()
    page.wait_for_function("document.getElementById('error').textContent.length > 0")
    assert "422" in page.get_by_test_id("error").inner_text()


def test_the_page_says_who_speaks_and_marks_the_speaker(page):
    text = ("\u201cDuring the talks, the Pakistani side attempted to refer all responsibilities regarding its security to "
            "the Afghan government,\u201d Mujahid wrote.")
    page.get_by_test_id("text").fill(text)
    page.get_by_test_id("score").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=said] li').length > 0")
    assert page.locator("[data-testid=said] li").first.inner_text() == "Mujahid (afghanistan) blames pakistan"
    speaker = page.locator("[data-testid=paragraph] .speaker")
    assert speaker.count() == 1 and speaker.inner_text() == "Mujahid"
    assert speaker.get_attribute("data-speaker") == "afghanistan"
    assert page.get_by_test_id("paragraph").inner_text() == text  # marking the speaker loses no text
    page.screenshot(path=os.environ.get("FRAMING_SCREENSHOTS", "/tmp") + "/page-attributions.png", full_page=True)
