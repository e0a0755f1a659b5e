"""score-folder's output and errors files: scanned for resuming (an unfinished tail cut, complete articles
skipped), then appended to."""

from __future__ import annotations

import collections
import csv
import hashlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

from framing.service.folder.errors import BatchError
from framing.service.folder.rows import (
    GENERIC_DIRECTIONS,
    ROW_FIELDS,
    csv_columns,
    directions_of_columns,
    encode_header,
    side_directions,
    unflatten,
)
from framing.service.readers import Problem

# --------------------------------------------------------------------------- the output file


def key_id(path: str, line: int | None) -> bytes:
    return hashlib.blake2b(f"{path}\0{line}".encode("utf-8", "surrogatepass"), digest_size=12).digest()


class _Groups:
    """Consecutive rows of one article; finds complete articles and where an unfinished tail starts."""

    def __init__(self, name: str, version: str, directions: tuple[str, ...], attributions: bool = False):
        self.name, self.version, self.directions, self.attributions = name, version, directions, attributions
        self.done: dict[bytes, bytes] = {}
        self.rows = 0
        self.key = None
        self.count = self.expected = self.start = 0

    def _not_ours(self, where: str, why: str) -> BatchError:
        return BatchError(
            f"{self.name} {where} is not a score-folder row ({why}); write to a new --out, "
            f"or pass --overwrite to start {self.name} over"
        )

    def add(self, row, offset: int, where: str) -> None:
        if not isinstance(row, dict):
            raise self._not_ours(where, "not an object")
        try:
            path, line, digest = row["path"], row["line"], row["article_hash"]
            expected, version = int(row["article_paragraphs"]), row["model_version"]
            probabilities = row["direction"]["probabilities"]
        except (KeyError, TypeError, ValueError) as exc:
            raise self._not_ours(where, f"missing or bad field {exc}") from None
        if not isinstance(path, str) or not isinstance(digest, str) or (line is not None and not isinstance(line, int)):
            raise self._not_ours(where, "bad path, line or article_hash")
        if version != self.version:
            raise BatchError(
                f"{self.name} holds rows scored by model {version}, the current model is "
                f"{self.version}; write to a new --out, or pass --overwrite to rescore into it"
            )
        directions = self.directions
        if directions == GENERIC_DIRECTIONS:
            try:
                directions = side_directions(*row["sides"]["names"])
            except (KeyError, TypeError, ValueError):
                raise self._not_ours(where, "no sides") from None
        if tuple(probabilities) != directions:
            raise BatchError(
                f"{self.name} was scored with other sides ({', '.join(probabilities)}), not "
                f"{', '.join(self.directions)}; write to a new --out, or pass --overwrite"
            )
        if ("attributions" in row) != self.attributions:
            raise BatchError(
                f"{self.name} was scored {'without' if self.attributions else 'with'} --attributions; "
                "write to a new --out, or pass --overwrite"
            )
        key = (path, line, digest)
        if key != self.key:
            if self.key is not None and self.count != self.expected:
                raise BatchError(
                    f"{self.name} holds an incomplete article ({self.key[0]}) before {where}: it was "
                    f"not left by an interrupted run; write to a new --out, or pass --overwrite"
                )
            self._commit()
            self.key, self.count, self.expected, self.start = key, 0, expected, offset
        self.count += 1
        self.rows += 1

    def _commit(self) -> None:
        if self.key is not None and self.count == self.expected:
            path, line, digest = self.key
            try:
                self.done[key_id(path, line)] = bytes.fromhex(digest)
            except ValueError:
                raise self._not_ours(f"the rows of {path}", "article_hash is not hexadecimal") from None

    def finish(self, end: int) -> int:
        """Where the valid content ends: ``end``, or the start of an unfinished last article."""
        if self.key is not None and self.count != self.expected:
            self.rows -= self.count
            return self.start
        self._commit()
        return end


def _scan_jsonl(path: Path, groups: _Groups) -> int:
    offset, number, bad = 0, 0, None
    with open(path, "rb") as handle:
        for raw in handle:
            number += 1
            if bad is not None:
                raise BatchError(
                    f"{path} line {bad[1]} is not a complete JSON row; write to a new --out, "
                    f"or pass --overwrite to start it over"
                )
            row = None
            if raw.endswith(b"\n"):
                try:
                    row = json.loads(raw)
                except ValueError:
                    row = None
            if row is None:
                bad = (offset, number)
            else:
                groups.add(row, offset, f"line {number}")
            offset += len(raw)
    return groups.finish(bad[0] if bad else offset)


