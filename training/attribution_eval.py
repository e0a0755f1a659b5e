"""How well ``model.attribution`` finds who speaks, for which side, and whom they blame.

Reads the attribution labels (``labels/attributions/*.jsonl``; see its README), the paragraph
texts (seed rows from ``labels/seed.jsonl``, real-news ids from the corpus, read at run time)
and each paragraph's preceding paragraphs in its article as context, and compares:

- **speaker side**: of the labelled attributions with a speaker in the paragraph, the share
  that a found attribution matches (speaker words overlapping) with the same side; unmatched
  ones count as wrong;
- **targets**: of the same, the share matched with exactly the labelled target sides;
- **precision**: of the found attributions, the share whose speaker words overlap a labelled one.

A labelled speaker matches a found one whose words overlap it, or that names the same person
elsewhere in the paragraph ("Mohsin Naqvi, speaking at the site, alleged ... Naqvi said").
``DEVELOPMENT`` (``real-news-part1.jsonl`` … ``part8.jsonl`` and ``seed.jsonl``) is the
development set: the rules and the scorer's threshold were shaped on it. The figures reported are
on the other files (``real-news-part9.jsonl`` … ``part14.jsonl``), whose errors are never read
while changing the rules (only their totals, after each round).

    python -m framing.training.attribution_eval [--files real-news-part2.jsonl ...]
    python -m framing.training.attribution_eval --direction-votes [--labelled]
    python -m framing.training.attribution_eval --agreement

``--agreement`` scores a second, independent reading of the same paragraphs
(``labels/attributions/pass_b/``, same file names) against the first, exactly as the model is scored:
the ceiling the speaker-side and target figures can be held to.

``--direction-votes`` measures whether the statements' blame votes (``blame_votes``: a side's
statement that accuses, blames or condemns the other) improve the direction head on real news
held out by outlet: the out-of-fold direction scores of ``framing train``'s cross-validation
plus ``weight`` x each direction's votes, the weight chosen on half of the outlets
(``training.tune.tuning_half``) and reported on the other half; and as a reversal fixer (an A->B
guess that only B's statements contradict becomes B->A, and back). ``--labelled`` takes the votes
from the attribution labels (every real-news paragraph has a reading) instead: what perfect
attributions could add to the direction head. ``stacked``: a logistic regression over the scores and
the votes, fitted on the tuning half (mirrored, so swap-symmetric) and scored on the other half.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
from pathlib import Path

from framing.model.attribution import merged, read_context, statements_of
from framing.model.features import analyse_batch
from framing.model.sides import sides_by_dispute
from framing.paths import DEFAULT_LABELS
from framing.training.real_news import CORPUS_FILE, default_corpus_dir

LABELS_DIR = DEFAULT_LABELS / "attributions"
DEVELOPMENT = tuple(f"real-news-part{k}.jsonl" for k in range(1, 9)) + ("seed.jsonl",)
CONTEXT_PARAGRAPHS = 8


def _paragraphs(corpus: Path | None) -> dict[str, dict]:
    """id -> {text, dispute, article, order} for seed rows and (if the corpus is there) real news."""
    found = {}
    for line in (DEFAULT_LABELS / "seed.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        found[row["id"]] = {
            "text": row["text"],
            "dispute": row["dispute"],
            "article": row["article"],
            "order": row["paragraph"],
        }
    path = (corpus or default_corpus_dir()) / CORPUS_FILE
    if path.is_file():
        for k, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            row = json.loads(line)
            found[row["id"]] = {"text": row["text"], "dispute": row["dispute"], "article": row["url"], "order": k}
    return found


def _context(paragraphs: dict[str, dict], target: dict) -> list[str]:
    before = sorted(
        (p for p in paragraphs.values() if p["article"] == target["article"] and p["order"] < target["order"]),
        key=lambda p: p["order"],
    )
    return [p["text"] for p in before[-CONTEXT_PARAGRAPHS:]]


def _labelled_span(text: str, speaker: str, occurrence: int) -> tuple[int, int] | None:
    at = -1
    for _ in range(occurrence + 1):
        at = text.find(speaker, at + 1)
        if at < 0:
            return None
    return at, at + len(speaker)


def _same_name(found: str, labelled: str) -> bool:
    a, b = found.lower(), labelled.lower()
    return len(min(a, b, key=len)) >= 3 and (a in b or b in a) and a not in PRONOUN_WORDS and b not in PRONOUN_WORDS


PRONOUN_WORDS = frozenset({"he", "she", "they", "it", "we", "i"})


def compare(text: str, labels: list[dict], found: list[tuple[dict, list[tuple[int, int]]]], totals) -> None:
    """Count, into ``totals``, how the attributions ``found`` (each with its speaker's mentions) match a
    paragraph's labelled ones: labelled speakers, those matched, matched with the same side, with the
    same targets, and found attributions that matched one."""
    totals["found"] += len(found)
    used = set()
    for label in labels:
        span = _labelled_span(text, label["speaker"], label.get("occurrence", 0)) if label["speaker"] else None
        if span is None:
            continue
        totals["labelled"] += 1
        overlapping = [
            k
            for k, (_, mentions) in enumerate(found)
            if k not in used and any(a < span[1] and span[0] < b for a, b in mentions)
        ]
        if not overlapping:  # the same speaker named elsewhere in the paragraph ("Mohsin Naqvi" ... "Naqvi said")
            overlapping = [
                k
                for k, (f, _) in enumerate(found)
                if k not in used and _same_name(f["speaker"]["text"], label["speaker"])
            ]
        if not overlapping:
            continue
        # of several found on the same words ("both sides" is each side), the one with the labelled side
        match = next((k for k in overlapping if found[k][0]["speaker"]["side"] == label["side"]), overlapping[0])
        used.add(match)
        totals["matched"] += 1
        attribution = found[match][0]
        totals["side"] += attribution["speaker"]["side"] == label["side"]
        totals["targets"] += set(attribution["targets"]) == set(label["targets"])
    totals["found_matched"] += len(used)


def _figures(totals) -> dict:
    labelled = max(totals["labelled"], 1)
    return {
        "labelled": totals["labelled"],
        "found": totals["found"],
        "speaker_side": round(totals["side"] / labelled, 3),
        "targets": round(totals["targets"] / labelled, 3),
        "side_when_found": round(totals["side"] / max(totals["matched"], 1), 3),
        "targets_when_found": round(totals["targets"] / max(totals["matched"], 1), 3),
        "recall": round(totals["matched"] / labelled, 3),
        "precision": round(totals["found_matched"] / max(totals["found"], 1), 3),
    }


def evaluate(files: list[Path], corpus: Path | None = None, scorers: dict | None = None) -> dict:
    """The figures of the module docstring on ``files``. Each file is read with the speaker scorer
    ``scorers`` gives for its name (``training.speakers.cross_fitted``, the default: fitted without
    that file; a name missing: the rules alone)."""
    from framing.model.speakers import scoring_with
    from framing.training.speakers import cross_fitted

    scorers = cross_fitted(corpus=corpus) if scorers is None else scorers
    paragraphs, sides = _paragraphs(corpus), sides_by_dispute()
    totals = collections.Counter()
    missing = 0
    for path in files:
        with scoring_with(scorers.get(path.name)):
            missing += _evaluate_file(path, paragraphs, sides, totals)
    return {
        "files": [p.name for p in files],
        "paragraphs": totals["paragraphs"],
        "missing_text": missing,
        **_figures(totals),
    }


def labelled_rows(path: Path, paragraphs: dict, sides: dict):
    """Each row of label file ``path`` with its paragraph (``_paragraphs``) and that paragraph's sides
    (``sides``: ``sides_by_dispute()``); both None when the paragraph's text is not there."""
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        paragraph = paragraphs.get(row["id"])
        yield row, paragraph, sides[paragraph["dispute"]] if paragraph else None


def _evaluate_file(path: Path, paragraphs: dict, sides: dict, totals) -> int:
    """Count one label file into ``totals``; returns how many of its paragraphs had no text."""
    missing = 0
    for row, paragraph, its_sides in labelled_rows(path, paragraphs, sides):
        if paragraph is None:
            missing += 1
            continue
        totals["paragraphs"] += 1
        compare(paragraph["text"], row["attributions"], _found(paragraphs, paragraph, its_sides), totals)
    return missing


def _found(paragraphs: dict, paragraph: dict, sides) -> list:
    """The attributions found in ``paragraph``, read with its article's paragraphs before it as context."""
    context_texts = _context(paragraphs, paragraph)
    context = read_context(analyse_batch(context_texts, sides)) if context_texts else None
    return merged(statements_of(analyse_batch([paragraph["text"]], sides), context)[0], sides, context)


def direction_votes(jobs: int = -1, weights=(0.0, 0.25, 0.5, 1.0, 2.0), labelled: bool = False) -> dict:
    """Direction macro-F1 and reversal rate on real news with the blame votes added, and with them
    as a reversal fixer (see the docstring); ``labelled``: votes from the attribution labels instead of
    the statements found (what perfect attributions would give)."""
    import numpy as np

    from framing.model.attribution import blame_votes
    from framing.model.classifier import DIRECTIONS
    from framing.model.results import direction_index
    from framing.training.data import load_dataset
    from framing.training.train import DEFAULT_MIX, DEFAULT_PARAMS, apply_mix, cross_validate
    from framing.training.tune import tuning_half

    dataset = load_dataset()
    apply_mix(dataset, DEFAULT_MIX)
    scores = cross_validate(dataset, DEFAULT_PARAMS, jobs=jobs).direction
    paragraphs = _paragraphs(None)
    read = _labelled_attributions() if labelled else {}
    real = [i for i, origin in enumerate(dataset.origins) if origin == "real-news"]
    votes = np.zeros((len(dataset.examples), 2))
    for i in real:
        example = dataset.examples[i]
        paragraph_id = dataset.rows[i]["id"].split(":", 1)[-1]
        if labelled:
            votes[i] = _label_votes(read.get(paragraph_id, []), example.sides)
            continue
        before = _context(paragraphs, paragraphs[paragraph_id])
        context = read_context(analyse_batch(before, example.sides)) if before else None
        votes[i] = blame_votes(statements_of(analyse_batch([example.text], example.sides), context)[0])

    def figures(rows, weight, fix: bool = False):
        adjusted = scores[rows].copy()
        adjusted[:, :2] += weight * np.minimum(votes[rows], 1.0)
        predicted = [DIRECTIONS[k] for k in direction_index(adjusted)]
        if fix:  # a directional guess that only the other side's statements contradict is turned round
            for n, (a_b, b_a) in enumerate(votes[rows]):
                if predicted[n] == "A->B" and b_a and not a_b:
                    predicted[n] = "B->A"
                elif predicted[n] == "B->A" and a_b and not b_a:
                    predicted[n] = "A->B"
        return _direction_figures([dataset.examples[i].direction for i in rows], predicted)

    tune = [i for i in real if tuning_half(dataset.rows[i]["outlet"])]
    held = [i for i in real if not tuning_half(dataset.rows[i]["outlet"])]
    stacked = _stacked(scores, votes, [dataset.examples[i].direction for i in range(len(scores))], tune, held)
    runs = {w: figures(tune, w) for w in weights}
    best = max(weights, key=lambda w: runs[w]["direction_macro_f1"])
    return {
        "votes": "attribution labels" if labelled else "statements found",
        "fired_on": round(float((votes[real].sum(axis=1) > 0).mean()), 3),
        "tuning_half": runs,
        "chosen_weight": best,
        "other_half": figures(held, best),
        "other_half_without": figures(held, 0.0),
        "reversal_fixer": {"tuning_half": figures(tune, 0.0, True), "other_half": figures(held, 0.0, True)},
        "stacked": stacked,
    }


def _direction_figures(truth: list[str], predicted: list[str]) -> dict:
    """Direction macro-F1, and the share of directional paragraphs given the opposite direction."""
    from framing.model.classifier import DIRECTIONS
    from framing.training.metrics import classification_figures

    directional = [(t, p) for t, p in zip(truth, predicted) if t in ("A->B", "B->A")]
    reversed_ = sum(p in ("A->B", "B->A") and p != t for t, p in directional) / max(len(directional), 1)
    return {
        "direction_macro_f1": round(classification_figures(truth, predicted, DIRECTIONS)["macro_f1"], 4),
        "reversed": round(reversed_, 4),
    }


def _stacked(scores, votes, truth: list[str], tune: list[int], held: list[int]) -> dict:
    """A logistic regression over the direction scores and the votes (each capped at 2, and whether
    only one side's statements blame), fitted on the tuning half with every row also mirrored (A and
    B swapped, so that its weights are swap-symmetric) and scored on the other half; beside it the
    same regression over the scores alone, so the votes' part is read against a recalibration. Each
    with balanced class weights and without, and each again with the halves' roles swapped (fitted
    on the other half, scored on the tuning half), since one half of the outlets is a small sample."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from framing.model.classifier import DIRECTIONS
    from framing.model.results import direction_index

    mirror = {"A->B": "B->A", "B->A": "A->B"}

    def features(rows, swap: bool = False, with_votes: bool = True):
        s, v = scores[rows].copy(), np.minimum(votes[rows], 2.0)
        if swap:
            s[:, [0, 1]], v = s[:, [1, 0]], v[:, ::-1]
        if not with_votes:
            return s
        one_way = np.stack([(v[:, 0] > 0) & (v[:, 1] == 0), (v[:, 1] > 0) & (v[:, 0] == 0)], axis=1)
        return np.hstack([s, v, v[:, :1] * v[:, 1:], one_way])

    def figures(fit_on, score_on, with_votes: bool, weights) -> dict:
        x = np.vstack([features(fit_on, False, with_votes), features(fit_on, True, with_votes)])
        y = [truth[i] for i in fit_on] + [mirror.get(truth[i], truth[i]) for i in fit_on]
        model = LogisticRegression(C=1.0, max_iter=3000, class_weight=weights).fit(x, y)
        return _direction_figures(
            [truth[i] for i in score_on], list(model.predict(features(score_on, False, with_votes)))
        )

    def both(fit_on, score_on) -> dict:
        return {
            "argmax": _direction_figures(
                [truth[i] for i in score_on], [DIRECTIONS[k] for k in direction_index(scores[score_on])]
            ),
            **{
                f"{name}{suffix}": figures(fit_on, score_on, with_votes, weights)
                for name, with_votes in (("with_votes", True), ("scores_alone", False))
                for suffix, weights in (("", "balanced"), ("_unweighted", None))
            },
        }

    return {"other_half": both(tune, held), "halves_swapped": both(held, tune)}


def _labelled_attributions() -> dict[str, list[dict]]:
    """Every labelled paragraph's attributions, by id."""
    return {
        row["id"]: row["attributions"]
        for path in sorted(LABELS_DIR.glob("*.jsonl"))
        for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())
    }


