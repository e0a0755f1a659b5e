"""The web page in a real browser: Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import LABELS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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
        "The disgraceful and cowardly regime in Kabul, Pakistan\u2019s minister said, is \u201cshameless\u201d and "
        "\u201cbarbaric\u201d."
    )
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
    text = (
        "\u201cDuring the talks, the Pakistani delegation kept shifting every security burden onto the "
        "Afghan government,\u201d Mujahid wrote."
    )
    page.get_by_test_id("text").fill(text)
    page.get_by_test_id("score").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=said] li').length > 0")
    assert page.locator("[data-testid=said] li").first.inner_text() == "Mujahid (afghanistan) blames pakistan"
    speaker = page.locator("[data-testid=paragraph] .speaker")
    assert speaker.count() == 1 and speaker.inner_text() == "Mujahid"
    assert speaker.get_attribute("data-speaker") == "afghanistan"
    assert page.get_by_test_id("paragraph").inner_text() == text  # marking the speaker loses no text
    page.screenshot(path=os.environ.get("FRAMING_SCREENSHOTS", "/tmp") + "/page-attributions.png", full_page=True)


ARTICLES = {
    "dawn-desk/talks.txt": (
        "Talks in Istanbul end without agreement\n\n"
        "Pakistan accused the Taliban government of sheltering militants who attack its border posts.\n\n"
        "Kabul rejected the charge and said Islamabad was trying to hide its own security failures.\n\n"
        "Mediators from Qatar and Turkey said they would keep both delegations talking.\n"
    ),
    "kabul-wire/border.txt": (
        "Border crossing stays shut for a second week\n\n"
        "Afghan traders said the closure at Torkham had cost them millions as fruit rotted in trucks.\n\n"
        "A Pakistani official blamed Kabul for the shelling that closed the crossing, calling it reckless.\n\n"
        "The Taliban spokesman said Pakistan's strikes on Khost had killed civilians and violated Afghan airspace.\n"
    ),
}


def _select_words(page, words: str) -> None:
    """Select ``words`` in the labelling paragraph with the mouse: press at their start, drag to their end."""
    box = page.evaluate(
        """(words) => {
        const root = document.getElementById('label-text');
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const at = walker.currentNode.textContent.indexOf(words);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(walker.currentNode, at); range.setEnd(walker.currentNode, at + words.length);
            const rects = range.getClientRects();
            const first = rects[0], last = rects[rects.length - 1];
            return {x0: first.left + 1, y0: first.top + first.height / 2,
                    x1: last.right - 1, y1: last.top + last.height / 2};
        }
        return null;
    }""",
        words,
    )
    assert box, f"{words!r} is not in the paragraph"
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    page.mouse.move(box["x1"], box["y1"], steps=8)
    page.mouse.up()


def test_labelling_three_paragraphs_then_retraining_changes_the_served_model(serve, store_copy, small_labels, tmp_path):
    """The labelling tab end to end in Chromium: a queue from the server's folder, three labels (one span marked by
    mouse, one saved from the keyboard), a forced retrain, and the page showing the new model version."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed") if os.environ.get("CI") else pytest.skip("no chromium")
    import json
    import shutil as sh

    labels = tmp_path / "labels"
    sh.copytree(small_labels, labels)
    folder = tmp_path / "queue"
    for name, text in ARTICLES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    # FRAMING_REAL_NEWS points nowhere so that the retrain reads only the labels folder (a minute less)
    url = serve(
        "--model",
        str(store_copy),
        "--labels",
        str(labels),
        "--queue",
        str(folder),
        env={
            "FRAMING_API_TOKEN": "page-token",
            "FRAMING_RELOAD_SECONDS": "0.5",
            "FRAMING_REAL_NEWS": str(tmp_path / "no-corpus"),
        },
    )
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url + "/")
            page.get_by_test_id("tab-label").click()
            page.wait_for_function("document.getElementById('label-model-version').textContent.length > 0")
            before = page.get_by_test_id("label-model-version").inner_text()
            page.get_by_test_id("token").fill("page-token")
            page.get_by_test_id("load-queue").click()
            page.wait_for_function("!document.getElementById('item').hidden")
            assert page.get_by_test_id("item-meta").inner_text().startswith("1 of ")

            # 1: change the direction with one click, save
            first = page.get_by_test_id("label-text").inner_text()
            page.locator("[data-testid=direction-choices] button[data-choice=mutual]").click()
            assert page.locator("[data-testid=direction-choices] button[aria-pressed=true]").inner_text() == "mutual"
            page.get_by_test_id("accept").click()
            page.wait_for_function("document.getElementById('item-meta').textContent.startsWith('2 of ')")

            # 2: mark two words by mouse as loaded language, save
            text = page.get_by_test_id("label-text").inner_text()
            words = " ".join(text.split()[1:3])
            page.locator("[data-testid=loaded-choices] button[data-choice=none]").click()
            _select_words(page, words)
            page.get_by_test_id("mark-span").click()
            assert page.locator("[data-testid=span-list] li").count() == 1
            assert words in page.get_by_test_id("span-list").inner_text()
            assert page.locator("[data-testid=label-text] mark").inner_text() == words
            page.screenshot(path=os.environ.get("FRAMING_SCREENSHOTS", "/tmp") + "/label-1280.png", full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
            page.screenshot(path=os.environ.get("FRAMING_SCREENSHOTS", "/tmp") + "/label-390.png", full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            page.get_by_test_id("accept").click()
            page.wait_for_function("document.getElementById('item-meta').textContent.startsWith('3 of ')")

            # 3: accept the model's guess from the keyboard
            page.locator("body").click(position={"x": 5, "y": 5})
            page.keyboard.press("a")
            page.wait_for_function("document.getElementById('item-meta').textContent.startsWith('4 of ')")
            assert "Saved:" in page.get_by_test_id("label-counts").inner_text()
            assert page.get_by_test_id("label-error").inner_text() == ""

            saved = [json.loads(line) for line in (labels / "added.jsonl").read_text(encoding="utf-8").splitlines()]
            assert len(saved) == 3 and saved[0]["text"] == first and saved[0]["direction"] == "mutual"
            assert saved[1]["spans"][0]["text"] == words and saved[1]["loaded"] in ("quoted", "editorial")
            assert all(row["origin"] == "user" and row["dispute"] == "pakistan-afghanistan" for row in saved)

            page.get_by_test_id("force").check()
            page.get_by_test_id("retrain").click()
            page.wait_for_function(
                "document.getElementById('retrain-status').textContent.includes('made current')", timeout=240_000
            )
            page.wait_for_function(
                f"document.getElementById('label-model-version').textContent !== {json.dumps(before)}", timeout=30_000
            )
            assert "Before: seed direction" in page.get_by_test_id("retrain-status").inner_text()
        finally:
            browser.close()
    from framing.model.labels import load_corpus

    assert not load_corpus(labels).problems  # the page's rows are ordinary labels


def test_the_report_fits_1400_pixels_and_the_direction_chart_fills_its_row(tmp_path, shipped_store):
    """In Chromium at 1400 px: no table needs sideways scrolling, the direction chart is as wide as
    the plots, and the other disputes in the results are named."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed") if os.environ.get("CI") else pytest.skip("no chromium")
    from framing.service.batch import score_folder
    from framing.service.report import write_report
    from tests.conftest import ROOT

    folder = tmp_path / "in"
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    (folder / "kashmir.txt").write_text(
        "India accused Pakistan of sponsoring terrorism in Kashmir.\n", encoding="utf-8"
    )
    score_folder(folder, tmp_path / "out.jsonl", model_dir=shipped_store, jobs=1, progress=False)
    write_report(tmp_path / "out.jsonl", tmp_path / "report.html")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto((tmp_path / "report.html").as_uri())
            overflowing = page.evaluate(
                "[...document.querySelectorAll('.tablewrap')].filter(w => w.scrollWidth > w.clientWidth + 1).length"
            )
            assert overflowing == 0
            widths = page.evaluate(
                "['#plot-directions svg', '.plots'].map(s => document.querySelector(s).getBoundingClientRect().width)"
            )
            assert widths[0] >= 0.6 * widths[1]
            assert "india-pakistan (1 paragraph)" in page.inner_text("body")
            page.screenshot(path=os.environ.get("FRAMING_SCREENSHOTS", "/tmp") + "/report-1400.png", full_page=True)
        finally:
            browser.close()
