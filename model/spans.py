"""Loaded-language spans: which words in a paragraph are loaded, and in whose voice.

A token-level logistic regression over context-free features of a word (the word, its
ending, its VADER valence and TextBlob subjectivity bands, intensifier, hyphenation)
learns from the labelled spans. Because the features are context-free, the fitted model
is a table from word to probability, computed once per word and cached, which keeps
span finding cheap. Adjacent loaded tokens join into one span; a span's voice is
``quoted`` inside quotes or attributed speech, else ``editorial``.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from model.features import ParagraphView
from model.lexicon import boosters, word_strength
from model.sides import SIDE_A, SIDE_B, THIRD

_NOT_WORDS = {SIDE_A, SIDE_B, THIRD}


def _word_features(word: str) -> dict[str, float]:
    valence, subjectivity = word_strength(word)
    features = {f"w={word}": 1.0, f"suf={word[-3:]}": 1.0, f"v={min(4, int(valence * 4))}": 1.0,
                f"s={int(subjectivity * 4)}": 1.0, "bias": 1.0}
    if word in boosters():
        features["booster"] = 1.0
    if "-" in word:
        features["hyphen"] = 1.0
    if word.isdigit():
        features["digit"] = 1.0
    return features


class SpanTagger:
    def __init__(self, C: float = 1.0, threshold: float = 0.5):
        self.C = C
        self.threshold = threshold

    def fit(self, views: list[ParagraphView], span_lists: list[list[dict]]) -> "SpanTagger":
        words, labels = [], []
        for view, spans in zip(views, span_lists):
            bounds = sorted((s["start"], s["end"]) for s in spans)
            for token, (start, end) in zip(view.tokens, view.offsets):
                if token in _NOT_WORDS:
                    continue
                words.append(token)
                labels.append(any(s < end and start < e for s, e in bounds))
        self.vectorizer = DictVectorizer()
        X = self.vectorizer.fit_transform(_word_features(w) for w in words)
        self.model = LogisticRegression(C=self.C, max_iter=2000)
        self.model.fit(X, labels)
        self._cache: dict[str, float] = {}
        return self

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def word_probability(self, word: str) -> float:
        if word in _NOT_WORDS:
            return 0.0
        found = self._cache.get(word)
        if found is None:
            X = self.vectorizer.transform([_word_features(word)])
            found = float(self.model.predict_proba(X)[0, 1])
            if len(self._cache) < 200_000:
                self._cache[word] = found
        return found

    def token_probabilities(self, view: ParagraphView) -> np.ndarray:
        return np.array([self.word_probability(t) for t in view.tokens])

    def spans(self, text: str, view: ParagraphView, voice: str | None = None) -> list[dict]:
        """Loaded spans of the paragraph; with ``voice``, only that voice, and at least its best token."""
        probs = self.token_probabilities(view)
        allowed = [voice is None or (("quoted" if p else "editorial") == voice) for p in view.party]
        chosen = [p >= self.threshold and ok for p, ok in zip(probs, allowed)]
        if voice is not None and not any(chosen) and any(allowed):
            best = max((i for i, ok in enumerate(allowed) if ok), key=lambda i: probs[i])
            if probs[best] > 0:
                chosen[best] = True
        found, i = [], 0
        while i < len(chosen):
            if not chosen[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(chosen) and chosen[j + 1] and view.party[j + 1] == view.party[i]:
                j += 1
            start, end = view.offsets[i][0], view.offsets[j][1]
            found.append({"start": start, "end": end, "text": text[start:end],
                          "voice": "quoted" if view.party[i] else "editorial",
                          "score": round(float(probs[i:j + 1].max()), 3)})
            i = j + 1
        return found
