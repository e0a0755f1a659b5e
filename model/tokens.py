"""Words of a batch of paragraphs as flat arrays, found in one pass over the batch.

A word is a run of letters/digits, apostrophes inside a word kept (Pakistan's). Scoring
a folder or a batch request reads many paragraphs at once, so instead of one regex match
object per word, ``tokenize`` joins the paragraphs with newlines (never part of a word,
a quote or a sentence mark), splits the joined, lower-cased text once, and keeps every
word's place as NumPy offsets into the joined text. Attribution (``model.quotes``), side
mentions (``model.sides``) and the feature view (``model.features``) all read this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import repeat

import numpy as np

WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
JOIN = "\n"


def words(text: str) -> list[tuple[int, int]]:
    """Word offsets of one text."""
    return [m.span() for m in WORD.finditer(text)]


@dataclass
class Tokens:
    """The words of the paragraphs ``texts``, joined into ``text`` (paragraph k starts at ``base[k]``).

    ``points`` are the code points of ``text`` (for finding punctuation with NumPy).
    ``lowered`` holds each word lower-cased, with \u2019 written as an apostrophe;
    ``vocabulary`` the distinct ones (``place``: where each is) and ``word_index`` each word's place in it, so that a
    property of a word (a reporting verb? a side's name?) is looked up once per distinct
    word. ``start``/``end`` are offsets into ``text``; ``doc`` is each word's paragraph and
    ``bounds[k]:bounds[k + 1]`` its words.
    """

    texts: list[str]
    text: str
    points: np.ndarray
    base: np.ndarray
    lowered: list[str]
    vocabulary: list[str]
    place: dict[str, int]
    word_index: np.ndarray
    start: np.ndarray
    end: np.ndarray
    doc: np.ndarray
    bounds: np.ndarray

    def per_word(self, lookup, default=0, dtype=np.int64) -> np.ndarray:
        """``lookup(word)`` (a dict's ``get`` or a set's ``__contains__``) for every word, computed
        once per distinct word."""
        if default is None:
            found = np.fromiter(map(lookup, self.vocabulary), dtype=dtype, count=len(self.vocabulary))
        else:
            found = np.fromiter(map(lookup, self.vocabulary, repeat(default)), dtype=dtype, count=len(self.vocabulary))
        return found[self.word_index]


def tokenize(texts: list[str]) -> Tokens:
    text = JOIN.join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + len(JOIN)
    base = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=base[1:])
    points = code_points(text)
    lowered_text = text.lower()
    if len(lowered_text) == len(text):
        lowered, start, end = _split_words(points, lowered_text.replace("\u2019", "'"))
    else:  # a few characters change length when lower-cased (e.g. "\u0130"): paragraph by paragraph
        lowered, spans = [], []
        for k, paragraph in enumerate(texts):
            found = words(paragraph)
            lowered_paragraph = paragraph.lower()
            if len(lowered_paragraph) == len(paragraph):
                lowered += [lowered_paragraph[a:b] for a, b in found]
            else:
                lowered += [paragraph[a:b].lower() for a, b in found]
            spans += [(a + int(base[k]), b + int(base[k])) for a, b in found]
        array = np.array(spans, dtype=np.int64).reshape(-1, 2)
        start, end = array[:, 0].copy(), array[:, 1].copy()
        lowered = [w.replace("\u2019", "'") for w in lowered]
    place = {word: i for i, word in enumerate(dict.fromkeys(lowered))}
    word_index = np.fromiter(map(place.__getitem__, lowered), dtype=np.int64, count=len(lowered))
    doc = np.searchsorted(base, start, side="right") - 1
    bounds = np.searchsorted(start, base)
    return Tokens(texts, text, points, base, lowered, list(place), place, word_index, start, end, doc, bounds)


def code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def char_class(points: np.ndarray, ascii_table: np.ndarray, other, cache: dict[int, bool]) -> np.ndarray:
    """A character property for every code point: ``ascii_table`` below 128, ``other(char)``
    (cached) for the few distinct characters above."""
    found = ascii_table[np.minimum(points, 127)]
    beyond = np.flatnonzero(points > 127)
    if len(beyond) > 64:  # many: classify each distinct character once
        unique, inverse = np.unique(points[beyond], return_inverse=True)
        found[beyond] = np.array([_classify(p, other, cache) for p in unique.tolist()], dtype=bool)[inverse]
    elif len(beyond):
        found[beyond] = [_classify(p, other, cache) for p in points[beyond].tolist()]
    return found


def _classify(point: int, other, cache: dict[int, bool]) -> bool:
    known = cache.get(point)
    if known is None:
        known = cache[point] = bool(other(chr(point)))
    return known


def positions_of(points: np.ndarray, characters: str) -> np.ndarray:
    """Sorted positions of any of ``characters`` in ``points`` (one table lookup per character)."""
    table = _TABLES.get(characters)
    if table is None:
        table = _TABLES[characters] = np.zeros(max(map(ord, characters)) + 2, dtype=bool)
        table[[ord(c) for c in characters]] = True
    return np.flatnonzero(table[np.minimum(points, len(table) - 1)])


_TABLES: dict[str, np.ndarray] = {}


_ASCII_WORD = np.array([WORD.match(chr(i)) is not None for i in range(128)])
_APOSTROPHES = (ord("'"), ord("\u2019"))
_WORD_CHARS: dict[int, bool] = {}


def _split_words(points: np.ndarray, lowered: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The words of a text (``points``, its code points; ``lowered``, the same text lower-cased)
    exactly as ``WORD`` finds them, with their offsets, without a regex match per word:
    classify every character with NumPy (letters/digits, and apostrophes between two of
    them), blank out the rest, and let ``str.split`` cut."""
    word = char_class(points, _ASCII_WORD, WORD.match, _WORD_CHARS)
    inside = word.copy()
    apostrophe = np.flatnonzero((points == _APOSTROPHES[0]) | (points == _APOSTROPHES[1]))
    apostrophe = apostrophe[(apostrophe > 0) & (apostrophe < len(points) - 1)]
    inside[apostrophe] = word[apostrophe - 1] & word[apostrophe + 1]
    edges = np.zeros(len(inside) + 1, dtype=np.int8)
    edges[:-1] = inside
    edges[1:] -= inside
    start, end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    blanked = np.where(inside, code_points(lowered), 32).astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
    found = blanked.split()
    if len(found) != len(start):  # cannot happen (no word character is a space); keep the regex's answer
        spans = np.array([m.span() for m in WORD.finditer(lowered)], dtype=np.int64).reshape(-1, 2)
        return [lowered[a:b] for a, b in spans.tolist()], spans[:, 0].copy(), spans[:, 1].copy()
    return found, start, end
