"""The HTTP face of framing: FastAPI, served by ``framing serve`` under uvicorn.

``create_app`` builds the app; the model is loaded in the lifespan (not at import) and
then kept current by a poller (``ModelHolder``). Every bad input gets a 4xx JSON body
that says what is wrong.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import time
import uuid
from contextlib import asynccontextmanager
from functools import lru_cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from model.disputes import AUTO, Disputes
from model.labels import LabelsRejected, add_labels
from model.paragraphs import split_paragraphs
from model.sides import (
    DEFAULT_DISPUTE,
    SIDES_DIR,
    Sides,
    SidesError,
    load_sides,
    sides_by_dispute,
    sides_from_mapping,
)
from model.store import LoadedModel
from service import metrics
from service.limits import BodySizeLimit
from service.model_holder import ModelHolder
from service.retrain import read_job, start_job
from service.schemas import (
    BatchRequest,
    BatchResponse,
    Health,
    LabelsRequest,
    LabelsResponse,
    ModelInfo,
    Problem,
    QueueRequest,
    QueueResponse,
    RetrainJob,
    RetrainRequest,
    ScoreRequest,
    ScoreResult,
    SideIn,
)
from service.settings import Settings, get_settings
from training.suggest import SuggestError, from_rows, labelled_texts, suggest

STATIC = Path(__file__).parent / "static"
DOCS_ASSETS = "/docs-assets"
ERRORS = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    404: {"model": Problem},
    409: {"model": Problem},
    413: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}


def _version() -> str:
    try:
        return package_version("framing")
    except PackageNotFoundError:
        return "0"


@lru_cache(maxsize=128)
def _sides_from_key(key: tuple) -> Sides:
    return sides_from_mapping({"side": [{"name": n, "aliases": list(a)} for n, a in key]}, origin="sides")


class SidesFile:
    """A sides file (by default the one ``default_sides()`` reads) parsed once, and again only
    when the file changes.

    Parsing and compiling the default sides file took about 1 ms per request, more than
    scoring the paragraph; a ``stat`` per request keeps edits to the file live, as before.
    """

    def __init__(self, path: Path = SIDES_DIR / f"{DEFAULT_DISPUTE}.toml"):
        self.path = path
        self._key: tuple | None = None
        self._sides: Sides | None = None

    def __call__(self) -> Sides:
        try:
            st = os.stat(self.path)
        except OSError:
            return load_sides(self.path)  # the reader's own error, as before
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if key != self._key or self._sides is None:
            self._sides, self._key = load_sides(self.path), key
        return self._sides


cached_default_sides = SidesFile()


def resolve_sides(sides: list[SideIn] | str | None, disputes: Disputes) -> Sides | None:
    """The request's sides: None for auto (detected per paragraph), a dispute by name, or two sides given in full."""
    if sides is None or sides == AUTO:
        return None
    if isinstance(sides, str):
        known = disputes.known()
        if sides not in known:
            raise HTTPException(
                422, f"unknown dispute {sides!r}: give 'auto', one of {', '.join(known)}, or the two sides in full"
            )
        return known[sides]
    if len(sides) != 2:
        raise HTTPException(422, f"'sides' needs exactly two sides, A first; got {len(sides)}")
    try:
        return _sides_from_key(tuple((s.name, tuple(s.aliases)) for s in sides))
    except SidesError as exc:
        raise HTTPException(422, str(exc)) from None


def _encode(content) -> bytes:
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json(content) -> Response:
    """Our own results, already in the documented shape: encode once, skip FastAPI's re-validation."""
    return Response(_encode(content), media_type="application/json")


def _fixed_route(scope) -> str:
    """The label of a request that matched a route Starlette does not name in the scope (the OpenAPI
    document, the docs page and its files); 'unmatched' for anything else."""
    path = scope["path"]
    if path in ("/openapi.json", "/docs"):
        return path
    return DOCS_ASSETS if path.startswith(DOCS_ASSETS + "/") else "unmatched"