def _csv_records(handle) -> Iterator[tuple[int, int, bytes, bool]]:
    """(start offset, line number, bytes, complete) per CSV record; quoted fields may hold newlines."""
    parts: list[bytes] = []
    quotes = start = offset = 0
    number = 0
    for raw in handle:
        if not parts:
            start = offset
            number += 1
        parts.append(raw)
        quotes += raw.count(b'"')
        offset += len(raw)
        if raw.endswith(b"\n") and quotes % 2 == 0:
            yield start, number, b"".join(parts), True
            number += len(parts) - 1
            parts, quotes = [], 0
    if parts:
        yield start, number, b"".join(parts), False


def _parse_csv_record(data: bytes) -> list[str] | None:
    try:
        return next(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None


def _scan_csv(path: Path, groups: _Groups, columns: list[str]) -> int | None:
    """Valid end offset, or None when the file holds no complete header (start it over)."""
    bad = None
    with open(path, "rb") as handle:
        records = _csv_records(handle)
        first = next(records, None)
        if first is None:
            return None
        start, _, data, complete = first
        cells = _parse_csv_record(data) if complete else None
        if cells != columns:
            text = data.decode("utf-8", "replace").rstrip("\r\n")
            if cells and [c for c in cells if c != "attributions"] == [c for c in columns if c != "attributions"]:
                raise BatchError(
                    f"{path} was scored {'without' if groups.attributions else 'with'} --attributions; "
                    "write to a new --out, or pass --overwrite"
                )
            if not complete and ",".join(columns).startswith(text):
                return None
            found = directions_of_columns(cells or [])
            if cells and found and cells[: len(ROW_FIELDS)] == list(ROW_FIELDS):
                raise BatchError(
                    f"{path} was scored with other sides ({', '.join(found)}), not "
                    f"{', '.join(groups.directions)}; write to a new --out, or pass --overwrite"
                )
            raise BatchError(
                f"{path} does not start with the score-folder CSV header; write to a new --out, "
                f"or pass --overwrite to replace it"
            )
        offset = len(data)
        for start, number, data, complete in records:
            if bad is not None:
                raise BatchError(
                    f"{path} line {bad[1]} is not a complete CSV row; write to a new --out, "
                    f"or pass --overwrite to start it over"
                )
            cells = _parse_csv_record(data) if complete else None
            row = None
            if cells is not None and len(cells) == len(columns):
                try:
                    row = unflatten(dict(zip(columns, cells)), groups.directions)
                except (KeyError, ValueError):
                    row = None
            if row is None:
                bad = (start, number)
            else:
                groups.add(row, start, f"line {number}")
            offset = start + len(data)
    return groups.finish(bad[0] if bad else offset)


class Output:
    """The output file: scanned for resuming, cut back to its last complete article, appended to."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        directions: tuple[str, ...],
        version: str,
        overwrite: bool,
        attributions: bool = False,
    ):
        self.path, self.fmt = path, fmt
        self.columns = csv_columns(directions, attributions)
        self.cut = 0
        groups = _Groups(str(path), version, directions, attributions)
        fresh = overwrite or not path.exists() or path.stat().st_size == 0
        if not fresh:
            if not path.is_file():
                raise BatchError(f"--out {path} exists and is not a file")
            size = path.stat().st_size
            valid = _scan_jsonl(path, groups) if fmt == "jsonl" else _scan_csv(path, groups, self.columns)
            if valid is None:
                fresh = True
            elif valid < size:
                with open(path, "r+b") as handle:
                    handle.truncate(valid)
                    handle.flush()
                    os.fsync(handle.fileno())
                self.cut = size - valid
        self.done = {} if fresh else groups.done
        self.resumed_rows = 0 if fresh else groups.rows
        try:
            self.handle = open(path, "wb" if fresh else "ab")
            if fresh and fmt == "csv":
                self.write(encode_header(self.columns))
        except OSError as exc:
            raise BatchError(f"cannot write {path}: {exc.strerror or exc}", 1) from None

    def write(self, data: bytes) -> None:
        try:
            self.handle.write(data)
            self.handle.flush()
        except OSError as exc:
            raise BatchError(
                f"cannot write {self.path}: {exc.strerror or exc}; rerun the same command to resume once that is fixed",
                1,
            ) from None

    def close(self) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
        except OSError:
            pass
        self.handle.close()


class Errors:
    """The errors file: one line per skipped input, rewritten on every run."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt = path, fmt
        self.kinds: collections.Counter = collections.Counter()
        try:
            self.handle = open(path, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise BatchError(f"cannot write {path}: {exc.strerror or exc}", 1) from None
        self.writer = csv.writer(self.handle, lineterminator="\n") if fmt == "csv" else None
        if self.writer:
            self.writer.writerow(["path", "line", "kind", "message"])

    def add(self, problem: Problem) -> None:
        self.kinds[problem.kind] += 1
        if self.writer:
            self.writer.writerow(
                [problem.path, "" if problem.line is None else problem.line, problem.kind, problem.message]
            )
        else:
            self.handle.write(json.dumps(problem.to_dict(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.handle.close()
