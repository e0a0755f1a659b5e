"""Score a labelled file with a saved model and compare with its labels."""

from __future__ import annotations

from pathlib import Path

from framing.model.classifier import DIRECTIONS, LOADED, relative_direction
from framing.model.labels import read_rows, row_problems
from framing.model.sides import Sides, default_sides, sides_by_dispute
from framing.training.metrics import classification_figures, span_figures


class EvaluationInputError(ValueError):
    pass


def evaluate_file(path: Path, loaded_model, sides: Sides | None = None) -> dict:
    """Figures of the model on every labelled row of ``path``.

    Rows are read with their own dispute's sides (from labels/sides), or all with
    ``sides`` when given; any invalid row stops the evaluation with file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise EvaluationInputError(f"{path} is not a file")
    known = sides_by_dispute()
    fallback = sides or default_sides()
    rows, problems = [], []
    for number, row, error in read_rows(path):
        if error:
            problems.append(f"{path}:{number}: {error}")
            continue
        row_side = (
            sides if sides is not None else known.get(row.get("dispute") if isinstance(row, dict) else None, fallback)
        )
        if isinstance(row, dict) and "direction" in row and sides is not None:
            row = {**row, "dispute": sides.dispute, "sides": list(sides.names)}
        found = row_problems(row, {**known, row_side.dispute: row_side})
        problems += [f"{path}:{number}: {m}" for m in found]
        if not found:
            rows.append((row, row_side))
    if problems:
        raise EvaluationInputError(
            "\n".join(problems[:20]) + (f"\n... {len(problems) - 20} more" if len(problems) > 20 else "")
        )
    if not rows:
        raise EvaluationInputError(f"{path} has no labelled rows")
    truth_d, pred_d, truth_l, pred_l, gold_spans, pred_spans = [], [], [], [], [], []
    rows = [
        (row, row_side.swapped() if tuple(row.get("sides") or row_side.names) == row_side.names[::-1] else row_side)
        for row, row_side in rows
    ]
    by_sides: dict = {}
    for k, (_, row_side) in enumerate(rows):
        by_sides.setdefault(row_side, []).append(k)
    results: list = [None] * len(rows)
    for row_side, members in by_sides.items():
        scored = loaded_model.classifier.score([rows[k][0]["text"] for k in members], row_side, loaded_model.version)
        for k, result in zip(members, scored):
            results[k] = result
    for (row, row_side), result in zip(rows, results):
        if "direction" in row:
            truth_d.append(relative_direction(row["direction"], row_side))
            pred_d.append(relative_direction(result["direction"]["label"], row_side))
        if "loaded" in row:
            truth_l.append(row["loaded"])
            pred_l.append(result["loaded"]["label"])
            if "spans" in row:
                gold_spans.append(row["spans"])
                pred_spans.append(result["loaded"]["spans"])
    figures = {"file": str(path), "model_version": loaded_model.version}
    if truth_d:
        figures["direction"] = classification_figures(truth_d, pred_d, DIRECTIONS)
    if truth_l:
        figures["loaded"] = classification_figures(truth_l, pred_l, LOADED)
    if gold_spans:
        figures["spans"] = span_figures(gold_spans, pred_spans)
    return figures
