"""Score every article under a folder, one row per paragraph, on this machine or a Dask cluster.

How it runs::

    walk the folder (service.readers.Walker, lazily)       main process
      -> skip articles already in the output (by path and content hash)
      -> chunks of articles (raw bytes, ~256 kB)
      -> score_chunk: decode / extract, split, score in     worker processes (forked with the
         batches, encode each article's rows               verified model loaded, or spawned to
                                                           load it once each), or Dask workers
      -> append each chunk's rows to the output, in order   main process

Memory stays bounded whatever the folder's size: the folder is never listed whole (one
directory listing at a time), at most a few chunks are in flight, and the main process
keeps only a small digest per article already written (for resuming).

Output: ``.jsonl`` (one JSON object a line: the row fields and the nested scoring result)
or ``.csv`` (the same flattened: ``direction.label``, ``direction.probabilities.<label>``,
``loaded.label``, ``loaded.probabilities.<label>``, ``loaded.spans`` as JSON, ``lean``,
``framing_score``, ``model_version``, and ``too_short``/``warning`` for a paragraph too short to
judge). Every row has ``path``, ``line`` (the line of a
``.jsonl`` input, else empty), ``id``, ``outlet``, ``url``, ``date``, ``article_hash``,
``article_paragraphs`` (paragraphs in the article), ``paragraph``, ``start``, ``end`` and
``text`` (``text == article[start:end]``; for HTML the article is the extracted text).

Sides: ``sides=None`` (the CLI's ``--sides auto``) reads each article with its folder's setting (a
``sides`` entry for the file in a sources file, else the nearest ``sides.toml``; see
``service.outlets``), else the dispute its text names (``model.disputes``); every row carries
``sides``. Given sides are used for every article. In CSV the probability columns are named by
the directions with given sides, and ``A->B``, ``B->A``, ``mutual``, ``none`` otherwise.

Crash safety and resuming: an article's rows are always written together in one write
call (whole chunks of articles at a time) and flushed. Rerunning the same command on an
existing output first scans it: an unfinished tail (a partial line or an article with
fewer rows than its ``article_paragraphs``) is cut, and every complete article is
skipped when met again with the same content hash. Resuming refuses an output written by
another model version or with other sides (``overwrite=True`` starts it over).

Every input that is not scored is reported in the errors file beside the output
(``<name>.errors.jsonl`` or ``<name>.errors.csv``, rewritten on every run; inputs that
failed are met and reported again on a rerun) and counted in the summary.
"""

from __future__ import annotations

import collections
import csv
import hashlib
import io
import json
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import orjson

from model.disputes import Disputes, score_grouped
from model.paragraphs import split_paragraphs
from model.results import LOADED_LABELS
from model.sides import Sides, SidesError, default_sides, sides_from_mapping
from model.store import ModelStoreError, current_version, load_version, store_dir, verify
from service import readers
from service.readers import ArticleError, Problem, RawArticle

FORMATS = {".jsonl": "jsonl", ".csv": "csv"}
ENGINES = ("local", "dask")
ROW_FIELDS = (
    "path",
    "line",
    "id",
    "outlet",
    "url",
    "date",
    "article_hash",
    "article_paragraphs",
    "paragraph",
    "start",
    "end",
    "text",
)
SIDES_FIELDS = ("sides.dispute", "sides.a", "sides.b", "sides.detected")
GENERIC_DIRECTIONS = ("A->B", "B->A", "mutual", "none")  # CSV columns when articles are read with different sides
DEFAULT_CHUNK_BYTES = 256 * 1024
FIRST_CHUNK_BYTES = 16 * 1024
MAX_CHUNK_ARTICLES = 2000
SCORE_BATCH = (
    768  # most paragraphs per model call: enough to amortise each call's fixed cost, few enough to stay in cache
)
MAX_POOL_RESTARTS = 5
OPENING_CHARS = 1000  # an article's dispute is found in its opening (headline, lede), else in its whole text


