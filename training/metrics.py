"""Evaluation figures: per-class precision/recall/F1, macro-F1, calibration error, symmetry."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_fscore_support


def classification_figures(y_true: list[str], y_pred: list[str], classes: tuple[str, ...]) -> dict:
    """Per-class precision, recall, F1 and support, plus macro-F1 over classes present in y_true or y_pred."""
    if not y_true:
        return {"n": 0}
    labels = [c for c in classes if c in set(y_true) | set(y_pred)]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "n": len(y_true),
        "accuracy": round(float(np.mean([a == b for a, b in zip(y_true, y_pred)])), 4),
        "macro_f1": round(float(np.mean(f)), 4),
        "per_class": {
            c: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, c in enumerate(labels)
        },
    }


def expected_calibration_error(
    probabilities: np.ndarray, y_true: list[str], classes: tuple[str, ...], bins: int = 10
) -> float:
    """Top-label ECE: |accuracy - confidence| averaged over equal-width confidence bins."""
    if len(y_true) == 0:
        return float("nan")
    confidence = probabilities.max(axis=1)
    correct = np.array([classes[k] == y for k, y in zip(probabilities.argmax(axis=1), y_true)], dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return round(float(error), 4)


def span_figures(gold: list[list[dict]], predicted: list[list[dict]]) -> dict:
    """Character-overlap span F1: a predicted span counts if it overlaps a gold span (and vice versa)."""
    tp_p = sum(
        any(p["start"] < g["end"] and g["start"] < p["end"] for g in gs) for gs, ps in zip(gold, predicted) for p in ps
    )
    tp_g = sum(
        any(p["start"] < g["end"] and g["start"] < p["end"] for p in ps) for gs, ps in zip(gold, predicted) for g in gs
    )
    n_p = sum(len(ps) for ps in predicted)
    n_g = sum(len(gs) for gs in gold)
    precision = tp_p / n_p if n_p else 0.0
    recall = tp_g / n_g if n_g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "predicted": n_p,
        "gold": n_g,
    }
