"""Accuracy on outside data: BABE and the PTC (SemEval-2020 Task 11) corpus.

Both are read at run time from ``../shared/external`` (or ``$FRAMING_EXTERNAL_DIR``) and never
copied into the project. Each is treated as a user bringing their own labels: rows carrying
only the loaded-language label (with the marked words as spans) go through the project's own
training code (``FramingClassifier``), under the published protocol:

- BABE: stratified 5-fold CV (shuffle, seed 42), binary macro-F1, loaded vs none.
- PTC: sentence-level "contains Loaded_Language", 5-fold CV grouped by article.

Two baselines run on the same folds: TF-IDF word 1-2-grams + logistic regression, and a
lexicon rule (a sentence is loaded if it contains a word of Recasens et al.'s bias lexicon,
read from ``../shared/external/lexicons`` for comparison only).
"""

from __future__ import annotations

import csv
import json
import os
import re
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, StratifiedKFold

from framing.model.classifier import FramingClassifier, TrainingExample
from framing.model.quotes import party_regions, voice_at
from framing.model.sides import default_sides
from framing.paths import SHARED_DIR
from framing.training.metrics import span_figures

EXTERNAL = Path(os.environ.get("FRAMING_EXTERNAL_DIR", SHARED_DIR / "external"))
ANCHORS = {
    "babe": {"DA-RoBERTa": 0.814, "RoBERTa": 0.799, "BERT": 0.789, "XGBoost (features)": 0.57},
    "ptc": {"TF-IDF + LR (issue anchor)": 0.63},
}


class Unavailable(RuntimeError):
    """The outside data set is not on this machine."""


def _require(path: Path) -> Path:
    if not path.exists():
        raise Unavailable(
            f"{path} not found: the outside data sets live in ../shared/external "
            f"(or set FRAMING_EXTERNAL_DIR); skipping"
        )
    return path


def _row(text: str, words: list[tuple[int, int]], loaded: bool) -> dict:
    regions = party_regions(text)
    spans = [{"start": s, "end": e, "text": text[s:e], "voice": voice_at(regions, s, e)} for s, e in sorted(set(words))]
    spans = [s for i, s in enumerate(spans) if i == 0 or s["start"] >= spans[i - 1]["end"]]
    if not loaded:
        label = "none"
        spans = []
    else:
        label = "editorial" if any(s["voice"] == "editorial" for s in spans) or not spans else "quoted"
    return {"text": text, "loaded": label, "spans": spans, "binary": int(loaded)}


def load_babe() -> list[dict]:
    """BABE SG2: 3,673 sentences with an expert bias label; marked words become spans."""
    path = _require(EXTERNAL / "babe" / "babe_sg2_normalized.csv")
    rows = []
    with open(path, encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            if record["label"] not in ("0", "1"):
                continue
            text = record["text"]
            marked = json.loads(record["biased_words"] or "[]")
            found = []
            for word in marked:
                match = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE)
                if match:
                    found.append(match.span())
            rows.append(_row(text, found, record["label"] == "1") | {"marked": marked})
    return rows


