"""Which outlet an article comes from.

In order: the article's own ``outlet`` field (``.jsonl`` lines), else a sources metadata
file (``sources.csv`` or ``sources.json``) that names the file, else the first-level
subfolder of the scored folder (``DIR/<outlet>/...``), else ``unknown``.

A sources file applies to its own folder and everything below it; the nearest one that
names a file wins. ``sources.csv`` has a header with a ``file`` (or ``path``) column, the
path relative to the sources file's folder, and an ``outlet`` column; optional ``url`` and
``date`` columns are carried into the rows, and an optional ``sides`` column says which dispute
the file is about (a dispute name, or a sides file relative to the sources file's folder);
other columns are ignored. ``sources.json`` is either a list of objects with the same keys or a
mapping ``{"file": "outlet"}`` / ``{"file": {"outlet": ..., "url": ..., "date": ..., "sides": ...}}``.

Sides can also be set per folder: a ``sides.toml`` in a folder applies to every article below
it (the nearest wins); a ``sides`` entry for the file in a sources file wins over it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

METADATA_FILES = ("sources.csv", "sources.json")
SIDES_FILE = "sides.toml"
UNKNOWN = "unknown"
MAX_METADATA_BYTES = 256 * 1024 * 1024
_FILE_COLUMNS = ("file", "path")


@dataclass(frozen=True)
class Source:
    outlet: str | None = None
    url: str | None = None
    date: str | None = None
    sides: str | None = None  # a dispute name or the path of a sides file


class SourcesFile:
    """The entries of one sources file, keyed by path relative to its folder."""

    def __init__(self, rel_dir: tuple[str, ...], entries: dict[str, Source], origin: str):
        self.rel_dir = rel_dir
        self.entries = entries
        self.origin = origin

    def get(self, rel_parts: tuple[str, ...]) -> Source | None:
        n = len(self.rel_dir)
        if rel_parts[:n] != self.rel_dir:
            return None
        return self.entries.get("/".join(rel_parts[n:]))


def normalise_key(value: str) -> str:
    """'./a/b.txt', 'a\\b.txt' -> 'a/b.txt'."""
    text = value.strip().replace("\\", "/")
    parts = [p for p in PurePosixPath(text).parts if p not in (".", "")]
    return "/".join(parts)


def _text(value) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _parse_csv(text: str, origin: str) -> tuple[dict[str, Source], list[tuple[int | None, str]]]:
    problems: list[tuple[int | None, str]] = []
    entries: dict[str, Source] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return entries, [(None, f"{origin} is empty")]
    except csv.Error as exc:
        return entries, [(1, f"{origin}: not valid CSV: {exc}")]
    columns = [h.strip().lower() for h in header]
    file_col = next((columns.index(c) for c in _FILE_COLUMNS if c in columns), None)
    if file_col is None or "outlet" not in columns:
        return entries, [
            (
                1,
                f"{origin}: the header needs a 'file' (or 'path') column and an 'outlet' column, "
                f"found {', '.join(columns) or 'none'}",
            )
        ]
    outlet_col = columns.index("outlet")
    url_col = columns.index("url") if "url" in columns else None
    date_col = columns.index("date") if "date" in columns else None
    sides_col = columns.index("sides") if "sides" in columns else None
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                problems.append((line, f"{origin}: row has {len(row)} fields, the header has {len(columns)}"))
                continue
            key = normalise_key(row[file_col])
            if not key:
                problems.append((line, f"{origin}: row has no file name"))
                continue
            source = Source(
                _text(row[outlet_col]),
                _text(row[url_col]) if url_col is not None else None,
                _text(row[date_col]) if date_col is not None else None,
                _text(row[sides_col]) if sides_col is not None else None,
            )
            if key in entries and entries[key] != source:
                problems.append((line, f"{origin}: {key} is listed twice with different values; the first is used"))
                continue
            entries.setdefault(key, source)
    except csv.Error as exc:
        problems.append((reader.line_num, f"{origin}: not valid CSV: {exc}"))
    return entries, problems


def _parse_json(text: str, origin: str) -> tuple[dict[str, Source], list[tuple[int | None, str]]]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return {}, [(None, f"{origin}: not valid JSON: {exc}")]
    entries: dict[str, Source] = {}
    problems: list[tuple[int | None, str]] = []
    if isinstance(data, dict):
        items = []
        for key, value in data.items():
            if isinstance(value, dict):
                items.append(dict(value, file=key))
            else:
                items.append({"file": key, "outlet": value})
    elif isinstance(data, list):
        items = data
    else:
        return {}, [(None, f"{origin}: expected a list of {{file, outlet}} objects or a {{file: outlet}} mapping")]
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append((None, f"{origin}: entry {i + 1} is not an object"))
            continue
        raw_key = item.get("file", item.get("path"))
        key = normalise_key(raw_key) if isinstance(raw_key, str) else ""
        if not key:
            problems.append((None, f"{origin}: entry {i + 1} has no 'file'"))
            continue
        outlet = item.get("outlet")
        if outlet is not None and _text(outlet) is None and not (isinstance(outlet, str) and not outlet.strip()):
            problems.append((None, f"{origin}: entry {i + 1} ({key}): 'outlet' must be a string"))
            continue
        entries.setdefault(
            key, Source(_text(outlet), _text(item.get("url")), _text(item.get("date")), _text(item.get("sides")))
        )
    return entries, problems


def load_sources(
    directory: Path, rel_dir: tuple[str, ...]
) -> tuple[list[SourcesFile], list[tuple[str, int | None, str]]]:
    """The sources files in ``directory`` (if any) and the problems found in them.

    Problems are (relative path of the sources file, line or None, message).
    """
    found: list[SourcesFile] = []
    problems: list[tuple[str, int | None, str]] = []
    for name in METADATA_FILES:
        path = directory / name
        try:
            if not path.is_file():
                continue
        except OSError:  # an unreadable folder: the walker reports it when it cannot list it
            continue
        rel = "/".join(rel_dir + (name,))
        try:
            if path.stat().st_size > MAX_METADATA_BYTES:
                problems.append((rel, None, f"{rel} is larger than {MAX_METADATA_BYTES >> 20} MB; ignored"))
                continue
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            problems.append((rel, None, f"cannot read {rel}: {exc.strerror or exc}"))
            continue
        except UnicodeDecodeError:
            problems.append((rel, None, f"{rel} is not UTF-8 text; ignored"))
            continue
        parse = _parse_csv if name.endswith(".csv") else _parse_json
        entries, issues = parse(text, rel)
        entries = {key: _sides_path(source, directory) for key, source in entries.items()}
        problems.extend((rel, line, message) for line, message in issues)
        found.append(SourcesFile(rel_dir, entries, rel))
    return found, problems


def _sides_path(source: Source, directory: Path) -> Source:
    """A sides file named in a sources file, as a path from the sources file's folder."""
    if source.sides and source.sides.lower().endswith(".toml"):
        return replace(source, sides=str(directory / source.sides))
    return source


def folder_sides(directory: Path) -> str | None:
    """The ``sides.toml`` of ``directory``, if it has one."""
    path = directory / SIDES_FILE
    try:
        return str(path) if path.is_file() else None
    except OSError:
        return None


def resolve(
    rel_parts: tuple[str, ...], chain: list[SourcesFile], own_outlet: str | None = None, sides: str | None = None
) -> Source:
    """Outlet, url, date and sides for the file at ``rel_parts`` (relative to the scored folder).

    ``chain`` lists the sources files that apply, outermost first; the nearest wins. ``sides``
    is the nearest folder's ``sides.toml``, used when no sources entry names the file's sides.
    """
    listed = None
    for sources in reversed(chain):
        listed = sources.get(rel_parts)
        if listed is not None:
            break
    outlet = own_outlet or (listed.outlet if listed else None)
    if not outlet:
        outlet = rel_parts[0] if len(rel_parts) > 1 else UNKNOWN
    return Source(
        outlet,
        listed.url if listed else None,
        listed.date if listed else None,
        (listed.sides if listed else None) or sides,
    )
