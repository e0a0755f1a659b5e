"""Which dispute a paragraph is about, and sides chosen by name.

Users bring news of many disputes; reading India-Pakistan coverage with the seed dispute's
sides would give confident nonsense. ``Disputes`` knows every sides file (the shipped ones and
a user's own) and:

- ``choose(value)`` turns a sides choice into sides: ``"auto"`` (or None) means detect, a
  dispute name picks that sides file, anything else is a path to a TOML file;
- ``detect(texts)`` picks, per text, the dispute whose sides it mentions: both sides named
  beats one side named, then more mentions, then the default dispute, then the order of the
  files; a text that names no side of any known dispute gets None;
- ``score(...)`` scores with detection: texts grouped by their dispute (``score_grouped``, which
  score-folder also uses with one choice per article), and a text with no known side answers
  direction ``none`` with a warning instead of a confident direction.

Every result says which sides it was read with: ``"sides": {"dispute", "names", "detected"}``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from framing.model.results import framing_score, no_direction
from framing.model.sides import DEFAULT_DISPUTE, Sides, SidesError, load_sides, rows_by_sides
from framing.model.tokens import tokenize
from framing.paths import SIDES_DIR

AUTO = "auto"
RECHECK_SECONDS = 1.0
NO_SIDE_WARNING = (
    "no side of any known dispute is named in this paragraph, so no direction is given; "
    "name the sides (a dispute name or a sides file) to read it"
)


class Disputes:
    def __init__(self, directories: list[Path] | None = None, default: str = DEFAULT_DISPUTE):
        self.directories = [Path(d) for d in (directories or [SIDES_DIR])]
        self.default = default
        self._key: tuple | None = None
        self._known: dict[str, Sides] = {}
        self._checked = -RECHECK_SECONDS

    def known(self) -> dict[str, Sides]:
        """Every sides file of the directories by dispute (a later directory's file wins), re-read when a
        file changes (looked at once a second at most: listing the folders on every call cost a served
        request about a tenth of its time); the default dispute first."""
        now = time.monotonic()
        if self._key is not None and now - self._checked < RECHECK_SECONDS:
            return self._known
        self._checked = now
        paths = [path for directory in self.directories for path in sorted(directory.glob("*.toml"))]
        key = tuple((str(path), stat.st_mtime_ns, stat.st_size) for path, stat in ((p, p.stat()) for p in paths))
        if key != self._key:
            found: dict[str, Sides] = {}
            for path in paths:
                sides = load_sides(path)
                found[sides.dispute] = sides
            ordered = {self.default: found[self.default]} if self.default in found else {}
            ordered.update((k, v) for k, v in found.items() if k != self.default)
            self._known, self._key = ordered, key
        return self._known

    def default_sides(self) -> Sides:
        known = self.known()
        if self.default not in known:
            raise SidesError(f"no sides file for the default dispute {self.default!r}")
        return known[self.default]

    def choose(self, value: str | Path | None) -> Sides | None:
        """Sides for a choice: None for ``auto``, a dispute's sides by name, or a sides file by path."""
        if value is None or str(value) == AUTO:
            return None
        known = self.known()
        if str(value) in known:
            return known[str(value)]
        path = Path(value)
        if path.suffix == ".toml" or path.exists():
            return load_sides(path)
        raise SidesError(
            f"unknown sides {str(value)!r}: give 'auto', a dispute name ({', '.join(known)}) or a sides file (.toml)"
        )

    def detect(self, texts: list[str]) -> list[Sides | None]:
        if not texts:
            return []
        candidates = list(self.known().values())
        tokens = tokenize(texts)
        counts = np.zeros((len(texts), len(candidates), 2))
        for j, sides in enumerate(candidates):
            if tokens.place.keys().isdisjoint(sides.first_words()):  # a set view: iterates the smaller
                continue  # no word that starts one of its names is in the batch
            firsts, _, kinds = sides.find(tokens)
            docs = tokens.doc[firsts]
            for side in (0, 1):
                np.add.at(counts[:, j, side], docs[kinds == side], 1.0)
        named = counts.sum(axis=2)
        rank = (counts > 0).all(axis=2) * 1e6 + named  # both sides named first, then more mentions; ties: earlier file
        best = rank.argmax(axis=1)
        return [candidates[j] if named[k].max() > 0 else None for k, j in enumerate(best.tolist())]

    def score(
        self,
        classifier,
        texts: list[str],
        sides: Sides | None,
        version: str,
        explain_top: int = 0,
        context: list[str] | None = None,
    ) -> list[dict]:
        """Results for ``texts``: read with ``sides``, or (None) with each text's detected dispute;
        ``context``: the article's paragraphs before them (see ``FramingClassifier.score``)."""
        if sides is not None:
            return score_grouped(
                classifier,
                texts,
                [sides] * len(texts),
                [False] * len(texts),
                version,
                sides,
                explain_top,
                context=context,
            )
        found = self.detect(texts)
        return score_grouped(
            classifier, texts, found, [True] * len(texts), version, self.default_sides(), explain_top, context=context
        )


def score_grouped(
    classifier,
    texts: list[str],
    chosen: list[Sides | None],
    detected: list[bool],
    version: str,
    fallback: Sides,
    explain_top: int = 0,
    batch: int = 0,
    context: list[str] | None = None,
    attributions: bool = True,
    found: list[list[dict]] | None = None,
) -> list[dict]:
    """Score each text with its own sides (texts sharing sides in one call, or calls of at most
    ``batch``); a text whose sides are None (no known side named) answers direction ``none``
    with a warning, read with ``fallback`` for its loaded labels. ``attributions=False``: results
    without them, the direction read from the text alone; ``found``: each text's attributions, found
    already (score-folder finds them per article, with the article's earlier paragraphs)."""
    results: list[dict | None] = [None] * len(texts)
    for rows in rows_by_sides(chosen):
        sides = chosen[rows[0]] or fallback
        group = [texts[k] for k in rows]
        its = [found[k] for k in rows] if found is not None else None
        scored = _in_calls(classifier, group, sides, version, explain_top, batch, context, attributions, its)
        for k, result in zip(rows, scored):
            result["sides"] = _describe(sides, detected[k])
            if chosen[k] is None:
                _no_direction(result, sides)
            results[k] = result
    return results


def _in_calls(
    classifier,
    texts: list[str],
    sides: Sides,
    version: str,
    explain_top: int,
    batch: int,
    context: list[str] | None = None,
    attributions: bool = True,
    found: list[list[dict]] | None = None,
) -> list[dict]:
    """Score in calls of at most ``batch`` paragraphs (0: one call), evenly sized (no small last call)."""
    size = len(texts)
    if batch and len(texts) > batch:
        calls = -(-len(texts) // batch)
        size = -(-len(texts) // calls)
    results: list[dict] = []
    for i in range(0, len(texts), max(size, 1)):
        results.extend(
            classifier.score(
                texts[i : i + size],
                sides,
                version,
                explain_top=explain_top,
                context=context,
                attributions=attributions,
                found=found[i : i + size] if found is not None else None,
            )
        )
    return results


def _describe(sides: Sides, detected: bool) -> dict:
    return {"dispute": sides.dispute, "names": list(sides.names), "detected": detected}


def _no_direction(result: dict, sides: Sides) -> None:
    """No side named: direction none, lean 0, and a warning (the loaded labels stand)."""
    result["direction"] = no_direction(sides)
    result["lean"] = 0.0
    p = result["loaded"]["probabilities"]
    loaded = np.array([p["none"], p["quoted"], p["editorial"]])
    result["framing_score"] = round(float(framing_score(np.array([0.0, 0.0, 0.0, 1.0]), loaded)), 4)
    result["sides"]["detected"] = False
    if not result.get("too_short"):
        result["warning"] = NO_SIDE_WARNING
