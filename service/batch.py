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
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from framing.model.sides import Sides
from framing.model.store import current_version, store_dir, verify
from framing.service import readers
from framing.service.folder.engines import Dask, Inline, Pool
from framing.service.folder.errors import BatchError, WorkerModelError
from framing.service.folder.progress import Progress, megabytes
from framing.service.folder.resume import Errors, Output, key_id
from framing.service.folder.rows import FORMATS, errors_path
from framing.service.folder.worker import Job
from framing.service.readers import Problem, RawArticle

__all__ = ["BatchError", "FolderSummary", "score_folder", "errors_path"]


ENGINES = ("local", "dask")
DEFAULT_CHUNK_BYTES = 256 * 1024
FIRST_CHUNK_BYTES = 16 * 1024
MAX_CHUNK_ARTICLES = 2000

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
            f"scored {self.articles} articles ({self.paragraphs} paragraphs, {megabytes(self.text_bytes)} of "
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
    attributions: bool = False,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    max_article_bytes: int = readers.DEFAULT_MAX_BYTES,
    progress_interval: float = 10.0,
    stream: TextIO | None = None,
) -> FolderSummary:
    """Score every article under ``folder`` into ``out`` (.jsonl or .csv); see the module docstring.

    ``jobs`` <= 0 means all cores. ``engine`` is ``local`` (worker processes on this machine) or
    ``dask`` (the cluster at ``scheduler``, or a local Dask cluster of ``jobs`` workers if none is
    given). ``progress``: None shows a bar on a terminal and plain lines otherwise, True a bar,
    False nothing. ``attributions``: rows also carry who speaks and whom they blame, each
    paragraph read with its article's earlier paragraphs as context. Raises ``BatchError`` (bad
    arguments, an output that cannot be resumed, write failures) and ``ModelStoreError`` (no
    usable model).
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
    job = Job(str(store), version, sides.to_dict() if sides is not None else None, fmt, attributions=attributions)

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"cannot create the folder of {out}: {exc.strerror or exc}", 1) from None
    output = Output(out, fmt, job.directions, version, overwrite, attributions)
    errors = Errors(errors_path(out), fmt)
    summary = FolderSummary(
        folder, out, errors.path, engine, 1, version, resumed_rows=output.resumed_rows, cut_bytes=output.cut
    )
    exclude = [out, errors.path]
    mode = _progress_mode(progress, stream)
    progress_state = Progress(
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
            executor = Dask(job, scheduler, jobs)
        elif jobs == 1 or small:
            executor = Inline(job)
        else:
            executor = Pool(job, jobs)
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
    walker, done: dict, errors: Errors, summary: FolderSummary, progress: Progress, chunk_bytes: int
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
        known = done.get(key_id(item.path, item.line)) if done else None
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