class BatchError(Exception):
    """score-folder cannot run or go on; ``code`` is the exit code a CLI should use."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


class WorkerModelError(RuntimeError):
    """A scoring worker could not load the model (raised inside workers, fatal in the main process)."""


# --------------------------------------------------------------------------- rows


def errors_path(out: Path) -> Path:
    """The errors file beside ``out``: results.jsonl -> results.errors.jsonl, results.csv -> results.errors.csv."""
    out = Path(out)
    return out.with_name(f"{out.stem}.errors{out.suffix}")


def csv_columns(directions: tuple[str, ...]) -> list[str]:
    """The CSV header: probability columns named by the sides' directions when every article is
    read with the same sides, else by ``GENERIC_DIRECTIONS`` (each row's ``sides.a`` and ``sides.b``
    say who A and B are)."""
    return (
        list(ROW_FIELDS)
        + ["direction.label"]
        + [f"direction.probabilities.{d}" for d in directions]
        + ["loaded.label"]
        + [f"loaded.probabilities.{name}" for name in LOADED_LABELS]
        + ["loaded.spans", "lean", "framing_score", "model_version", "too_short", "warning"]
        + list(SIDES_FIELDS)
    )


def side_directions(a: str, b: str) -> tuple[str, ...]:
    return (f"{a}->{b}", f"{b}->{a}", "mutual", "none")


def _cell(value) -> str:
    return (
        ""
        if value is None
        else value
        if isinstance(value, str)
        else repr(value)
        if isinstance(value, float)
        else str(value)
    )


def flatten(row: dict, directions: tuple[str, ...]) -> list[str]:
    """A nested row as CSV cells in ``csv_columns(directions)`` order."""
    cells = [_cell(row.get(name)) for name in ROW_FIELDS]
    cells.append(row["direction"]["label"])
    probabilities = row["direction"]["probabilities"]
    if directions == GENERIC_DIRECTIONS:
        directions = tuple(probabilities)
    cells += [_cell(probabilities[d]) for d in directions]
    cells.append(row["loaded"]["label"])
    cells += [_cell(row["loaded"]["probabilities"][name]) for name in LOADED_LABELS]
    cells.append(json.dumps(row["loaded"]["spans"], ensure_ascii=False, separators=(",", ":")))
    cells += [
        _cell(row["lean"]),
        _cell(row["framing_score"]),
        _cell(row["model_version"]),
        "true" if row.get("too_short") else "",
        _cell(row.get("warning")),
    ]
    sides = row["sides"]
    cells += [sides["dispute"], sides["names"][0], sides["names"][1], "true" if sides["detected"] else "false"]
    return cells


def directions_of_columns(columns: list[str]) -> tuple[str, ...]:
    prefix = "direction.probabilities."
    return tuple(c[len(prefix) :] for c in columns if c.startswith(prefix))


def unflatten(record: dict[str, str], directions: tuple[str, ...]) -> dict:
    """A CSV record (column -> cell) back into a nested row; KeyError/ValueError when malformed."""

    def optional(name):
        value = record[name]
        return value if value != "" else None

    names = [record["sides.a"], record["sides.b"]]
    own = side_directions(*names)
    columns = GENERIC_DIRECTIONS if directions == GENERIC_DIRECTIONS else own
    return {
        "path": record["path"],
        "line": int(record["line"]) if record["line"] else None,
        "id": optional("id"),
        "outlet": record["outlet"],
        "url": optional("url"),
        "date": optional("date"),
        "article_hash": record["article_hash"],
        "article_paragraphs": int(record["article_paragraphs"]),
        "paragraph": int(record["paragraph"]),
        "start": int(record["start"]),
        "end": int(record["end"]),
        "text": record["text"],
        "direction": {
            "label": record["direction.label"],
            "probabilities": {d: float(record[f"direction.probabilities.{c}"]) for d, c in zip(own, columns)},
        },
        "loaded": {
            "label": record["loaded.label"],
            "probabilities": {n: float(record[f"loaded.probabilities.{n}"]) for n in LOADED_LABELS},
            "spans": json.loads(record["loaded.spans"] or "[]"),
        },
        "lean": float(record["lean"]),
        "framing_score": float(record["framing_score"]),
        "model_version": record["model_version"],
        **({"too_short": True} if record.get("too_short") == "true" else {}),
        **({"warning": record["warning"]} if record.get("warning") else {}),
        "sides": {"dispute": record["sides.dispute"], "names": names, "detected": record["sides.detected"] == "true"},
    }


def encode_article(base: dict, paragraphs, results: list[dict], fmt: str, directions: tuple[str, ...]) -> bytes:
    """One article's rows: ``base`` (the article's fields, ``ROW_FIELDS`` up to
    ``article_paragraphs``), then each paragraph's place, text and scoring result.

    For JSON Lines the article's fields are encoded once and each row's own part appended
    to them: the same bytes as ``orjson.dumps`` of the whole row."""
    if fmt == "jsonl":
        head = orjson.dumps(base)[:-1]
        dumps = orjson.dumps
        return b"".join(
            b'%s,"paragraph":%d,"start":%d,"end":%d,"text":%s,%s\n'
            % (head, p.index, p.start, p.end, dumps(p.text), dumps(r)[1:])
            for p, r in zip(paragraphs, results)
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for p, r in zip(paragraphs, results):
        writer.writerow(flatten(dict(base, paragraph=p.index, start=p.start, end=p.end, text=p.text, **r), directions))
    return buffer.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- the worker side


@dataclass(frozen=True)
class Job:
    """What a worker needs to score a chunk (small and picklable; shipped with every chunk)."""

    store: str
    version: str
    sides: dict | None  # None: each article's folder settings, else the dispute its text names
    fmt: str
    batch: int = SCORE_BATCH

    @property
    def directions(self) -> tuple[str, ...]:
        if self.sides is None:
            return GENERIC_DIRECTIONS
        return sides_from_mapping(self.sides).directions


@dataclass
class Scored:
    path: str
    line: int | None
    digest: str
    blob: bytes
    paragraphs: int
    text_bytes: int


_WORKER: dict = {"models": {}, "loads": 0, "sides": {}, "disputes": None, "chosen": {}}
_PROBE = "Pakistan accused Kabul of sheltering militants, a charge the Taliban rejected as baseless."

_WORKER_LOCK = threading.Lock()


def _worker_model(store: str, version: str):
    """The verified model, loaded once per process (thread-safe, for Dask workers with threads)."""
    key = (store, version)
    with _WORKER_LOCK:
        loaded = _WORKER["models"].get(key)
        if loaded is None:
            try:
                loaded = load_version(Path(store), version)
            except ModelStoreError as exc:
                raise WorkerModelError(f"a scoring worker cannot load model {version} from {store}: {exc}") from None
            except Exception as exc:  # unpickling errors: the store was made by other code
                raise WorkerModelError(
                    f"a scoring worker cannot load model {version} from {store}: {type(exc).__name__}: {exc}"
                ) from None
            try:  # a model that loads but cannot score with this code (stale pickle) is fatal, not per article
                loaded.classifier.score([_PROBE], default_sides(), version)
            except Exception as exc:
                raise WorkerModelError(
                    f"model {version} in {store} loads but cannot score with this code "
                    f"({type(exc).__name__}: {exc}); retrain it with 'framing train'"
                ) from None
            _WORKER["models"][key] = loaded
            _WORKER["loads"] += 1
    return loaded


def worker_loads() -> int:
    """How many times this process loaded a model (one per version; used to check the Dask path)."""
    return _WORKER["loads"]


def init_worker(store: str, version: str) -> None:
    """Process-pool initializer: load the model up front (a failure is re-raised on the first chunk).
    Ctrl-C is left to the main process, which stops the pool."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _worker_model(store, version)
    except WorkerModelError:
        pass


