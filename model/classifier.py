"""The framing classifier: paragraphs in, direction / loaded / spans / scores out.

Data flows one way: text -> ``features.analyse_batch`` (an ``Analysed`` batch: tokens
relative to the sides, with offsets and voices) -> ``vectorize.FeatureSpace`` (TF-IDF
n-gram and lexicon columns) -> two ``TiedLogistic`` heads and the ``SpanTagger`` ->
``results.build_results``. Training reads the same batches (rows of them per fold).

Direction is learned in side-relative classes (``A->B``, ``B->A``, ``mutual``,
``none``) and only named with the sides' names when a result is built, which is how one
model serves any two-party dispute.

There are two direction heads. ``direction_`` also reads who blames whom by the statements found
(``model.attribution`` -> ``model.votes``): every path that finds attributions (``score``, the
service, ``score-folder --attributions``) uses it. ``direction_text_`` reads the text's features
alone, for ``score-folder`` without ``--attributions``, which stays fast by not looking for speakers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from framing.model import votes as statement_votes
from framing.model.attribution import attributions_of, in_words
from framing.model.features import Analysed, analyse_batch, analyse_rows, join, swap_feature_name
from framing.model.heads import TiedLogistic
from framing.model.params import Params
from framing.model.results import LOADED_LABELS, MIN_WORDS, build_results, explain, too_short
from framing.model.sides import Sides
from framing.model.spans import EVIDENCE_FEATURES, SpanTagger, in_spans, loaded_spans, voice_evidence
from framing.model.vectorize import FeatureSpace

DIRECTIONS = ("A->B", "B->A", "mutual", "none")
LOADED = LOADED_LABELS


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
    context: tuple[str, ...] = ()  # the paragraphs before it in its article, where known


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
    def analyse(examples: list[TrainingExample]) -> Analysed:
        """The examples as one batch, each read with its own sides."""
        return analyse_rows([e.text for e in examples], [e.sides for e in examples])

    @staticmethod
    def votes(examples: list[TrainingExample]) -> np.ndarray:
        """Each example's (A blames B, B blames A) counts from the attributions found in it, read with its
        ``context``."""
        out = np.zeros((len(examples), 2))
        for i, e in enumerate(examples):
            context = analyse_batch(list(e.context), e.sides) if e.context else None
            out[i] = statement_votes.counts(
                attributions_of(analyse_batch([e.text], e.sides), e.sides, context)[0], e.sides
            )
        return out

    def fit(
        self, X: list[TrainingExample], y=None, analysed: Analysed | None = None, votes: np.ndarray | None = None
    ) -> FramingClassifier:
        """Fit on examples; ``analysed`` (``analyse(X)``, or rows of it for a caller fitting many models)
        and ``votes`` (``votes(X)``, or rows of it) save reading them again."""
        examples = list(X)
        analysed = analysed if analysed is not None else self.analyse(examples)
        both = join([analysed, analysed.swapped()])
        span_rows = [i for i, e in enumerate(examples) if e.spans is not None and e.loaded is not None]
        spanned = analysed.take(span_rows)
        labels = in_spans(spanned, [examples[i].spans for i in span_rows])
        self.span_tagger_ = SpanTagger(C=self.span_C, threshold=self.span_threshold).fit(spanned, labels=labels)
        evidence = self._out_of_fold_evidence(analysed, span_rows, spanned, labels)
        self.features_ = FeatureSpace(min_df=self.min_df).fit(both)
        X = sparse.hstack(
            [self.features_.transform(both), sparse.csr_matrix(np.vstack([evidence, evidence]))], format="csr"
        )
        self.feature_names_ = np.array(
            list(self.features_.get_feature_names_out()) + list(EVIDENCE_FEATURES) + list(statement_votes.VOTE_FEATURES)
        )
        position = {name: i for i, name in enumerate(self.feature_names_)}
        self.feature_perm_ = np.array(
            [position.get(swap_feature_name(n), i) for i, n in enumerate(self.feature_names_)]
        )
        n_text = X.shape[1]
        self.classes_ = [np.array(DIRECTIONS, dtype=object), np.array(LOADED, dtype=object)]

        n = len(analysed)
        direction_rows = [i for i, e in enumerate(examples) if e.direction is not None]
        rows = direction_rows + [i + n for i in direction_rows]
        labels = [examples[i].direction for i in direction_rows]
        labels += [SWAP_DIRECTION.get(label, label) for label in labels]
        self.direction_ = self.direction_text_ = None
        if direction_rows:
            votes = np.asarray(votes) if votes is not None else self.votes(examples)
            said = np.vstack([statement_votes.columns(votes), statement_votes.columns(statement_votes.swapped(votes))])
            X_said = sparse.hstack([X, sparse.csr_matrix(said)], format="csr")
            weights = self._weights(examples, direction_rows)
            self.direction_ = TiedLogistic(
                DIRECTIONS, SWAP_DIRECTION, C=self.direction_C, class_weight=self.class_weight
            ).fit(X_said[rows], labels, sample_weight=weights, feature_perm=self.feature_perm_)
            self.direction_text_ = TiedLogistic(
                DIRECTIONS, SWAP_DIRECTION, C=self.direction_C, class_weight=self.class_weight
            ).fit(X[rows], labels, sample_weight=weights, feature_perm=self.feature_perm_[:n_text])

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
                feature_perm=self.feature_perm_[:n_text],
            )
        return self

    @staticmethod
    def _weights(examples: list[TrainingExample], rows: list[int]) -> np.ndarray | None:
        """Each row's weight, twice (both side orders); None when all are 1."""
        weights = np.array([examples[i].weight for i in rows] * 2, dtype=float)
        return None if np.all(weights == 1.0) else weights

    def _out_of_fold_evidence(
        self, analysed: Analysed, span_rows: list[int], spanned: Analysed, labels: np.ndarray, folds: int = 5
    ) -> np.ndarray:
        """Span evidence for training rows from taggers that never saw those rows' spans (``spanned``:
        the rows ``span_rows`` of ``analysed``, their tokens labelled by ``labels``)."""
        probabilities = self.span_tagger_.probabilities(analysed)
        order = np.random.default_rng(0).permutation(len(span_rows))
        rows = np.array(span_rows, dtype=np.int64)
        for k in range(min(folds, len(span_rows))):
            held = order[k::folds]
            kept = np.delete(np.arange(len(span_rows)), held)
            tagger = SpanTagger(C=self.span_C, threshold=self.span_threshold).fit(
                spanned.take(kept), labels=labels[spanned.token_rows(kept)]
            )
            probabilities[analysed.token_rows(rows[held])] = tagger.probabilities(analysed.take(rows[held]))
        return voice_evidence(analysed.doc, analysed.party, probabilities, len(analysed), self.span_tagger_.threshold)

    def _inputs(self, analysed: Analysed):
        """A batch's features as (sparse TF-IDF columns, dense lexicon and evidence columns), and each
        token's span probability."""
        if getattr(self, "_span_table", None) is None:
            self._span_table = self.span_tagger_.table(self.features_.tokens)
        batch = self.features_.batch(analysed)
        probabilities = self.span_tagger_.probabilities(analysed, batch.vocabulary_ids, self._span_table)
        evidence = voice_evidence(batch.doc, batch.party, probabilities, batch.n, self.span_tagger_.threshold)
        tfidf, lexicon = self.features_.transform_parts(batch)
        return (tfidf, np.hstack([lexicon, evidence])), probabilities

    def matrix(self, analysed: Analysed) -> sparse.csr_matrix:
        return stacked(self._inputs(analysed)[0])

    def predict_proba(self, X: list[TrainingExample] | Analysed, votes: np.ndarray | None = None) -> list[np.ndarray]:
        """[direction probabilities, loaded probabilities], columns in ``classes_`` order. The direction
        reads the statements' ``votes`` (``votes(X)`` for examples, the default) or, for an ``Analysed``
        batch without them, the text alone."""
        if votes is None and not isinstance(X, Analysed):
            votes = self.votes(list(X))
        return list(self._proba(self._inputs(self._analysed(X))[0], votes))

    def predict(self, X: list[TrainingExample] | Analysed, votes: np.ndarray | None = None) -> np.ndarray:
        """One row per paragraph: (relative direction, loaded)."""
        return np.column_stack([c[p.argmax(axis=1)] for c, p in zip(self.classes_, self.predict_proba(X, votes))])

    def _analysed(self, X) -> Analysed:
        return X if isinstance(X, Analysed) else self.analyse(list(X))

    def _direction_head(self, parts, votes: np.ndarray | None) -> tuple[TiedLogistic, tuple]:
        """The direction head to use and its inputs: the head that reads the statements' ``votes`` when
        given (their columns after the dense ones), else the text-only head on ``parts`` (a model saved
        before there were two has only the text one, as ``direction_``)."""
        text_head = getattr(self, "direction_text_", None)
        if votes is None or text_head is None:
            return text_head or self.direction_, parts
        return self.direction_, (parts[0], np.hstack([parts[1], statement_votes.columns(votes)]))

    def direction_matrix(self, parts, votes: np.ndarray | None) -> tuple[TiedLogistic, sparse.csr_matrix]:
        """The direction head and its inputs as one matrix (see ``_direction_head``): what explanations
        and feature shares read."""
        head, inputs = self._direction_head(parts, votes)
        return head, stacked(inputs)

    def direction_decisions(self, parts, votes: np.ndarray | None) -> np.ndarray:
        """The direction head's logits (see ``_direction_head``)."""
        head, inputs = self._direction_head(parts, votes)
        return head.decision_parts(*inputs)

    def _proba(self, parts, votes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Both heads' probabilities (see ``_direction_head``); a head trained on no rows answers 'none'
        with certainty."""
        n = parts[0].shape[0]
        if self.direction_:
            head, inputs = self._direction_head(parts, votes)
            direction = head.proba_parts(*inputs)
        else:
            direction = np.tile([0.0, 0.0, 0.0, 1.0], (n, 1))
        loaded = self.loaded_.proba_parts(*parts) if self.loaded_ else np.tile([1.0, 0.0, 0.0], (n, 1))
        return direction, loaded

    def spans(self, analysed: Analysed, probabilities: np.ndarray, loaded_index: np.ndarray) -> list[list[dict]]:
        """Each paragraph's spans, consistent with its loaded label (``LOADED[loaded_index[k]]``; see
        ``spans.loaded_spans``); ``probabilities``: each token's, from ``_inputs``."""
        return loaded_spans(analysed, probabilities, loaded_index, self.span_tagger_.threshold)

    def score(
        self,
        texts: list[str],
        sides: Sides,
        model_version: str = "",
        explain_top: int = 0,
        context: list[str] | None = None,
        attributions: bool = True,
        found: list[list[dict]] | None = None,
    ) -> list[dict]:
        """One contract result per text, with its ``attributions`` (who speaks, for which side, blaming
        whom: ``model.attribution``), which the direction reads. ``attributions=False`` looks for no
        speakers: results without attributions, the direction from the text alone (score-folder's fast
        path). ``found``: each text's attributions, found already (score-folder reads them per article).
        ``explain_top`` > 0 adds the features that pushed each head and the attributions in words;
        ``context`` (the article's paragraphs before these texts) resolves pronouns to speakers named there."""
        if not texts:
            return []
        analysed = analyse_batch(texts, sides)
        parts, probabilities = self._inputs(analysed)
        if found is None and (attributions or explain_top or context is not None):
            found = attributions_of(analysed, sides, analyse_batch(context, sides) if context else None)
        votes = np.array([statement_votes.counts(a, sides) for a in found]) if found is not None else None
        direction_p, loaded_p = self._proba(parts, votes)
        loaded_index = loaded_p.argmax(axis=1)
        spans = self.spans(analysed, probabilities, loaded_index)
        results = build_results(direction_p, loaded_p, spans, sides, model_version)
        for k in np.flatnonzero(np.diff(analysed.bounds) < MIN_WORDS).tolist():
            too_short(results[k], sides, int(analysed.bounds[k + 1] - analysed.bounds[k]))
        if found is not None:
            for result, its in zip(results, found):
                result["attributions"] = its
        if explain_top and self.direction_ and self.loaded_:
            X = stacked(parts)
            direction_head, said = self.direction_matrix(parts, votes)
            for i, result in enumerate(results):
                result["explanation"] = {
                    "direction": explain(
                        said[i],
                        direction_head,
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


def stacked(parts) -> sparse.csr_matrix:
    """``_inputs``' (sparse, dense) columns side by side, as the heads read them."""
    return sparse.hstack([parts[0], sparse.csr_matrix(parts[1])], format="csr")


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
