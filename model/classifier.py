"""The framing classifier: paragraphs in, direction / loaded / spans / scores out.

Data flows one way: text -> ``features.analyse`` (a view relative to the sides) ->
``vectorize.FeatureSpace`` (TF-IDF n-gram and lexicon columns) -> two ``TiedLogistic``
heads and the ``SpanTagger`` -> ``results.build_result``.

Direction is learned in side-relative classes (``A->B``, ``B->A``, ``mutual``,
``none``) and only named with the sides' names when a result is built, which is how one
model serves any two-party dispute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from model.features import ParagraphView, analyse, swap_feature_name
from model.heads import TiedLogistic
from model.results import build_result, explain
from model.sides import SIDE_A, SIDE_B, Sides
from model.spans import SpanTagger
from model.vectorize import FeatureSpace

DIRECTIONS = ("A->B", "B->A", "mutual", "none")
LOADED = ("none", "quoted", "editorial")
_SWAP_TOKEN = {SIDE_A: SIDE_B, SIDE_B: SIDE_A}


def swap_view(view: ParagraphView) -> ParagraphView:
    return ParagraphView(tuple(_SWAP_TOKEN.get(t, t) for t in view.tokens), view.offsets, view.party)


def relative_direction(label: str, sides: Sides) -> str:
    """'afghanistan->pakistan' -> 'A->B' for sides (afghanistan, pakistan)."""
    return DIRECTIONS[sides.directions.index(label)]


SWAP_DIRECTION = {"A->B": "B->A", "B->A": "A->B"}


@dataclass
class TrainingExample:
    text: str
    sides: Sides
    direction: str | None = None  # relative: A->B, B->A, mutual, none
    loaded: str | None = None
    spans: list[dict] | None = None


class FramingClassifier:
    def __init__(self, min_df: int = 2, direction_C: float = 4.0, loaded_C: float = 4.0,
                 span_C: float = 1.0, class_weight: str | None = "balanced"):
        self.min_df = min_df
        self.direction_C = direction_C
        self.loaded_C = loaded_C
        self.span_C = span_C
        self.class_weight = class_weight

    def views(self, examples: list[TrainingExample]) -> list[ParagraphView]:
        return [analyse(e.text, e.sides) for e in examples]

    def fit(self, examples: list[TrainingExample], views: list[ParagraphView] | None = None) -> "FramingClassifier":
        views = views if views is not None else self.views(examples)
        both = views + [swap_view(v) for v in views]
        self.features = FeatureSpace(min_df=self.min_df).fit(both)
        X = self.features.transform(both)
        self.feature_names = np.array(self.features.feature_names)
        position = {name: i for i, name in enumerate(self.feature_names)}
        self.feature_perm = np.array([position.get(swap_feature_name(n), i) for i, n in enumerate(self.feature_names)])

        n = len(views)
        direction_rows = [i for i, e in enumerate(examples) if e.direction is not None]
        rows = direction_rows + [i + n for i in direction_rows]
        labels = [examples[i].direction for i in direction_rows]
        labels += [SWAP_DIRECTION.get(label, label) for label in labels]
        self.direction = TiedLogistic(DIRECTIONS, SWAP_DIRECTION, C=self.direction_C, class_weight=self.class_weight)
        self.direction.fit(X[rows], labels, self.feature_perm)

        loaded_rows = [i for i, e in enumerate(examples) if e.loaded is not None]
        rows = loaded_rows + [i + n for i in loaded_rows]
        labels = [examples[i].loaded for i in loaded_rows] * 2
        self.loaded = TiedLogistic(LOADED, None, C=self.loaded_C, class_weight=self.class_weight)
        self.loaded.fit(X[rows], labels, self.feature_perm)

        span_rows = [i for i, e in enumerate(examples) if e.spans is not None and e.loaded is not None]
        self.span_tagger = SpanTagger(C=self.span_C).fit([views[i] for i in span_rows],
                                                         [examples[i].spans for i in span_rows])
        return self

    def matrix(self, views: list[ParagraphView]) -> sparse.csr_matrix:
        return self.features.transform(views)

    def predict_proba(self, views: list[ParagraphView]) -> tuple[np.ndarray, np.ndarray]:
        X = self.matrix(views)
        return self.direction.proba(X), self.loaded.proba(X)

    def spans(self, text: str, view: ParagraphView, loaded_label: str) -> list[dict]:
        """Spans consistent with the paragraph's loaded label (none: no spans; quoted: quoted only;
        editorial: at least one editorial span)."""
        if loaded_label == "none":
            return []
        spans = self.span_tagger.spans(text, view, voice="quoted" if loaded_label == "quoted" else None)
        if loaded_label == "editorial" and not any(s["voice"] == "editorial" for s in spans):
            spans = sorted(spans + self.span_tagger.spans(text, view, voice="editorial"), key=lambda s: s["start"])
        return spans

    def score(self, texts: list[str], sides: Sides, model_version: str = "", explain_top: int = 0) -> list[dict]:
        """One contract result per text; ``explain_top`` > 0 adds the features that pushed each head."""
        views = [analyse(t, sides) for t in texts]
        if not views:
            return []
        X = self.matrix(views)
        direction_p = self.direction.proba(X)
        loaded_p = self.loaded.proba(X)
        results = []
        for i, (text, view) in enumerate(zip(texts, views)):
            loaded_label = LOADED[int(np.argmax(loaded_p[i]))]
            spans = self.spans(text, view, loaded_label)
            result = build_result(direction_p[i], loaded_p[i], spans, sides, model_version)
            if explain_top:
                result["explanation"] = {
                    "direction": explain(X[i], self.direction, result["direction"]["label"], sides,
                                         self.feature_names, explain_top, DIRECTIONS),
                    "loaded": explain(X[i], self.loaded, loaded_label, sides, self.feature_names, explain_top, LOADED),
                }
            results.append(result)
        return results