def _job_sides(job: Job) -> Sides | None:
    if job.sides is None:
        return None
    key = json.dumps(job.sides, sort_keys=True)
    sides = _WORKER["sides"].get(key)
    if sides is None:
        sides = _WORKER["sides"][key] = sides_from_mapping(job.sides)
    return sides


def _disputes() -> Disputes:
    if _WORKER["disputes"] is None:
        _WORKER["disputes"] = Disputes()
    return _WORKER["disputes"]


def _folder_choice(spec: str) -> Sides:
    """The sides a folder setting names (a dispute name or a sides file), read once per worker."""
    chosen = _WORKER["chosen"].get(spec)
    if chosen is None:
        chosen = _WORKER["chosen"][spec] = _disputes().choose(spec)
    return chosen


def _article_sides(prepared: list, job: Job) -> tuple[list[Sides | None], list[bool]]:
    """Per article: the job's sides; else its folder's setting; else the dispute its opening names
    (headline and lede: a fifth of the cost of reading whole articles), else its whole text (None when
    it names no side of a known dispute). Also whether each was detected."""
    fixed = _job_sides(job)
    if fixed is not None:
        return [fixed] * len(prepared), [False] * len(prepared)
    chosen: list[Sides | None] = [_folder_choice(item.sides) if item.sides else None for item, *_ in prepared]
    unset = [k for k, (item, *_) in enumerate(prepared) if not item.sides]
    for k, found in zip(unset, _disputes().detect([prepared[k][1][:OPENING_CHARS] for k in unset])):
        chosen[k] = found
    unset = [k for k in unset if chosen[k] is None and len(prepared[k][1]) > OPENING_CHARS]
    for k, found in zip(unset, _disputes().detect([prepared[k][1] for k in unset])):
        chosen[k] = found
    return chosen, [not item.sides for item, *_ in prepared]


