"""Reading a folder of articles: every file kind, every way a file can be bad, and outlet resolution.

No model needed: these test ``service.readers`` and ``service.outlets`` directly.
"""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import pytest

from framing.model.paragraphs import split_paragraphs
from framing.service import readers
from framing.service.outlets import UNKNOWN, load_sources, resolve
from framing.service.readers import (
    ArticleError,
    Problem,
    RawArticle,
    Walker,
    article_text,
    decode_text,
    extract_html,
    parse_jsonl_line,
)

ARTICLE = (
    "Taliban blames Pakistan as talks collapse\n\n"
    "The Taliban has blamed Pakistan for the collapse of two days of talks in Istanbul.\n\n"
    "Pakistan accuses Taliban authorities of sheltering the Pakistan Taliban; the Taliban deny it.\n"
)

PAGE = """<!doctype html><html><head><title>Talks collapse - Daily Planet</title>
<meta property="og:site_name" content="Daily Planet"><meta name="date" content="2025-11-08">
<link rel="canonical" href="https://example.com/talks"></head>
<body><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li>
<li><a href="/sport">Sport and cricket scores</a></li></ul></nav>
<header><h1>Taliban blames Pakistan as Istanbul talks collapse</h1></header>
<article>
<p>The Taliban has blamed Pakistan for the collapse of two days of talks in Istanbul, accusing Islamabad of an
irresponsible stance that left the negotiations without any resolution at all.</p>
<p>Pakistan accuses Taliban authorities of sheltering the Pakistan Taliban and warns it will take necessary
measures to protect its people; the Taliban deny harbouring the group.</p>
<p>UN figures report 50 Afghan civilian deaths and 447 wounded since early October, while Pakistan reports
23 soldiers killed and 29 wounded in the clashes along the border.</p>
</article>
<aside>Most read: ten recipes for the weekend you will love</aside>
<footer>Copyright 2025 Daily Planet. Subscribe to our newsletter. Privacy policy. Cookie settings.</footer>
</body></html>"""


def items(root: Path, **kwargs) -> tuple[dict[tuple, RawArticle], list[Problem]]:
    articles, problems = {}, []
    for item in Walker(root, **kwargs):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            articles[item.key] = item
    return articles, problems


def kinds(problems: list[Problem]) -> dict[str, str]:
    return {p.path if p.line is None else f"{p.path}:{p.line}": p.kind for p in problems}


# ------------------------------------------------------------------ plain text


def test_plain_text_utf8_with_and_without_bom():
    assert decode_text(ARTICLE.encode()) == ARTICLE
    assert decode_text(codecs.BOM_UTF8 + ARTICLE.encode()) == ARTICLE


def test_plain_text_utf16_with_bom():
    assert decode_text(ARTICLE.encode("utf-16")) == ARTICLE


@pytest.mark.parametrize(
    "raw, kind",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(1, 32)) * 20, "binary"),
        ("Caf\u00e9 talks collapse in Istanbul".encode("latin-1"), "undecodable"),
        (b"", "empty"),
        (b"  \n\t\n  ", "empty"),
    ],
)
def test_bad_plain_text_is_an_article_error(raw, kind):
    with pytest.raises(ArticleError) as caught:
        decode_text(raw)
    assert caught.value.kind == kind
    assert str(caught.value)


def test_markdown_is_read_as_plain_text():
    text, fields = article_text("text", b"# Talks collapse\n\nThe Taliban blamed Pakistan.\n")
    assert text.startswith("# Talks collapse") and fields == {}


# ------------------------------------------------------------------ HTML


def test_html_goes_through_article_extraction():
    text, fields = extract_html(PAGE.encode())
    paragraphs = [p.text for p in split_paragraphs(text)]
    assert paragraphs[0] == "Taliban blames Pakistan as Istanbul talks collapse"
    assert any(p.startswith("The Taliban has blamed Pakistan") for p in paragraphs)
    assert any(p.startswith("Pakistan accuses Taliban authorities") for p in paragraphs)
    assert any(p.startswith("UN figures report 50 Afghan") for p in paragraphs)
    # one paragraph per <p>, even where the next one starts in lower case
    assert len([p for p in paragraphs if "Taliban" in p or "UN figures" in p]) == 4
    for furniture in ("Home", "World news", "cricket", "Subscribe", "Cookie", "recipes"):
        assert furniture not in text
    assert fields["url"] == "https://example.com/talks"
    assert fields["date"] == "2025-11-08"


def test_html_without_an_article_is_reported():
    with pytest.raises(ArticleError) as caught:
        extract_html(b"<html><head><title></title></head><body></body></html>")
    assert caught.value.kind == "no-article"


def test_binary_named_html_is_reported():
    with pytest.raises(ArticleError) as caught:
        extract_html(b"\x00\x01\x02\x03" * 100)
    assert caught.value.kind == "binary"


