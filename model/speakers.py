"""Speakers the attribution rules miss: a small learned scorer over candidate phrases.

The rules of ``model.attribution`` find a speaker next to a cue in a few fixed shapes and miss
about a third of the speakers readers mark. Here every phrase that could name a speaker (a run
of capitalised words, side mentions and role words, or a pronoun) is a **candidate**, described
by a few dozen indicator features: what it is made of, the words and punctuation around it, the
nearest cue word before and after it and how far, quotation marks, "according to", "by". A
logistic regression fitted on ``labels/attributions/`` (``python -m framing.training.speakers``)
gives each candidate the probability that it names a speaker; candidates at or above the stored
threshold that the rules did not find become statements.

The weights are plain JSON (``speakers.json`` beside this module: feature -> weight, the
intercept, the threshold), so loading them runs no code. Features never name a side (a side
mention is ``<side>``), so what is found swaps exactly with the sides.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, reduce
from itertools import repeat
from operator import add
from pathlib import Path

from framing.model.sides import SIDE_A, SIDE_B, THIRD
from framing.model.speech_words import CLAUSE_BREAK, CUE_CLASS, GROUPS, PRONOUNS, ROLES

WEIGHTS_FILE = Path(__file__).resolve().parent / "speakers.json"
SIDE_WORDS = frozenset({SIDE_A, SIDE_B})
LINKS = ("of", "'s", "s")
_QUOTE = re.compile(r"[”\"“’‘»«]")
CUE_REACH = 6  # a cue this many words after the candidate ends, at most, counts as its own
LATER_REACH = 16


def candidates(tokens, text, starts, ends, party, first: int, last: int, taken=()):
    """The phrases of sentence [first, last) that could name a speaker, each as (a, b, feature names) for
    tokens [a, b): a pronoun, or a run of capitalised words, side mentions and role words (joined by
    "of" / "'s") within a clause; those overlapping a range in ``taken`` (speakers already found) are
    passed over."""
    end = min(last + 1, len(tokens))
    gaps = [text[ends[k - 1] : starts[k]] if k > 0 else text[: starts[0]] for k in range(first, end)]
    namey = [t in NAME_WORDS or text[at].isupper() for t, at in zip(tokens[first:last], starts[first:last])]
    out = []
    sentence = None
    j = first
    while j < last:
        if tokens[j] in PRONOUNS:
            b = j + 1
        elif namey[j - first]:
            b = j + 1
            while b < last and (namey[b - first] or tokens[b] in LINKS) and not CLAUSE_BREAK.search(gaps[b - first]):
                b += 1
            while b - 1 > j and tokens[b - 1] in LINKS:
                b -= 1
        else:
            j += 1
            continue
        if not any(x < b and j < y for x, y in taken):
            if sentence is None:
                sentence = _Sentence(tokens, gaps, first, last)
            out.append((j, b, _features(tokens, sentence, party, first, last, j, b)))
        j = b
    return out


NAME_WORDS = SIDE_WORDS | {THIRD} | ROLES | GROUPS  # words that can be part of a name in lower case too


class _Sentence:
    """What every candidate of a sentence reads: each gap's comma and quote mark, and the position of
    the next cue word at or after a token and of the last one before it (``-1``: none near)."""

    def __init__(self, tokens, gaps, first: int, last: int):
        self.gaps = gaps
        self.first = first
        self.n = len(tokens)
        reach = min(self.n, last + CUE_REACH)
        self.cues = [k for k in range(first, reach) if tokens[k] in CUE_CLASS]
        self.before = next((k for k in range(first - 1, max(first - 5, -1), -1) if tokens[k] in CUE_CLASS), -1)

    def comma(self, k: int) -> bool:
        """Is there a comma between token k - 1 and token k?"""
        return "," in self.gaps[k - self.first]

    def quote(self, k: int) -> bool:
        """Is there a quote mark between token k - 1 and token k?"""
        return _QUOTE.search(self.gaps[k - self.first]) is not None

    def cue_from(self, k: int) -> int:
        """The first cue word at or after token k of the sentence (or just past it), else ``len(tokens)``."""
        at = bisect_left(self.cues, k)
        return self.cues[at] if at < len(self.cues) else self.n

    def last_cue(self, k: int) -> int:
        """The last cue word of the sentence before token k, else one just before the sentence, else -1."""
        at = bisect_left(self.cues, k)
        return self.cues[at - 1] if at else self.before


def _word(token: str) -> str:
    return "<side>" if token in SIDE_WORDS else token


_N = ("n=0", "n=1", "n=2", "n=3", "n=4")
_BOOL = {
    name: (f"{name}=False", f"{name}=True")
    for name in (
        "sentence_start",
        "in_quote",
        "last_role",
        "comma_after",
        "quote_after",
        "comma_before",
        "quote_before",
    )
}


def _features(tokens, sentence: _Sentence, party, first: int, last: int, a: int, b: int):
    """The indicator features of candidate [a, b) in sentence [first, last)."""
    span = tokens[a:b]
    head = span[0]
    out = [_N[min(b - a, 4)], _BOOL["sentence_start"][a == first], _BOOL["in_quote"][any(party[a:b])]]
    if not SIDE_WORDS.isdisjoint(span):
        out.append("has_side")
    if THIRD in span:
        out.append("has_third")
    out += ["role=" + t for t in span if t in ROLES]
    out += ["group=" + t for t in span if t in GROUPS]
    out.append(_BOOL["last_role"][span[-1] in ROLES])
    if head in PRONOUNS:
        out.append("pronoun=" + head)
    kind = head if head in ROLES or head in PRONOUNS else "<side>" if head in SIDE_WORDS or head == THIRD else "<name>"
    out.append("first=" + kind)
    n = len(tokens)
    before = _word(tokens[a - 1]) if a > 0 else "<s>"
    after = _word(tokens[b]) if b < n else "</s>"
    after2 = _word(tokens[b + 1]) if b + 1 < n else "</s>"
    out += ["prev=" + before, "next=" + after, "next2=" + after2, "prev_next=" + before + "_" + after]
    if b < n:
        out += [_BOOL["comma_after"][sentence.comma(b)], _BOOL["quote_after"][sentence.quote(b)]]
    if a > 0:
        out += [_BOOL["comma_before"][sentence.comma(a)], _BOOL["quote_before"][sentence.quote(a)]]
    k = sentence.cue_from(b)
    if k - b < CUE_REACH and k < n:
        out += ["cue_after=" + CUE_CLASS[tokens[k]], f"cue_after_d={k - b}"]
    before_cue = sentence.last_cue(a)
    if before_cue >= 0 and a - before_cue <= 4:
        out += ["cue_before=" + CUE_CLASS[tokens[before_cue]], f"cue_before_d={a - before_cue}"]
    if k - b < min(LATER_REACH, last - b):
        out += ["cue_later=" + CUE_CLASS[tokens[k]], f"cue_later_d={min((k - b) // 3, 4)}"]
    if a >= 2 and tokens[a - 2] == "according" and tokens[a - 1] == "to":
        out.append("according_to")
    if a >= 1 and tokens[a - 1] == "by":
        out.append("by")
    return out


@dataclass
class SpeakerScorer:
    """Feature weights of a logistic regression, and the probability from which a candidate is a speaker."""

    weights: dict[str, float]
    intercept: float
    threshold: float

    def probability(self, names: list[str]) -> float:
        z = reduce(add, map(self.weights.get, names, repeat(0.0)), self.intercept)  # added in order, as a loop would
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def to_data(self) -> dict:
        return {"intercept": self.intercept, "threshold": self.threshold, "weights": self.weights}

    @classmethod
    def from_data(cls, data: dict) -> SpeakerScorer:
        return cls(
            {str(k): float(v) for k, v in data["weights"].items()}, float(data["intercept"]), float(data["threshold"])
        )

    def save(self, path: Path = WEIGHTS_FILE) -> None:
        """Write atomically, keys sorted, so that a retrain on the same labels gives the same file."""
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.to_data(), indent=0, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(path)


_OVERRIDES: list[SpeakerScorer | None] = []


@cache
def _shipped() -> SpeakerScorer | None:
    if not WEIGHTS_FILE.is_file():
        return None
    return SpeakerScorer.from_data(json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")))


def scorer() -> SpeakerScorer | None:
    """The scorer in use: the shipped one (read once), unless ``scoring_with`` says otherwise; None when
    there is none (the rules alone)."""
    return _OVERRIDES[-1] if _OVERRIDES else _shipped()


@contextmanager
def scoring_with(found: SpeakerScorer | None):
    """Find speakers with ``found`` inside the block (None: the rules alone), as the evaluation does with
    scorers fitted without the labels it measures on."""
    _OVERRIDES.append(found)
    try:
        yield
    finally:
        _OVERRIDES.pop()
