"""Choose the data mix and the regularisation by cross-validation on real-news rows held out by outlet.

Every candidate is one grouped cross-validation over all label sources (groups: the outlet for
real-news rows, so no outlet is on both sides of a fold). The choice is made on the real-news
rows of half the outlets only (the "tuning" half, a fixed hash of the outlet's name); the other
half is never looked at when choosing, so its figures for the chosen candidate are untouched by
the choice. Seed rows are never used to choose.

    python -m framing.training.tune [--out training/tuning.json]

The chosen values are then written by hand into ``training.train.DEFAULT_PARAMS`` and
``DEFAULT_MIX`` (the run prints them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

from framing.model.classifier import DIRECTIONS, LOADED, FramingClassifier
from framing.model.results import direction_index
from framing.training.data import Dataset, load_dataset
from framing.training.metrics import classification_figures, span_figures
from framing.training.statement_votes import example_votes, with_context
from framing.training.train import DEFAULT_MIX, DEFAULT_PARAMS, apply_mix, cross_validate

MIXES = [
    {"authored": 1.0, "seed": 1.0},
    {"authored": 0.3, "seed": 1.0},
    {"authored": 0.1, "seed": 1.0},
    {"authored": 0.0, "seed": 1.0},
]
REGULARISATION = [
    {"direction_C": 1.0, "loaded_C": 1.0},
    {"direction_C": 4.0, "loaded_C": 4.0},
    {"direction_C": 16.0, "loaded_C": 16.0},
]
MIN_DF = [2, 3, 5, 8]
SPAN_THRESHOLDS = [0.2, 0.25, 0.3, 0.4, 0.5]


def tuning_half(outlet: str) -> bool:
    """A fixed, even split of outlets (the first byte of a SHA-256 of the name)."""
    return hashlib.sha256(outlet.encode("utf-8")).digest()[0] % 2 == 0


def _figures(dataset: Dataset, oof, rows: list[int]) -> dict:
    truth_d = [dataset.examples[i].direction for i in rows]
    truth_l = [dataset.examples[i].loaded for i in rows]
    pred_d = [DIRECTIONS[k] for k in direction_index(oof.direction[rows])]
    pred_l = [LOADED[k] for k in oof.loaded[rows].argmax(1)]
    span_rows = [i for i in rows if dataset.examples[i].spans is not None]
    return {
        "direction": round(classification_figures(truth_d, pred_d, DIRECTIONS)["macro_f1"], 4),
        "loaded": round(classification_figures(truth_l, pred_l, LOADED)["macro_f1"], 4),
        "spans": round(
            span_figures([dataset.examples[i].spans for i in span_rows], [oof.spans[i] for i in span_rows])["f1"], 4
        ),
    }


def evaluate(dataset: Dataset, params: dict, mix: dict, analysed, jobs: int, votes=None) -> dict:
    """One candidate's figures; ``analysed`` and ``votes`` (``statement_votes.example_votes``): the dataset's,
    read once for every candidate."""
    apply_mix(dataset, {**DEFAULT_MIX, **mix})
    oof = cross_validate(dataset, params, jobs=jobs, analysed=analysed, votes=votes)
    real = [i for i, o in enumerate(dataset.origins) if o == "real-news"]
    tune = [i for i in real if tuning_half(dataset.rows[i]["outlet"])]
    held = [i for i in real if not tuning_half(dataset.rows[i]["outlet"])]
    return {
        "tuning_half": _figures(dataset, oof, tune),
        "other_half": _figures(dataset, oof, held),
        "all_real_news": _figures(dataset, oof, real),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("tuning.json"))
    parser.add_argument("--jobs", type=int, default=-1)
    parser.add_argument("--real-news-labels", type=Path, default=None)
    args = parser.parse_args(argv)
    dataset = load_dataset(real_news_labels=args.real_news_labels)
    if "real-news" not in dataset.origins:
        raise SystemExit("no real-news rows: " + "; ".join(dataset.notes))
    with_context(dataset)  # as framing train reads the rows
    analysed = FramingClassifier.analyse(dataset.examples)
    votes = example_votes(dataset)
    runs = []

    def run(stage: str, params: dict, mix: dict) -> dict:
        started = time.perf_counter()
        figures = evaluate(dataset, params, mix, analysed, args.jobs, votes)
        runs.append(
            {
                "stage": stage,
                "params": params,
                "mix": mix,
                **figures,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        t = figures["tuning_half"]
        shown = {
            **mix,
            **{k: params[k] for k in ("min_df", "direction_C", "loaded_C", "span_threshold") if k in params},
        }
        print(
            f"{stage:<14} {json.dumps(shown)}"
            f"  tuning half: direction {t['direction']:.3f} loaded {t['loaded']:.3f} spans {t['spans']:.3f}",
            flush=True,
        )
        return figures

    def best(stage: str, key) -> dict:
        return max((r for r in runs if r["stage"] == stage), key=key)

    head_score = lambda r: (r["tuning_half"]["direction"] + r["tuning_half"]["loaded"]) / 2  # noqa: E731
    params = {**DEFAULT_PARAMS, "direction_C": 4.0, "loaded_C": 4.0, "min_df": 3, "span_threshold": 0.5}
    for mix in MIXES:
        run("mix", params, mix)
    mix = best("mix", head_score)["mix"]
    for c in REGULARISATION:
        run("regularisation", {**params, **c}, mix)
    # The two heads are fitted independently, so each C is chosen on its own head's figure.
    params["direction_C"] = best("regularisation", lambda r: r["tuning_half"]["direction"])["params"]["direction_C"]
    params["loaded_C"] = best("regularisation", lambda r: r["tuning_half"]["loaded"])["params"]["loaded_C"]
    for min_df in MIN_DF:
        run("min_df", {**params, "min_df": min_df}, mix)
    params["min_df"] = best("min_df", head_score)["params"]["min_df"]
    for threshold in SPAN_THRESHOLDS:
        run("span_threshold", {**params, "span_threshold": threshold}, mix)
    chosen = best("span_threshold", lambda r: r["tuning_half"]["spans"])
    params["span_threshold"] = chosen["params"]["span_threshold"]
    figures = {k: chosen[k] for k in ("tuning_half", "other_half", "all_real_news")}
    args.out.write_text(
        json.dumps({"chosen": {"params": params, "mix": {**DEFAULT_MIX, **mix}, **figures}, "runs": runs}, indent=1)
        + "\n"
    )
    print(f"\nchosen params {params}\nchosen mix {mix}\nwritten to {args.out}")


if __name__ == "__main__":
    main()
