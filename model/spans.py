"""Loaded-language spans: which words in a paragraph are loaded, and in whose voice.

A token-level logistic regression over context-free features of a word (the word, its
ending, its VADER valence and TextBlob subjectivity bands, intensifier, hyphenation)
learns from the labelled spans. Because the features are context-free, the fitted model
is a sum of per-feature weights, so a word's probability is a few dictionary lookups
(cached), exact, and cheap for words never seen in training. Adjacent loaded tokens join
into one span; a span's voice is ``quoted`` inside quotes or attributed speech, else
``editorial``.

``voice_evidence`` summarises a paragraph's token probabilities per voice (max, mean of
the top three, count over the threshold); the loaded head reads these as features.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from framing.model.features import Analysed
from framing.model.lexicon import word_info
from framing.model.params import Params
from framing.model.sides import SIDE_A, SIDE_B, THIRD

_NOT_WORDS = {SIDE_A, SIDE_B, THIRD}
EVIDENCE_FEATURES = (
    "span:editorial_max",
    "span:editorial_top3",
    "span:editorial_count",
    "span:quoted_max",
    "span:quoted_top3",
    "span:quoted_count",
)


def _word_features(word: str) -> dict[str, float]:
    valence, subjectivity, booster = word_info(word)
    features = {
        f"w={word}": 1.0,
        f"suf={word[-3:]}": 1.0,
        f"v={min(4, int(valence * 4))}": 1.0,
        f"s={int(subjectivity * 4)}": 1.0,
    }
    if booster:
        features["booster"] = 1.0
    if "-" in word:
        features["hyphen"] = 1.0
    if word.isdigit():
        features["digit"] = 1.0
    return features


def in_spans(analysed: Analysed, span_lists: list[list[dict]]) -> np.ndarray:
    """For each token of the batch: does it overlap one of its paragraph's spans? (Paragraphs are
    laid end to end, each span and token shifted by its paragraph's offset; a token overlaps a span
    when some span starting before the token's end ends after its start: a running maximum of
    span ends, spans sorted by start.)"""
    width = 1 + max([int(analysed.ends.max(initial=0))] + [s["end"] for spans in span_lists for s in spans])
    shift = np.arange(len(analysed), dtype=np.int64) * width
    starts, ends = analysed.starts + shift[analysed.doc], analysed.ends + shift[analysed.doc]
    bounds = np.array([(s["start"], s["end"]) for spans in span_lists for s in spans], dtype=np.int64).reshape(-1, 2)
    bounds += np.repeat(shift, [len(spans) for spans in span_lists])[:, None]
    bounds = bounds[np.argsort(bounds[:, 0], kind="stable")]
    if not len(bounds):
        return np.zeros(len(starts), dtype=bool)
    reach = np.maximum.accumulate(bounds[:, 1])
    before = np.searchsorted(bounds[:, 0], ends, side="left")
    return (before > 0) & (reach[np.maximum(before - 1, 0)] > starts)


class SpanTagger(Params):
    def __init__(self, C: float = 1.0, threshold: float = 0.5):
        self.C = C
        self.threshold = threshold
        self._cache: dict[str, float] = {}

    def fit(
        self,
        analysed: Analysed,
        span_lists: list[list[dict]] | None = None,
        labels: np.ndarray | None = None,
    ) -> SpanTagger:
        """Fit on the batch's tokens, labelled by their paragraphs' gold spans (or by ``labels``,
        ``in_spans`` of them, when the caller fits several taggers on the same rows)."""
        # Features are context-free, so the token-level log-loss is the same as a weighted
        # loss over distinct (word, label) pairs: fit on those, with their counts as weights.
        labels = labels if labels is not None else in_spans(analysed, span_lists)
        keys, sizes = np.unique(analysed.word_index * 2 + labels, return_counts=True)
        counts: Counter = Counter()
        for key, size in zip(keys.tolist(), sizes.tolist()):
            counts[(analysed.vocabulary[key >> 1], bool(key & 1))] += size
        for word in _NOT_WORDS:
            counts.pop((word, False), None)
            counts.pop((word, True), None)
        self.weights: dict[str, float] = {}
        self.bias = -10.0
        if len({label for _, label in counts}) == 2:
            from sklearn.feature_extraction import DictVectorizer  # training only
            from sklearn.linear_model import LogisticRegression

            pairs = sorted(counts)
            vectorizer = DictVectorizer()
            X = vectorizer.fit_transform(_word_features(w) for w, _ in pairs)
            model = LogisticRegression(C=self.C, max_iter=2000).fit(
                X, [label for _, label in pairs], sample_weight=[counts[p] for p in pairs]
            )
            self.weights = {name: float(w) for name, w in zip(vectorizer.feature_names_, model.coef_[0]) if w}
            self.bias = float(model.intercept_[0])
        self._cache: dict[str, float] = {}
        return self

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def word_probability(self, word: str) -> float:
        found = self._cache.get(word)
        if found is None:
            if word in _NOT_WORDS:
                found = 0.0
            else:
                z = self.bias + sum(self.weights.get(name, 0.0) for name in _word_features(word))
                found = 1.0 / (1.0 + math.exp(-z))
            if len(self._cache) < 500_000:
                self._cache[word] = found
        return found

    def table(self, vocabulary: list[str]) -> np.ndarray:
        """Probabilities for a whole vocabulary by id (id 0, the unknown word, is NaN)."""
        probabilities = np.array([self.word_probability(w) for w in vocabulary])
        probabilities[0] = np.nan
        return probabilities

    def probabilities(
        self, analysed: Analysed, vocabulary_ids: np.ndarray | None = None, table: np.ndarray | None = None
    ) -> np.ndarray:
        """Each token's probability of being loaded, computed once per distinct word. With a ``table``
        (``table(tokens)`` of a feature space) and ``vocabulary_ids`` (the batch's words' ids in it),
        known words are looked up and only the others computed."""
        vocabulary = analysed.vocabulary
        if table is None:
            per_word = np.fromiter(map(self.word_probability, vocabulary), dtype=float, count=len(vocabulary))
        else:
            per_word = table[vocabulary_ids]
            for k in np.flatnonzero(vocabulary_ids == 0).tolist():
                per_word[k] = self.word_probability(vocabulary[k])
        return per_word[analysed.word_index]


QUOTED, EDITORIAL = 1, 2


def loaded_spans(
    analysed: Analysed, probabilities: np.ndarray, labels: np.ndarray, threshold: float
) -> list[list[dict]]:
    """Loaded spans of a batch (``probabilities``: each token's), consistent with each paragraph's loaded
    label (0 none, 1 quoted, 2 editorial): none has no spans; quoted has the quoted words
    over the threshold, or else its best quoted word; editorial has every word over the
    threshold and, if none of them is editorial, its best editorial word too. Adjacent
    chosen words in the same voice join into one span."""
    texts, starts, ends, party, doc = analysed.texts, analysed.starts, analysed.ends, analysed.party, analysed.doc
    spans: list[list[dict]] = [[] for _ in texts]
    label = labels[doc]
    in_voice = np.where(label == QUOTED, party, ~party) & (label > 0)
    chosen = (probabilities >= threshold) & ((label == EDITORIAL) | ((label == QUOTED) & party))
    n = len(texts)
    short = (np.bincount(doc[in_voice], minlength=n) > 0) & (np.bincount(doc[chosen & in_voice], minlength=n) == 0)
    for k in np.flatnonzero(short).tolist():
        words = _words_of(doc, k, in_voice)
        best = words[np.argmax(probabilities[words])]
        if probabilities[best] > 0:
            chosen[best] = True
    picked = np.flatnonzero(chosen)
    if not len(picked):
        return spans
    fresh = np.ones(len(picked), dtype=bool)
    fresh[1:] = (
        (picked[1:] != picked[:-1] + 1)
        | (party[picked[1:]] != party[picked[:-1]])
        | (doc[picked[1:]] != doc[picked[:-1]])
    )
    firsts = picked[fresh]
    lasts = picked[np.append(np.flatnonzero(fresh)[1:] - 1, len(picked) - 1)]
    for k, start, end, quoted in zip(
        doc[firsts].tolist(), starts[firsts].tolist(), ends[lasts].tolist(), party[firsts].tolist()
    ):
        start, end = whole_words(texts[k], start, end)
        if spans[k] and start < spans[k][-1]["end"]:
            continue  # a hyphenated word already covered by the span before
        spans[k].append(
            {"start": start, "end": end, "text": texts[k][start:end], "voice": "quoted" if quoted else "editorial"}
        )
    return spans


_HYPHENS = "-\u2010\u2011"
_JOINED_AFTER = re.compile(f"(?:[{_HYPHENS}]\\w+)+")


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to whole hyphenated words: a span never cuts "self-defence" to "self"."""
    found = _JOINED_AFTER.match(text, end)
    if found:
        end = found.end()
    while start > 1 and text[start - 1] in _HYPHENS and text[start - 2].isalnum():
        start -= 1
        while start > 0 and text[start - 1].isalnum():
            start -= 1
    return start, end


def _words_of(doc: np.ndarray, k: int, mask: np.ndarray) -> np.ndarray:
    """Indices of paragraph k's words where ``mask`` holds (``doc`` is sorted)."""
    a, b = np.searchsorted(doc, k, side="left"), np.searchsorted(doc, k, side="right")
    return a + np.flatnonzero(mask[a:b])


def voice_evidence(
    doc: np.ndarray, party: np.ndarray, probabilities: np.ndarray, n: int, threshold: float
) -> np.ndarray:
    """Per paragraph and voice (flat token arrays of a batch): the highest word probability,
    the mean of the top three, and (log-scaled) how many words pass the threshold."""
    rows = np.zeros((n, len(EVIDENCE_FEATURES)))
    if not len(probabilities):
        return rows
    slot = doc * 2 + party.astype(np.int64)
    # Slot ascending, probability descending: one float key (slots 2 apart, probabilities in [0, 1])
    # sorts about 7x faster than np.lexsort on the two keys. Ties are equal values, so their
    # order changes nothing and the sort need not be stable.
    order = np.argsort(slot * 2.0 + (1.0 - probabilities))
    ranked_slot, ranked = slot[order], probabilities[order]
    first = np.searchsorted(ranked_slot, ranked_slot, side="left")
    top = (np.arange(len(order)) - first) < 3
    size = 2 * n
    best = np.zeros(size)
    best[ranked_slot[first == np.arange(len(order))]] = ranked[first == np.arange(len(order))]
    top_sum = np.bincount(ranked_slot[top], weights=ranked[top], minlength=size)
    top_count = np.bincount(ranked_slot[top], minlength=size)
    passing = np.bincount(slot, weights=(probabilities >= threshold).astype(float), minlength=size)
    mean_top = np.divide(top_sum, top_count, out=np.zeros(size), where=top_count > 0)
    counted = np.log1p(passing) / math.log(8)
    for k in (0, 1):
        rows[:, 3 * k] = best[k::2]
        rows[:, 3 * k + 1] = mean_top[k::2]
        rows[:, 3 * k + 2] = counted[k::2]
    return rows
