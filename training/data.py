"""From the labels folder to training examples, groups for cross-validation, and a data hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from model.classifier import TrainingExample, relative_direction
from model.labels import Corpus, LabelledRow, load_corpus
from model.sides import PROJECT_ROOT, Sides, default_sides

DEFAULT_LABELS = PROJECT_ROOT / "labels"


class CorpusInvalid(ValueError):
    def __init__(self, corpus: Corpus):
        shown = "\n".join(str(p) for p in corpus.problems[:20])
        more = f"\n... and {len(corpus.problems) - 20} more" if len(corpus.problems) > 20 else ""
        super().__init__(f"the labelled corpus has {len(corpus.problems)} problem(s); fix them first "
                         f"('framing labels validate'):\n{shown}{more}")
        self.corpus = corpus


@dataclass
class Dataset:
    rows: list[LabelledRow]
    examples: list[TrainingExample]
    groups: list[str]
    origins: list[str]
    data_hash: str


def row_sides(row: LabelledRow, sides_for: dict[str, Sides], fallback: Sides) -> Sides:
    """The row's sides in the row's own A, B order."""
    sides = sides_for.get(row.get("dispute"), fallback)
    names = row.get("sides")
    if isinstance(names, list) and len(names) == 2 and tuple(names) == sides.names[::-1]:
        return sides.swapped()
    return sides


def to_example(row: LabelledRow, sides: Sides) -> TrainingExample:
    return TrainingExample(
        text=row["text"],
        sides=sides,
        direction=relative_direction(row["direction"], sides) if "direction" in row.data else None,
        loaded=row.get("loaded"),
        spans=row.get("spans") if "loaded" in row.data and "spans" in row.data else None,
    )


def load_dataset(labels_dir: str | Path = DEFAULT_LABELS, strict: bool = True) -> Dataset:
    """Every valid labelled row; with ``strict`` any problem in the folder stops training."""
    corpus = load_corpus(labels_dir)
    if strict and corpus.problems:
        raise CorpusInvalid(corpus)
    fallback = default_sides()
    examples = [to_example(r, row_sides(r, corpus.sides, fallback)) for r in corpus.rows]
    digest = hashlib.sha256()
    for row in sorted(corpus.rows, key=lambda r: r["id"]):
        digest.update(json.dumps(row.data, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    for sides in sorted(corpus.sides.values(), key=lambda s: s.dispute):
        digest.update(json.dumps(sides.to_dict(), sort_keys=True).encode("utf-8"))
    return Dataset(
        rows=corpus.rows,
        examples=examples,
        groups=[r["source"] for r in corpus.rows],
        origins=[r["origin"] for r in corpus.rows],
        data_hash=digest.hexdigest(),
    )
