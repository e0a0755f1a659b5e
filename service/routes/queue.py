"""The labelling queue: paragraphs worth labelling, with the model's guesses (``training.suggest``)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Query, Request

from framing.model.paragraphs import split_paragraphs
from framing.service.routes.common import ERRORS, AppSettings, KnownDisputes, Model
from framing.service.schemas import QueueRequest, QueueResponse
from framing.training.suggest import SuggestError, from_rows, labelled_texts, suggest

router = APIRouter(tags=["labelling queue"])


def _labels_state(settings) -> tuple:
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(settings.labels_dir.glob("*.jsonl")))


def _labelled(cache: dict, settings) -> set[str]:
    """The labelled paragraphs' texts, read again only when a labels file changed (reading them all
    took 50-110 ms a request)."""
    state = _labels_state(settings)
    if cache.get("labels_state") != state:
        cache.update(labels_state=state, labelled=labelled_texts(settings.labels_dir))
    return cache["labelled"]


@router.get(
    "/v1/queue",
    response_model=QueueResponse,
    responses=ERRORS,
    summary="Paragraphs worth labelling from the server's queue folder, with the model's guesses",
)
async def get_queue(request: Request, model: Model, settings: AppSettings, n: int = Query(default=20, ge=1, le=200)):
    source = settings.queue_source
    if source is None:
        raise HTTPException(
            404,
            "no queue folder is configured: start the service with 'framing serve --queue "
            "DIR' (a folder of articles or a score-folder result), or POST text to /v1/queue",
        )
    if not source.exists():
        raise HTTPException(404, f"the queue folder {source} does not exist")
    cache = request.app.state.queue_cache  # one queue per folder state, model and labels
    key = (str(source), source.stat().st_mtime_ns, model.version, _labels_state(settings), n)
    if cache.get("key") != key:
        try:
            items = await asyncio.to_thread(suggest, source, n, settings.labels_dir, settings.store)
        except SuggestError as exc:
            raise HTTPException(422, str(exc)) from None
        cache.update(key=key, items=items)
    return QueueResponse(source=source.name, items=cache["items"])


@router.post(
    "/v1/queue",
    response_model=QueueResponse,
    responses=ERRORS,
    summary="Paragraphs worth labelling from pasted text, with the model's guesses",
)
async def post_queue(
    request: Request, body: QueueRequest, model: Model, settings: AppSettings, disputes: KnownDisputes
):
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
        return from_rows(rows, body.n, _labelled(request.app.state.queue_cache, settings))

    return QueueResponse(source="pasted", items=await asyncio.to_thread(make))