def _score_articles(classifier, prepared: list, chosen: list, detected: list, job: Job) -> list[dict]:
    texts, per_text, per_detected = [], [], []
    for (_, _, _, paragraphs), sides, found in zip(prepared, chosen, detected):
        texts += [p.text for p in paragraphs]
        per_text += [sides] * len(paragraphs)
        per_detected += [found] * len(paragraphs)
    fallback = _job_sides(job) or _disputes().default_sides()
    results = score_grouped(classifier, texts, per_text, per_detected, job.version, fallback, batch=job.batch)
    if len(results) != len(texts):
        raise RuntimeError(f"the model returned {len(results)} results for {len(texts)} paragraphs")
    return results


def score_chunk(items: list[RawArticle], job: Job) -> tuple[list[Scored], list[Problem]]:
    """Decode, split and score a chunk of articles; each article's rows encoded as one blob.

    Runs in a worker process (or a Dask worker, or inline). Bad articles become Problems;
    if the model fails on a batch, the chunk is retried article by article so that only
    the article the model fails on is reported.
    """
    loaded = _worker_model(job.store, job.version)
    prepared, problems = [], []
    for item in items:
        try:
            if item.sides and job.sides is None:
                _folder_choice(item.sides)
            text, fields = readers.article_text(item.kind, item.raw)
            paragraphs = split_paragraphs(text)
        except SidesError as exc:
            problems.append(Problem(item.path, item.line, "sides", f"cannot use the sides set for it: {exc}"))
            continue
        except ArticleError as exc:
            problems.append(Problem(item.path, item.line, exc.kind, str(exc)))
            continue
        except Exception as exc:  # a reader or splitter bug on odd input: report the article, go on
            problems.append(Problem(item.path, item.line, "unreadable", f"cannot read: {type(exc).__name__}: {exc}"))
            continue
        if not paragraphs:
            problems.append(
                Problem(
                    item.path, item.line, "no-paragraphs", "no paragraphs to score (only page furniture or blank lines)"
                )
            )
            continue
        prepared.append((item, text, fields, paragraphs))

    chosen, detected = _article_sides(prepared, job)
    per_article: list[list[dict] | Exception] = []
    try:
        results = _score_articles(loaded.classifier, prepared, chosen, detected, job)
        position = 0
        for _, _, _, paragraphs in prepared:
            per_article.append(results[position : position + len(paragraphs)])
            position += len(paragraphs)
    except Exception:
        per_article = []
        for k, article in enumerate(prepared):
            try:
                per_article.append(
                    _score_articles(loaded.classifier, [article], chosen[k : k + 1], detected[k : k + 1], job)
                )
            except Exception as exc:
                per_article.append(exc)

    scored = []
    directions = job.directions
    for (item, text, fields, paragraphs), results in zip(prepared, per_article):
        if isinstance(results, Exception):
            problems.append(
                Problem(
                    item.path,
                    item.line,
                    "scoring-failed",
                    f"the model failed on this article: {type(results).__name__}: {results}",
                )
            )
            continue
        try:
            blob = encode_article(_article_fields(item, fields, paragraphs), paragraphs, results, job.fmt, directions)
        except (UnicodeEncodeError, ValueError, orjson.JSONEncodeError) as exc:
            problems.append(Problem(item.path, item.line, "undecodable", f"cannot write its rows: {exc}"))
            continue
        scored.append(Scored(item.path, item.line, item.digest, blob, len(paragraphs), len(text.encode("utf-8"))))
    return scored, problems


def _article_fields(item: RawArticle, fields: dict, paragraphs) -> dict:
    """The fields every row of the article carries, in ``ROW_FIELDS`` order."""
    if item.kind == "html":  # the user's metadata says more than what the page claims about itself
        url, date = item.url or fields.get("url"), item.date or fields.get("date")
    else:
        url, date = fields.get("url") or item.url, fields.get("date") or item.date
    return {
        "path": item.path,
        "line": item.line,
        "id": fields.get("id"),
        "outlet": fields.get("outlet") or item.outlet,
        "url": url,
        "date": date,
        "article_hash": item.digest,
        "article_paragraphs": len(paragraphs),
    }


# --------------------------------------------------------------------------- the output file


