"""In-process speed, latency, load time, size and memory, beside two baselines in the same run.

Throughput is measured in a child process pinned to one core (``sched_setaffinity``), on
real labelled paragraphs of 40-80 words, scored in batches of 256. The baselines are a
TF-IDF word 1-2-gram + logistic regression classifier (fitted on the same labels) and a
lexicon rule (VADER valence), timed on the same paragraphs in the same child.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from framing.paths import PROJECT_ROOT

_CHILD = r"""
import json, os, re, sys, time
import numpy as np
os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
from framing.model.labels import load_corpus
from framing.model.sides import default_sides
from framing.model.store import load_current, store_dir
from framing.model.lexicon import vader_valence
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

n_target, rounds = int(sys.argv[1]), int(sys.argv[2])
started = time.perf_counter()
model = load_current(store_dir(None))
load_seconds = time.perf_counter() - started
rows = load_corpus(os.path.join(sys.argv[3], "labels")).rows
texts = [r["text"] for r in rows if 40 <= len(r["text"].split()) <= 80]
words = float(np.mean([len(t.split()) for t in texts]))
corpus = (texts * (n_target // len(texts) + 1))[:n_target]
sides = default_sides()
classifier = model.classifier
classifier.score(corpus[:256], sides, model.version)

def timed(function):
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - t)
    return best

def ours():
    for i in range(0, len(corpus), 256):
        classifier.score(corpus[i:i + 256], sides, model.version)

ours_seconds = timed(ours)
peak_scoring = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
latencies = []
for text in texts[:400]:
    t = time.perf_counter()
    classifier.score([text], sides, model.version)
    latencies.append(time.perf_counter() - t)

labels = [int(r.get("loaded", "none") != "none") for r in rows if "loaded" in r.data]
vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
texts = [r["text"] for r in rows if "loaded" in r.data]
baseline = LogisticRegression(max_iter=2000).fit(vectorizer.fit_transform(texts), labels)
def tfidf():
    for i in range(0, len(corpus), 256):
        baseline.predict_proba(vectorizer.transform(corpus[i:i + 256]))
tfidf_seconds = timed(tfidf)
valence = vader_valence()
word = re.compile(r"\w+")
def lexicon():
    for text in corpus:
        any(abs(valence.get(w, 0.0)) >= 2 for w in word.findall(text.lower()))
lexicon_seconds = timed(lexicon)
print(json.dumps({
    "paragraphs": len(corpus), "mean_words": round(words, 1),
    "framing_per_second": round(len(corpus) / ours_seconds, 1),
    "tfidf_lr_per_second": round(len(corpus) / tfidf_seconds, 1),
    "lexicon_rule_per_second": round(len(corpus) / lexicon_seconds, 1),
    "single_latency_ms": {"p50": round(1000 * float(np.percentile(latencies, 50)), 3),
                          "p99": round(1000 * float(np.percentile(latencies, 99)), 3)},
    "model_load_seconds": round(load_seconds, 3),
    "peak_rss_mb": round(peak_scoring, 1),
}))
"""


def run(quick: bool = False) -> dict:
    n, rounds = (3000, 1) if quick else (20000, 3)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n), str(rounds), str(PROJECT_ROOT)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    from framing.model.store import current_version, store_dir

    store = store_dir(None)
    artifact = store / current_version(store) / "model.joblib"
    figures["artifact_bytes"] = artifact.stat().st_size
    return figures


if __name__ == "__main__":
    started = time.perf_counter()
    print(json.dumps(run("--quick" in sys.argv), indent=1), f"({time.perf_counter() - started:.1f} s)")
