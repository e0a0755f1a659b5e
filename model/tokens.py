"""Words of a batch of paragraphs as flat arrays, found in one pass over the batch.

A word is a run of letters/digits, apostrophes inside a word kept (Pakistan's). Scoring
a folder or a batch request reads many paragraphs at once, so instead of one regex match
object per word, ``tokenize`` joins the paragraphs with newlines (never part of a word,
a quote or a sentence mark), classifies every character with NumPy, and keeps every
word's place as NumPy offsets into the joined text. Only the batch's distinct words
become Python strings: words are grouped by a hash of their lower-cased code points
(every group then checked character by character, so the grouping is exact), and each
word is an index into that vocabulary. Attribution (``model.quotes``), side mentions
(``model.sides``) and the feature view (``model.features``) all read this.
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
    ``vocabulary`` holds the batch's distinct words, lower-cased, with \u2019 written as an
    apostrophe (``place``: where each is), and ``word_index`` each word's place in it, so that
    a property of a word (a reporting verb? a side's name?) is looked up once per distinct
    word. ``start``/``end`` are offsets into ``text``; ``doc`` is each word's paragraph and
    ``bounds[k]:bounds[k + 1]`` its words.
    """

    texts: list[str]
    text: str
    points: np.ndarray
    base: np.ndarray
    vocabulary: list[str]
    place: dict[str, int]
    word_index: np.ndarray
    start: np.ndarray
    end: np.ndarray
    doc: np.ndarray
    bounds: np.ndarray

    @property
    def lowered(self) -> list[str]:
        """Every word, lower-cased (one string per word: for tests and rare lookups)."""
        return [self.vocabulary[i] for i in self.word_index.tolist()]

    def word(self, i: int) -> str:
        return self.vocabulary[self.word_index[i]]

    def per_word(self, lookup, default=0, dtype=np.int64) -> np.ndarray:
        """``lookup(word)`` (a dict's ``get`` or a set's ``__contains__``) for every word, computed
        once per distinct word."""
        if default is None:
            found = np.fromiter(map(lookup, self.vocabulary), dtype=dtype, count=len(self.vocabulary))
        else:
            found = np.fromiter(map(lookup, self.vocabulary, repeat(default)), dtype=dtype, count=len(self.vocabulary))
        return found[self.word_index]

    def lookup(self, table: dict, default: int = 0, dtype=np.int64) -> np.ndarray:
        """``table.get(word, default)`` for every word, looked up from whichever is smaller, the table
        or the batch's vocabulary (a sides file's few hundred names against a batch's thousands of words)."""
        if len(table) >= len(self.vocabulary):
            return self.per_word(table.get, default, dtype)
        values = np.full(len(self.vocabulary), default, dtype=dtype)
        place = self.place
        for word, value in table.items():
            k = place.get(word)
            if k is not None:
                values[k] = value
        return values[self.word_index]


def tokenize(texts: list[str]) -> Tokens:
    text = JOIN.join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + len(JOIN)
    base = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=base[1:])
    points = code_points(text)
    lowered_text = text.lower()
    if len(lowered_text) == len(text):
        lowered_text = lowered_text.replace("\u2019", "'")
        inside = _word_characters(points)
        edges = np.zeros(len(inside) + 1, dtype=np.int8)
        edges[:-1] = inside
        edges[1:] -= inside
        start, end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        vocabulary, word_index = distinct_words(
            code_points(lowered_text), lowered_text, start, end, np.flatnonzero(inside)
        )
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
        vocabulary, word_index = index_words([w.replace("\u2019", "'") for w in lowered])
    place = dict(zip(vocabulary, range(len(vocabulary))))
    doc = np.searchsorted(base, start, side="right") - 1
    bounds = np.searchsorted(start, base)
    return Tokens(texts, text, points, base, vocabulary, place, word_index, start, end, doc, bounds)


def index_words(words: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct words (in order of first appearance) and each word's place among them."""
    place = dict(zip(dict.fromkeys(words), range(len(words))))
    return list(place), np.fromiter(map(place.__getitem__, words), dtype=np.int64, count=len(words))


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


def _word_characters(points: np.ndarray) -> np.ndarray:
    """Which characters of a text (``points``, its code points) belong to a word, exactly as
    ``WORD`` finds words, without a regex match per word: letters/digits, and apostrophes
    between two of them, classified with NumPy."""
    word = char_class(points, _ASCII_WORD, WORD.match, _WORD_CHARS)
    inside = word.copy()
    apostrophe = np.flatnonzero((points == _APOSTROPHES[0]) | (points == _APOSTROPHES[1]))
    apostrophe = apostrophe[(apostrophe > 0) & (apostrophe < len(points) - 1)]
    inside[apostrophe] = word[apostrophe - 1] & word[apostrophe + 1]
    return inside


# A polynomial hash of each word, mod 2**64: prefix sums of code point * P**position over the
# text, so a word's hash is (H[end] - H[start]) * P**-start (P is odd, hence invertible).
_P = 0x9E3779B97F4A7C15
_P_INVERSE = pow(_P, -1, 1 << 64)
_POWERS: dict[int, np.ndarray] = {}
_CACHED_POWERS = 1 << 20


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 .. base**(n - 1) mod 2**64 (cached up to ``_CACHED_POWERS``)."""
    cached = _POWERS.get(base)
    if cached is None or len(cached) < n:
        size = max(n, 2 * len(cached) if cached is not None else 1 << 16)
        table = np.full(size, base, dtype=np.uint64)
        table[0] = 1
        cached = np.cumprod(table, dtype=np.uint64)
        if size > _CACHED_POWERS:
            return cached[:n]
        _POWERS[base] = cached
    return cached[:n]


def distinct_words(
    points: np.ndarray, text: str, start: np.ndarray, end: np.ndarray, characters: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """The distinct words ``text[start:end]`` and each word's place among them (``points``: the
    text's code points; ``characters``: the positions of every word's characters, in order).
    Words are grouped by hash, and every word is then compared with its group's first word,
    character by character: if any differs (a hash collision), the words are grouped as
    strings instead. The vocabulary comes in hash order."""
    if not len(start):
        return [], np.zeros(0, dtype=np.int64)
    n = len(points)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(points * _powers(_P, n), out=prefix[1:])
    length = end - start
    hashed = (prefix[end] - prefix[start]) * _powers(_P_INVERSE, n)[start] + length.astype(np.uint64)
    order = np.argsort(hashed)
    ranked = hashed[order]
    first_of_group = np.empty(len(ranked), dtype=bool)
    first_of_group[0] = True
    np.not_equal(ranked[1:], ranked[:-1], out=first_of_group[1:])
    word_index = np.empty(len(ranked), dtype=np.int64)
    word_index[order] = np.cumsum(first_of_group) - 1
    first = order[first_of_group]
    representative = first[word_index]
    same = bool((length[representative] == length).all())
    if same:
        same = bool((points[characters] == points[characters + np.repeat(start[representative] - start, length)]).all())
    if not same:
        return index_words([text[a:b] for a, b in zip(start.tolist(), end.tolist())])
    return [text[a:b] for a, b in zip(start[first].tolist(), end[first].tolist())], word_index
