"""Which paragraphs to label next: the ones a label would teach the model most.

``rank`` orders scored paragraphs (each with the model's probabilities) by how unsure the
model is of them and keeps the queue varied:

- **uncertainty**: for each head, 1 minus the margin between its two likeliest labels; the
  paragraph's score is the mean of the two heads' uncertainties;
- **disagreement**: a paragraph whose direction head is sure of blame while the loaded head
  calls it neutral, or the reverse, gets a bonus (such paragraphs are where the two heads'
  evidence conflicts, and their labels fix one head or the other);
- **spread**: picked greedily, each pick lowering the score of the rest from the same outlet
  and dispute, so that the queue covers the user's outlets rather than one noisy source;
- **no near-duplicates**: a paragraph sharing most of its word 5-grams with one already
  picked (wire copy republished by several outlets) is passed over, as is one already labelled.

``simulate`` measures the claim on the real-news corpus: a model trained without real news
labels paragraphs of half the outlets in rounds, chosen by ``rank`` or at random, and is
scored after 100, 200 and 400 labels on the other half of the outlets (never seen).

    framing suggest SOURCE --n 50 --out queue.jsonl    (SOURCE: a folder of articles or a score-folder result)
    python -m framing.training.suggest --simulate [--seeds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time

import numpy as np

DIRECTION_KEYS = 4
_WORD = re.compile(r"\w+")
SPREAD_PENALTY = 0.15
DUPLICATE_OVERLAP = 0.6


def _margin_uncertainty(p: np.ndarray) -> np.ndarray:
    top = np.sort(p, axis=1)[:, ::-1]
    return 1.0 - (top[:, 0] - top[:, 1])


def uncertainty(direction_p: np.ndarray, loaded_p: np.ndarray, direction_weight: float = 0.5) -> np.ndarray:
    """Per paragraph: how much a label would teach (see the module docstring), in [0, 1.25]."""
    direction_p, loaded_p = np.asarray(direction_p, dtype=float), np.asarray(loaded_p, dtype=float)
    score = direction_weight * _margin_uncertainty(direction_p) + (1 - direction_weight) * _margin_uncertainty(loaded_p)
    blame = direction_p[:, 0] + direction_p[:, 1]  # A->B + B->A
    charged = loaded_p[:, 1] + loaded_p[:, 2]  # quoted + editorial
    disagreement = np.abs(blame - charged) * np.minimum(np.maximum(blame, charged), 1.0)
    return score + 0.25 * disagreement


def normalised(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _shingles(text: str, n: int = 5) -> frozenset:
    words = normalised(text).split()
    return frozenset(" ".join(words[i : i + n]) for i in range(max(len(words) - n + 1, 1)))


def density(texts: list[str]) -> np.ndarray:
    """How typical each paragraph is of the candidates: its mean TF-IDF cosine similarity to them,
    scaled to [0, 1] (an outlier teaches less about the outlets being labelled)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < 2:
        return np.ones(len(texts))
    X = TfidfVectorizer(sublinear_tf=True, min_df=2, stop_words="english").fit_transform(texts)
    mean = np.asarray(X.mean(axis=0)).ravel()
    similarity = X @ mean
    top = similarity.max()
    return similarity / top if top > 0 else np.ones(len(texts))


def rank(
    items: list[dict],
    direction_p,
    loaded_p,
    n: int,
    labelled_texts: set[str] | None = None,
    direction_weight: float = 0.5,
    typical: float = 0.0,
    balance: bool = False,
) -> list[int]:
    """Indices of up to ``n`` items to label, best first. Each item has ``text`` and optionally
    ``outlet`` and ``dispute``; the probabilities are the model's, one row per item. ``typical``
    > 0 weighs uncertainty by ``density`` to that power."""
    labelled = labelled_texts or set()
    base = uncertainty(direction_p, loaded_p, direction_weight)
    if typical:
        base = base * density([item["text"] for item in items]) ** typical
    if balance:  # round-robin over the predicted classes, so rare ones come up early
        group = np.asarray(direction_p).argmax(axis=1) * 3 + np.asarray(loaded_p).argmax(axis=1)
        position = np.zeros(len(items))
        for g in np.unique(group):
            members = np.flatnonzero(group == g)
            position[members[np.argsort(-base[members], kind="stable")]] = np.arange(len(members))
        base = 1.0 / (1.0 + position) + 1e-3 * base
    order = np.argsort(-base, kind="stable")
    picked: list[int] = []
    seen: list[frozenset] = []
    outlets: dict[str, int] = {}
    disputes: dict[str, int] = {}
    candidates = [int(i) for i in order if normalised(items[i]["text"]) not in labelled]
    while candidates and len(picked) < n:
        best, best_score = None, -1.0
        for i in candidates[: max(4 * n, 200)]:
            item = items[i]
            score = base[i] / (
                1
                + SPREAD_PENALTY
                * (outlets.get(item.get("outlet") or "", 0) + disputes.get(item.get("dispute") or "", 0) / 4)
            )
            if score > best_score:
                best, best_score = i, score
        candidates.remove(best)
        words = _shingles(items[best]["text"])
        if any(len(words & other) > DUPLICATE_OVERLAP * min(len(words), len(other)) for other in seen):
            continue
        picked.append(best)
        seen.append(words)
        outlet, dispute = items[best].get("outlet") or "", items[best].get("dispute") or ""
        outlets[outlet] = outlets.get(outlet, 0) + 1
        disputes[dispute] = disputes.get(dispute, 0) + 1
    return picked