def _key_id(path: str, line: int | None) -> bytes:
    return hashlib.blake2b(f"{path}\0{line}".encode("utf-8", "surrogatepass"), digest_size=12).digest()


class _Groups:
    """Consecutive rows of one article; finds complete articles and where an unfinished tail starts."""

    def __init__(self, name: str, version: str, directions: tuple[str, ...]):
        self.name, self.version, self.directions = name, version, directions
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
                self.done[_key_id(path, line)] = bytes.fromhex(digest)
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


class _Output:
    """The output file: scanned for resuming, cut back to its last complete article, appended to."""

    def __init__(self, path: Path, fmt: str, directions: tuple[str, ...], version: str, overwrite: bool):
        self.path, self.fmt = path, fmt
        self.columns = csv_columns(directions)
        self.cut = 0
        groups = _Groups(str(path), version, directions)
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


def encode_header(columns: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(columns)
    return buffer.getvalue().encode("utf-8")


class _Errors:
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


# --------------------------------------------------------------------------- progress


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _megabytes(n: float) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


class _Progress:
    """A tqdm bar (bytes, with ETA; articles/s alongside) on a terminal, else a plain line every
    ``interval`` seconds; ``off`` prints nothing. The total is counted in a background thread,
    started by ``start`` (after the scoring processes are forked: see ``_Pool``)."""

    def __init__(self, mode: str, stream: TextIO, interval: float, walker: readers.Walker | None):
        self.mode, self.stream, self.interval, self.walker = mode, stream, interval, walker
        self.articles = self.paragraphs = self.problems = self.skipped = 0
        self.done_bytes = 0
        self.total: int | None = None
        self._total_found: int | None = None
        self.started = self.last = time.monotonic()
        self.bar = None
        self._stop = threading.Event()

    def start(self) -> None:
        if self.mode == "bar":
            from tqdm import tqdm

            self.bar = tqdm(
                total=None,
                unit="B",
                unit_scale=True,
                unit_divisor=1000,
                desc="score-folder",
                file=self.stream,
                dynamic_ncols=True,
                mininterval=0.5,
                smoothing=0.1,
            )
            self.bar.update(self.done_bytes)
        if self.mode != "off" and self.walker is not None:
            threading.Thread(target=self._count, args=(self.walker,), daemon=True, name="score-folder-total").start()

    def _count(self, walker: readers.Walker) -> None:
        total = 0
        try:
            for size in walker.sizes():
                if self._stop.is_set():
                    return
                total += size
        except OSError:
            return
        self._total_found = total

    def update(self, nbytes: int = 0, articles: int = 0, paragraphs: int = 0, problems: int = 0, skipped: int = 0):
        self.done_bytes += nbytes
        self.articles += articles
        self.paragraphs += paragraphs
        self.problems += problems
        self.skipped += skipped
        if self.mode == "off":
            return
        if self._total_found is not None and self.total is None:
            self.total = max(self._total_found, self.done_bytes)
            if self.bar is not None:
                self.bar.total = self.total
        now = time.monotonic()
        rate = self.articles / max(now - self.started, 1e-9)
        if self.bar is not None:
            self.bar.update(nbytes)
            if now - self.last >= 0.5:
                self.last = now
                self.bar.set_postfix_str(
                    f"{self.articles} articles, {rate:.1f} articles/s, {self.problems} problems", refresh=False
                )
        elif now - self.last >= self.interval:
            self.last = now
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.started, 1e-9)
        text = (
            f"score-folder: {self.articles} articles ({self.articles / elapsed:.1f}/s), "
            f"{self.paragraphs} paragraphs, {_megabytes(self.done_bytes)}"
        )
        if self.total:
            share = min(self.done_bytes / self.total, 1.0)
            text += f" of {_megabytes(self.total)} ({share:.0%})"
            if 0 < share < 1:
                text += f", ETA {_duration(elapsed * (1 - share) / share)}"
        if self.skipped:
            text += f", {self.skipped} already done"
        return text + f", {self.problems} problems, {_duration(elapsed)} elapsed"

    def close(self) -> None:
        self._stop.set()
        if self.bar is not None:
            if self.total is not None:
                self.bar.total = max(self.total, self.bar.n)
            self.bar.set_postfix_str(f"{self.articles} articles, {self.problems} problems", refresh=False)
            self.bar.close()


# --------------------------------------------------------------------------- engines


