"""Training time against corpus size: the real ``train`` path on 1k, 5k and 10k paragraphs.

The project has about 750 labelled paragraphs, so larger corpora are made for timing only:
each synthetic row is a labelled row with one sentence of another row appended (its labels
and span offsets stay valid, every text is new). They are never used to judge accuracy.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from framing.model.labels import load_corpus
from framing.training.data import DEFAULT_LABELS
from framing.training.train import train

_SENTENCE = re.compile(r"[^.!?]+[.!?]")


def synthetic_labels(size: int, target: Path, seed: int = 0) -> Path:
    corpus = load_corpus(DEFAULT_LABELS)
    rows = [r.data for r in corpus.rows]
    sentences = [m.group().strip() for r in rows for m in _SENTENCE.finditer(r["text"])]
    rng = random.Random(seed)
    (target / "sides").mkdir(parents=True)
    for path in (DEFAULT_LABELS / "sides").glob("*.toml"):
        shutil.copy(path, target / "sides")
    with open(target / "synthetic.jsonl", "w", encoding="utf-8") as handle:
        for i in range(size):
            base = dict(rows[i % len(rows)])
            base.update(id=f"synthetic-{i}", text=f"{base['text']} {rng.choice(sentences)} ({i})")
            handle.write(json.dumps(base, ensure_ascii=False) + "\n")
    return target


def run(quick: bool = False) -> dict:
    sizes = (1000,) if quick else (1000, 5000, 10000)
    figures = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            labels = synthetic_labels(size, Path(tmp) / "labels")
            started = time.perf_counter()
            train(labels, Path(tmp) / "store", folds=5)
            figures[str(size)] = round(time.perf_counter() - started, 2)
    return {"seconds_by_rows": figures, "includes": "validation, 5-fold grouped CV, final fit, symmetry, save"}


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=1))
