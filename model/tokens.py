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

import numpy as np

WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
JOIN = "\n"


def words(text: str) -> list[tuple[int, int]]:
    """Word offsets of one text."""
    return [m.span() for m in WORD.finditer(text)]


@dataclass
class Tokens:
    """The words of the paragraphs ``texts``, joined into ``text`` (paragraph k starts at ``base[k]``).

    ``lowered`` holds each word lower-cased, with \u2019 written as an apostrophe; ``start``/``end`` are offsets into ``text``;
    ``doc`` is each word's paragraph and ``bounds[k]:bounds[k + 1]`` its words.
    """

    texts: list[str]
    text: str
    base: np.ndarray
    lowered: list[str]
    start: np.ndarray
    end: np.ndarray
    doc: np.ndarray
    bounds: np.ndarray

    @property
    def n(self) -> int:
        return len(self.texts)


def tokenize(texts: list[str]) -> Tokens:
    text = JOIN.join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + len(JOIN)
    base = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=base[1:])
    lowered_text = text.lower()
    if len(lowered_text) == len(text):
        lowered, start, end = _split_words(lowered_text.replace("\u2019", "'"))
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
    doc = np.searchsorted(base, start, side="right") - 1
    bounds = np.searchsorted(start, base)
    return Tokens(texts, text, base, lowered, start, end, doc, bounds)


_ASCII_WORD = np.array([WORD.match(chr(i)) is not None for i in range(128)])
_APOSTROPHES = (ord("'"), ord("\u2019"))
_OTHER_WORD: dict[int, bool] = {}


def _split_words(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The words of ``text`` exactly as ``WORD`` finds them, with their offsets, without a
    regex match per word: classify every character with NumPy (letters/digits, and
    apostrophes between two of them), blank out the rest, and let ``str.split`` cut."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    word = _ASCII_WORD[np.minimum(points, 127)]
    other = np.flatnonzero(points > 127)
    if len(other):
        unique, inverse = np.unique(points[other], return_inverse=True)
        word[other] = np.array([_is_word(c) for c in unique.tolist()], dtype=bool)[inverse]
    inside = word.copy()
    apostrophe = np.flatnonzero((points == _APOSTROPHES[0]) | (points == _APOSTROPHES[1]))
    apostrophe = apostrophe[(apostrophe > 0) & (apostrophe < len(points) - 1)]
    inside[apostrophe] = word[apostrophe - 1] & word[apostrophe + 1]
    edges = np.diff(inside.astype(np.int8), prepend=0, append=0)
    start, end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    blanked = np.where(inside, points, 32).astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
    found = blanked.split()
    if len(found) != len(start):  # cannot happen (no word character is a space); keep the regex's answer
        spans = np.array(words(text), dtype=np.int64).reshape(-1, 2)
        return [text[a:b] for a, b in spans.tolist()], spans[:, 0].copy(), spans[:, 1].copy()
    return found, start, end


def _is_word(point: int) -> bool:
    known = _OTHER_WORD.get(point)
    if known is None:
        known = _OTHER_WORD[point] = WORD.match(chr(point)) is not None
    return known
