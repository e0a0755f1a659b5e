"""The statements' votes (``model.votes``) of training rows, read as at scoring time and never with
weights that saw the row's labels.

Each row is read with the paragraphs before it in its article (seed rows and real news; the
corpus is read at run time) as context, as ``score-folder --attributions`` reads an article. The
learned speaker scorer (``model.speakers``) was fitted on ``labels/attributions/``, which reads every
real-news and seed paragraph; a row of those is read with the scorer fitted without its label file
(``training.speakers.cross_fitted_cached``), so that its votes are as noisy in training and in the
cross-validation as on news the project never saw. Other rows (and, without the corpus, the seed
rows, since no other labelled paragraph is there to fit a scorer on) use the shipped scorer.
"""

from __future__ import annotations

import contextlib
import json

import numpy as np

from framing.model import speakers
from framing.model.classifier import FramingClassifier
from framing.training.data import Dataset


def with_context(dataset: Dataset) -> None:
    """Give each seed and real-news example the paragraphs before it in its article."""
    from framing.training.attribution_eval import _context, _paragraphs

    paragraphs = _paragraphs(None)
    for row, example in zip(dataset.rows, dataset.examples):
        paragraph = paragraphs.get(row["id"].split(":", 1)[-1])
        if paragraph is not None and paragraph["text"] == example.text:
            example.context = tuple(_context(paragraphs, paragraph))


def example_votes(dataset: Dataset) -> np.ndarray:
    """(A blames B, B blames A) per example of ``dataset`` (see the module docstring)."""
    from framing.training.speakers import cross_fitted_cached, label_files

    files = label_files()
    file_of = {}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            file_of[json.loads(line)["id"]] = path.name
    rows_of: dict[str | None, list[int]] = {}
    for i, row in enumerate(dataset.rows):
        rows_of.setdefault(file_of.get(row["id"].split(":", 1)[-1]), []).append(i)
    scorers = cross_fitted_cached(files) if set(rows_of) - {None} else {}
    votes = np.zeros((len(dataset.examples), 2))
    for name, rows in rows_of.items():
        scoring = speakers.scoring_with(scorers[name]) if name in scorers else contextlib.nullcontext()
        with scoring:
            votes[rows] = FramingClassifier.votes([dataset.examples[i] for i in rows])
    return votes
