"""From label sources (labels folders, the real-news corpus) to training examples, groups for
cross-validation, and a data hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from framing.model.classifier import TrainingExample, relative_direction
from framing.model.labels import (
    Corpus,
    LabelledRow,
    LabelProblem,
    load_corpus,
    load_sides_dir,
    normalised_text,
    row_problems,
)
from framing.model.sides import Sides, default_sides
from framing.paths import DEFAULT_LABELS
from framing.training.real_news import PROJECT_LABELS, default_corpus_dir, is_corpus, load_real_news


class CorpusInvalid(ValueError):
    def __init__(self, corpus: Corpus):
        shown = "\n".join(str(p) for p in corpus.problems[:20])
        more = f"\n... and {len(corpus.problems) - 20} more" if len(corpus.problems) > 20 else ""
        super().__init__(
            f"the labelled corpus has {len(corpus.problems)} problem(s); fix them first "
            f"('framing labels validate'):\n{shown}{more}"
        )
        self.corpus = corpus


@dataclass
class Dataset:
    rows: list[LabelledRow]
    examples: list[TrainingExample]
    groups: list[str]
    origins: list[str]
    data_hash: str
    sources: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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
        spans=known_spans(row),
    )


def known_spans(row: LabelledRow) -> list[dict] | None:
    """The row's spans, or None when they are unknown: no ``spans`` field, or an empty list on a
    row labelled loaded (sentence-level labels, as BABE-style data brings them)."""
    spans = row.get("spans")
    if "loaded" not in row.data or spans is None or (not spans and row["loaded"] != "none"):
        return None
    return spans


def with_real_news(
    labels_dir: str | Path = DEFAULT_LABELS, real_news_labels: str | Path | None = None
) -> tuple[list[Path], list[str]]:
    """A labels folder plus the real-news corpus beside the project when it and its labels (the
    project's adjudicated file unless named) are there; and a note on what was left out."""
    corpus = default_corpus_dir()
    labels = Path(real_news_labels) if real_news_labels is not None else PROJECT_LABELS
    if is_corpus(corpus) and labels.is_file():
        return [Path(labels_dir), corpus], []
    missing = corpus if not is_corpus(corpus) else labels
    return [Path(labels_dir)], [f"real-news corpus left out: {missing} is not there (training on {labels_dir} only)"]


def _sides_of(sources: list[Path]) -> dict[str, Sides]:
    """The shipped sides files, each replaced or joined by the labels folders' own."""
    sides_for = load_sides_dir(DEFAULT_LABELS / "sides")[0]
    for source in sources:
        if not is_corpus(source):
            sides_for.update(load_sides_dir(source / "sides")[0])
    return sides_for


def load_dataset(
    sources: str | Path | list[str | Path] | None = None,
    strict: bool = True,
    real_news_labels: str | Path | None = None,
) -> Dataset:
    """Every valid labelled row of every source: a labels folder (``*.jsonl`` and ``sides/``) or a
    real-news corpus folder (text read from it, labels from ``real_news_labels``, by default the
    project's adjudicated file). With ``strict`` any problem stops training."""
    notes: list[str] = []
    if sources is None:
        sources, notes = with_real_news(real_news_labels=real_news_labels)
    elif isinstance(sources, (str, Path)):
        sources = [sources]
    sources = [Path(s) for s in sources]
    sides_for = _sides_of(sources)
    rows: list[LabelledRow] = []
    problems = []
    described = []
    for source in sources:
        if is_corpus(source):
            real = load_real_news(source, real_news_labels)
            notes.append(real.summary())
            for number, data in enumerate(real.rows, 1):
                found = row_problems(data, sides_for)
                if found:
                    problems += [LabelProblem(str(real.labels_path), number, m) for m in found]
                else:
                    rows.append(LabelledRow(str(real.labels_path), number, data))
            described.append(
                {
                    "kind": "real-news",
                    "path": str(source),
                    "corpus_sha256": real.corpus_sha256,
                    "labels": str(real.labels_path),
                    "labels_sha256": real.labels_sha256,
                    "rows": len(real.rows),
                }
            )
        else:
            if not source.is_dir():
                raise FileNotFoundError(f"{source}: no such labels folder")
            corpus = load_corpus(source)
            problems += corpus.problems
            rows += corpus.rows
            described.append(
                {"kind": "labels", "path": str(source), "rows": len(corpus.rows), "sha256": _folder_hash(source)}
            )
    problems += _duplicates(rows)
    if strict and problems:
        raise CorpusInvalid(Corpus(rows, sides_for, problems))
    fallback = default_sides()
    examples = [to_example(r, row_sides(r, sides_for, fallback)) for r in rows]
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r["id"]):
        digest.update(json.dumps(row.data, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    for sides in sorted(sides_for.values(), key=lambda s: s.dispute):
        # speakers too (to_dict keeps them): the direction head reads the attributions they decide
        digest.update(json.dumps(sides.to_dict(), sort_keys=True).encode("utf-8"))
    return Dataset(
        rows=rows,
        examples=examples,
        groups=[r["source"] for r in rows],
        origins=[r["origin"] for r in rows],
        data_hash=digest.hexdigest(),
        sources=described,
        notes=notes,
    )


def _folder_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(list(directory.glob("*.jsonl")) + list((directory / "sides").glob("*.toml"))):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _duplicates(rows: list[LabelledRow]) -> list[LabelProblem]:
    """Ids or texts labelled twice across sources (each source checks its own)."""
    problems, ids, texts = [], {}, {}
    for row in rows:
        where = f"{row.path}:{row.line}"
        if row["id"] in ids and ids[row["id"]][0] != row.path:
            problems.append(
                LabelProblem(row.path, row.line, f"id {row['id']!r} is already used at {ids[row['id']][1]}")
            )
        key = normalised_text(row["text"])
        if key in texts and texts[key][0] != row.path:
            problems.append(
                LabelProblem(row.path, row.line, f"the same paragraph text is already labelled at {texts[key][1]}")
            )
        ids.setdefault(row["id"], (row.path, where))
        texts.setdefault(key, (row.path, where))
    return problems
