"""The scoring result users see: labels, probabilities, spans, lean and framing score.

lean = P(A->B) - P(B->A), in [-1, 1].

framing_score = 1 - (1 - |lean|) * (1 - P(editorial)) * (1 - 0.25 * P(quoted)), in [0, 1].
It is a noisy-OR: the paragraph is "framed" if it is one-sided, or the outlet's own words
are loaded, or (weakly) it amplifies a partisan's loaded quote. It rises with |lean| and
with editorial loaded language and is near 0 for a neutral factual paragraph, where all
three terms are near 0. Quoted loaded language counts a quarter: quoting is reporting.
"""

from __future__ import annotations

import numpy as np

from model.sides import SIDE_A, SIDE_B, THIRD, Sides

QUOTED_WEIGHT = 0.25
MIN_WORDS = 3  # fewer words than this is too little to judge who blames whom or whether wording is loaded
LOADED_NAMES = ("none", "quoted", "editorial")


def lean(direction_p: np.ndarray) -> np.ndarray:
    """P(A->B) - P(B->A) per row of direction probabilities (or for one row)."""
    direction_p = np.asarray(direction_p, dtype=float)
    return direction_p[..., 0] - direction_p[..., 1]


def framing_score(direction_p: np.ndarray, loaded_p: np.ndarray) -> np.ndarray:
    """The noisy-OR above, per row (or for one row)."""
    loaded_p = np.asarray(loaded_p, dtype=float)
    return 1 - (1 - np.abs(lean(direction_p))) * (1 - loaded_p[..., 2]) * (1 - QUOTED_WEIGHT * loaded_p[..., 1])


def build_results(direction_p: np.ndarray, loaded_p: np.ndarray, spans: list[list[dict]], sides: Sides,
                  model_version: str) -> list[dict]:
    """A batch's results from its heads' probabilities (rows in the order A->B, B->A, mutual,
    none and none, quoted, editorial): plain floats rounded to 4 places; a label is the
    likeliest class, the first one on a tie. Computed with NumPy over the batch, so a
    paragraph's result does not depend on its batch mates."""
    names, loaded_names = sides.directions, LOADED_NAMES
    direction_labels = [names[k] for k in direction_p.argmax(axis=1).tolist()]
    loaded_labels = [loaded_names[k] for k in loaded_p.argmax(axis=1).tolist()]
    leans = np.round(lean(direction_p), 4).tolist()
    framing = np.round(framing_score(direction_p, loaded_p), 4).tolist()
    a, b, m, n = names
    return [
        {
            "direction": {"label": d_label, "probabilities": {a: d[0], b: d[1], m: d[2], n: d[3]}},
            "loaded": {"label": l_label, "probabilities": {"none": l[0], "quoted": l[1], "editorial": l[2]},
                       "spans": s},
            "lean": le,
            "framing_score": f,
            "model_version": model_version,
        }
        for d_label, d, l_label, l, s, le, f in zip(direction_labels, np.round(direction_p, 4).tolist(), loaded_labels,
                                                    np.round(loaded_p, 4).tolist(), spans, leans, framing)
    ]


def too_short(result: dict, sides: Sides, words: int) -> None:
    """A paragraph too short to judge: no confident labels, a flag and a warning instead."""
    a, b, m, n = sides.directions
    result["direction"] = {"label": n, "probabilities": {a: 0.0, b: 0.0, m: 0.0, n: 1.0}}
    result["loaded"] = {"label": "none", "probabilities": {"none": 1.0, "quoted": 0.0, "editorial": 0.0}, "spans": []}
    result["lean"], result["framing_score"] = 0.0, 0.0
    result["too_short"] = True
    result["warning"] = f"too short to judge: {words} word{'s' if words != 1 else ''} (at least {MIN_WORDS} needed)"


def readable_feature(name: str, sides: Sides) -> str:
    """'cues:side_b blame side_a' -> 'pakistan blame afghanistan (pattern)'."""
    group, _, body = name.partition(":")
    body = body.replace(SIDE_A, sides.a.name).replace(SIDE_B, sides.b.name).replace(THIRD, "[third party]")
    if group == "voiced":
        voice, _, word = body.partition(":")
        return f"{word} ({'quoted' if voice == 'q' else 'editorial'})"
    if group == "cues":
        return f"{body.replace('<p>', '[start]').replace('</p>', '[end]')} (pattern)"
    if group == "lex":
        return f"lexicon: {body.replace('_', ' ')}"
    if group == "span":
        return f"loaded-word evidence: {body.replace('_', ' ')}"
    return body


def explain(x_row, head, label: str, sides: Sides, feature_names: np.ndarray, top: int,
            classes: tuple[str, ...]) -> list[dict]:
    """The features that pushed this row towards ``label`` most: x_j * (w_label,j - mean_k w_k,j)."""
    names = sides.directions if classes[0] == "A->B" else classes
    k = list(names).index(label)
    row = x_row.tocsr()
    columns, values = row.indices, row.data
    weights = head.coef_[:, columns]
    push = values * (weights[k] - weights.mean(axis=0))
    order = np.argsort(-push)[:top]
    return [{"feature": readable_feature(str(feature_names[columns[j]]), sides), "weight": round(float(push[j]), 4)}
            for j in order if push[j] > 0]