class Metrics:
    """ASGI middleware counting requests and timing them by route template."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 500}

        async def capture(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = getattr(scope.get("route"), "path", None) or _fixed_route(scope)
            metrics.REQUESTS.labels(scope["method"], route, str(status["code"])).inc()
            metrics.LATENCY.labels(route).observe(time.perf_counter() - started)


class FastScore:
    """ASGI middleware: the common ``POST /v1/score`` without FastAPI's routing, dependency
    injection and request validation, which cost as much CPU as the scoring.

    It serves only requests that plainly pass every check of the documented route: a
    ``Content-Type: application/json`` body that decodes to an object with a non-blank
    ``text`` string within the size limit, no ``sides`` (or null), an ``explain`` integer in
    0..50 if given, no other keys, and a model loaded. It scores them with the route's own
    code and answers the same bytes. Everything else (bad JSON, wrong types, custom sides,
    empty or long text, no model, an exception) goes to the FastAPI route with the body
    replayed unchanged, so errors keep their exact 4xx bodies. It sits inside the Metrics
    and body-size middlewares and marks the request with the route, so it is counted and
    timed as ``/v1/score``.
    """

    PATH = "/v1/score"
    KEYS = frozenset({"text", "sides", "explain"})

    def __init__(self, app, score, route):
        self.app = app
        self.score = score  # async (text, explain) -> body bytes, or None to leave the request to the route
        self.route = route  # the APIRoute, for the metrics label

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope["path"] != self.PATH
            or scope["method"] != "POST"
            or scope.get("root_path")
            or not _is_json(scope["headers"])
        ):
            return await self.app(scope, receive, send)
        messages = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = None
        if message["type"] == "http.request":
            try:
                body = await self._answer(b"".join(m.get("body", b"") for m in messages))
            except Exception:  # whatever it is, the route meets it again and answers as it always did
                body = None
        if body is None:
            return await self.app(scope, _replay(messages, receive), send)
        scope["route"] = self.route
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, raw: bytes) -> bytes | None:
        if not raw:
            return None
        data = json.loads(raw)
        if (
            type(data) is not dict
            or "text" not in data
            or not data.keys() <= self.KEYS
            or data.get("sides") is not None
        ):
            return None
        text, explain = data["text"], data.get("explain", 0)
        if type(text) is not str or type(explain) is not int or not 0 <= explain <= 50:
            return None
        return await self.score(text, explain)


class ScoreBatcher:
    """Scores the lean path's paragraphs together: the requests that reach it during one
    turn of the event loop go to the classifier in one call.

    Nothing waits for a batch to fill: the first paragraph schedules the call for the next
    turn, and whatever arrived by then joins it (at most ``MAX``; the rest go in the next
    call). Under load, a worker's connections end up in step and it scores them in one
    vectorised call, about three times cheaper per paragraph than one call each (0.52 ->
    0.16 ms at 16 paragraphs, measured). A paragraph's result does not depend on its batch
    mates (checked byte for byte on the 756 labelled paragraphs in batches of 2 to 32, and
    by tests/test_service.py), so answers are the same bytes. ``score_many`` returns one
    body or None per text (None: leave that request to the FastAPI route).
    """

    MAX = 64

    def __init__(self, score_many):
        self._score_many = score_many
        self._pending: list[tuple[str, int, asyncio.Future]] = []
        self._scheduled = False

    def score(self, text: str, explain: int) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((text, explain, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._run)
        return future

    def _run(self) -> None:
        batch, self._pending = self._pending[: self.MAX], self._pending[self.MAX :]
        if self._pending:
            asyncio.get_running_loop().call_soon(self._run)
        else:
            self._scheduled = False
        groups: dict[int, list] = {}
        for item in batch:
            groups.setdefault(item[1], []).append(item)
        for explain, items in groups.items():
            try:
                answers = self._score_many([text for text, _, _ in items], explain)
            except Exception:  # the route meets it again for each request and answers as it always did
                answers = [None] * len(items)
            for (_, _, future), answer in zip(items, answers):
                if not future.done():
                    future.set_result(answer)


def _is_json(headers) -> bool:
    for name, value in headers:
        if name == b"content-type":  # the first one, as Starlette reads it
            return value == b"application/json"
    return False


def _replay(messages: list, receive):
    pending = list(messages)

    async def replayed():
        return pending.pop(0) if pending else await receive()

    return replayed


async def current_model(request: Request) -> LoadedModel:
    # async: a plain def dependency would be run in a thread pool, a thread hop per request
    holder: ModelHolder = request.app.state.holder
    model = holder.model
    if model is None:
        raise HTTPException(503, f"no model loaded: {holder.error or 'starting'}")
    return model


def require_token(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """Mutating endpoints: a configured bearer token, compared in constant time; none configured = disabled."""
    token = request.app.state.settings.token()
    if not token:
        raise HTTPException(
            403,
            "this endpoint is disabled: set FRAMING_API_TOKEN (or FRAMING_API_TOKEN_FILE) for the server to enable it",
        )
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise HTTPException(
            401, "missing bearer token: send 'Authorization: Bearer <token>'", headers={"WWW-Authenticate": "Bearer"}
        )
    if not hmac.compare_digest(value.strip().encode(), token.encode()):
        raise HTTPException(401, "wrong token", headers={"WWW-Authenticate": "Bearer"})


Model = Annotated[LoadedModel, Depends(current_model)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    holder = ModelHolder(settings.store)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await asyncio.to_thread(holder.refresh)
        poller = asyncio.create_task(holder.poll(settings.reload_seconds))
        try:
            yield
        finally:
            poller.cancel()

    app = FastAPI(
        title="framing",
        version=_version(),
        lifespan=lifespan,
        docs_url=None,
        description="Who blames whom in a news paragraph, and whether the wording is loaded "
        "(in the outlet's own voice or a quote).",
    )
    app.state.settings, app.state.holder = settings, holder

    served: dict[str, str | None] = {"version": None}
    disputes = Disputes(
        [SIDES_DIR]
        + (
            [settings.labels_dir / "sides"]
            if (settings.labels_dir / "sides").is_dir()
            and (settings.labels_dir / "sides").resolve() != SIDES_DIR.resolve()
            else []
        )
    )

    def checked_text(text: str, where: str = "text") -> str:
        if not text.strip():
            raise HTTPException(422, f"{where} is empty")
        if len(text) > settings.max_text_chars:
            raise HTTPException(422, f"{where} has {len(text)} characters; the limit is {settings.max_text_chars}")
        return text

    def checked_context(context: list[str] | None) -> list[str] | None:
        if context is None:
            return None
        for i, paragraph in enumerate(context):
            if len(paragraph) > settings.max_text_chars:
                raise HTTPException(
                    422, f"context[{i}] has {len(paragraph)} characters; the limit is {settings.max_text_chars}"
                )
        return [paragraph for paragraph in context if paragraph.strip()]

    @app.post(
        "/v1/score",
        response_model=ScoreResult,
        response_model_exclude_none=True,
        responses=ERRORS,
        summary="Score one paragraph",
    )
    async def score(body: ScoreRequest, model: Model):
        text = checked_text(body.text)
        context = checked_context(body.context)
        sides = resolve_sides(body.sides, disputes)
        metrics.PARAGRAPHS.inc()
        return _json(
            disputes.score(model.classifier, [text], sides, model.version, explain_top=body.explain, context=context)[0]
        )

    score_route = next(r for r in app.routes if getattr(r, "path", None) == "/v1/score")

    def score_many(texts: list[str], explain: int) -> list[bytes | None]:
        """The route above for texts that passed its checks, in one call; None: leave that one to the route."""
        model = holder.model
        if model is None:
            return [None] * len(texts)
        try:
            results = disputes.score(model.classifier, texts, None, model.version, explain_top=explain)
        except Exception:
            if len(texts) == 1:
                return [None]
            return [score_many([text], explain)[0] for text in texts]  # only the culprit goes to the route
        answers = []
        for result in results:
            try:
                answers.append(_encode(result))
            except Exception:
                answers.append(None)
        metrics.PARAGRAPHS.inc(sum(answer is not None for answer in answers))
        return answers

    batcher = ScoreBatcher(score_many)

    async def fast_score(text: str, explain: int) -> bytes | None:
        if holder.model is None or not text.strip() or len(text) > settings.max_text_chars:
            return None
        return await batcher.score(text, explain)

    @app.post(
        "/v1/score/batch",
        response_model=BatchResponse,
        response_model_exclude_none=True,
        responses=ERRORS,
        summary=f"Score up to {settings.max_batch_items} paragraphs, results in the same order",
    )
    async def score_batch(body: BatchRequest, model: Model):
        if len(body.items) > settings.max_batch_items:
            raise HTTPException(422, f"{len(body.items)} items; at most {settings.max_batch_items} per batch")
        texts = [checked_text(item.text, f"items[{i}].text") for i, item in enumerate(body.items)]
        context = checked_context(body.context)
        sides = resolve_sides(body.sides, disputes)
        results = await asyncio.to_thread(
            disputes.score, model.classifier, texts, sides, model.version, body.explain, context
        )
        metrics.PARAGRAPHS.inc(len(texts))
        for item, result in zip(body.items, results):
            if item.id is not None:
                result["id"] = item.id
        return _json({"results": results})

    @app.get("/v1/model", response_model=ModelInfo, responses=ERRORS, summary="The model being served")
    async def model_info(model: Model):
        m = model.manifest
        return ModelInfo(
            version=m["version"],
            trained_at=m.get("created_at"),
            training_data_hash=m.get("training_data_hash"),
            training_rows=m.get("training_rows"),
            label_sets=m.get("label_sets", {}),
            metrics=m.get("metrics", {}),
            sklearn_version=m.get("sklearn_version"),
            artifact_sha256=m.get("sha256"),
        )

    @app.get("/v1/sides", summary="The sides configurations in labels/sides")
    async def list_sides():
        found = await asyncio.to_thread(sides_by_dispute, settings.labels_dir / "sides")
        return {
            "default": cached_default_sides().dispute,
            "sides": [
                {"dispute": s.dispute, "sides": [{"name": x.name, "aliases": list(x.aliases)} for x in (s.a, s.b)]}
                for s in found.values()
            ],
        }

    @app.post(
        "/v1/labels",
        response_model=LabelsResponse,
        status_code=201,
        responses=ERRORS,
        dependencies=[Depends(require_token)],
        summary="Store labelled paragraphs (validated, durable)",
    )
    async def post_labels(body: LabelsRequest):
        if len(body.items) > settings.max_label_items:
            raise HTTPException(422, f"{len(body.items)} items; at most {settings.max_label_items} per request")
        known = await asyncio.to_thread(sides_by_dispute, settings.labels_dir / "sides")
        rows = []
        for item in body.items:
            row = {k: v for k, v in item.model_dump(exclude_none=True).items()}
            row.setdefault("id", f"user-{uuid.uuid4().hex}")
            row.setdefault("source", "api")
            if "direction" in row:
                row.setdefault("dispute", cached_default_sides().dispute)
                if "sides" not in row and row["dispute"] in known:
                    row["sides"] = list(known[row["dispute"]].names)
            rows.append(row)
        try:
            ids = await asyncio.to_thread(add_labels, settings.labels_dir, rows, settings.labels_file)
        except LabelsRejected as exc:
            raise HTTPException(422, [str(p) for p in exc.problems]) from None
        return LabelsResponse(stored=len(ids), ids=ids, file=settings.labels_file)

    @app.post(
        "/v1/retrain",
        response_model=RetrainJob,
        status_code=202,
        responses=ERRORS,
        dependencies=[Depends(require_token)],
        summary="Retrain on all labels in the background",
    )
    async def retrain(body: RetrainRequest | None = None):
        job = await asyncio.to_thread(
            start_job, settings.store, settings.labels_dir, settings.retrain_margin, bool(body and body.force)
        )
        return RetrainJob(**job)

    @app.get(
        "/v1/retrain/{job_id}",
        response_model=RetrainJob,
        responses=ERRORS,
        dependencies=[Depends(require_token)],
        summary="A retrain job's state",
    )
    async def retrain_state(job_id: str):
        try:
            return RetrainJob(**await asyncio.to_thread(read_job, settings.store, job_id))
        except KeyError:
            raise HTTPException(404, f"no retrain job {job_id!r}") from None

    queue_cache: dict = {}

    def labels_state() -> tuple:
        return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(settings.labels_dir.glob("*.jsonl")))

    @app.get(
        "/v1/queue",
        response_model=QueueResponse,
        responses=ERRORS,
        summary="Paragraphs worth labelling from the server's queue folder, with the model's guesses",
    )
    async def get_queue(model: Model, n: int = Query(default=20, ge=1, le=200)):
        source = settings.queue_source
        if source is None:
            raise HTTPException(
                404,
                "no queue folder is configured: start the service with 'framing serve --queue "
                "DIR' (a folder of articles or a score-folder result), or POST text to /v1/queue",
            )
        if not source.exists():
            raise HTTPException(404, f"the queue folder {source} does not exist")
        key = (str(source), source.stat().st_mtime_ns, model.version, labels_state(), n)
        if queue_cache.get("key") != key:
            try:
                items = await asyncio.to_thread(suggest, source, n, settings.labels_dir, settings.store)
            except SuggestError as exc:
                raise HTTPException(422, str(exc)) from None
            queue_cache.update(key=key, items=items)
        return QueueResponse(source=source.name, items=queue_cache["items"])

    @app.post(
        "/v1/queue",
        response_model=QueueResponse,
        responses=ERRORS,
        summary="Paragraphs worth labelling from pasted text, with the model's guesses",
    )
    async def post_queue(body: QueueRequest, model: Model):
        if len(body.text) > settings.max_body_bytes:
            raise HTTPException(422, "the text is too long")
        paragraphs = [p for p in split_paragraphs(body.text) if len(p.text) <= settings.max_text_chars]
        if not paragraphs:
            raise HTTPException(422, "no paragraphs in the text")

        def make() -> list[dict]:
            results = disputes.score(model.classifier, [p.text for p in paragraphs], None, model.version)
            rows = [
                {**r, "text": p.text, "paragraph": p.index, "path": "pasted", "outlet": "pasted"}
                for p, r in zip(paragraphs, results)
            ]
            return from_rows(rows, body.n, labelled_texts(settings.labels_dir))

        return QueueResponse(source="pasted", items=await asyncio.to_thread(make))

    @app.get("/healthz", response_model=Health, response_model_exclude_none=True, summary="Liveness")
    async def healthz():
        return Health(status="ok")

    @app.get("/readyz", response_model=Health, responses=ERRORS, summary="Ready when a verified model is loaded")
    async def readyz():
        if holder.model is None:
            return JSONResponse({"status": "not ready", "detail": holder.error or "loading"}, status_code=503)
        return Health(status="ready", model_version=holder.model.version)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def prometheus():
        if holder.model and holder.model.version != served["version"]:
            metrics.set_model_version(served["version"], holder.model.version)
            served["version"] = holder.model.version
        content, media_type = metrics.exposition()
        return Response(content, media_type=media_type)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page():
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    # The API docs work offline: Swagger UI's files come from an installed package, not a CDN.
    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title="framing API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )

    # Innermost first: FastScore runs inside Metrics, which runs inside the body-size limit.
    app.add_middleware(FastScore, score=fast_score, route=score_route)
    app.add_middleware(Metrics)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
