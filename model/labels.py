"""Labelled paragraphs: the file format, its validation, and durable appends.

A labelled file is JSON Lines, one paragraph a line (see labels/GUIDELINES.md). A row may
carry only some labels: ``direction`` needs ``dispute`` and ``sides``; ``loaded`` may
stand alone (text with no two sides in it). Every problem is reported as
``file:line: message`` so a user can go straight to the row.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from framing.model.results import LOADED_LABELS
from framing.model.sides import Sides, SidesError, load_sides

VOICES = ("quoted", "editorial")
ORIGINS = ("seed", "authored", "user", "external", "real-news")
REQUIRED = ("id", "text", "source", "origin")
MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True)
class LabelProblem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class LabelledRow:
    path: str
    line: int
    data: dict

    def __getitem__(self, key):
        return self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default)


def row_problems(row: object, sides_for: dict[str, Sides]) -> list[str]:
    """What is wrong with one parsed row, each as a sentence; empty if it is valid."""
    if not isinstance(row, dict):
        return ["a row must be a JSON object"]
    problems = [f"missing field {f!r}" for f in REQUIRED if f not in row]
    for name in ("id", "text", "source"):
        if name in row and (not isinstance(row[name], str) or not row[name].strip()):
            problems.append(f"{name!r} must be a non-empty string")
    text = row.get("text") if isinstance(row.get("text"), str) else ""
    if len(text) > MAX_TEXT_CHARS:
        problems.append(f"'text' is longer than {MAX_TEXT_CHARS} characters")
    if "origin" in row and row["origin"] not in ORIGINS:
        problems.append(f"'origin' must be one of {', '.join(ORIGINS)}, got {row['origin']!r}")
    if "direction" not in row and "loaded" not in row:
        problems.append("row carries no label: give 'direction', 'loaded' or both")
    if "direction" in row:
        problems += _direction_problems(row, sides_for)
    if "loaded" in row or "spans" in row:
        problems += _loaded_problems(row, text)
    return problems


def _direction_problems(row: dict, sides_for: dict[str, Sides]) -> list[str]:
    dispute, names = row.get("dispute"), row.get("sides")
    if not isinstance(dispute, str) or not dispute:
        return ["a row with 'direction' needs 'dispute'"]
    if not (isinstance(names, list) and len(names) == 2 and all(isinstance(n, str) for n in names)):
        return ["'sides' must be a list of the two side names, A first"]
    sides = sides_for.get(dispute)
    if sides is None:
        return [f"no sides file for dispute {dispute!r} in labels/sides/"]
    if set(names) != set(sides.names):
        return [f"'sides' {names} do not match the sides file of {dispute!r} {list(sides.names)}"]
    a, b = names
    allowed = (f"{a}->{b}", f"{b}->{a}", "mutual", "none")
    if row["direction"] not in allowed:
        return [f"'direction' must be one of {', '.join(allowed)}, got {row['direction']!r}"]
    return []


def _loaded_problems(row: dict, text: str) -> list[str]:
    loaded = row.get("loaded")
    if loaded not in LOADED_LABELS:
        return [f"'loaded' must be one of {', '.join(LOADED_LABELS)}, got {loaded!r}"]
    if "spans" not in row:
        return []
    spans = row["spans"]
    if not isinstance(spans, list):
        return ["'spans' must be a list"]
    if not spans:
        return []  # no spans on a loaded row: the spans are unknown (sentence-level labels), not absent
    problems, voices, previous_end = [], set(), -1
    for k, span in enumerate(sorted(spans, key=_span_start)):
        where = f"span {k + 1}"
        if not isinstance(span, dict) or not {"start", "end", "text", "voice"} <= span.keys():
            problems.append(f"{where} needs start, end, text and voice")
            continue
        start, end = span["start"], span["end"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            problems.append(f"{where} offsets {start!r}..{end!r} are not inside the text ({len(text)} characters)")
            continue
        if text[start:end] != span["text"]:
            problems.append(
                f"{where} text {span['text']!r} does not match the paragraph at {start}..{end} ({text[start:end]!r})"
            )
        if span["voice"] not in VOICES:
            problems.append(f"{where} voice must be 'quoted' or 'editorial', got {span['voice']!r}")
        if start < previous_end:
            problems.append(f"{where} overlaps the span before it")
        previous_end = max(previous_end, end)
        voices.add(span["voice"])
    if loaded == "none" and spans:
        problems.append("'loaded' is 'none' but the row has spans")
    if loaded == "quoted" and (not voices or voices != {"quoted"}):
        problems.append("'loaded' is 'quoted': give at least one span and only quoted ones")
    if loaded == "editorial" and "editorial" not in voices:
        problems.append("'loaded' is 'editorial' but no span has voice 'editorial'")
    return problems


def _span_start(span) -> int:
    return span.get("start", 0) if isinstance(span, dict) and isinstance(span.get("start"), int) else 0


def normalised_text(text: str) -> str:
    return " ".join(text.split()).lower()


def read_rows(path: Path) -> Iterator[tuple[int, object | None, str | None]]:
    """(line number, parsed row or None, error) for every non-blank line."""
    try:
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                try:
                    yield number, json.loads(raw.decode("utf-8")), None
                except UnicodeDecodeError:
                    yield number, None, "not UTF-8"
                except json.JSONDecodeError as exc:
                    yield number, None, f"not valid JSON: {exc.msg} (column {exc.colno})"
    except OSError as exc:
        yield 0, None, f"cannot read file: {exc.strerror or exc}"


@dataclass
class Corpus:
    rows: list[LabelledRow]
    sides: dict[str, Sides]
    problems: list[LabelProblem]


def load_sides_dir(directory: Path) -> tuple[dict[str, Sides], list[LabelProblem]]:
    sides_for, problems = {}, []
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            sides = load_sides(path)
        except SidesError as exc:
            problems.append(LabelProblem(str(path), 1, str(exc).removeprefix(f"{path}: ")))
            continue
        if sides.dispute in sides_for:
            problems.append(LabelProblem(str(path), 1, f"dispute {sides.dispute!r} already has a sides file"))
            continue
        sides_for[sides.dispute] = sides
    return sides_for, problems


def load_corpus(directory: str | Path, files: Iterable[Path] | None = None) -> Corpus:
    """Read and validate every ``*.jsonl`` in ``directory`` (or ``files``) against its sides files."""
    directory = Path(directory)
    sides_for, problems = load_sides_dir(directory / "sides")
    paths = sorted(files) if files is not None else sorted(directory.glob("*.jsonl"))
    rows: list[LabelledRow] = []
    ids: dict[str, str] = {}
    texts: dict[str, str] = {}
    for path in paths:
        for number, row, error in read_rows(path):
            where = f"{path}:{number}"
            if error:
                problems.append(LabelProblem(str(path), number, error))
                continue
            found = row_problems(row, sides_for)
            if isinstance(row, dict):
                if isinstance(row.get("id"), str) and row["id"] in ids:
                    found.append(f"id {row['id']!r} is already used at {ids[row['id']]}")
                if isinstance(row.get("text"), str):
                    key = normalised_text(row["text"])
                    if key in texts:
                        found.append(f"the same paragraph text is already labelled at {texts[key]}")
                    texts.setdefault(key, where)
                if isinstance(row.get("id"), str):
                    ids.setdefault(row["id"], where)
            if found:
                problems += [LabelProblem(str(path), number, message) for message in found]
            else:
                rows.append(LabelledRow(str(path), number, row))
    return Corpus(rows=rows, sides=sides_for, problems=problems)


@contextmanager
def _locked(directory: Path):
    """An exclusive lock on the labels folder, shared by every process that appends."""
    directory.mkdir(parents=True, exist_ok=True)
    with FileLock(directory / ".labels.lock"):
        yield


def _repair_tail(fd: int, path: Path) -> None:
    """Cut a partial last line (left by a writer killed mid-write) into ``<file>.partial``."""
    size = os.fstat(fd).st_size
    if size == 0:
        return
    os.lseek(fd, size - 1, os.SEEK_SET)
    if os.read(fd, 1) == b"\n":
        return
    chunk = 1 << 16
    cut = 0
    position = size
    while position > 0:
        position = max(0, position - chunk)
        os.lseek(fd, position, os.SEEK_SET)
        data = os.read(fd, min(chunk, size - position))
        newline = data.rfind(b"\n")
        if newline >= 0:
            cut = position + newline + 1
            break
    os.lseek(fd, cut, os.SEEK_SET)
    fragment = os.read(fd, size - cut)
    with open(path.with_name(path.name + ".partial"), "ab") as rejected:
        rejected.write(fragment + b"\n")
        rejected.flush()
        os.fsync(rejected.fileno())
    os.ftruncate(fd, cut)


def _write_lines(path: Path, rows: list[dict]) -> None:
    """Append whole lines durably (the caller holds the lock).

    A partial last line left by a writer killed mid-write is moved aside first; the new
    lines go out in one ``write`` call and are fsynced before the lock is released.
    """
    payload = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        _repair_tail(fd, path)
        written = 0
        while written < len(payload):
            written += os.write(fd, payload[written:])
        os.fsync(fd)
    finally:
        os.close(fd)


class LabelsRejected(ValueError):
    """New rows that failed validation; ``problems`` names each by its position."""

    def __init__(self, problems: list[LabelProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class _KeyIndex:
    """Ids and texts already stored, read incrementally since files only grow by appends."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.texts: set[str] = set()
        self._seen: dict[Path, tuple[int, int]] = {}

    def refresh(self, directory: Path) -> None:
        for path in sorted(directory.glob("*.jsonl")):
            try:
                stat = path.stat()
            except OSError:
                continue
            inode, offset = self._seen.get(path, (stat.st_ino, 0))
            if inode != stat.st_ino or stat.st_size < offset:
                self.__init__()
                return self.refresh(directory)
            if stat.st_size == offset:
                continue
            with open(path, "rb") as handle:
                handle.seek(offset)
                data = handle.read()
            whole = data[: data.rfind(b"\n") + 1]
            for raw in whole.splitlines():
                try:
                    row = json.loads(raw)
                except (ValueError, UnicodeDecodeError):
                    continue
                if isinstance(row, dict):
                    if isinstance(row.get("id"), str):
                        self.ids.add(row["id"])
                    if isinstance(row.get("text"), str):
                        self.texts.add(normalised_text(row["text"]))
            self._seen[path] = (stat.st_ino, offset + len(whole))


