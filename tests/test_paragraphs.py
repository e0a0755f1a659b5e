"""The splitter on every seed article: what it keeps, what it drops, and exact offsets."""

from __future__ import annotations

import pytest

from framing.model.paragraphs import split_paragraphs
from tests.conftest import SEEDS


def paragraphs(name: str):
    text = (SEEDS / name).read_text(encoding="utf-8")
    return text, split_paragraphs(text)


@pytest.mark.parametrize(
    "name, count",
    [
        ("000_eedc009bae43429b.txt", 13),
        ("001_3050bd540e1a339e.txt", 17),
        ("002_b53e2c2d944a21f5.txt", 33),
        ("003_abc7d57044bbd6c6.txt", 5),
        ("004_cd2b5ace7f644627.txt", 28),
    ],
)
def test_each_seed_splits_into_its_paragraphs_with_exact_offsets(name, count):
    text, found = paragraphs(name)
    assert len(found) == count
    for i, p in enumerate(found):
        assert p.index == i
        assert text[p.start : p.end] == p.text
        assert p.text == p.text.strip() and p.text


def test_crbc_drops_masthead_repeated_headline_and_title_line_keeps_subheads():
    _, found = paragraphs("000_eedc009bae43429b.txt")
    texts = [p.text for p in found]
    assert "CRBC News" not in texts
    assert texts.count("Istanbul Talks Collapse: Taliban Blames Pakistan as Border Clashes Intensify") == 1
    assert not any(t.endswith("- CRBC News") for t in texts)
    assert "Istanbul Talks End Without Agreement" in texts and "What to watch next" in texts


def test_ap_drops_source_credit_keeps_related_headline_and_subheads():
    _, found = paragraphs("001_3050bd540e1a339e.txt")
    texts = [p.text for p in found]
    assert "Source: AP" not in texts
    assert "4 Afghan civilians killed in border clash amid peace talks with Pakistan" in texts
    assert "Border closures and deportations heighten strain" in texts


def test_byline_and_unrelated_cricket_teaser_are_dropped_bullets_kept():
    _, found = paragraphs("002_b53e2c2d944a21f5.txt")
    texts = [p.text for p in found]
    assert not any("Maverick" in t or "Rutherford" in t or "Mumbai" in t for t in texts)
    assert sum(t.startswith("- ") for t in texts) == 3
    assert texts[-1].startswith("As one Pakistani diplomat summed up privately")


def test_also_see_teaser_dropped():
    _, found = paragraphs("004_cd2b5ace7f644627.txt")
    texts = [p.text for p in found]
    assert not any(t == "ALSO SEE" or t.startswith("What You Need to Know") for t in texts)
    assert texts[-1].startswith("For now, the border remains tense")


def test_trailing_blank_lines_and_blank_separated_blocks():
    text, found = paragraphs("003_abc7d57044bbd6c6.txt")
    assert len(found) == 5 and found[-1].end <= len(text.rstrip())


def test_hard_wrapped_lines_join_and_mixed_line_endings():
    article = "Headline here\r\n\r\nThe talks collapsed late on\r\nthe fourth day.\rA second paragraph.\n"
    found = split_paragraphs(article)
    assert [p.text for p in found] == [
        "Headline here",
        "The talks collapsed late on\r\nthe fourth day.",
        "A second paragraph.",
    ]
    for p in found:
        assert article[p.start : p.end] == p.text


def test_empty_and_whitespace_articles_have_no_paragraphs():
    assert split_paragraphs("") == []
    assert split_paragraphs(" \n\n\t\u200b\n") == []
