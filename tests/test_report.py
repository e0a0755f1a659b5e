"""framing report: the HTML is parsed and its figures checked against the results it was made from."""

from __future__ import annotations

import io
import json
import math
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from framing.model.sides import default_sides
from framing.service.batch import score_folder
from framing.service.batch_cli import report_main
from framing.service.report import ReportError, Stats, clustered_interval, paragraph_interval, write_report
from tests.test_batch import SEEDS, prepare_store

DIRECTIONS = default_sides().directions
COLUMNS = ("dir_a", "dir_b", "dir_mutual", "dir_none")


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> Path:
    return prepare_store(tmp_path_factory)


@pytest.fixture(scope="session")
def seed_results(tmp_path_factory, store) -> Path:
    out = tmp_path_factory.mktemp("seed-results") / "seeds.jsonl"
    score_folder(SEEDS, out, model_dir=store, jobs=1, progress=False)
    return out


class Report(HTMLParser):
    """The parts of the report a test checks: its tables (by id) cell by cell, plots, scripts, links."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[dict]] = {}
        self.facts: dict[str, str] = {}
        self.svgs = 0
        self.svg_text: list[str] = []
        self.scripts: list[str] = []
        self.external: list[str] = []
        self._table = self._row = self._cell = None
        self._in_svg = self._in_script = False
        self._fact = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            if name in attrs and not (attrs[name] or "").startswith("#"):
                self.external.append(attrs[name])
        if tag == "link":
            self.external.append(attrs.get("href", "link"))
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id"), [])
        elif tag == "tr" and self._table is not None and "data-outlet" in attrs:
            self._row = {"_attrs": attrs}
            self._table.append(self._row)
        elif tag == "td" and self._row is not None:
            self._cell = {"text": "", **{k[5:]: v for k, v in attrs.items() if k.startswith("data-")}}
            self._row[attrs["data-col"]] = self._cell
        elif tag == "svg":
            self.svgs += 1
            self._in_svg = True
        elif tag == "script":
            self._in_script = True
            self.scripts.append("")
        elif tag == "div" and "data-fact" in attrs:
            self._fact = attrs["data-fact"]
            self.facts[self._fact] = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr":
            self._row = None
        elif tag == "td":
            self._cell = None
        elif tag == "svg":
            self._in_svg = False
        elif tag == "script":
            self._in_script = False
        elif tag == "div":
            self._fact = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data
        if self._in_svg:
            self.svg_text.append(data)
        if self._in_script:
            self.scripts[-1] += data
        if self._fact is not None:
            self.facts[self._fact] += data


def results_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def expected_by(rows: list[dict], key) -> dict:
    groups = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def check_figures(cells: dict, rows: list[dict]) -> None:
    n = len(rows)
    assert int(cells["paragraphs"]["v"]) == n
    assert float(cells["lean"]["v"]) == pytest.approx(sum(r["lean"] for r in rows) / n, abs=1e-5)
    for column, direction in zip(COLUMNS, DIRECTIONS):
        share = sum(r["direction"]["label"] == direction for r in rows) / n
        assert float(cells[column]["v"]) == pytest.approx(share, abs=1e-5)
        assert cells[column]["text"] == f"{100 * share:.0f}%"
    labels = [r["loaded"]["label"] for r in rows]
    assert float(cells["editorial"]["v"]) == pytest.approx(labels.count("editorial") / n, abs=1e-5)
    assert float(cells["quoted"]["v"]) == pytest.approx(labels.count("quoted") / n, abs=1e-5)
    voice_a = sum(r["direction"]["label"] in (DIRECTIONS[0], "mutual") for r in rows) / n
    assert float(cells["voice_a"]["v"]) == pytest.approx(voice_a, abs=1e-5)
    assert float(cells["framing"]["v"]) == pytest.approx(sum(r["framing_score"] for r in rows) / n, abs=1e-5)
    phrases = {s["text"].lower() for r in rows for s in r["loaded"]["spans"]}
    shown = cells["phrases"]["text"]
    if phrases:
        assert any(p in shown for p in phrases)
    else:
        assert shown == ""
    if "low" in cells["lean"]:
        assert float(cells["lean"]["low"]) <= float(cells["lean"]["v"]) <= float(cells["lean"]["high"])


def test_report_on_the_seed_folder(tmp_path, seed_results):
    out = tmp_path / "report.html"
    summary = write_report(seed_results, out)
    text = out.read_text(encoding="utf-8")
    report = Report(text)
    rows = results_rows(seed_results)

    by_outlet = expected_by(rows, lambda r: r["outlet"])
    assert set(by_outlet) == {"CRBC News", "AP", "HTN", "unknown"}
    outlets = {row["outlet"]["text"]: row for row in report.tables["outlets"]}
    assert set(outlets) == set(by_outlet)
    for name, outlet_rows in by_outlet.items():
        check_figures(outlets[name], outlet_rows)
        assert int(outlets[name]["articles"]["v"]) == len({r["path"] for r in outlet_rows})
    # "unknown" has two articles: its interval is computed over articles and holds the mean
    assert "low" in outlets["unknown"]["lean"] and "high" in outlets["unknown"]["lean"]

    by_article = expected_by(rows, lambda r: r["path"])
    articles = {row["article"]["text"]: row for row in report.tables["articles"]}
    assert set(articles) == set(by_article) and len(articles) == 5
    for path, article_rows in by_article.items():
        check_figures(articles[path], article_rows)
        assert articles[path]["outlet"]["text"] == article_rows[0]["outlet"]

    assert report.facts["outlets"].startswith("4") and report.facts["paragraphs"].startswith(str(len(rows)))
    assert (summary.outlets, summary.articles, summary.paragraphs) == (4, 5, len(rows))

    # plots: three inline SVGs whose text names the outlets; offline: no external resources
    assert report.svgs == 3
    svg_text = " ".join(report.svg_text)
    assert all(name in svg_text for name in by_outlet)
    assert report.external == []
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text)
    assert len(report.scripts) == 1 and "sortable" in report.scripts[0] and "addEventListener" in report.scripts[0]
    assert 'class="sortable"' in text


def test_report_from_csv_equals_report_from_jsonl(tmp_path, store, seed_results):
    csv_results = tmp_path / "seeds.csv"
    score_folder(SEEDS, csv_results, model_dir=store, jobs=1, progress=False)
    write_report(seed_results, tmp_path / "a.html")
    write_report(csv_results, tmp_path / "b.html")
    a = Report((tmp_path / "a.html").read_text())
    b = Report((tmp_path / "b.html").read_text())
    assert a.tables == b.tables and a.tables["outlets"]


def test_report_main_prints_a_summary(tmp_path, seed_results):
    stdout, stderr = io.StringIO(), io.StringIO()
    assert report_main(seed_results, tmp_path / "r.html", stdout=stdout, stderr=stderr) == 0
    assert "4 outlets" in stdout.getvalue() and str(tmp_path / "r.html") in stdout.getvalue()


# ------------------------------------------------------------------ hand-made rows (no model)


def row(
    path: str,
    outlet: str,
    paragraph: int,
    lean: float,
    direction: int = 3,
    loaded: str = "none",
    spans: list | None = None,
    line=None,
    framing: float | None = None,
) -> dict:
    probabilities = [0.1, 0.1, 0.1, 0.1]
    probabilities[direction] = 0.7
    return {
        "path": path,
        "line": line,
        "id": None,
        "outlet": outlet,
        "url": None,
        "date": None,
        "article_hash": "ab" * 16,
        "article_paragraphs": 1,
        "paragraph": paragraph,
        "start": 0,
        "end": 4,
        "text": "text",
        "direction": {"label": DIRECTIONS[direction], "probabilities": dict(zip(DIRECTIONS, probabilities))},
        "loaded": {
            "label": loaded,
            "probabilities": {"none": 0.4, "quoted": 0.3, "editorial": 0.3},
            "spans": spans or [],
        },
        "lean": lean,
        "framing_score": abs(lean) if framing is None else framing,
        "model_version": "v1",
    }


def write_rows(path: Path, rows: list, extra_lines: list[str] = ()) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "".join(extra_lines), encoding="utf-8")
    return path


def test_outlet_names_and_phrases_are_escaped(tmp_path):
    evil = '<script>alert("x")</script>'
    results = write_rows(
        tmp_path / "r.jsonl",
        [
            row(
                "a.txt",
                evil,
                0,
                0.5,
                0,
                "editorial",
                [{"start": 0, "end": 4, "text": "<b>sly</b>", "voice": "editorial"}],
            ),
            row("b.txt", "Plain & Simple", 0, -0.5, 1),
        ],
    )
    write_report(results, tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text()
    assert '<script>alert("x")' not in text and "<b>sly</b>" not in text
    report = Report(text)
    assert {r["outlet"]["text"] for r in report.tables["outlets"]} == {evil, "Plain & Simple"}
    assert "<b>sly</b>" in next(r for r in report.tables["outlets"] if r["outlet"]["text"] == evil)["phrases"]["text"]
    assert len(report.scripts) == 1


def test_paragraph_text_and_paths_are_escaped(tmp_path):
    evil = '<script>alert(1)</script> "quoted" & it\'s'
    hostile = row("<script>alert(1)</script>&\"'.txt", evil, 0, 0.5, 0, "editorial")
    hostile["text"] = f"He said {evil} </p><b>bold"
    hostile["loaded"]["spans"] = [{"start": 8, "end": 33, "text": "<script>alert(1)</script>", "voice": "editorial"}]
    hostile["id"] = '"><img src=x onerror=alert(1)>'
    write_report(write_rows(tmp_path / "r.jsonl", [hostile]), tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text()
    assert "alert(1)</script>" not in text and "<b>bold" not in text and "<img" not in text
    assert text.count("<script>") == 1  # the page's own
    assert (
        '<p>He said <mark class="editorial">&lt;script&gt;alert(1)&lt;/script&gt;</mark> &quot;quoted&quot; '
        "&amp; it&#x27;s &lt;/p&gt;&lt;b&gt;bold</p>" in text
    )
    report = Report(text)
    [article] = report.tables["articles"]
    assert article["outlet"]["text"] == evil and article["article"]["text"] == hostile["path"]
    assert article["_attrs"]["data-article"] == hostile["path"]


def test_bad_rows_are_skipped_and_counted(tmp_path):
    good = [row("a.txt", "One", 0, 0.2), row("b.txt", "Two", 0, -0.2)]
    other_sides = row("c.txt", "Three", 0, 0.1)
    other_sides["direction"]["probabilities"] = {"x->y": 0.1, "y->x": 0.1, "mutual": 0.1, "none": 0.7}
    results = write_rows(
        tmp_path / "r.jsonl",
        good + [other_sides, {"path": "x"}],
        ["not json at all\n", "[1, 2]\n", '{"path": "cut off'],
    )
    summary = write_report(results, tmp_path / "r.html")
    assert summary.outlets == 2 and summary.paragraphs == 2
    assert sum(summary.skipped_rows.values()) == 4
    assert summary.other_disputes == {"x-y": 1}  # another dispute's row is reported apart, not mixed in
    assert any("skipped 4 rows" in line for line in summary.lines())
    assert any("other disputes (x-y (1))" in line for line in summary.lines())
    page = (tmp_path / "r.html").read_text()
    assert "Skipped 4 rows" in page and "The results also hold x-y (1 paragraph)" in page


def test_article_table_is_capped(tmp_path):
    rows = [row(f"a{i:02d}.txt", "Outlet", 0, i / 40, framing=i / 40) for i in range(30)]
    summary = write_report(write_rows(tmp_path / "r.jsonl", rows), tmp_path / "r.html", max_articles=10)
    report = Report((tmp_path / "r.html").read_text())
    shown = {r["article"]["text"] for r in report.tables["articles"]}
    assert shown == {f"a{i:02d}.txt" for i in range(20, 30)}  # the most framed ones
    assert summary.articles == 30 and summary.articles_shown == 10
    assert int(report.tables["outlets"][0]["paragraphs"]["v"]) == 30


def test_jsonl_lines_are_separate_articles(tmp_path):
    rows = [row("feed.jsonl", "Feed", 0, 0.4, line=1), row("feed.jsonl", "Feed", 0, -0.4, line=2)]
    rows[1]["article_hash"] = "cd" * 16
    write_report(write_rows(tmp_path / "r.jsonl", rows), tmp_path / "r.html")
    report = Report((tmp_path / "r.html").read_text())
    assert {r["article"]["text"] for r in report.tables["articles"]} == {"feed.jsonl:1", "feed.jsonl:2"}
    assert int(report.tables["outlets"][0]["articles"]["v"]) == 2


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "no usable"),
        ("garbage\n", "no usable"),
    ],
)
def test_unusable_results_are_an_error(tmp_path, content, message):
    results = tmp_path / "r.jsonl"
    results.write_text(content)
    with pytest.raises(ReportError, match=message):
        write_report(results, tmp_path / "r.html")


def test_report_main_errors(tmp_path):
    def run(*args):
        err = io.StringIO()
        return report_main(*args, stdout=io.StringIO(), stderr=err), err.getvalue()

    code, err = run(tmp_path / "missing.jsonl", tmp_path / "r.html")
    assert code == 2 and "does not exist" in err
    results = write_rows(tmp_path / "r.jsonl", [row("a.txt", "One", 0, 0.1)])
    code, err = run(results, tmp_path / "r.pdf")
    assert code == 2 and ".html" in err
    (tmp_path / "r.txt").write_text("x")
    code, err = run(tmp_path / "r.txt", tmp_path / "r.html")
    assert code == 2 and ".jsonl or .csv" in err
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    code, err = run(tmp_path / "other.csv", tmp_path / "r.html")
    assert code == 2 and "columns" in err


# ------------------------------------------------------------------ intervals


def test_clustered_interval_matches_the_formula():
    sums, counts = [1.0, -0.5, 2.0, 0.0], [2, 3, 4, 1]
    low, high = clustered_interval(sums, counts)
    mean = sum(sums) / sum(counts)
    residual = sum((s - mean * c) ** 2 for s, c in zip(sums, counts))
    se = math.sqrt(4 / 3 * residual) / sum(counts)
    assert (low + high) / 2 == pytest.approx(mean)
    assert (high - low) / 2 == pytest.approx(3.182446305284263 * se)  # t(0.975, 3 df)
    assert clustered_interval([1.0], [3]) is None


def test_paragraph_interval_and_bounds():
    stats = Stats()
    for lean in (0.2, 0.4, 0.6):
        stats.add(lean, 0.5, 0, 0, [])
    low, high = paragraph_interval(stats)
    assert (low + high) / 2 == pytest.approx(0.4)
    assert (high - low) / 2 == pytest.approx(4.302652729911275 * 0.2 / math.sqrt(3))  # t(0.975, 2 df)
    wild = Stats()
    for lean in (1.0, -1.0):
        wild.add(lean, 0.5, 0, 0, [])
    assert paragraph_interval(wild) == (-1.0, 1.0)
    single = Stats()
    single.add(0.3, 0.5, 0, 0, [])
    assert paragraph_interval(single) is None


def test_each_outlet_drills_down_to_its_paragraphs_with_labels_and_marked_spans(tmp_path):
    rows = [
        row(
            "a.txt",
            "Kabul Times",
            0,
            0.9,
            0,
            "editorial",
            [{"start": 0, "end": 4, "text": "text", "voice": "editorial"}],
            framing=0.9,
        ),
        row("b.txt", "Kabul Times", 1, 0.1, framing=0.1),
        row("c.txt", "Dawn <&>", 0, -0.5, 1, "quoted", [{"start": 0, "end": 4, "text": "text", "voice": "quoted"}]),
    ]
    summary = write_report(write_rows(tmp_path / "r.jsonl", rows), tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text()
    assert summary.lines()[0].startswith("report on 3 paragraphs of afghanistan-pakistan in 3 articles from 2 outlets")
    kabul = text[text.index('<details class="outlet" data-outlet="Kabul Times"') :]
    kabul = kabul[: kabul.index("</details>")]
    assert "the 2 most framed of 2 paragraphs" in kabul
    assert kabul.index("framing 0.90") < kabul.index("framing 0.10"), "most framed first"
    assert '<mark class="editorial">text</mark>' in kabul and "loaded editorial" in kabul
    assert (
        '<details class="outlet" data-outlet="Dawn &lt;&amp;&gt;"' in text
        and '<mark class="quoted">text</mark>' in text
    )


def test_one_outlet_is_not_called_outlets(tmp_path):
    summary = write_report(write_rows(tmp_path / "r.jsonl", [row("a.txt", "Solo", 0, 0.2)]), tmp_path / "r.html")
    assert summary.lines()[0].startswith("report on 1 paragraph of afghanistan-pakistan in 1 article from 1 outlet:")