_INDEXES: dict[Path, _KeyIndex] = {}


def add_labels(directory: str | Path, rows: list[dict], file_name: str = "added.jsonl") -> list[str]:
    """Validate ``rows`` against the folder's sides files and stored rows, then append them.

    All or nothing: if any row is bad, nothing is written and ``LabelsRejected`` says why
    (positions are ``request:<n>``). The check and the write happen under one lock, so two
    processes can never store the same id or text twice.
    """
    directory = Path(directory)
    sides_for, _ = load_sides_dir(directory / "sides")
    with _locked(directory):
        index = _INDEXES.setdefault(directory.resolve(), _KeyIndex())
        index.refresh(directory)
        problems, new_ids, new_texts = [], set(), set()
        for n, row in enumerate(rows, 1):
            found = row_problems(row, sides_for)
            if isinstance(row, dict) and isinstance(row.get("id"), str):
                if row["id"] in index.ids or row["id"] in new_ids:
                    found.append(f"id {row['id']!r} is already stored")
                new_ids.add(row["id"])
            if isinstance(row, dict) and isinstance(row.get("text"), str):
                key = normalised_text(row["text"])
                if key in index.texts or key in new_texts:
                    found.append("the same paragraph text is already labelled")
                new_texts.add(key)
            problems += [LabelProblem("request", n, message) for message in found]
        if problems:
            raise LabelsRejected(problems)
        _write_lines(directory / file_name, rows)
        index.refresh(directory)
    return [row["id"] for row in rows]