def queue_row(item: dict, result: dict, why: float) -> dict:
    """A queue line: the paragraph, where it comes from, and the model's guess to start from."""
    key = hashlib.sha256(f"{item.get('path')}\0{item.get('paragraph')}\0{item['text']}".encode()).hexdigest()
    sides = result.get("sides") or {}
    return {
        "id": f"q-{key[:16]}",
        "text": item["text"],
        "outlet": item.get("outlet"),
        "path": item.get("path"),
        "paragraph": item.get("paragraph"),
        "dispute": sides.get("dispute"),
        "sides": sides.get("names"),
        "guess": {
            "direction": result["direction"]["label"],
            "loaded": result["loaded"]["label"],
            "spans": result["loaded"]["spans"],
            "direction_probabilities": result["direction"]["probabilities"],
            "loaded_probabilities": result["loaded"]["probabilities"],
        },
        "uncertainty": round(float(why), 4),
    }


def probabilities(results: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """The two heads' probabilities of contract results, in each result's own key order."""
    direction = np.array([list(r["direction"]["probabilities"].values()) for r in results], dtype=float)
    loaded = np.array([list(r["loaded"]["probabilities"].values()) for r in results], dtype=float)
    return direction.reshape(len(results), DIRECTION_KEYS), loaded.reshape(len(results), 3)


# --------------------------------------------------------------------------- a queue from a folder or results

MAX_CANDIDATES = 5000  # the most uncertain paragraphs considered for spread and density


class SuggestError(Exception):
    """A queue cannot be made; the message says why."""


def labelled_texts(labels_dir) -> set[str]:
    """The normalised text of every labelled paragraph in ``labels_dir`` (never suggested again)."""
    from framing.model.labels import load_corpus

    return {normalised(row["text"]) for row in load_corpus(labels_dir).rows if isinstance(row.get("text"), str)}


def from_rows(rows, n: int, labelled: set[str] | None = None, **options) -> list[dict]:
    """A queue from scoring results with their paragraphs (score-folder rows: ``text``, ``outlet``,
    ``path``, ``paragraph``, ``direction``, ``loaded``, ``sides``). Paragraphs too short to judge or
    naming no known side are left out."""
    usable = [
        r
        for r in rows
        if isinstance(r, dict) and not r.get("too_short") and not r.get("warning") and isinstance(r.get("text"), str)
    ]
    if not usable:
        return []
    direction_p, loaded_p = probabilities(usable)
    base = uncertainty(direction_p, loaded_p)
    keep = np.argsort(-base, kind="stable")[:MAX_CANDIDATES]
    usable = [usable[k] for k in keep]
    items = [
        {
            "text": r["text"],
            "outlet": r.get("outlet"),
            "dispute": (r.get("sides") or {}).get("dispute"),
            "path": r.get("path"),
            "paragraph": r.get("paragraph"),
        }
        for r in usable
    ]
    picked = rank(items, direction_p[keep], loaded_p[keep], n, labelled, **{**RANK_OPTIONS, **options})
    return [queue_row(items[k], usable[k], base[keep][k]) for k in picked]


def suggest(source, n: int, labels_dir=None, model_dir=None, sides=None, progress: bool = False) -> list[dict]:
    """A queue of ``n`` paragraphs from ``source``: a folder of articles (scored first, as
    score-folder does) or a score-folder result (.jsonl or .csv)."""
    import tempfile
    from pathlib import Path

    from framing.service.report import ReportError, read_results
    from framing.training.data import DEFAULT_LABELS

    source = Path(source)
    labelled = labelled_texts(Path(labels_dir) if labels_dir else DEFAULT_LABELS)
    if source.is_dir():
        from framing.service.batch import score_folder

        with tempfile.TemporaryDirectory() as scratch:
            scored = Path(scratch) / "scored.jsonl"
            score_folder(source, scored, sides=sides, model_dir=model_dir, progress=progress)
            return from_rows(read_results(scored), n, labelled)
    if not source.exists():
        raise SuggestError(f"{source} does not exist")
    try:
        return from_rows(read_results(source), n, labelled)
    except ReportError as exc:
        raise SuggestError(str(exc)) from None


def write_queue(queue: list[dict], out) -> None:
    """Write the queue as JSON Lines, atomically (a crash leaves the old file or the new one)."""
    import os
    from pathlib import Path

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        for row in queue:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(out)


# --------------------------------------------------------------------------- the simulation

STEPS = (100, 200, 400)
RANK_OPTIONS = {
    "direction_weight": 0.5,
    "typical": 1.0,
    "balance": True,
}  # chosen with --development (see BENCHMARKS.md)
ROUND = 50


def development_half(outlet: str) -> bool:
    """A second, independent split of outlets (another byte of the SHA-256), for choosing how to rank
    without looking at the outlets the simulation reports on."""
    return hashlib.sha256(outlet.encode("utf-8")).digest()[1] % 2 == 0


def simulate(
    seeds: int = 5,
    steps=STEPS,
    jobs: int = 2,
    log=print,
    development: bool = False,
    options: dict | None = None,
    oracle: bool = False,
) -> dict:
    """Macro-F1 on unseen outlets after labelling ``steps`` paragraphs chosen by ``rank`` or at random.
    ``development``: both pool and test come from the half of the outlets that is never reported on
    (split again by ``development_half``), for choosing ``rank``'s ``options``. ``oracle`` adds a
    third strategy that peeks at the labels (``_oracle_picks``): the headroom any ranking has."""
    from joblib import Parallel, delayed

    from framing.model.classifier import FramingClassifier
    from framing.training.data import load_dataset
    from framing.training.train import DEFAULT_MIX, apply_mix
    from framing.training.tune import tuning_half

    dataset = load_dataset()
    apply_mix(dataset, DEFAULT_MIX)
    analysed = FramingClassifier.analyse(dataset.examples)
    votes = FramingClassifier.votes(dataset.examples)  # once: each fit takes its rows' (the text head is ranked)
    real = [i for i, origin in enumerate(dataset.origins) if origin == "real-news"]
    base = [i for i, origin in enumerate(dataset.origins) if origin != "real-news"]
    pool = [i for i in real if tuning_half(dataset.rows[i]["outlet"])]
    test = [i for i in real if not tuning_half(dataset.rows[i]["outlet"])]
    if development:
        test = [i for i in pool if not development_half(dataset.rows[i]["outlet"])]
        pool = [i for i in pool if development_half(dataset.rows[i]["outlet"])]
        steps = tuple(s for s in steps if s < len(pool))
    options = {**RANK_OPTIONS, **(options or {})}
    strategies = ("suggest", "random") + (("oracle",) if oracle else ())
    runs = [
        delayed(_run)(dataset, (analysed, votes), base, pool, test, strategy, seed, steps, options)
        for strategy in strategies
        for seed in range(seeds)
    ]
    started = time.perf_counter()
    done = Parallel(n_jobs=jobs)(runs)
    figures: dict = {"pool": len(pool), "test": len(test), "steps": list(steps), "seeds": seeds, "runs": done}
    for strategy in strategies:
        mine = [r for r in done if r["strategy"] == strategy]
        figures[strategy] = {
            str(step): {
                head: round(float(np.mean([r["by_step"][str(step)][head] for r in mine])), 4)
                for head in ("direction", "loaded", "mean")
            }
            | {"mean_sd": round(float(np.std([r["by_step"][str(step)]["mean"] for r in mine])), 4)}
            for step in steps
        }
    figures["start"] = done[0]["start"]
    figures["seconds"] = round(time.perf_counter() - started, 1)
    log(json.dumps({k: figures[k] for k in ("start", *strategies)}, indent=1))
    return figures


def _scores(classifier, dataset, analysed, rows):
    from framing.model.classifier import DIRECTIONS, LOADED
    from framing.model.results import direction_index
    from framing.training.metrics import classification_figures

    direction_p, loaded_p = classifier.predict_proba(analysed.take(rows))
    truth_d = [dataset.examples[i].direction for i in rows]
    truth_l = [dataset.examples[i].loaded for i in rows]
    d = classification_figures(truth_d, [DIRECTIONS[k] for k in direction_index(direction_p)], DIRECTIONS)["macro_f1"]
    l = classification_figures(truth_l, [LOADED[k] for k in loaded_p.argmax(1)], LOADED)["macro_f1"]
    return {"direction": round(d, 4), "loaded": round(l, 4), "mean": round((d + l) / 2, 4)}, direction_p, loaded_p


def _oracle_picks(classifier, dataset, analysed, remaining: list[int], take: int, rng) -> list[int]:
    """Peeks at the true labels: the paragraphs the current model gets wrong (both heads wrong
    first, then one), in random order. No real queue can do better by uncertainty alone, so this
    bounds what any ranking of the model's doubts can gain over random picks."""
    from framing.model.classifier import DIRECTIONS, LOADED
    from framing.model.results import direction_index

    direction_p, loaded_p = classifier.predict_proba(analysed.take(remaining))
    wrong = np.array(
        [
            (dataset.examples[i].direction != DIRECTIONS[d]) + (dataset.examples[i].loaded != LOADED[l])
            for i, d, l in zip(remaining, direction_index(direction_p), loaded_p.argmax(1))
        ]
    )
    order = np.lexsort((rng.random(len(remaining)), -wrong))
    return [remaining[k] for k in order[:take]]


def _run(dataset, read, base, pool, test, strategy: str, seed: int, steps, options: dict) -> dict:
    """One simulated labelling run; ``read``: every example's ``analyse`` batch and ``votes``."""
    from framing.model.classifier import FramingClassifier
    from framing.training.train import DEFAULT_PARAMS

    analysed, votes = read

    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    remaining = list(pool)
    by_step = {}
    start = None
    while len(chosen) < max(steps):
        rows = base + chosen
        needed = strategy != "random" or len(chosen) in steps or start is None
        classifier = (
            FramingClassifier(**DEFAULT_PARAMS).fit(
                [dataset.examples[i] for i in rows], analysed=analysed.take(rows), votes=votes[rows]
            )
            if needed
            else None
        )
        if len(chosen) in steps or start is None:
            figures, _, _ = _scores(classifier, dataset, analysed, test)
            if start is None:
                start = figures
            if len(chosen) in steps:
                by_step[str(len(chosen))] = figures
        take = min(ROUND, max(steps) - len(chosen))
        if strategy == "random" or not chosen:  # the first round is random for all: the seed's own start
            picks = [remaining[k] for k in rng.choice(len(remaining), size=take, replace=False)]
        elif strategy == "oracle":
            picks = _oracle_picks(classifier, dataset, analysed, remaining, take, rng)
        else:
            direction_p, loaded_p = classifier.predict_proba(analysed.take(remaining))
            items = [
                {
                    "text": dataset.examples[i].text,
                    "outlet": dataset.rows[i]["outlet"],
                    "dispute": dataset.rows[i].get("dispute"),
                }
                for i in remaining
            ]
            picks = [remaining[k] for k in rank(items, direction_p, loaded_p, take, **options)]
        chosen += picks
        taken = set(picks)
        remaining = [i for i in remaining if i not in taken]
    rows = base + chosen
    classifier = FramingClassifier(**DEFAULT_PARAMS).fit(
        [dataset.examples[i] for i in rows], analysed=analysed.take(rows), votes=votes[rows]
    )
    by_step[str(len(chosen))] = _scores(classifier, dataset, analysed, test)[0]
    return {"strategy": strategy, "seed": seed, "start": start, "by_step": by_step}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulate", action="store_true", help="suggest against random on the real-news corpus")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", help="write the figures as JSON here")
    parser.add_argument("--development", action="store_true", help="pool and test both from the unreported half")
    parser.add_argument("--oracle", action="store_true", help="also pick the model's errors, peeking at the labels")
    parser.add_argument("--options", type=json.loads, default=None, help='rank options as JSON, e.g. {"typical": 1}')
    args = parser.parse_args(argv)
    if not args.simulate:
        parser.error("use --simulate (framing suggest makes a queue)")
    figures = simulate(
        args.seeds, jobs=args.jobs, development=args.development, options=args.options, oracle=args.oracle
    )
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=1)


if __name__ == "__main__":
    main()