class _Inline:
    """Scores in this process (one job, or a folder small enough that starting workers costs more)."""

    name, window = "local", 1

    def __init__(self, job: Job):
        self.job = job
        self.workers = 1
        _worker_model(job.store, job.version)

    def submit(self, items):
        return items

    def result(self, handle):
        return score_chunk(handle, self.job)

    def close(self, cancel: bool = False):
        pass


class _Handle:
    def __init__(self, items):
        self.items, self.future, self.failures = items, None, 0


def _can_fork() -> bool:
    """Forking is safe here: Linux, and this process runs no other thread (a fork copies only the
    calling thread, so a lock another thread holds would stay locked in the child)."""
    return (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


class _Pool:
    """A pool of worker processes with the verified model loaded.

    On Linux, while this process has a single thread, the workers are forked from it after it
    has loaded the model, so they start scoring at once (spawned workers would each import
    the code and load the model first: about 0.4 s here, a tenth of scoring 32 MB). Otherwise
    (other systems, a restart after a worker died) they are spawned and load the model once each.
    """

    name = "local"

    def __init__(self, job: Job, jobs: int):
        self.job, self.workers = job, jobs
        self.window = 2 * jobs + 1
        self.inflight: list[_Handle] = []
        self.restarts = 0
        self._start()

    def _start(self):
        fork = _can_fork()
        if fork:
            _worker_model(self.job.store, self.job.version)
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
            initializer=init_worker,
            initargs=(self.job.store, self.job.version),
        )
        if fork:
            self.pool.submit(int)  # the first call forks every worker, before any thread starts here

    def submit(self, items):
        handle = _Handle(items)
        handle.future = self.pool.submit(score_chunk, items, self.job)
        self.inflight.append(handle)
        return handle

    def result(self, handle: _Handle):
        while True:
            try:
                outcome = handle.future.result()
                self.inflight.remove(handle)
                return outcome
            except BrokenProcessPool as exc:
                self.restarts += 1
                if self.restarts > MAX_POOL_RESTARTS:
                    raise BatchError(
                        f"the scoring processes keep dying ({exc}); rerun the same command to "
                        f"resume, with fewer --jobs if memory is short",
                        1,
                    ) from None
                self.pool.shutdown(wait=False, cancel_futures=True)
                self._start()
                handle.failures += 1
                if handle.failures >= 2:
                    self.inflight.remove(handle)
                    for other in self.inflight:
                        other.future = self.pool.submit(score_chunk, other.items, self.job)
                    return [], [
                        Problem(
                            i.path,
                            i.line,
                            "worker-died",
                            "a scoring process died twice on the chunk holding this article (out of memory?)",
                        )
                        for i in handle.items
                    ]
                for other in self.inflight:
                    other.future = self.pool.submit(score_chunk, other.items, self.job)
            except WorkerModelError:
                raise
            except Exception as exc:
                self.inflight.remove(handle)
                return [], [
                    Problem(i.path, i.line, "scoring-failed", f"scoring failed: {type(exc).__name__}: {exc}")
                    for i in handle.items
                ]

    def close(self, cancel: bool = False):
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


