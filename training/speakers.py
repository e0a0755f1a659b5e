"""Fit the learned speaker scorer (``model.speakers``) on the attribution labels.

Every candidate phrase of every labelled paragraph (``labels/attributions/*.jsonl``, texts read
at run time: seed rows from ``labels/seed.jsonl``, real news from the corpus) is an example,
positive when it overlaps a labelled speaker. A logistic regression over the candidates'
indicator features gives the weights; ``model/speakers.json`` holds them as plain JSON.

The threshold (``THRESHOLD``) and the regularisation (``C``) were chosen on the development files
(``training.attribution_eval.DEVELOPMENT``), each read with a scorer fitted without it: the highest
speaker-side figure whose precision stays at or above 0.70 (``--thresholds`` prints that table
again; with the rules of 2026-12-04, C = 3 at 0.3 gave 0.799 at precision 0.708 and 0.4 gave 0.794
at 0.731; with the rules a few steps earlier, C = 1 at 0.3 gave 0.785 at 0.693 and at 0.4 0.774 at 0.722,
C = 10 matched C = 3, and C = 0.3 was lower throughout). Figures reported on the other
files use scorers fitted without the file measured (``cross_fitted``), so no paragraph is measured
by weights that saw its labels.

    python -m framing.training.speakers              (fit on every label file, write model/speakers.json)
    python -m framing.training.speakers --thresholds (the development files' figures by threshold)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

from framing.model import speakers
from framing.model.attribution import _paragraphs, _sentences
from framing.model.features import analyse_batch
from framing.model.sides import sides_by_dispute

THRESHOLD = 0.3
C = 3.0
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6)


def label_files(labels_dir: Path | None = None) -> list[Path]:
    from framing.training.attribution_eval import LABELS_DIR

    return sorted((labels_dir or LABELS_DIR).glob("*.jsonl"))


def candidate_rows(files: list[Path], corpus: Path | None = None) -> dict[str, list[tuple[list[str], int]]]:
    """Per label file, its candidates as (feature names, 1 if it overlaps a labelled speaker else 0)."""
    from framing.training.attribution_eval import _labelled_span, labelled_rows
    from framing.training.attribution_eval import _paragraphs as paragraph_texts

    paragraphs, sides = paragraph_texts(corpus), sides_by_dispute()
    out: dict[str, list[tuple[list[str], int]]] = {}
    for path in files:
        rows = out.setdefault(path.name, [])
        for row, paragraph, its_sides in labelled_rows(path, paragraphs, sides):
            if paragraph is None:
                continue
            found = next(_paragraphs(analyse_batch([paragraph["text"]], its_sides)))
            if found is None:
                continue
            tokens, text, starts, ends, party = found
            spans = [
                _labelled_span(text, label["speaker"], label.get("occurrence", 0))
                for label in row["attributions"]
                if label["speaker"]
            ]
            spans = [span for span in spans if span is not None]
            for first, last in _sentences(text, starts, ends):
                for a, b, names in speakers.candidates(tokens, text, starts, ends, party, first, last):
                    hit = any(start < ends[b - 1] and starts[a] < end for start, end in spans)
                    rows.append((names, int(hit)))
    return out


def fit(rows: list[tuple[list[str], int]], threshold: float = THRESHOLD, c: float = C) -> speakers.SpeakerScorer:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    X = vectorizer.fit_transform([dict.fromkeys(names, 1) for names, _ in rows])
    model = LogisticRegression(C=c, max_iter=3000).fit(X, [y for _, y in rows])
    weights = {
        name: round(float(w), 6) for name, w in zip(vectorizer.get_feature_names_out(), model.coef_[0]) if w != 0.0
    }
    return speakers.SpeakerScorer(weights, round(float(model.intercept_[0]), 6), threshold)


def cross_fitted(
    files: list[Path] | None = None, threshold: float = THRESHOLD, corpus: Path | None = None
) -> dict[str, speakers.SpeakerScorer]:
    """Per label file, a scorer fitted on the other files only (none for a file when the others have no
    paragraph to read, as without the corpus)."""
    rows = candidate_rows(files or label_files(), corpus)
    others = {name: [r for other, part in rows.items() if other != name for r in part] for name in rows}
    return {name: fit(examples, threshold) for name, examples in others.items() if examples}


_REMEMBERED: dict[str, dict[str, speakers.SpeakerScorer]] = {}


def cross_fitted_cached(
    files: list[Path] | None = None, corpus: Path | None = None
) -> dict[str, speakers.SpeakerScorer]:
    """``cross_fitted`` (default threshold), remembered for this process and kept on disk under
    ``$FRAMING_CACHE_DIR`` (default ``~/.cache/framing``): fitting them reads every labelled paragraph
    (about 20 s), and ``framing train`` needs them each time. Keyed by a SHA-256 over everything they
    come from (the label files, the corpus, the sides files and, by ``train.code_hash``, the model and
    training code), so a change to any of them fits them again; a cache that cannot be read or written is
    passed over."""
    from framing.paths import SIDES_DIR
    from framing.training.real_news import CORPUS_FILE, default_corpus_dir
    from framing.training.train import code_hash

    files = files or label_files()
    digest = hashlib.sha256(code_hash().encode())
    corpus_file = (corpus or default_corpus_dir()) / CORPUS_FILE
    for path in list(files) + [corpus_file] + sorted(SIDES_DIR.glob("*.toml")):
        digest.update(path.name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-"))
    key = digest.hexdigest()[:24]
    if key in _REMEMBERED:
        return _REMEMBERED[key]
    cache = Path(os.environ.get("FRAMING_CACHE_DIR") or Path.home() / ".cache" / "framing") / f"speakers-{key}.json"
    try:
        found = {name: speakers.SpeakerScorer.from_data(data) for name, data in json.loads(cache.read_text()).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        found = cross_fitted(files, corpus=corpus)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({name: s.to_data() for name, s in found.items()}), encoding="utf-8")
            tmp.replace(cache)
        except OSError:
            pass
    _REMEMBERED[key] = found
    return found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--thresholds", action="store_true", help="the development files' figures by threshold")
    parser.add_argument("--out", type=Path, default=speakers.WEIGHTS_FILE)
    args = parser.parse_args(argv)
    if args.thresholds:
        from framing.training.attribution_eval import DEVELOPMENT, LABELS_DIR, evaluate

        for threshold in THRESHOLDS:
            scorers = cross_fitted(threshold=threshold)
            figures = evaluate([LABELS_DIR / name for name in DEVELOPMENT], scorers=scorers)
            print(
                json.dumps(
                    {"threshold": threshold}
                    | {k: figures[k] for k in ("speaker_side", "targets", "recall", "precision")}
                )
            )
        return
    rows = candidate_rows(label_files())
    every = [r for part in rows.values() for r in part]
    fitted = fit(every)
    fitted.save(args.out)
    print(
        f"{len(every)} candidates ({sum(y for _, y in every)} speakers) from {len(rows)} label files; "
        f"{len(fitted.weights)} weights -> {args.out}"
    )


if __name__ == "__main__":
    main()
