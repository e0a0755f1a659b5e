"""The worker side of score-folder: load the verified model once per process, then decode, split and
score chunks of articles, each article with its own sides."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import orjson

from framing.model.attribution import article_attributions
from framing.model.disputes import Disputes, score_grouped
from framing.model.features import analyse_batch
from framing.model.paragraphs import split_paragraphs
from framing.model.sides import Sides, SidesError, default_sides, rows_by_sides, sides_from_mapping
from framing.model.store import ModelStoreError, load_version
from framing.service import readers
from framing.service.folder.errors import WorkerModelError
from framing.service.folder.rows import GENERIC_DIRECTIONS, encode_article
from framing.service.readers import ArticleError, Problem, RawArticle

SCORE_BATCH = (
    768  # most paragraphs per model call: enough to amortise each call's fixed cost, few enough to stay in cache
)
OPENING_CHARS = 1000  # an article's dispute is found in its opening (headline, lede), else in its whole text

# --------------------------------------------------------------------------- the worker side


@dataclass(frozen=True)
class Job:
    """What a worker needs to score a chunk (small and picklable; shipped with every chunk)."""

    store: str
    version: str
    sides: dict | None  # None: each article's folder settings, else the dispute its text names
    fmt: str
    batch: int = SCORE_BATCH
    attributions: bool = False  # each paragraph's attributions, with its article's earlier paragraphs as context

    @property
    def directions(self) -> tuple[str, ...]:
        sides = _job_sides(self)  # parsed once per process, as the worker reads it
        return GENERIC_DIRECTIONS if sides is None else sides.directions


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


def worker_model(store: str, version: str):
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
        worker_model(store, version)
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
    found = _attributions(prepared, [sides or fallback for sides in chosen]) if job.attributions else None
    results = score_grouped(
        classifier,
        texts,
        per_text,
        per_detected,
        job.version,
        fallback,
        batch=job.batch,
        attributions=False,
        found=found,
    )
    if len(results) != len(texts):
        raise RuntimeError(f"the model returned {len(results)} results for {len(texts)} paragraphs")
    return results


def _attributions(prepared: list, sides_of: list[Sides]) -> list[list[dict]]:
    """Each paragraph's attributions, read with its article's earlier paragraphs; articles that share
    their sides are read in one batch."""
    first, position = [], 0
    for _, _, _, paragraphs in prepared:
        first.append(position)
        position += len(paragraphs)
    found: list[list[dict]] = [[] for _ in range(position)]
    for articles in rows_by_sides(sides_of):
        sides = sides_of[articles[0]]
        texts, rows, starts = [], [], []
        for k in articles:
            paragraphs = prepared[k][3]
            starts.append(len(texts))
            texts += [p.text for p in paragraphs]
            rows += range(first[k], first[k] + len(paragraphs))
        for row, attributions in zip(rows, article_attributions(analyse_batch(texts, sides), sides, starts)):
            found[row] = attributions
    return found


def score_chunk(items: list[RawArticle], job: Job) -> tuple[list[Scored], list[Problem]]:
    """Decode, split and score a chunk of articles; each article's rows encoded as one blob.

    Runs in a worker process (or a Dask worker, or inline). Bad articles become Problems;
    if the model fails on a batch, the chunk is retried article by article so that only
    the article the model fails on is reported.
    """
    loaded = worker_model(job.store, job.version)
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
