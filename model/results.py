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
LOADED_NAMES = ("none", "quoted", "editorial")


def lean(direction_p) -> float:
    return float(direction_p[0] - direction_p[1])


def framing_score(direction_p, loaded_p) -> float:
    one_sided = abs(lean(direction_p))
    return float(1 - (1 - one_sided) * (1 - loaded_p[2]) * (1 - QUOTED_WEIGHT * loaded_p[1]))


def build_result(direction_p: list[float], loaded_p: list[float], spans: list[dict], sides: Sides,
                 model_version: str) -> dict:
    """One paragraph's result from its heads' probabilities: plain floats, in the order
    A->B, B->A, mutual, none and none, quoted, editorial (the label is the likeliest class,
    the first one on a tie, as NumPy's argmax picks)."""
    a_b, b_a, mutual, neither = direction_p
    none, quoted, editorial = loaded_p
    names = sides.directions
    return {
        "direction": {
            "label": names[direction_p.index(max(direction_p))],
            "probabilities": {names[0]: round(a_b, 4), names[1]: round(b_a, 4), names[2]: round(mutual, 4),
                              names[3]: round(neither, 4)},
        },
        "loaded": {
            "label": LOADED_NAMES[loaded_p.index(max(loaded_p))],
            "probabilities": {"none": round(none, 4), "quoted": round(quoted, 4), "editorial": round(editorial, 4)},
            "spans": spans,
        },
        "lean": round(lean(direction_p), 4),
        "framing_score": round(framing_score(direction_p, loaded_p), 4),
        "model_version": model_version,
    }


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
