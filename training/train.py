"""Fit, evaluate (grouped cross-validation) and save the framing classifier.

Grouping: a row's ``source`` is its group. Seed rows carry their article's name and
authored rows ``authored:<dispute>``, so a seed article, or an authored dispute, is
never in both the training and the test side of a fold.

The figures on seed paragraphs are the honest ones: those paragraphs are real news the
project did not write, every fold holds out whole articles, and nothing was tuned on
them (the calibration temperature is fitted on out-of-fold authored rows only).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
from joblib import Parallel, delayed
from scipy.special import softmax
from sklearn.model_selection import GroupKFold

from model.classifier import DIRECTIONS, LOADED, FramingClassifier, SWAP_DIRECTION
from model.features import analyse_many
from model.store import new_version, save_version, store_dir
from training.data import Dataset, load_dataset
from training.metrics import classification_figures, expected_calibration_error, span_figures

DEFAULT_PARAMS = {"min_df": 3, "direction_C": 4.0, "loaded_C": 4.0, "span_C": 1.0, "class_weight": "balanced"}


@dataclass
class OutOfFold:
    direction: np.ndarray
    loaded: np.ndarray
    spans: list = field(default_factory=list)


def _fit_fold(examples, views, train_index, test_index, params):
    classifier = FramingClassifier(**params).fit([examples[i] for i in train_index], [views[i] for i in train_index])
    parts, batch, probabilities = classifier._inputs([views[i] for i in test_index])
    direction = classifier.direction.decision_parts(*parts)
    loaded = classifier.loaded.decision_parts(*parts)
    spans = [classifier.spans(examples[i].text, views[i], LOADED[int(np.argmax(loaded[k]))],
                              probabilities[batch.starts[k]:batch.starts[k + 1]])
             for k, i in enumerate(test_index)]
    return test_index, direction, loaded, spans


def _fit_all(examples, views, params):
    return FramingClassifier(**params).fit(examples, views)


def cross_validate(dataset: Dataset, params: dict, folds: int = 5, jobs: int = -1, views=None,
                   with_final: bool = False):
    """Out-of-fold predictions; with ``with_final``, also the model fitted on every row, trained
    in the same parallel batch as the folds (returns (OutOfFold, FramingClassifier))."""
    views = views if views is not None else FramingClassifier.views(dataset.examples)
    n = len(dataset.examples)
    splits = min(folds, len(set(dataset.groups)))
    if splits < 2:
        raise ValueError("cross-validation needs labelled rows from at least two sources")
    out = OutOfFold(np.zeros((n, len(DIRECTIONS))), np.zeros((n, len(LOADED))), [None] * n)
    tasks = [delayed(_fit_fold)(dataset.examples, views, train, test, params)
             for train, test in GroupKFold(n_splits=splits).split(np.zeros(n), groups=dataset.groups)]
    if with_final:
        tasks.insert(0, delayed(_fit_all)(dataset.examples, views, params))
    done = Parallel(n_jobs=jobs)(tasks)
    final = done.pop(0) if with_final else None
    for test_index, direction, loaded, spans in done:
        out.direction[test_index] = direction
        out.loaded[test_index] = loaded
        for i, s in zip(test_index, spans):
            out.spans[i] = s
    return (out, final) if with_final else out


def _subset_report(dataset: Dataset, oof: OutOfFold, keep: list[int], t_direction: float, t_loaded: float) -> dict:
    report = {}
    d_rows = [i for i in keep if dataset.examples[i].direction is not None]
    l_rows = [i for i in keep if dataset.examples[i].loaded is not None]
    s_rows = [i for i in l_rows if dataset.examples[i].spans is not None]
    if d_rows:
        p = softmax(oof.direction[d_rows] / t_direction, axis=1)
        truth = [dataset.examples[i].direction for i in d_rows]
        report["direction"] = classification_figures(truth, [DIRECTIONS[k] for k in p.argmax(1)], DIRECTIONS)
        report["direction"]["calibration_error"] = expected_calibration_error(p, truth, DIRECTIONS)
    if l_rows:
        p = softmax(oof.loaded[l_rows] / t_loaded, axis=1)
        truth = [dataset.examples[i].loaded for i in l_rows]
        report["loaded"] = classification_figures(truth, [LOADED[k] for k in p.argmax(1)], LOADED)
        report["loaded"]["calibration_error"] = expected_calibration_error(p, truth, LOADED)
        binary_truth = ["loaded" if t != "none" else "none" for t in truth]
        binary_pred = ["loaded" if LOADED[k] != "none" else "none" for k in p.argmax(1)]
        report["loaded_binary_macro_f1"] = classification_figures(binary_truth, binary_pred, ("none", "loaded"))["macro_f1"]
    if s_rows:
        report["spans"] = span_figures([dataset.examples[i].spans for i in s_rows], [oof.spans[i] for i in s_rows])
    return report


def symmetry_rate(classifier: FramingClassifier, dataset: Dataset) -> dict:
    """Share of direction-labelled paragraphs whose prediction swaps exactly when the sides' names swap."""
    rows = [i for i, e in enumerate(dataset.examples) if e.direction is not None]
    if not rows:
        return {"n": 0}
    sides = [dataset.examples[i].sides for i in rows]
    originals = analyse_many([dataset.examples[i].text for i in rows], sides)
    swapped = analyse_many([s.swap_text(dataset.examples[i].text) for s, i in zip(sides, rows)], sides)
    d0, l0 = classifier.predict_proba(originals)
    d1, l1 = classifier.predict_proba(swapped)
    same = [SWAP_DIRECTION.get(DIRECTIONS[a], DIRECTIONS[a]) == DIRECTIONS[b] and c == d
            for a, b, c, d in zip(d0.argmax(1), d1.argmax(1), l0.argmax(1), l1.argmax(1))]
    return {"n": len(rows), "rate": round(float(np.mean(same)), 4), "broken": int(len(same) - sum(same))}


