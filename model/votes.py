"""Who blames whom by the statements found: the direction head's statement columns.

The direction head reads n-grams over side-masked text and so cannot tell who is talking. A
paragraph's attributions (``model.attribution``) can: each attribution whose speaker is one side
and whose targets name the other is a vote for that direction. Their counts, as five columns
(each direction's votes, capped at two; both directions voted; only one direction voted), sit beside
the n-grams in the direction head, which learns how far to trust them. The columns are relative to
the sides (``side_a`` / ``side_b`` in their names), so they swap with the sides as every other
feature does and the tied weights stay exactly symmetric.
"""

from __future__ import annotations

import numpy as np

VOTE_FEATURES = (
    "statements:side_a_blames_side_b",
    "statements:side_b_blames_side_a",
    "statements:both_blame",
    "statements:only_side_a_blames",
    "statements:only_side_b_blames",
)
CAP = 2.0


def counts(attributions: list[dict], sides) -> tuple[int, int]:
    """(A blames B, B blames A): how many of a paragraph's attributions have a speaker of one side
    whose targets name the other."""
    a, b = sides.a.name, sides.b.name
    a_b = sum(x["speaker"]["side"] == a and b in x["targets"] for x in attributions)
    b_a = sum(x["speaker"]["side"] == b and a in x["targets"] for x in attributions)
    return a_b, b_a


def columns(votes: np.ndarray) -> np.ndarray:
    """The ``VOTE_FEATURES`` columns of an (n, 2) array of ``counts``."""
    v = np.minimum(np.asarray(votes, dtype=np.float64).reshape(-1, 2), CAP)
    a_b, b_a = v[:, 0] > 0, v[:, 1] > 0
    return np.column_stack([v[:, 0], v[:, 1], a_b & b_a, a_b & ~b_a, b_a & ~a_b]).astype(np.float64)


def swapped(votes: np.ndarray) -> np.ndarray:
    """The counts with the sides trading places."""
    return np.asarray(votes)[:, ::-1]
