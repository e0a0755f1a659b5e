"""Property tests: any text (any Unicode, mixed line endings, unbalanced quotes, zero-width and
right-to-left characters) never breaks the splitter, the quote finder, the sides parser or the
classifier, and offsets always lie inside the text."""

from __future__ import annotations

import sys

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing.model.features import Analysed, analyse_batch, analyse_rows, join
from framing.model.paragraphs import Splitter, split_paragraphs
from framing.model.quotes import _SENTENCE_END, _sentence_marks, attributed_regions, party_regions, quote_regions
from framing.model.sides import SidesError, default_sides, sides_from_mapping
from framing.model.tokens import code_points, tokenize, words

PIECES = [
    "Kabul",
    "Islamabad",
    "Pakistan’s",
    "Afghans'",
    "Tehreek-e-Taliban Pakistan",
    "said",
    "accused",
    "“",
    "”",
    '"',
    "‘",
    "’",
    "«",
    "»",
    "\u200b",
    "\u200f",
    "\u202e",
    "مرحبا",
    "שלום",
    "\r\n",
    "\r",
    "\n",
    "\n\n",
    "\u2028",
    "\u0130",
    "ß",
    "ﬁ",
    ",",
    ".",
    " ",
    "\t",
    "- ",
    "Source: AP",
    "ALSO SEE",
    "Team X.",
]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=60).map("".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(texts)
def test_splitter_offsets_are_exact_and_no_article_text_is_lost(article):
    found = split_paragraphs(article)
    previous_end = 0
    for p in found:
        assert 0 <= p.start < p.end <= len(article)
        assert article[p.start : p.end] == p.text and p.text.strip()
        assert p.start >= previous_end
        previous_end = p.end


@SETTINGS
@given(texts)
def test_splitting_loses_no_article_text_every_character_is_kept_or_reported_as_furniture(article):
    kept, dropped = Splitter().split_with_furniture(article)
    covered = [False] * len(article)
    for start, end in [(p.start, p.end) for p in kept] + dropped:
        covered[start:end] = [True] * (end - start)
    for i, ch in enumerate(article):
        if not (ch.isspace() or ch in "\u200b\u200c\u200d\u2060\ufeff"):
            assert covered[i], (i, ch, article)


@SETTINGS
@given(texts)
def test_quote_and_attribution_regions_stay_inside_the_text(text):
    for start, end in quote_regions(text) + attributed_regions(text) + party_regions(text):
        assert 0 <= start <= end <= len(text)
    merged = party_regions(text)
    assert all(a[1] < b[0] for a, b in zip(merged, merged[1:]))


@SETTINGS
@given(texts)
def test_analysis_offsets_point_at_their_words(text):
    analysed = analyse_batch([text], default_sides())
    assert analysed.bounds.tolist() == [0, len(analysed.word_index)]
    assert len(analysed.word_index) == len(analysed.starts) == len(analysed.ends) == len(analysed.party)
    for start, end in zip(analysed.starts.tolist(), analysed.ends.tolist()):
        assert 0 <= start < end <= len(text)


@SETTINGS
@given(texts)
def test_words_are_exactly_what_the_word_pattern_finds(text):
    tokens = tokenize([text])
    assert list(zip(tokens.start.tolist(), tokens.end.tolist())) == words(text)
    assert tokens.lowered == [text[a:b].lower().replace("\u2019", "'") for a, b in words(text)] or len(
        text.lower()
    ) != len(text)


def test_words_that_collide_in_the_hash_are_still_told_apart(monkeypatch):
    """With a hash that cannot tell anagrams apart, the character check must catch it."""
    import framing.model.tokens as tokens_module

    monkeypatch.setattr(tokens_module, "_P", 1)
    monkeypatch.setattr(tokens_module, "_P_INVERSE", 1)
    text = "Dog bites god; the dog saw a God, and stop spot post pots tops"
    tokens = tokenize([text])
    assert tokens.lowered == [text[a:b].lower() for a, b in words(text)]
    assert len(tokens.vocabulary) == len(set(tokens.lowered))


@SETTINGS
@given(st.lists(texts, min_size=1, max_size=8))
def test_each_distinct_word_of_a_batch_gets_one_place(paragraphs):
    tokens = tokenize(paragraphs)
    assert len(tokens.vocabulary) == len(set(tokens.vocabulary))
    assert tokens.lowered == [w for text in paragraphs for w in tokenize([text]).lowered]


@SETTINGS
@given(st.integers(2, 3), st.integers(2, 40), st.data())
def test_the_trie_finds_exactly_the_columns_a_binary_search_finds(order, base, data):
    import numpy as np

    from framing.model.vectorize import _SortedLookup, _TrieLookup

    table = np.unique(
        np.array(data.draw(st.lists(st.integers(0, base**order - 1), min_size=1, max_size=60)), dtype=np.int64)
    )
    seq = np.array(data.draw(st.lists(st.integers(0, base - 1), max_size=80)), dtype=np.int64)
    doc = np.sort(
        np.array(data.draw(st.lists(st.integers(0, 3), min_size=len(seq), max_size=len(seq))), dtype=np.int64)
    )
    found = _TrieLookup(table, order, base).find(seq, doc)
    expected = _SortedLookup(table, order, base).find(seq, doc)
    assert found[0].tolist() == expected[0].tolist() and found[1].tolist() == expected[1].tolist()


QUOTED = st.lists(
    st.sampled_from(
        [
            '"',
            "\u201c",
            "\u201d",
            "\u2019",
            "\u2018",
            "\u00ab",
            "\u00bb",
            "\u201e",
            "'",
            " word ",
            "Pakistan\u2019s",
            "x",
        ]
    ),
    max_size=14,
).map("".join)


@SETTINGS
@given(st.lists(QUOTED, min_size=1, max_size=5))
def test_a_batch_finds_the_quotes_each_paragraph_has_alone(paragraphs):
    from framing.model.quotes import quoted_spans

    tokens = tokenize(paragraphs)
    starts, ends = quoted_spans(tokens)
    expected = [
        (a + int(tokens.base[k]), b + int(tokens.base[k]))
        for k, text in enumerate(paragraphs)
        for a, b in quote_regions(text)
    ]
    assert sorted(zip(starts.tolist(), ends.tolist())) == sorted(expected)


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.lists(st.tuples(st.integers(0, 3), st.integers(1, 4)), max_size=8),
            st.lists(st.tuples(st.integers(0, 30), st.integers(1, 6)), max_size=4),
        ),
        max_size=5,
    )
)
def test_a_token_is_in_a_span_exactly_when_they_overlap(rows):
    from framing.model.spans import in_spans

    offset_lists, span_lists = [], []
    for gaps, spans in rows:
        offsets, position = [], 0
        for gap, length in gaps:
            offsets.append((position + gap, position + gap + length))
            position += gap + length
        offset_lists.append(offsets)
        span_lists.append([{"start": a, "end": a + n} for a, n in spans])
    flat = np.array([o for offsets in offset_lists for o in offsets], dtype=np.int64).reshape(-1, 2)
    bounds = np.concatenate([[0], np.cumsum([len(offsets) for offsets in offset_lists])]).astype(np.int64)
    analysed = Analysed(
        [""] * len(rows),
        ["w"],
        np.zeros(len(flat), dtype=np.int64),
        flat[:, 0],
        flat[:, 1],
        np.zeros(len(flat), bool),
        bounds,
        np.repeat(np.arange(len(rows)), np.diff(bounds)),
    )
    expected = [
        any(s["start"] < b and a < s["end"] for s in spans)
        for offsets, spans in zip(offset_lists, span_lists)
        for a, b in offsets
    ]
    assert in_spans(analysed, span_lists).tolist() == expected