# ------------------------------------------------------------------ JSON lines


def test_jsonl_line_with_optional_fields():
    text, fields = parse_jsonl_line(
        json.dumps(
            {"text": ARTICLE, "id": 17, "outlet": "Wire", "url": "u", "date": "2025-11-08", "extra": [1]}
        ).encode()
    )
    assert text == ARTICLE
    assert fields == {"id": "17", "outlet": "Wire", "url": "u", "date": "2025-11-08"}


@pytest.mark.parametrize(
    "line, kind",
    [
        (b'{"text": "unterminated', "bad-json"),
        (b'["a list", "not an object"]', "bad-json"),
        (b'{"title": "no text here"}', "missing-text"),
        (b'{"text": 42}', "bad-field"),
        (b'{"text": "   "}', "empty"),
        (b'{"text": "fine", "outlet": {"nested": true}}', "bad-field"),
        (b'{"text": "lone \\ud800 surrogate"}', "undecodable"),
        (b'{"text": "caf\xe9"}', "undecodable"),
    ],
)
def test_bad_jsonl_lines(line, kind):
    with pytest.raises(ArticleError) as caught:
        parse_jsonl_line(line)
    assert caught.value.kind == kind


def test_jsonl_lines_numbered_blank_lines_skipped_long_lines_reported(tmp_path):
    path = tmp_path / "feed.jsonl"
    long_line = json.dumps({"text": "x" * 5000})
    path.write_text(f'{{"text": "one"}}\n\n{long_line}\r\n{{"text": "four"}}\n   \n{{"text": "six"}}', encoding="utf-8")
    got = list(readers.iter_jsonl(path, "feed.jsonl", max_bytes=1000))
    assert got[0] == (1, b'{"text": "one"}')
    assert isinstance(got[1], Problem) and got[1].line == 3 and got[1].kind == "too-large"
    assert got[2] == (4, b'{"text": "four"}')
    assert got[3] == (6, b'{"text": "six"}')
    assert len(got) == 4


# ------------------------------------------------------------------ walking a folder


