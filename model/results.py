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

from framing.model.sides import SIDE_A, SIDE_B, THIRD, Sides

QUOTED_WEIGHT = 0.25
MIN_WORDS = 3  # fewer words than this is too little to judge who blames whom or whether wording is loaded
LOADED_LABELS = ("none", "quoted", "editorial")  # the loaded classes, in the heads' order; defined here only


def lean(direction_p: np.ndarray) -> np.ndarray:
    """P(A->B) - P(B->A) per row of direction probabilities (or for one row)."""
    direction_p = np.asarray(direction_p, dtype=float)
    return direction_p[..., 0] - direction_p[..., 1]


def framing_score(direction_p: np.ndarray, loaded_p: np.ndarray) -> np.ndarray:
    """The noisy-OR above, per row (or for one row)."""
    loaded_p = np.asarray(loaded_p, dtype=float)
    return 1 - (1 - np.abs(lean(direction_p))) * (1 - loaded_p[..., 2]) * (1 - QUOTED_WEIGHT * loaded_p[..., 1])


def direction_index(direction_p: np.ndarray) -> np.ndarray:
    """The likeliest direction per row (A->B, B->A, mutual, none); where A->B and B->A tie for it,
    as for a paragraph that names neither side, the likelier of mutual and none instead, so that
    the label, like the probabilities, is the same when the sides' names swap."""
    direction_p = np.asarray(direction_p, dtype=float)
    best = direction_p.argmax(axis=1)
    tied = (best < 2) & np.isclose(direction_p[:, 0], direction_p[:, 1], rtol=0, atol=1e-12)
    best[tied] = 2 + direction_p[tied, 2:].argmax(axis=1)
    return best


def build_results(
    direction_p: np.ndarray, loaded_p: np.ndarray, spans: list[list[dict]], sides: Sides, model_version: str
) -> list[dict]:
    """A batch's results from its heads' probabilities (rows in the order A->B, B->A, mutual,
    none and none, quoted, editorial): plain floats rounded to 4 places; a label is the
    likeliest class (the first one on a tie, except a tie of A->B with B->A: see
    ``direction_index``). Computed with NumPy over the batch, so a paragraph's result does not
    depend on its batch mates."""
    names, loaded_names = sides.directions, LOADED_LABELS
    direction_labels = [names[k] for k in direction_index(direction_p).tolist()]
    loaded_labels = [loaded_names[k] for k in loaded_p.argmax(axis=1).tolist()]
    leans = np.round(lean(direction_p), 4).tolist()
    framing = np.round(framing_score(direction_p, loaded_p), 4).tolist()
    a, b, m, n = names
    return [
        {
            "direction": {"label": d_label, "probabilities": {a: d[0], b: d[1], m: d[2], n: d[3]}},
            "loaded": {
                "label": l_label,
                "probabilities": {"none": l[0], "quoted": l[1], "editorial": l[2]},
                "spans": s,
            },
            "lean": le,
            "framing_score": f,
            "model_version": model_version,
        }
        for d_label, d, l_label, l, s, le, f in zip(
            direction_labels,
            np.round(direction_p, 4).tolist(),
            loaded_labels,
            np.round(loaded_p, 4).tolist(),
            spans,
            leans,
            framing,
        )
    ]


def no_direction(sides: Sides) -> dict:
    """The direction part of a result that gives no direction: ``none`` with certainty."""
    a, b, m, n = sides.directions
    return {"label": n, "probabilities": {a: 0.0, b: 0.0, m: 0.0, n: 1.0}}


def too_short(result: dict, sides: Sides, words: int) -> None:
    """A paragraph too short to judge: no confident labels, a flag and a warning instead."""
    result["direction"] = no_direction(sides)
    result["loaded"] = {"label": "none", "probabilities": {"none": 1.0, "quoted": 0.0, "editorial": 0.0}, "spans": []}
    result["lean"], result["framing_score"] = 0.0, 0.0
    result["too_short"] = True
    result["warning"] = f"too short to judge: {words} word{'s' if words != 1 else ''} (at least {MIN_WORDS} needed)"


LEXICON_WORDS = {
    "editorial_strong": "strongly charged words in the outlet's voice",
    "quoted_strong": "strongly charged words in a party's words",
    "editorial_valence": "emotional words in the outlet's voice",
    "quoted_valence": "emotional words in a party's words",
    "editorial_subjective": "opinion words in the outlet's voice",
    "quoted_subjective": "opinion words in a party's words",
    "editorial_booster": "intensifiers in the outlet's voice",
    "quoted_booster": "intensifiers in a party's words",
    "party_share": "how much of the paragraph is a party's words",
    "length": "the paragraph's length",
}
SPAN_WORDS = {
    "max": "the most loaded-looking word",
    "top3": "the three most loaded-looking words",
    "count": "how many loaded-looking words",
}
VOICE_WORDS = {
    "q": "a party's words",
    "e": "the outlet's voice",
    "quoted": "a party's words",
    "editorial": "the outlet's voice",
}
CUE_WORDS = {
    "<p>": "(start)",
    "</p>": "(end)",
    "blame": "blames",
    "deny": "denies",
    "attack": "attacks",
    "say": "says",
    "negation": "not",
    "mutual": "each other",
    "mediator": "mediation",
    "defend": "defends",
}


def readable_feature(name: str, sides: Sides) -> str:
    """A feature in words an analyst reads: 'cues:side_b blame side_a' -> 'pattern: pakistan blames afghanistan'."""
    group, _, body = name.partition(":")
    names = {SIDE_A: sides.a.name, SIDE_B: sides.b.name, THIRD: "a third party"}
    if group == "voiced":
        voice, _, word = body.partition(":")
        return f"“{names.get(word, word)}” in {VOICE_WORDS.get(voice, voice)}"
    if group == "cues":
        return "pattern: " + " ".join(CUE_WORDS.get(w, names.get(w, w)) for w in body.split())
    if group == "lex":
        return LEXICON_WORDS.get(body, body.replace("_", " "))
    if group == "span":
        voice, _, kind = body.partition("_")
        return f"{SPAN_WORDS.get(kind, kind)} in {VOICE_WORDS.get(voice, voice)}"
    if group == "words":
        return "words: “" + " ".join(names.get(w, w) for w in body.split()) + "”"
    if group == "charged":
        return f"charged words around {names.get(body, body)}"
    if group == "statements":
        return "statements found: " + STATEMENT_WORDS.get(body, body).format(a=names[SIDE_A], b=names[SIDE_B])
    return body


STATEMENT_WORDS = {
    "side_a_blames_side_b": "{a} blames {b}",
    "side_b_blames_side_a": "{b} blames {a}",
    "both_blame": "{a} and {b} blame each other",
    "only_side_a_blames": "only {a} blames the other",
    "only_side_b_blames": "only {b} blames the other",
}


def explain(
    x_row, head, label: str, sides: Sides, feature_names: np.ndarray, top: int, classes: tuple[str, ...]
) -> list[dict]:
    """The features that pushed this row towards ``label`` most: x_j * (w_label,j - mean_k w_k,j)."""
    names = sides.directions if classes[0] == "A->B" else classes
    k = list(names).index(label)
    row = x_row.tocsr()
    columns, values = row.indices, row.data
    weights = head.coef_[:, columns]
    push = values * (weights[k] - weights.mean(axis=0))
    order = np.argsort(-push)[:top]
    return [
        {"feature": readable_feature(str(feature_names[columns[j]]), sides), "weight": round(float(push[j]), 4)}
        for j in order
        if push[j] > 0
    ]
