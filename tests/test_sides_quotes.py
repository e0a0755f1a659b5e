"""Finding the sides in text, swapping them, and telling quoted speech from the outlet's voice."""

from __future__ import annotations

import pytest

from framing.model.quotes import attributed_regions, party_regions, quote_regions, voice_at
from framing.model.sides import SidesError, default_sides, load_sides, sides_from_mapping


@pytest.fixture(scope="module")
def sides():
    return default_sides()


def tokens(sides, text):
    return [(text[s:e], t) for s, e, t in sides.mentions(text)]


def test_aliases_with_possessives_plurals_demonyms_and_multiword_names(sides):
    text = "Pakistan’s army, Afghans' homes, Pakistanis, the Islamic Emirate and Zabihullah Mujahid."
    assert tokens(sides, text) == [
        ("Pakistan’s", "side_b"),
        ("Afghans", "side_a"),
        ("Pakistanis", "side_b"),
        ("Islamic Emirate", "side_a"),
        ("Zabihullah Mujahid", "side_a"),
    ]


def test_third_party_names_containing_a_side_are_not_read_as_that_side(sides):
    text = "The Tehreek-e-Taliban Pakistan (TTP) and the Pakistan Taliban attacked; Qatar mediated."
    assert {t for _, t in tokens(sides, text)} == {"third_party"}


def test_short_capital_aliases_only_match_in_capitals(sides):
    assert tokens(sides, "the IEA said") == [("IEA", "side_a")]
    assert tokens(sides, "the iea said") == []


def test_hyphenated_compounds_and_en_dash_pairs(sides):
    text = "Taliban-led Kabul and the Afghanistan–Pakistan border; an Islamabad-based analyst"
    assert [t for _, t in tokens(sides, text)] == ["side_a", "side_a", "side_a", "side_b", "side_b"]


def test_swap_text_trades_the_sides_and_swapping_twice_restores_the_roles(sides):
    text = "Islamabad accused Kabul; Afghan officials denied Pakistan’s claims."
    once = sides.swap_text(text)
    assert [t for _, t in tokens(sides, once)] == ["side_a", "side_b", "side_b", "side_a"]
    assert sides.mask(sides.swap_text(once)) == sides.mask(text)


def test_sides_file_errors_are_clear(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('dispute = "x"\n[[side]]\nname = "a"\naliases = ["A"]\n')
    with pytest.raises(SidesError, match="exactly two"):
        load_sides(bad)
    bad.write_text("not = [valid")
    with pytest.raises(SidesError, match="not valid TOML"):
        load_sides(bad)
    with pytest.raises(SidesError, match="cannot read"):
        load_sides(tmp_path / "missing.toml")
    with pytest.raises(SidesError, match="both sides"):
        sides_from_mapping({"side": [{"name": "a", "aliases": ["X"]}, {"name": "b", "aliases": ["x"]}]})
    with pytest.raises(SidesError, match="non-empty strings"):
        sides_from_mapping({"side": [{"name": "a", "aliases": [""]}, {"name": "b", "aliases": ["y"]}]})
    with pytest.raises(SidesError, match="lower-case"):
        sides_from_mapping({"side": [{"name": "Side A", "aliases": ["x"]}, {"name": "b", "aliases": ["y"]}]})


@pytest.mark.parametrize(
    "text, inside",
    [
        ('He called it "irresponsible" today.', "irresponsible"),
        ("He called it \u201cirresponsible\u201d today.", "irresponsible"),
        ("He called it \u2018irresponsible\u2019 today.", "irresponsible"),
        ("He called it \u00abirresponsible\u00bb today.", "irresponsible"),
    ],
)
def test_quote_marks_of_every_kind(text, inside):
    regions = quote_regions(text)
    assert len(regions) == 1
    start, end = regions[0]
    assert inside in text[start:end] and "today" not in text[start:end]


def test_apostrophes_are_not_quotes_and_unbalanced_quotes_run_to_the_end():
    assert quote_regions("Pakistan\u2019s army and the Afghans\u2019 homes") == []
    text = "\u201cWe will not accept this, he said, and the talks are over"
    assert quote_regions(text) == [(0, len(text))]
    text = "the talks are over,\u201d he said. Then calm."
    assert quote_regions(text)[0] == (0, text.index("\u201d") + 1)


def test_reported_speech_is_a_party_s_words_the_outlet_s_commentary_is_not():
    text = "Tarar said the Taliban showed indifference. The move exposed Kabul\u2019s duplicity."
    regions = party_regions(text)
    at = text.index("indifference")
    assert voice_at(regions, at, at + len("indifference")) == "quoted"
    at = text.index("duplicity")
    assert voice_at(regions, at, at + len("duplicity")) == "editorial"


def test_closing_attribution_and_according_to():
    text = "The talks were a sham, officials said. According to Kabul, the raids were reckless."
    spans = [text[s:e] for s, e in attributed_regions(text)]
    assert any("sham" in s for s in spans) and any("reckless" in s for s in spans)