def load_ptc() -> tuple[list[dict], list[str]]:
    """PTC train sentences: loaded if a Loaded_Language span overlaps; groups are articles."""
    base = _require(EXTERNAL / "ptc_semeval2020_t11")
    spans_by_article = defaultdict(list)
    with open(base / "train-task2-TC.labels", encoding="utf-8") as handle:
        for line in handle:
            article, technique, start, end = line.rstrip("\n").split("\t")
            if technique == "Loaded_Language":
                spans_by_article[article].append((int(start), int(end)))
    rows, groups = [], []
    with open(base / "ptc_train_sentences.csv", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            text = record["text"]
            if not text.strip():
                continue
            lo = int(record["char_start"])
            words = [
                (max(0, s - lo), min(len(text), e - lo))
                for s, e in spans_by_article[record["article_id"]]
                if s < lo + len(text) and e > lo
            ]
            words = [(s, e) for s, e in words if e > s]
            rows.append(_row(text, words, record["loaded_language"] == "1"))
            groups.append(record["article_id"])
    return rows, groups


def bias_lexicon() -> set[str]:
    path = _require(EXTERNAL / "lexicons" / "recasens2013" / "bias-lexicon.txt")
    return {
        w.strip().lower()
        for w in path.read_text(encoding="latin-1").splitlines()
        if w.strip() and not w.startswith("#")
    }


_WORD = re.compile(r"\w+")


def _ours(train: list[dict], test: list[dict], params: dict) -> tuple[list[int], list[list[dict]], float]:
    sides = default_sides()
    model = FramingClassifier(**params).fit(
        [TrainingExample(r["text"], sides, None, r["loaded"], r["spans"]) for r in train]
    )
    started = time.perf_counter()
    results = model.score([r["text"] for r in test], sides)
    seconds = time.perf_counter() - started
    return [int(r["loaded"]["label"] != "none") for r in results], [r["loaded"]["spans"] for r in results], seconds


def _tfidf(train: list[dict], test: list[dict]) -> tuple[list[int], float]:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    model = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    model.fit(vectorizer.fit_transform([r["text"] for r in train]), [r["binary"] for r in train])
    started = time.perf_counter()
    predicted = model.predict(vectorizer.transform([r["text"] for r in test])).tolist()
    return predicted, time.perf_counter() - started


def _lexicon_rule(test: list[dict], lexicon: set[str]) -> tuple[list[int], float]:
    started = time.perf_counter()
    predicted = [int(any(w in lexicon for w in _WORD.findall(r["text"].lower()))) for r in test]
    return predicted, time.perf_counter() - started


def _evaluate(rows: list[dict], folds, params: dict) -> dict:
    truth = np.array([r["binary"] for r in rows])
    ours, tfidf = np.zeros(len(rows), dtype=int), np.zeros(len(rows), dtype=int)
    spans: list = [None] * len(rows)
    seconds = {"ours": 0.0, "tfidf": 0.0, "lexicon": 0.0}
    lexicon = bias_lexicon()
    for train_index, test_index in folds:
        train, test = [rows[i] for i in train_index], [rows[i] for i in test_index]
        predicted, predicted_spans, t = _ours(train, test, params)
        ours[test_index] = predicted
        seconds["ours"] += t
        for i, s in zip(test_index, predicted_spans):
            spans[i] = s
        predicted, t = _tfidf(train, test)
        tfidf[test_index] = predicted
        seconds["tfidf"] += t
    rule, seconds["lexicon"] = _lexicon_rule(rows, lexicon)
    loaded_rows = [i for i, r in enumerate(rows) if r["binary"]]
    return {
        "rows": len(rows),
        "macro_f1": {
            "framing": round(f1_score(truth, ours, average="macro"), 4),
            "tfidf_lr": round(f1_score(truth, tfidf, average="macro"), 4),
            "lexicon_rule": round(f1_score(truth, rule, average="macro"), 4),
        },
        "weighted_f1_framing": round(f1_score(truth, ours, average="weighted"), 4),
        "span_f1_framing": span_figures([rows[i]["spans"] for i in loaded_rows], [spans[i] for i in loaded_rows]),
        "sentences_per_second": {name: round(len(rows) / s, 1) if s else None for name, s in seconds.items()},
    }


def run_babe(params: dict, quick: bool = False) -> dict:
    rows = load_babe()
    if quick:
        rows = rows[:600]
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
    folds = list(splitter.split(np.zeros(len(rows)), [r["binary"] for r in rows]))
    figures = _evaluate(rows, folds, params)
    figures["anchors"] = ANCHORS["babe"]
    return figures


def run_babe_out_of_domain(loaded_model, quick: bool = False) -> dict:
    """The shipped model, trained only on the project's labels, on all of BABE."""
    rows = load_babe()
    if quick:
        rows = rows[:600]
    results = loaded_model.classifier.score([r["text"] for r in rows], default_sides(), loaded_model.version)
    predicted = [int(r["loaded"]["label"] != "none") for r in results]
    truth = [r["binary"] for r in rows]
    loaded_rows = [i for i, r in enumerate(rows) if r["binary"]]
    return {
        "rows": len(rows),
        "macro_f1": round(f1_score(truth, predicted, average="macro"), 4),
        "span_f1": span_figures(
            [rows[i]["spans"] for i in loaded_rows], [results[i]["loaded"]["spans"] for i in loaded_rows]
        ),
    }


def run_ptc(params: dict, quick: bool = False) -> dict:
    rows, groups = load_ptc()
    if quick:
        keep = sorted(set(groups))[:40]
        chosen = [i for i, g in enumerate(groups) if g in keep]
        rows, groups = [rows[i] for i in chosen], [groups[i] for i in chosen]
    folds = list(GroupKFold(n_splits=5).split(np.zeros(len(rows)), groups=groups))
    figures = _evaluate(rows, folds, params)
    figures["anchors"] = ANCHORS["ptc"]
    figures["articles"] = len(set(groups))
    return figures


if __name__ == "__main__":
    import sys

    from framing.training.train import DEFAULT_PARAMS

    quick = "--quick" in sys.argv
    print(json.dumps({"babe": run_babe(DEFAULT_PARAMS, quick)}, indent=1))
    if "--babe-only" not in sys.argv:
        print(json.dumps({"ptc": run_ptc(DEFAULT_PARAMS, quick)}, indent=1))