def test_the_other_spaces_are_exactly_what_str_split_cuts_at_besides_the_space():
    from framing.model.paragraphs import OTHER_SPACES

    assert OTHER_SPACES == "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c != " ")
    assert not any(c.isprintable() for c in OTHER_SPACES)


@SETTINGS
@given(
    st.lists(
        st.sampled_from(["a", "A", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u2009", "\u200b", "x"]), max_size=12
    ).map("".join)
)
def test_repeat_detection_compares_text_as_whitespace_runs_and_case_folded(text):
    from framing.model.paragraphs import _comparable

    assert _comparable(text) == " ".join(text.split()).lower()


PUNCTUATED = st.lists(
    st.sampled_from(
        PIECES + [".", "!", "?", "\u2026", ")", "]", "'", '"', "\u201d", "\u2019", " ", "\u00a0", "\n", "word"]
    ),
    max_size=40,
).map("".join)


@SETTINGS
@given(PUNCTUATED)
def test_sentence_ends_are_exactly_what_the_sentence_pattern_finds(text):
    assert _sentence_marks(code_points(text)).tolist() == [m.end() for m in _SENTENCE_END.finditer(text)]


@SETTINGS
@given(st.lists(texts, min_size=1, max_size=6))
def test_a_batch_reads_each_paragraph_as_if_alone(paragraphs):
    sides = default_sides()
    together = analyse_batch(paragraphs, sides)
    assert together.texts == paragraphs
    assert [_paragraph(together, k) for k in range(len(paragraphs))] == [
        _paragraph(analyse_batch([text], sides), 0) for text in paragraphs
    ]


def _paragraph(analysed: Analysed, k: int) -> tuple[list, list, list, list]:
    """Paragraph k of a batch: its tokens, their offsets and voices (checking ``doc`` on the way)."""
    a, b = int(analysed.bounds[k]), int(analysed.bounds[k + 1])
    assert len(analysed.doc) == len(analysed.word_index) and (analysed.doc[a:b] == k).all()
    return (
        [analysed.vocabulary[i] for i in analysed.word_index[a:b].tolist()],
        analysed.starts[a:b].tolist(),
        analysed.ends[a:b].tolist(),
        analysed.party[a:b].tolist(),
    )


@SETTINGS
@given(st.lists(st.tuples(texts, st.booleans()), max_size=6), st.randoms(use_true_random=False))
def test_rows_taken_joined_or_read_with_their_own_sides_read_as_if_alone(rows, random):
    sides = [
        default_sides(),
        sides_from_mapping(
            {
                "side": [
                    {"name": "iran", "aliases": ["Iran", "Tehran"]},
                    {"name": "pakistan", "aliases": ["Tehreek-e-Taliban Pakistan", "Kabul"]},
                ]
            }
        ),
    ]
    paragraphs = [text for text, _ in rows]
    their_sides = [sides[int(second)] for _, second in rows]
    alone = [_paragraph(analyse_batch([text], s), 0) for text, s in zip(paragraphs, their_sides)]
    analysed = analyse_rows(paragraphs, their_sides, batch=2)
    assert analysed.texts == paragraphs
    assert [_paragraph(analysed, k) for k in range(len(rows))] == alone
    picked = [random.randrange(len(rows)) for _ in range(len(rows))] if rows else []
    taken = analysed.take(picked)
    assert taken.texts == [paragraphs[k] for k in picked]
    assert [_paragraph(taken, k) for k in range(len(picked))] == [alone[k] for k in picked]
    both = join([taken, analysed])
    assert [_paragraph(both, k) for k in range(len(both))] == [alone[k] for k in picked] + alone
    swap = {"side_a": "side_b", "side_b": "side_a"}
    swapped = [_paragraph(analysed.swapped(), k) for k in range(len(rows))]
    assert swapped == [([swap.get(w, w) for w in words], *rest) for words, *rest in alone]


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
        max_leaves=20,
    )
)
def test_sides_parser_rejects_any_malformed_input_with_sides_error(data):
    try:
        sides_from_mapping(data if not isinstance(data, dict) else {"side": data.get("side", data)})
    except SidesError:
        pass