def test_walker_reads_every_kind_and_reports_the_rest(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.md").write_text("# Heading\n\nBody of the note.\n", encoding="utf-8")
    (tmp_path / "c.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "D.HTM").write_text(PAGE, encoding="utf-8")
    (tmp_path / "feed.jsonl").write_text('{"text": "first"}\n{"text": "second", "outlet": "Wire"}\n', encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "README").write_text("no extension", encoding="utf-8")
    (tmp_path / "huge.txt").write_text("word " * 400, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.txt").write_text("hidden", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.txt").write_text(ARTICLE, encoding="utf-8")
    os.symlink(tmp_path / "elsewhere", tmp_path / "linked")
    os.symlink(tmp_path / "missing.txt", tmp_path / "dangling.txt")

    articles, problems = items(tmp_path, max_bytes=1500)
    assert set(articles) == {
        ("a.txt", None),
        ("b.md", None),
        ("c.html", None),
        ("D.HTM", None),
        ("feed.jsonl", 1),
        ("feed.jsonl", 2),
        ("elsewhere/x.txt", None),
    }
    assert articles[("a.txt", None)].kind == "text" and articles[("b.md", None)].kind == "text"
    assert articles[("c.html", None)].kind == "html" and articles[("D.HTM", None)].kind == "html"
    assert articles[("feed.jsonl", 2)].kind == "jsonl"
    assert articles[("a.txt", None)].raw == ARTICLE.encode()
    assert articles[("a.txt", None)].digest == readers.content_hash(ARTICLE.encode())
    assert kinds(problems) == {
        "empty.txt": "empty",
        "empty.jsonl": "empty",
        "photo.png": "unsupported",
        "README": "unsupported",
        "huge.txt": "too-large",
        ".git": "hidden",
        "linked": "symlink",
        "dangling.txt": "unreadable",
    }
    assert all(str(p) for p in problems)


def test_walker_excludes_its_own_output(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "results.jsonl"
    out.write_text('{"text": "not an article"}\n', encoding="utf-8")
    articles, problems = items(tmp_path, exclude=[out])
    assert set(articles) == {("a.txt", None)} and not problems


def test_walker_streams_big_directories(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "_SORT_LIMIT", 3)
    for i in range(10):
        (tmp_path / f"{i:02d}.txt").write_text(f"Article number {i}.\n", encoding="utf-8")
    (tmp_path / "small").mkdir()
    for name in ("b.txt", "a.txt"):
        (tmp_path / "small" / name).write_text("Text.\n", encoding="utf-8")
    paths = [i.path for i in Walker(tmp_path) if isinstance(i, RawArticle)]
    assert sorted(paths[:10]) == [f"{i:02d}.txt" for i in range(10)]
    assert paths[10:] == ["small/a.txt", "small/b.txt"]  # small listings are sorted


def test_walker_sizes_count_supported_files_only(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"x" * 100)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl").write_bytes(b"y" * 50)
    (tmp_path / "c.png").write_bytes(b"z" * 1000)
    assert sum(Walker(tmp_path).sizes()) == 150


# ------------------------------------------------------------------ outlets


def test_outlet_from_sources_csv_then_subfolder_then_unknown(tmp_path):
    (tmp_path / "sources.csv").write_text(
        "file,outlet,date,slant\n"
        "a.txt,CRBC News,2025-11-08,neutral\n"
        "wire/b.txt,AP,,\n"
        "feed.jsonl,Feed Outlet,,\n"
        "blank.txt,,,\n",
        encoding="utf-8",
    )
    for name in ("a.txt", "blank.txt", "c.txt"):
        (tmp_path / name).write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "wire").mkdir()
    (tmp_path / "wire" / "b.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "wire" / "c.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "wire" / "deep").mkdir()
    (tmp_path / "wire" / "deep" / "d.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "feed.jsonl").write_text('{"text": "x"}\n', encoding="utf-8")

    articles, problems = items(tmp_path)
    assert not problems  # sources.csv itself is metadata, not an unsupported file
    outlet = {k[0]: a.outlet for k, a in articles.items()}
    assert outlet == {
        "a.txt": "CRBC News",
        "wire/b.txt": "AP",
        "feed.jsonl": "Feed Outlet",
        "blank.txt": UNKNOWN,
        "c.txt": UNKNOWN,
        "wire/c.txt": "wire",
        "wire/deep/d.txt": "wire",
    }
    assert articles[("a.txt", None)].date == "2025-11-08"


def test_nearest_sources_file_wins_and_json_forms(tmp_path):
    (tmp_path / "sources.csv").write_text("path,outlet\nnews/x.txt,Outer\nnews/y.txt,Outer\n", encoding="utf-8")
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "sources.json").write_text(
        json.dumps({"x.txt": "Inner", "z.txt": {"outlet": "Zed", "url": "http://z"}})
    )
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "sources.json").write_text(json.dumps([{"file": "w.txt", "outlet": "Listed"}]))
    for rel in ("news/x.txt", "news/y.txt", "news/z.txt", "other/w.txt"):
        (tmp_path / rel).write_text(ARTICLE, encoding="utf-8")
    articles, problems = items(tmp_path)
    assert not problems
    outlet = {k[0]: a.outlet for k, a in articles.items()}
    assert outlet == {"news/x.txt": "Inner", "news/y.txt": "Outer", "news/z.txt": "Zed", "other/w.txt": "Listed"}
    assert articles[("news/z.txt", None)].url == "http://z"


def test_bad_sources_files_are_reported_and_ignored(tmp_path):
    (tmp_path / "sources.csv").write_text("name,publisher\na.txt,Nobody\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "sources.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "sub" / "b.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    articles, problems = items(tmp_path)
    assert {p.path: p.kind for p in problems} == {"sources.csv": "metadata", "sub/sources.json": "metadata"}
    assert "outlet" in next(p.message for p in problems if p.path == "sources.csv")
    assert {k[0]: a.outlet for k, a in articles.items()} == {"a.txt": UNKNOWN, "sub/b.txt": "sub"}


def test_sources_csv_row_problems_name_the_line(tmp_path):
    (tmp_path / "sources.csv").write_text(
        "file,outlet\na.txt,One\n,Two\nb.txt,B,extra\na.txt,Other\n", encoding="utf-8"
    )
    found, problems = load_sources(tmp_path, ())
    assert [line for _, line, _ in problems] == [3, 4, 5]
    assert found[0].entries["a.txt"].outlet == "One"


def test_resolve_prefers_the_article_own_outlet(tmp_path):
    (tmp_path / "sources.csv").write_text("file,outlet\nsub/f.jsonl,Listed\n", encoding="utf-8")
    found, _ = load_sources(tmp_path, ())
    assert resolve(("sub", "f.jsonl"), found, own_outlet="Own").outlet == "Own"
    assert resolve(("sub", "f.jsonl"), found).outlet == "Listed"
    assert resolve(("sub", "g.jsonl"), found).outlet == "sub"
    assert resolve(("g.jsonl",), found).outlet == UNKNOWN


def test_the_seed_folder_reads_cleanly():
    root = Path(__file__).resolve().parent.parent / "seeds"
    articles, problems = items(root)
    assert not problems
    assert len(articles) == len(list(root.glob("*.txt")))
    outlets = {a.outlet for a in articles.values()}
    assert {"CRBC News", "AP", "HTN", "unknown"} <= outlets