def train(labels_dir=None, out=None, params: dict | None = None, folds: int = 5, jobs: int = -1,
          make_current: bool = True, log: Callable[[str], None] = lambda message: None) -> tuple[str, dict]:
    """Fit on every labelled row, evaluate by grouped CV, save a new version; returns (version, report)."""
    params = {**DEFAULT_PARAMS, **(params or {})}
    started = time.perf_counter()
    dataset = load_dataset(labels_dir) if labels_dir is not None else load_dataset()
    log(f"loaded {len(dataset.examples)} labelled paragraphs from {len(set(dataset.groups))} sources")
    views = FramingClassifier.views(dataset.examples)
    log(f"grouped {folds}-fold cross-validation ...")
    oof, classifier = cross_validate(dataset, params, folds=folds, jobs=jobs, views=views, with_final=True)

    calibration_rows = [i for i, o in enumerate(dataset.origins) if o != "seed"] or list(range(len(views)))
    d_rows = [i for i in calibration_rows if dataset.examples[i].direction is not None]
    l_rows = [i for i in calibration_rows if dataset.examples[i].loaded is not None]
    if d_rows:
        classifier.direction.calibrate(oof.direction[d_rows], [dataset.examples[i].direction for i in d_rows])
    if l_rows:
        classifier.loaded.calibrate(oof.loaded[l_rows], [dataset.examples[i].loaded for i in l_rows])

    report = {"cross_validation": {"folds": min(folds, len(set(dataset.groups))), "grouped_by": "source"}}
    for origin in sorted(set(dataset.origins)):
        keep = [i for i, o in enumerate(dataset.origins) if o == origin]
        report["cross_validation"][origin] = _subset_report(
            dataset, oof, keep, classifier.direction.temperature, classifier.loaded.temperature)
    report["symmetry"] = symmetry_rate(classifier, dataset)
    report["temperature"] = {"direction": round(classifier.direction.temperature, 4),
                             "loaded": round(classifier.loaded.temperature, 4)}
    report["training_seconds"] = round(time.perf_counter() - started, 2)

    manifest = {
        "version": new_version(dataset.data_hash),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "training_data_hash": dataset.data_hash,
        "training_rows": len(dataset.examples),
        "label_sets": {"direction": ["<A>-><B>", "<B>-><A>", "mutual", "none"], "loaded": list(LOADED),
                       "span_voice": ["quoted", "editorial"]},
        "params": params,
        "metrics": _summary(report),
    }
    version = save_version(store_dir(out), classifier, manifest, report, make_current=make_current)
    log(f"saved version {version} in {store_dir(out)}" + (" and made it current" if make_current else ""))
    return version, report


def _summary(report: dict) -> dict:
    summary = {}
    for origin, figures in report["cross_validation"].items():
        if isinstance(figures, dict) and origin not in ("folds", "grouped_by"):
            summary[origin] = {head: figures[head]["macro_f1"] for head in ("direction", "loaded") if head in figures}
    summary["symmetry_rate"] = report["symmetry"].get("rate")
    return summary