@SETTINGS
@given(
    st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=5),
    st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=5),
    texts,
)
def test_any_valid_sides_read_any_text(a_aliases, b_aliases, text):
    try:
        sides = sides_from_mapping({"side": [{"name": "a", "aliases": a_aliases}, {"name": "b", "aliases": b_aliases}]})
    except SidesError:
        return
    for start, end, token in sides.mentions(text):
        assert 0 <= start < end <= len(text) and token in ("side_a", "side_b", "third_party")
    sides.swap_text(text)


def test_one_megabyte_paragraph_is_handled(model):
    text = ("Kabul accused Islamabad of \u201cduplicity\u201d, officials said. " * 20_000)[:1_000_000]
    assert split_paragraphs(text)[0].end == len(text.rstrip())
    result = model.classifier.score([text], default_sides(), "")[0]
    assert all(0 <= s["start"] < s["end"] <= len(text) for s in result["loaded"]["spans"])


def test_classifier_scores_odd_text_without_error(model):
    odd = ["\u200b\u200f\u202e", "“unbalanced quote", "”", "مرحبا بالعالم", "ﬁ\u0130ß" * 50, "a" * 5000, "\r\n\r\n x"]
    results = model.classifier.score(odd, default_sides(), "")
    assert len(results) == len(odd)
    for text, result in zip(odd, results):
        assert all(text[s["start"] : s["end"]] == s["text"] for s in result["loaded"]["spans"])