class _Dask:
    """Chunks as tasks on a Dask distributed cluster; every worker loads the verified model once
    (from the same store path, which the workers must be able to read)."""

    name = "dask"

    def __init__(self, job: Job, scheduler: str | None, jobs: int):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
            raise BatchError(f"the dask engine needs dask[distributed]: {exc}") from None
        self.job, self.cluster = job, None
        try:
            if scheduler:
                import dask

                self.client = Client(scheduler, timeout=dask.config.get("distributed.comm.timeouts.connect"))
            else:
                self.cluster = LocalCluster(
                    n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {exc}", 2) from None
        self.workers = max(sum(self.client.nthreads().values()), 1)
        self.window = 2 * self.workers + 2

    def submit(self, items):
        handle = _Handle(items)
        handle.future = self.client.submit(score_chunk, items, self.job, pure=False)
        return handle

    def result(self, handle: _Handle):
        try:
            return handle.future.result()
        except WorkerModelError:
            raise
        except Exception as exc:
            if self.client.status != "running":
                raise BatchError(
                    f"lost the Dask scheduler ({type(exc).__name__}: {exc}); rerun the same command to resume", 1
                ) from None
            return [], [
                Problem(i.path, i.line, "scoring-failed", f"scoring failed on the cluster: {type(exc).__name__}: {exc}")
                for i in handle.items
            ]

    def close(self, cancel: bool = False):
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


# --------------------------------------------------------------------------- the run


@dataclass
class FolderSummary:
    folder: Path
    out: Path
    errors: Path
    engine: str
    workers: int
    model_version: str
    articles: int = 0
    paragraphs: int = 0
    text_bytes: int = 0
    input_bytes: int = 0
    already_done: int = 0
    resumed_rows: int = 0
    cut_bytes: int = 0
    problems: collections.Counter = field(default_factory=collections.Counter)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def problem_count(self) -> int:
        return sum(self.problems.values())

    @property
    def mb_per_s(self) -> float:
        return self.text_bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0

    @property
    def paragraphs_per_s(self) -> float:
        return self.paragraphs / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "folder": str(self.folder),
            "out": str(self.out),
            "errors": str(self.errors),
            "engine": self.engine,
            "workers": self.workers,
            "model_version": self.model_version,
            "articles": self.articles,
            "paragraphs": self.paragraphs,
            "text_bytes": self.text_bytes,
            "input_bytes": self.input_bytes,
            "already_done": self.already_done,
            "resumed_rows": self.resumed_rows,
            "cut_bytes": self.cut_bytes,
            "problems": dict(self.problems),
            "seconds": round(self.seconds, 3),
            "mb_per_s": round(self.mb_per_s, 3),
            "paragraphs_per_s": round(self.paragraphs_per_s, 1),
            "interrupted": self.interrupted,
        }

    def lines(self) -> list[str]:
        workers = (
            f"{self.workers} {'process' if self.workers == 1 else 'processes'}"
            if self.engine == "local"
            else f"{self.workers} Dask worker threads"
        )
        lines = [
            f"scored {self.articles} articles ({self.paragraphs} paragraphs, {_megabytes(self.text_bytes)} of "
            f"text) in {self.seconds:.1f} s: {self.mb_per_s:.2f} MB/s, {self.paragraphs_per_s:.0f} "
            f"paragraphs/s on {workers}, model {self.model_version}"
        ]
        if self.already_done or self.cut_bytes:
            resumed = f"resumed {self.out}: {self.already_done} articles already scored were skipped"
            if self.cut_bytes:
                resumed += f"; cut {self.cut_bytes} bytes of an unfinished article at its end"
            lines.append(resumed)
        if self.problems:
            kinds = ", ".join(f"{n} {kind}" for kind, n in self.problems.most_common())
            lines.append(f"{self.problem_count} inputs skipped ({kinds}): see {self.errors}")
        else:
            lines.append(f"no inputs skipped ({self.errors} is empty)")
        lines.append(
            f"interrupted: rerun the same command to resume; {self.out} holds only complete articles"
            if self.interrupted
            else f"wrote {self.out}"
        )
        return lines


def _cpu_count() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return max(os.cpu_count() or 1, 1)


def _progress_mode(progress: bool | None, stream: TextIO) -> str:
    if progress is False:
        return "off"
    if progress is True:
        return "bar"
    try:
        return "bar" if stream.isatty() else "lines"
    except (AttributeError, ValueError):
        return "lines"


