"""The framing classifier: paragraphs in, direction / loaded / spans / scores out.

Data flows one way: text -> ``features.analyse`` (a view relative to the sides) ->
``vectorize.FeatureSpace`` (TF-IDF n-gram and lexicon columns) -> two ``TiedLogistic``
heads and the ``SpanTagger`` -> ``results.build_results``.

Direction is learned in side-relative classes (``A->B``, ``B->A``, ``mutual``,
``none``) and only named with the sides' names when a result is built, which is how one
model serves any two-party dispute.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
from scipy import sparse

from framing.model.attribution import add_attributions, in_words
from framing.model.features import Analysed, ParagraphView, analyse_batch, analyse_many, swap_feature_name
from framing.model.heads import TiedLogistic
from framing.model.params import Params
from framing.model.results import LOADED_LABELS, MIN_WORDS, build_results, explain, too_short
from framing.model.sides import SIDE_A, SIDE_B, Sides
from framing.model.spans import EVIDENCE_FEATURES, SpanTagger, in_spans, loaded_spans, voice_evidence
from framing.model.vectorize import FeatureSpace

DIRECTIONS = ("A->B", "B->A", "mutual", "none")
LOADED = LOADED_LABELS
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
    weight: float = 1.0


class FramingClassifier(Params):
    """Both heads and the span tagger over one feature space, fitted on ``TrainingExample`` rows.

    Shaped like a scikit-learn multi-output classifier, so ``clone`` and a grid search work:
    ``fit(X)`` takes examples (their labels ride on them; ``y`` is ignored), ``predict_proba``
    returns one array per head (``classes_`` gives their columns). ``score`` is the product's
    scoring call (texts in, results out), so a grid search takes ``scoring=mean_macro_f1``.
    """

    def __init__(
        self,
        min_df: int = 3,
        direction_C: float = 4.0,
        loaded_C: float = 4.0,
        span_C: float = 1.0,
        class_weight: str | None = "balanced",
        span_threshold: float = 0.5,
    ):
        self.min_df = min_df
        self.direction_C = direction_C
        self.loaded_C = loaded_C
        self.span_C = span_C
        self.class_weight = class_weight
        self.span_threshold = span_threshold

    @staticmethod
    def views(examples: list[TrainingExample]) -> list[ParagraphView]:
        return analyse_many([e.text for e in examples], [e.sides for e in examples])

    def fit(self, X: list[TrainingExample], y=None, views: list[ParagraphView] | None = None) -> FramingClassifier:
        """Fit on examples; ``views`` (``views(X)``, computed once by a caller fitting many models) saves time."""
        examples = list(X)
        views = views if views is not None else self.views(examples)
        both = views + [swap_view(v) for v in views]
        span_rows = [i for i, e in enumerate(examples) if e.spans is not None and e.loaded is not None]
        labels = dict(zip(span_rows, in_spans([views[i] for i in span_rows], [examples[i].spans for i in span_rows])))
        self.span_tagger_ = SpanTagger(C=self.span_C, threshold=self.span_threshold).fit(
            [views[i] for i in span_rows], labels=[labels[i] for i in span_rows]
        )
        evidence = self._out_of_fold_evidence(views, span_rows, labels)
        self.features_ = FeatureSpace(min_df=self.min_df).fit(both)
        X = sparse.hstack(
            [self.features_.transform(both), sparse.csr_matrix(np.vstack([evidence, evidence]))], format="csr"
        )
        self.feature_names_ = np.array(list(self.features_.get_feature_names_out()) + list(EVIDENCE_FEATURES))
        position = {name: i for i, name in enumerate(self.feature_names_)}
        self.feature_perm_ = np.array(
            [position.get(swap_feature_name(n), i) for i, n in enumerate(self.feature_names_)]
        )
        self.classes_ = [np.array(DIRECTIONS, dtype=object), np.array(LOADED, dtype=object)]

        n = len(views)
        direction_rows = [i for i, e in enumerate(examples) if e.direction is not None]
        rows = direction_rows + [i + n for i in direction_rows]
        labels = [examples[i].direction for i in direction_rows]
        labels += [SWAP_DIRECTION.get(label, label) for label in labels]
        self.direction_ = None
        if direction_rows:
            self.direction_ = TiedLogistic(
                DIRECTIONS, SWAP_DIRECTION, C=self.direction_C, class_weight=self.class_weight
            )
            self.direction_.fit(
                X[rows],
                labels,
                sample_weight=self._weights(examples, direction_rows),
                feature_perm=self.feature_perm_,
            )

        loaded_rows = [i for i, e in enumerate(examples) if e.loaded is not None]
        rows = loaded_rows + [i + n for i in loaded_rows]
        labels = [examples[i].loaded for i in loaded_rows] * 2
        self.loaded_ = None
        if loaded_rows:
            self.loaded_ = TiedLogistic(LOADED, None, C=self.loaded_C, class_weight=self.class_weight)
            self.loaded_.fit(
                X[rows],
                labels,
                sample_weight=self._weights(examples, loaded_rows),
                feature_perm=self.feature_perm_,
            )
        return self

    @staticmethod
    def _weights(examples: list[TrainingExample], rows: list[int]) -> np.ndarray | None:
        """Each row's weight, twice (both side orders); None when all are 1."""
        weights = np.array([examples[i].weight for i in rows] * 2, dtype=float)
        return None if np.all(weights == 1.0) else weights

    def _out_of_fold_evidence(self, views, span_rows, labels: dict[int, list[bool]], folds: int = 5) -> np.ndarray:
        """Span evidence for training rows from taggers that never saw those rows' spans."""
        probabilities = [self.span_tagger_.token_probabilities(v) for v in views]
        order = np.random.default_rng(0).permutation(len(span_rows))
        for k in range(min(folds, len(span_rows))):
            held = [span_rows[j] for j in order[k::folds]]
            held_set = set(held)
            kept = [i for i in span_rows if i not in held_set]
            tagger = SpanTagger(C=self.span_C, threshold=self.span_threshold).fit(
                [views[i] for i in kept], labels=[labels[i] for i in kept]
            )
            for i in held:
                probabilities[i] = tagger.token_probabilities(views[i])
        lengths = [len(v.tokens) for v in views]
        doc = np.repeat(np.arange(len(views)), lengths)
        party = np.fromiter(chain.from_iterable(v.party for v in views), dtype=bool, count=sum(lengths))
        flat = np.concatenate(probabilities) if probabilities else np.zeros(0)
        return voice_evidence(doc, party, flat, len(views), self.span_tagger_.threshold)

    def _inputs(self, views: list[ParagraphView] | Analysed):
        """A batch's features as (sparse TF-IDF columns, dense lexicon and evidence columns), with its
        flat token arrays and span probabilities."""
        if getattr(self, "_span_table", None) is None:
            self._span_table = self.span_tagger_.table(self.features_.tokens)
        batch = self.features_.batch(views)
        probabilities = self.span_tagger_.batch_probabilities(
            batch.vocabulary, batch.vocabulary_ids, batch.word_index, self._span_table
        )
        evidence = voice_evidence(batch.doc, batch.party, probabilities, batch.n, self.span_tagger_.threshold)
        tfidf, lexicon = self.features_.transform_parts(batch)
        return (tfidf, np.hstack([lexicon, evidence])), batch, probabilities

    def matrix(self, views: list[ParagraphView]) -> sparse.csr_matrix:
        (tfidf, dense), _, _ = self._inputs(views)
        return sparse.hstack([tfidf, sparse.csr_matrix(dense)], format="csr")

    def predict_proba(self, X: list[TrainingExample] | list[ParagraphView]) -> list[np.ndarray]:
        """[direction probabilities, loaded probabilities], columns in ``classes_`` order."""
        return list(self._proba(self._inputs(self._as_views(X))[0]))

    def predict(self, X: list[TrainingExample] | list[ParagraphView]) -> np.ndarray:
        """One row per paragraph: (relative direction, loaded)."""
        return np.column_stack([c[p.argmax(axis=1)] for c, p in zip(self.classes_, self.predict_proba(X))])

    def _as_views(self, X) -> list[ParagraphView]:
        X = list(X)
        return self.views(X) if X and isinstance(X[0], TrainingExample) else X

    def _proba(self, parts) -> tuple[np.ndarray, np.ndarray]:
        """Both heads' probabilities; a head trained on no rows answers 'none' with certainty."""
        n = parts[0].shape[0]
        direction = self.direction_.proba_parts(*parts) if self.direction_ else np.tile([0.0, 0.0, 0.0, 1.0], (n, 1))
        loaded = self.loaded_.proba_parts(*parts) if self.loaded_ else np.tile([1.0, 0.0, 0.0], (n, 1))
        return direction, loaded

    def spans(self, text: str, view: ParagraphView, loaded_label: str, probabilities=None) -> list[dict]:
        """One paragraph's spans, consistent with its loaded label (see ``spans.loaded_spans``)."""
        probabilities = self.span_tagger_.token_probabilities(view) if probabilities is None else probabilities
        starts = np.array([a for a, _ in view.offsets], dtype=np.int64)
        ends = np.array([b for _, b in view.offsets], dtype=np.int64)
        return loaded_spans(
            [text],
            starts,
            ends,
            np.array(view.party, dtype=bool),
            np.zeros(len(starts), dtype=np.int64),
            np.asarray(probabilities, dtype=float),
            np.array([LOADED.index(loaded_label)]),
            self.span_tagger_.threshold,
        )[0]

    def score(
        self,
        texts: list[str],
        sides: Sides,
        model_version: str = "",
        explain_top: int = 0,
        context: list[str] | None = None,
        attributions: bool = True,
    ) -> list[dict]:
        """One contract result per text, with its ``attributions`` (who speaks, for which side, blaming
        whom: ``model.attribution``; ``attributions=False`` leaves them out, for callers that find
        them per article). ``explain_top`` > 0 adds the features that pushed each head and the
        attributions in words; ``context`` (the article's paragraphs before these texts) resolves
        pronouns to speakers named there."""
        if not texts:
            return []
        analysed = analyse_batch(texts, sides)
        parts, batch, probabilities = self._inputs(analysed)
        direction_p, loaded_p = self._proba(parts)
        loaded_index = loaded_p.argmax(axis=1)
        spans = loaded_spans(
            analysed.texts,
            analysed.starts,
            analysed.ends,
            analysed.party,
            batch.doc,
            probabilities,
            loaded_index,
            self.span_tagger_.threshold,
        )
        results = build_results(direction_p, loaded_p, spans, sides, model_version)
        for k in np.flatnonzero(np.diff(analysed.bounds) < MIN_WORDS).tolist():
            too_short(results[k], sides, int(analysed.bounds[k + 1] - analysed.bounds[k]))
        if attributions or explain_top or context is not None:
            add_attributions(results, analysed, sides, analyse_batch(context, sides) if context else None)
        if explain_top and self.direction_ and self.loaded_:
            X = sparse.hstack([parts[0], sparse.csr_matrix(parts[1])], format="csr")
            for i, result in enumerate(results):
                result["explanation"] = {
                    "direction": explain(
                        X[i],
                        self.direction_,
                        result["direction"]["label"],
                        sides,
                        self.feature_names_,
                        explain_top,
                        DIRECTIONS,
                    ),
                    "loaded": explain(
                        X[i], self.loaded_, result["loaded"]["label"], sides, self.feature_names_, explain_top, LOADED
                    ),
                    "said": [in_words(a) for a in result["attributions"]],
                }
        return results


def mean_macro_f1(estimator: FramingClassifier, X: list[TrainingExample], y=None) -> float:
    """A scorer for scikit-learn's searches: the mean of the two heads' macro-F1 over the
    examples labelled for each head."""
    from sklearn.metrics import f1_score  # training only

    examples = list(X)
    predicted = estimator.predict(examples)
    figures = []
    for column, name in enumerate(("direction", "loaded")):
        rows = [i for i, e in enumerate(examples) if getattr(e, name) is not None]
        if rows:
            truth = [getattr(examples[i], name) for i in rows]
            figures.append(f1_score(truth, predicted[rows, column].tolist(), average="macro", zero_division=0))
    return float(np.mean(figures)) if figures else 0.0
