"""Fit, evaluate (grouped cross-validation) and save the framing classifier.

Grouping: a row's ``source`` is its group. Seed rows carry their article's name and
authored rows ``authored:<dispute>``, so a seed article, or an authored dispute, is
never in both the training and the test side of a fold.

The figures on seed paragraphs are the honest ones: those paragraphs are real news the
project did not write, every fold holds out whole articles, and nothing was tuned on
them (the calibration temperature is fitted on out-of-fold authored rows only).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import numpy as np
from joblib import Parallel, delayed
from scipy.special import softmax
from sklearn.model_selection import GroupKFold

from framing.model.classifier import DIRECTIONS, LOADED, SWAP_DIRECTION, FramingClassifier
from framing.model.results import direction_index
from framing.model.store import (
    ModelStoreError,
    current_version,
    list_versions,
    new_version,
    read_manifest,
    save_version,
    set_current,
    store_dir,
)
from framing.paths import MODEL_DIR, TRAINING_DIR
from framing.training.data import Dataset, load_dataset
from framing.training.metrics import classification_figures, expected_calibration_error, span_figures
from framing.training.statement_votes import example_votes, with_context

# Chosen by cross-validation on real-news rows held out by outlet (python -m framing.training.tune; the
# runs and figures are in training/tuning.json), never on the seed rows.
DEFAULT_PARAMS = {
    "min_df": 5,
    "direction_C": 4.0,
    "loaded_C": 4.0,
    "span_C": 1.0,
    "class_weight": "balanced",
    "span_threshold": 0.25,
}
# The data mix: each row's weight in the heads' loss, by origin (origins not named weigh 1). The
# authored rows teach the easy cases and pull real-news figures down at full weight.
DEFAULT_MIX = {"real-news": 1.0, "seed": 1.0, "authored": 0.3, "user": 1.0, "external": 1.0}


@dataclass
class OutOfFold:
    direction: np.ndarray  # the direction head that reads the statements' votes
    loaded: np.ndarray
    spans: list = field(default_factory=list)
    direction_text: np.ndarray | None = None  # the text-only direction head (score-folder's fast path)


def _fit_fold(examples, analysed, votes, train_index, test_index, params):
    classifier = FramingClassifier(**params).fit(
        [examples[i] for i in train_index], analysed=analysed.take(train_index), votes=votes[train_index]
    )
    test = analysed.take(test_index)
    parts, probabilities = classifier._inputs(test)
    direction = classifier.direction_decisions(parts, votes[test_index])
    direction_text = classifier.direction_decisions(parts, None)
    loaded = classifier.loaded_.decision_parts(*parts)
    spans = classifier.spans(test, probabilities, loaded.argmax(axis=1))
    return test_index, direction, direction_text, loaded, spans


def _fit_all(examples, analysed, votes, params):
    return FramingClassifier(**params).fit(examples, analysed=analysed, votes=votes)


def cross_validate(
    dataset: Dataset,
    params: dict,
    folds: int = 5,
    jobs: int = -1,
    analysed=None,
    with_final: bool = False,
    votes: np.ndarray | None = None,
):
    """Out-of-fold predictions; with ``with_final``, also the model fitted on every row, trained
    in the same parallel batch as the folds (returns (OutOfFold, FramingClassifier)). ``analysed``:
    ``FramingClassifier.analyse(dataset.examples)`` and ``votes``: ``statement_votes.example_votes(dataset)``,
    when the caller has them."""
    analysed = analysed if analysed is not None else FramingClassifier.analyse(dataset.examples)
    votes = votes if votes is not None else example_votes(dataset)
    n = len(dataset.examples)
    splits = min(folds, len(set(dataset.groups)))
    if splits < 2:
        raise ValueError("cross-validation needs labelled rows from at least two sources")
    out = OutOfFold(
        np.zeros((n, len(DIRECTIONS))), np.zeros((n, len(LOADED))), [None] * n, np.zeros((n, len(DIRECTIONS)))
    )
    tasks = [
        delayed(_fit_fold)(dataset.examples, analysed, votes, train, test, params)
        for train, test in GroupKFold(n_splits=splits).split(np.zeros(n), groups=dataset.groups)
    ]
    if with_final:
        tasks.insert(0, delayed(_fit_all)(dataset.examples, analysed, votes, params))
    done = Parallel(n_jobs=jobs)(tasks)
    final = done.pop(0) if with_final else None
    for test_index, direction, direction_text, loaded, spans in done:
        out.direction[test_index] = direction
        out.direction_text[test_index] = direction_text
        out.loaded[test_index] = loaded
        for i, s in zip(test_index, spans):
            out.spans[i] = s
    return (out, final) if with_final else out


def _subset_report(
    dataset: Dataset, oof: OutOfFold, keep: list[int], t_direction: float, t_loaded: float, t_text: float = 1.0
) -> dict:
    report = {}
    d_rows = [i for i in keep if dataset.examples[i].direction is not None]
    l_rows = [i for i in keep if dataset.examples[i].loaded is not None]
    s_rows = [i for i in l_rows if dataset.examples[i].spans is not None]
    if d_rows:
        p = softmax(oof.direction[d_rows] / t_direction, axis=1)
        truth = [dataset.examples[i].direction for i in d_rows]
        predicted = [DIRECTIONS[k] for k in direction_index(p)]
        report["direction"] = classification_figures(truth, predicted, DIRECTIONS)
        report["direction"]["calibration_error"] = expected_calibration_error(p, truth, DIRECTIONS)
        report["direction"]["reversed"] = reversed_share(truth, predicted)
        if oof.direction_text is not None:
            text = [DIRECTIONS[k] for k in direction_index(softmax(oof.direction_text[d_rows] / t_text, axis=1))]
            report["direction_text_only"] = {
                "macro_f1": classification_figures(truth, text, DIRECTIONS)["macro_f1"],
                "reversed": reversed_share(truth, text),
            }
    if l_rows:
        p = softmax(oof.loaded[l_rows] / t_loaded, axis=1)
        truth = [dataset.examples[i].loaded for i in l_rows]
        report["loaded"] = classification_figures(truth, [LOADED[k] for k in p.argmax(1)], LOADED)
        report["loaded"]["calibration_error"] = expected_calibration_error(p, truth, LOADED)
        binary_truth = ["loaded" if t != "none" else "none" for t in truth]
        binary_pred = ["loaded" if LOADED[k] != "none" else "none" for k in p.argmax(1)]
        report["loaded_binary_macro_f1"] = classification_figures(binary_truth, binary_pred, ("none", "loaded"))[
            "macro_f1"
        ]
    if s_rows:
        report["spans"] = span_figures([dataset.examples[i].spans for i in s_rows], [oof.spans[i] for i in s_rows])
    return report


def reversed_share(truth: list[str], predicted: list[str]) -> float:
    """Of the paragraphs labelled A->B or B->A, the share given the opposite direction."""
    directional = [(t, p) for t, p in zip(truth, predicted) if t in SWAP_DIRECTION]
    return round(sum(p == SWAP_DIRECTION[t] for t, p in directional) / max(len(directional), 1), 4)


def symmetry_rate(classifier: FramingClassifier, dataset: Dataset) -> dict:
    """Share of direction-labelled paragraphs whose prediction swaps exactly when the sides' names swap
    (and with them the people the sides list as their speakers, whose names the swap leaves in the text)."""
    rows = [i for i, e in enumerate(dataset.examples) if e.direction is not None]
    if not rows:
        return {"n": 0}
    examples = [dataset.examples[i] for i in rows]
    swapped = [
        replace(
            e,
            text=e.sides.swap_text(e.text),
            context=tuple(map(e.sides.swap_text, e.context)),
            sides=e.sides.speakers_exchanged(),
        )
        for e in examples
    ]
    d0, l0 = classifier.predict_proba(examples)
    d1, l1 = classifier.predict_proba(swapped)
    same = [
        SWAP_DIRECTION.get(DIRECTIONS[a], DIRECTIONS[a]) == DIRECTIONS[b] and c == d
        for a, b, c, d in zip(direction_index(d0), direction_index(d1), l0.argmax(1), l1.argmax(1))
    ]
    return {"n": len(rows), "rate": round(float(np.mean(same)), 4), "broken": int(len(same) - sum(same))}


def apply_mix(dataset: Dataset, mix: dict[str, float]) -> None:
    """Set each example's weight from its origin."""
    for example, origin in zip(dataset.examples, dataset.origins):
        example.weight = float(mix.get(origin, 1.0))


