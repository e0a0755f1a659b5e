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
    python -m framing.training.attribution_eval --agreement

``--agreement`` scores a second, independent reading of the same paragraphs
(``labels/attributions/pass_b/``, same file names) against the first, exactly as the model is scored:
the ceiling the speaker-side and target figures can be held to.
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
    parser.add_argument("--agreement", action="store_true", help="a second reading (pass_b/) against the first")
    args = parser.parse_args()
    if args.agreement:
        print(json.dumps(agreement(corpus=args.corpus), indent=1))
        return
    names = args.files or held_out_names()
    print(json.dumps(evaluate([LABELS_DIR / n for n in names], args.corpus), indent=1))


if __name__ == "__main__":
    main()
