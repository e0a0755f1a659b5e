"""The real-news corpus as labelled rows: text read at run time, labels kept in the project.

The corpus (``../shared/real-news``: ``paragraphs.jsonl`` with ``id``, ``outlet``, ``url``,
``dispute``, ``sides``, ``text``) belongs to its outlets, so its text is never copied into the
project; the project keeps only ids and labels (``labels/real-news/adjudicated.jsonl``: ``id``,
``direction``, ``loaded``, ``loaded_words``). This module joins the two into ordinary labelled
rows (origin ``real-news``, grouped by outlet for cross-validation).

Labels name loaded words without offsets, so they are turned into spans here: every whole-word
occurrence of each word (exact case first, then ignoring case), overlapping matches merged, each
span's voice from the project's quote finder. A word that cannot be found, or spans whose voices
contradict the row's ``loaded`` label, leave that row's spans unknown (the heads still learn from
it; the span tagger does not) and are reported, never silently dropped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from framing.model.quotes import party_regions, voice_at
from framing.paths import DEFAULT_LABELS, SHARED_DIR

CORPUS_FILE = "paragraphs.jsonl"
PROJECT_LABELS = DEFAULT_LABELS / "real-news" / "adjudicated.jsonl"


def default_corpus_dir() -> Path:
    """``$FRAMING_REAL_NEWS`` or ``../shared/real-news`` beside the project."""
    return Path(os.environ.get("FRAMING_REAL_NEWS") or SHARED_DIR / "real-news")


def is_corpus(path: Path) -> bool:
    return (Path(path) / CORPUS_FILE).is_file()


@dataclass
class RealNews:
    """The joined rows and what could not be used, for the training log and the manifest."""

    rows: list[dict]
    corpus_path: Path
    labels_path: Path
    corpus_sha256: str
    labels_sha256: str
    unlabelled: int = 0
    unknown_ids: list[str] = field(default_factory=list)
    missing_words: list[tuple[str, str]] = field(default_factory=list)
    voice_conflicts: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{len(self.rows)} real-news paragraphs from {len({r['outlet'] for r in self.rows})} outlets "
            f"({self.corpus_path}, labels {self.labels_path})"
        ]
        if self.unlabelled:
            parts.append(f"{self.unlabelled} corpus paragraphs have no label")
        if self.unknown_ids:
            parts.append(f"{len(self.unknown_ids)} labels name ids not in the corpus (first: {self.unknown_ids[0]})")
        if self.missing_words:
            shown = ", ".join(f"{i}: {w!r}" for i, w in self.missing_words[:3])
            parts.append(
                f"{len(self.missing_words)} loaded words not found in their paragraph, spans left unknown "
                f"({shown}{', ...' if len(self.missing_words) > 3 else ''})"
            )
        if self.voice_conflicts:
            parts.append(
                f"{len(self.voice_conflicts)} rows whose found spans' voices contradict their 'loaded' "
                f"label, spans left unknown (first: {self.voice_conflicts[0]})"
            )
        return "; ".join(parts)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
    return rows


def word_spans(text: str, words: list[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """Character ranges of every whole-word occurrence of each word (a hyphen joins words, so
    "self" is not found in "self-defence"), overlaps merged; and the words not found."""
    found, missing = [], []
    for word in words:
        word = word.strip()
        if not word:
            continue
        pattern = r"(?<![\w-])" + re.escape(word) + r"(?![\w-])"
        hits = [m.span() for m in re.finditer(pattern, text)] or [
            m.span() for m in re.finditer(pattern, text, flags=re.IGNORECASE)
        ]
        if hits:
            found += hits
        else:
            missing.append(word)
    merged: list[list[int]] = []
    for start, end in sorted(found):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged], missing


def spans_from_words(text: str, words: list[str]) -> tuple[list[dict], list[str]]:
    """Labelled spans (offsets, text, voice from the quote finder) for loaded words named without offsets."""
    ranges, missing = word_spans(text, words)
    regions = party_regions(text) if ranges else []
    return [{"start": s, "end": e, "text": text[s:e], "voice": voice_at(regions, s, e)} for s, e in ranges], missing


def _consistent(loaded: str, spans: list[dict]) -> bool:
    voices = {s["voice"] for s in spans}
    if loaded == "quoted":
        return voices == {"quoted"}
    if loaded == "editorial":
        return "editorial" in voices
    return not spans


def load_real_news(corpus_dir: str | Path | None = None, labels_path: str | Path | None = None) -> RealNews:
    """The corpus's paragraphs with their labels, as labelled rows (origin ``real-news``)."""
    corpus_dir = Path(corpus_dir) if corpus_dir is not None else default_corpus_dir()
    labels_path = Path(labels_path) if labels_path is not None else PROJECT_LABELS
    corpus_file = corpus_dir / CORPUS_FILE
    if not corpus_file.is_file():
        raise FileNotFoundError(f"{corpus_dir}: no {CORPUS_FILE} here (not a real-news corpus folder)")
    if not labels_path.is_file():
        raise FileNotFoundError(f"{labels_path}: no labels for the real-news corpus")
    paragraphs = {p["id"]: p for p in _read_jsonl(corpus_file)}
    labels = {row["id"]: row for row in _read_jsonl(labels_path)}
    result = RealNews([], corpus_dir, labels_path, _sha256(corpus_file), _sha256(labels_path))
    result.unknown_ids = sorted(set(labels) - set(paragraphs))
    result.unlabelled = len(set(paragraphs) - set(labels))
    for pid, paragraph in paragraphs.items():
        label = labels.get(pid)
        if label is None:
            continue
        text = paragraph["text"]
        row = {
            "id": f"real-news:{pid}",
            "text": text,
            "source": f"outlet:{paragraph['outlet']}",
            "outlet": paragraph["outlet"],
            "dispute": paragraph["dispute"],
            "sides": list(paragraph["sides"]),
            "direction": label["direction"],
            "loaded": label["loaded"],
            "origin": "real-news",
        }
        words = label.get("loaded_words") or []
        if label["loaded"] == "none":
            row["spans"] = []
        elif words:
            spans, missing = spans_from_words(text, words)
            result.missing_words += [(pid, w) for w in missing]
            if not missing and _consistent(label["loaded"], spans):
                row["spans"] = spans
            elif not missing:
                result.voice_conflicts.append(pid)
        result.rows.append(row)
    return result