def code_hash() -> str:
    """SHA-256 over the model and training code, so that new code on the same data is a new model."""
    digest = hashlib.sha256()
    for path in sorted(list(MODEL_DIR.glob("*.py")) + list(TRAINING_DIR.glob("*.py"))):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def gate(current: dict | None, new: dict, margin: float) -> tuple[bool, str]:
    """Whether a new model may become current: no head's macro-F1 on the honest rows (real-news
    rows when both models were evaluated on them, else seed rows) more than ``margin`` lower."""
    if not current:
        return True, "no current model to compare with"
    old_metrics = current.get("metrics", {})
    origin = "real-news" if "real-news" in old_metrics and "real-news" in new else "seed"
    old, fresh = old_metrics.get(origin, {}), new.get(origin, {})
    for head in ("direction", "loaded"):
        if head in old and old[head] - fresh.get(head, 0.0) > margin:
            return False, (
                f"{origin} {head} macro-F1 fell from {old[head]:.3f} to {fresh.get(head, 0.0):.3f}, "
                f"more than the margin {margin}; not made current"
            )
    return True, f"{origin} macro-F1 within the margin of the current model"


def _gate_against_current(store, metrics: dict, margin: float | None) -> tuple[bool, str]:
    if margin is None:
        return True, "no gate"
    try:
        current = read_manifest(store, current_version(store))
    except ModelStoreError:
        current = None
    return gate(current, metrics, margin)


