"""The HTTP face of framing: FastAPI, served by ``framing serve`` under uvicorn.

``create_app`` builds the app; the model is loaded in the lifespan (not at import) and
then kept current by a poller (``ModelHolder``). Every bad input gets a 4xx JSON body
that says what is wrong.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from framing.model.disputes import Disputes
from framing.paths import SIDES_DIR
from framing.service import metrics
from framing.service.limits import BodySizeLimit
from framing.service.model_holder import ModelHolder
from framing.service.routes import labels, pages, queue, retrain, scoring, status
from framing.service.routes.common import encode
from framing.service.routes.pages import DOCS_ASSETS
from framing.service.settings import Settings, get_settings


def _version() -> str:
    try:
        return package_version("framing")
    except PackageNotFoundError:
        return "0"


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

    disputes = Disputes(
        [SIDES_DIR]
        + (
            [settings.labels_dir / "sides"]
            if (settings.labels_dir / "sides").is_dir()
            and (settings.labels_dir / "sides").resolve() != SIDES_DIR.resolve()
            else []
        )
    )
    app.state.disputes, app.state.served_version, app.state.queue_cache = disputes, None, {}
    for router in (scoring.router, status.router, labels.router, retrain.router, queue.router, pages.router):
        app.include_router(router)
    # The API docs work offline: Swagger UI's files come from an installed package, not a CDN.
    app.mount(pages.DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")
    score_route = next(r for r in scoring.router.routes if r.path == "/v1/score")

    def score_many(texts: list[str], explain: int) -> list[bytes | None]:
        """The score route for texts that passed its checks, in one call; None: leave that one to the route."""
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
                answers.append(encode(result))
            except Exception:
                answers.append(None)
        metrics.PARAGRAPHS.inc(sum(answer is not None for answer in answers))
        return answers

    batcher = ScoreBatcher(score_many)

    async def fast_score(text: str, explain: int) -> bytes | None:
        if holder.model is None or not text.strip() or len(text) > settings.max_text_chars:
            return None
        return await batcher.score(text, explain)

    # Innermost first: FastScore runs inside Metrics, which runs inside the body-size limit.
    app.add_middleware(FastScore, score=fast_score, route=score_route)
    app.add_middleware(Metrics)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