def score_folder(
    folder: Path,
    out: Path,
    *,
    sides: Sides | None = None,
    model_dir: Path | None = None,
    jobs: int = 0,
    engine: str = "local",
    scheduler: str | None = None,
    progress: bool | None = None,
    overwrite: bool = False,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    max_article_bytes: int = readers.DEFAULT_MAX_BYTES,
    progress_interval: float = 10.0,
    stream: TextIO | None = None,
) -> FolderSummary:
    """Score every article under ``folder`` into ``out`` (.jsonl or .csv); see the module docstring.

    ``jobs`` <= 0 means all cores. ``engine`` is ``local`` (worker processes on this machine) or
    ``dask`` (the cluster at ``scheduler``, or a local Dask cluster of ``jobs`` workers if none is
    given). ``progress``: None shows a bar on a terminal and plain lines otherwise, True a bar,
    False nothing. Raises ``BatchError`` (bad arguments, an output that cannot be resumed, write
    failures) and ``ModelStoreError`` (no usable model).
    """
    started = time.monotonic()
    folder, out = Path(folder), Path(out)
    stream = stream if stream is not None else sys.stderr
    if not folder.exists():
        raise BatchError(f"{folder} does not exist")
    if not folder.is_dir():
        raise BatchError(f"{folder} is not a folder")
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise BatchError(f"--out must end in .jsonl or .csv (got {out.name!r})")
    if out.exists() and out.is_dir():
        raise BatchError(f"--out {out} is a folder")
    if engine not in ENGINES:
        raise BatchError(f"unknown engine {engine!r}; use 'local' or 'dask'")
    if scheduler and engine != "dask":
        raise BatchError("--scheduler only applies to --engine dask")
    if chunk_bytes < 1:
        raise BatchError("chunk_bytes must be positive")
    jobs = _cpu_count() if not jobs or jobs < 0 else int(jobs)

    store = store_dir(model_dir).resolve()
    version = current_version(store)
    verify(store, version)
    job = Job(str(store), version, sides.to_dict() if sides is not None else None, fmt)

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"cannot create the folder of {out}: {exc.strerror or exc}", 1) from None
    output = _Output(out, fmt, job.directions, version, overwrite)
    errors = _Errors(errors_path(out), fmt)
    summary = FolderSummary(
        folder, out, errors.path, engine, 1, version, resumed_rows=output.resumed_rows, cut_bytes=output.cut
    )
    exclude = [out, errors.path]
    mode = _progress_mode(progress, stream)
    progress_state = _Progress(
        mode, stream, progress_interval, readers.Walker(folder, exclude, max_article_bytes) if mode != "off" else None
    )
    executor = None
    try:
        walker = readers.Walker(folder, exclude, max_article_bytes)
        chunks = _chunks(walker, output.done, errors, summary, progress_state, chunk_bytes)
        head, size = [], 0
        for chunk in chunks:  # look ahead: a small folder is scored inline, without starting workers
            head.append(chunk)
            size += sum(len(i.raw) for i in chunk)
            if size >= chunk_bytes:
                break
        small = size < chunk_bytes
        if engine == "dask":
            executor = _Dask(job, scheduler, jobs)
        elif jobs == 1 or small:
            executor = _Inline(job)
        else:
            executor = _Pool(job, jobs)
        progress_state.start()
        summary.workers = executor.workers
        window: collections.deque = collections.deque()

        def drain():
            handle, items = window.popleft()
            scored, problems = executor.result(handle)
            if scored:
                output.write(b"".join(s.blob for s in scored))
            for problem in problems:
                errors.add(problem)
            summary.articles += len(scored)
            paragraphs = sum(s.paragraphs for s in scored)
            summary.paragraphs += paragraphs
            summary.text_bytes += sum(s.text_bytes for s in scored)
            raw = sum(len(i.raw) for i in items)
            summary.input_bytes += raw
            progress_state.update(raw, articles=len(scored), paragraphs=paragraphs, problems=len(problems))

        for chunk in _chain(head, chunks):
            handle = executor.submit(chunk)
            window.append((handle, chunk))
            while len(window) >= executor.window:
                drain()
        while window:
            drain()
    except KeyboardInterrupt:
        summary.interrupted = True
    except WorkerModelError as exc:
        raise BatchError(str(exc), 3) from None
    finally:
        progress_state.close()
        if executor is not None:
            executor.close(cancel=summary.interrupted)
        output.close()
        errors.close()
        summary.problems = errors.kinds
        summary.seconds = time.monotonic() - started
    return summary


def _chain(head, rest):
    yield from head
    yield from rest


def _chunks(
    walker, done: dict, errors: _Errors, summary: FolderSummary, progress: _Progress, chunk_bytes: int
) -> Iterator[list[RawArticle]]:
    """Chunks of articles still to score; problems and already-scored articles are dealt with here.
    Chunks start small (so that every worker gets work soon) and double up to ``chunk_bytes``."""
    chunk: list[RawArticle] = []
    size = 0
    limit = min(chunk_bytes, FIRST_CHUNK_BYTES)
    for item in walker:
        if isinstance(item, Problem):
            errors.add(item)
            progress.update(problems=1)
            continue
        known = done.get(_key_id(item.path, item.line)) if done else None
        if known is not None:
            if known == bytes.fromhex(item.digest):
                summary.already_done += 1
                progress.update(len(item.raw), skipped=1)
            else:
                errors.add(
                    Problem(
                        item.path,
                        item.line,
                        "changed",
                        f"changed since its rows were written to {summary.out}; the old rows are kept "
                        f"(write to a new --out, or pass --overwrite, to score the new content)",
                    )
                )
                progress.update(len(item.raw), problems=1)
            continue
        chunk.append(item)
        size += len(item.raw)
        if size >= limit or len(chunk) >= MAX_CHUNK_ARTICLES:
            yield chunk
            chunk, size = [], 0
            limit = min(chunk_bytes, limit * 2)
    if chunk:
        yield chunk