def _label_votes(attributions: list[dict], sides) -> tuple[float, float]:
    """A->B and B->A votes from labelled attributions: a side's statement whose targets name the other."""
    a, b = sides.a.name, sides.b.name
    a_b = sum(x["side"] == a and b in x["targets"] for x in attributions)
    b_a = sum(x["side"] == b and a in x["targets"] for x in attributions)
    return float(a_b), float(b_a)


SECOND_PASS = LABELS_DIR / "pass_b"


def _as_found(text: str, labels: list[dict]) -> list[tuple[dict, list[tuple[int, int]]]]:
    """Labelled attributions in the shape ``compare`` takes found ones in."""
    out = []
    for label in labels:
        span = _labelled_span(text, label["speaker"], label.get("occurrence", 0)) if label["speaker"] else None
        if span is not None:
            out.append(
                ({"speaker": {"text": label["speaker"], "side": label["side"]}, "targets": label["targets"]}, [span])
            )
    return out


def agreement(second_pass: Path = SECOND_PASS, corpus: Path | None = None, scorers: dict | None = None) -> dict:
    """How two independent readers agree, file by file where ``second_pass`` holds a second reading:
    the second pass scored against the first exactly as the model is (and the model against each pass,
    with ``scorers`` as in ``evaluate``), which says what the speaker-side and target figures can reach."""
    from framing.model.speakers import scoring_with
    from framing.training.speakers import cross_fitted

    scorers = cross_fitted(corpus=corpus) if scorers is None else scorers
    paragraphs, sides = _paragraphs(corpus), sides_by_dispute()
    totals = {key: collections.Counter() for key in ("second_vs_first", "model_vs_first", "model_vs_second")}
    files = sorted(second_pass.glob("*.jsonl"))
    for path in files:
        first = {
            row["id"]: row["attributions"]
            for row in map(json.loads, (LABELS_DIR / path.name).read_text(encoding="utf-8").splitlines())
        }
        for row, paragraph, its_sides in labelled_rows(path, paragraphs, sides):
            if paragraph is None or row["id"] not in first:
                continue
            text = paragraph["text"]
            with scoring_with(scorers.get(path.name)):
                found = _found(paragraphs, paragraph, its_sides)
            compare(text, first[row["id"]], _as_found(text, row["attributions"]), totals["second_vs_first"])
            compare(text, first[row["id"]], found, totals["model_vs_first"])
            compare(text, row["attributions"], found, totals["model_vs_second"])
            for counter in totals.values():
                counter["paragraphs"] += 1
    return {"files": [p.name for p in files]} | {
        key: {"paragraphs": counter["paragraphs"], **_figures(counter)} for key, counter in totals.items()
    }


def held_out_names() -> list[str]:
    """The label files the figures are reported on: every file but the development set."""
    names = (p.name for p in LABELS_DIR.glob("*.jsonl") if p.name not in DEVELOPMENT)
    return sorted(names, key=lambda name: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--files", nargs="*", help="label files in labels/attributions/ (default: all but the development set)"
    )
    parser.add_argument("--corpus", type=Path, help="the real-news corpus folder (default: ../shared/real-news)")
    parser.add_argument("--direction-votes", action="store_true", help="measure the blame votes on the direction head")
    parser.add_argument(
        "--labelled", action="store_true", help="with --direction-votes: votes from the attribution labels (a ceiling)"
    )
    parser.add_argument("--agreement", action="store_true", help="a second reading (pass_b/) against the first")
    args = parser.parse_args()
    if args.agreement:
        print(json.dumps(agreement(corpus=args.corpus), indent=1))
        return
    if args.direction_votes:
        print(json.dumps(direction_votes(labelled=args.labelled), indent=1))
        return
    names = args.files or held_out_names()
    print(json.dumps(evaluate([LABELS_DIR / n for n in names], args.corpus), indent=1))


if __name__ == "__main__":
    main()