@dataclass
class Outcome:
    version: str
    report: dict
    made_current: bool
    reason: str
    reused: bool = False


def train(
    labels_dir=None,
    out=None,
    params: dict | None = None,
    folds: int = 5,
    jobs: int = -1,
    make_current: bool = True,
    log: Callable[[str], None] = lambda message: None,
    mix: dict | None = None,
    real_news_labels=None,
) -> tuple[str, dict]:
    """Fit on every labelled row of every source (``labels_dir``: one folder, a list of label
    sources, or None for the defaults), evaluate by grouped CV, save a new version; returns
    (version, report). No gate: see ``train_gated``."""
    outcome = train_gated(
        labels_dir, out, params, folds, jobs, log, mix, real_news_labels, margin=None, make_current=make_current
    )
    return outcome.version, outcome.report


def train_gated(
    labels_dir=None,
    out=None,
    params: dict | None = None,
    folds: int = 5,
    jobs: int = -1,
    log: Callable[[str], None] = lambda message: None,
    mix: dict | None = None,
    real_news_labels=None,
    margin: float | None = 0.05,
    make_current: bool = True,
) -> Outcome:
    """``train``, but unchanged data, parameters and code reuse the stored version instead of storing a
    twin, and (with a ``margin``) the new version becomes current only if ``gate`` lets it."""
    params = {**DEFAULT_PARAMS, **(params or {})}
    mix = {**DEFAULT_MIX, **(mix or {})}
    started = time.perf_counter()
    dataset = load_dataset(labels_dir, real_news_labels=real_news_labels)
    for note in dataset.notes:
        log(note)
    store = store_dir(out)
    key = {"training_data_hash": dataset.data_hash, "params": params, "mix": mix, "code_sha256": code_hash()}
    twin = next((m for m in list_versions(store) if all(m.get(k) == v for k, v in key.items())), None)
    if twin is not None:
        report = json.loads((store / twin["version"] / "evaluation.json").read_text(encoding="utf-8"))
        ok, reason = _gate_against_current(store, twin["metrics"], margin) if make_current else (False, "")
        if ok:
            set_current(store, twin["version"])
        log(
            f"unchanged data, parameters and code: version {twin['version']} is already stored; not training again"
            + (" (it is current)" if ok else f" ({reason})" if make_current else "")
        )
        return Outcome(twin["version"], report, ok, reason or "unchanged: the stored twin", reused=True)
    apply_mix(dataset, mix)
    with_context(dataset)
    log(f"loaded {len(dataset.examples)} labelled paragraphs from {len(set(dataset.groups))} sources")
    analysed = FramingClassifier.analyse(dataset.examples)
    log("finding who speaks and whom they blame in each paragraph ...")
    votes = example_votes(dataset)
    log(f"grouped {folds}-fold cross-validation ...")
    oof, classifier = cross_validate(
        dataset, params, folds=folds, jobs=jobs, analysed=analysed, with_final=True, votes=votes
    )

    calibration_rows = [i for i, o in enumerate(dataset.origins) if o != "seed"] or list(range(len(analysed)))
    d_rows = [i for i in calibration_rows if dataset.examples[i].direction is not None]
    l_rows = [i for i in calibration_rows if dataset.examples[i].loaded is not None]
    if d_rows:
        classifier.direction_.calibrate(oof.direction[d_rows], [dataset.examples[i].direction for i in d_rows])
        classifier.direction_text_.calibrate(
            oof.direction_text[d_rows], [dataset.examples[i].direction for i in d_rows]
        )
    if l_rows:
        classifier.loaded_.calibrate(oof.loaded[l_rows], [dataset.examples[i].loaded for i in l_rows])

    report = {
        "cross_validation": {
            "folds": min(folds, len(set(dataset.groups))),
            "grouped_by": "source (outlet for real-news rows, article for seed rows, dispute for authored rows)",
        }
    }
    t_direction, t_loaded = classifier.direction_.temperature_, classifier.loaded_.temperature_
    t_text = classifier.direction_text_.temperature_
    for origin in sorted(set(dataset.origins)):
        keep = [i for i, o in enumerate(dataset.origins) if o == origin]
        report["cross_validation"][origin] = _subset_report(dataset, oof, keep, t_direction, t_loaded, t_text)
    real = [i for i, o in enumerate(dataset.origins) if o == "real-news"]
    if real:
        report["real_news_by_dispute"] = {
            dispute: _subset_report(
                dataset, oof, [i for i in real if dataset.rows[i]["dispute"] == dispute], t_direction, t_loaded, t_text
            )
            for dispute in sorted({dataset.rows[i]["dispute"] for i in real})
        }
    report["symmetry"] = symmetry_rate(classifier, dataset)
    report["temperature"] = {
        "direction": round(classifier.direction_.temperature_, 4),
        "direction_text_only": round(classifier.direction_text_.temperature_, 4),
        "loaded": round(classifier.loaded_.temperature_, 4),
    }
    report["training_seconds"] = round(time.perf_counter() - started, 2)

    manifest = {
        **key,
        "version": new_version(dataset.data_hash),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_rows": len(dataset.examples),
        "label_sets": {
            "direction": ["<A>-><B>", "<B>-><A>", "mutual", "none"],
            "loaded": list(LOADED),
            "span_voice": ["quoted", "editorial"],
        },
        "sources": dataset.sources,
        "metrics": _summary(report),
    }
    ok, reason = _gate_against_current(store, manifest["metrics"], margin) if make_current else (False, "")
    version = save_version(store, classifier, manifest, report, make_current=ok)
    log(
        f"saved version {version} in {store}"
        + (" and made it current" if ok else "")
        + (f" ({reason})" if margin is not None and make_current else "")
    )
    return Outcome(version, report, ok, reason)


def _summary(report: dict) -> dict:
    summary = {}
    for origin, figures in report["cross_validation"].items():
        if isinstance(figures, dict) and origin not in ("folds", "grouped_by"):
            summary[origin] = {head: figures[head]["macro_f1"] for head in ("direction", "loaded") if head in figures}
    summary["symmetry_rate"] = report["symmetry"].get("rate")
    return summary
