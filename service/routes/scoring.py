"""Scoring: one paragraph, or a batch of them (``POST /v1/score`` also has a fast path: ``service.app``)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException

from framing.service import metrics
from framing.service.routes.common import (
    ERRORS,
    AppSettings,
    KnownDisputes,
    Model,
    checked_context,
    checked_text,
    json_response,
    resolve_sides,
)
from framing.service.schemas import BatchRequest, BatchResponse, ScoreRequest, ScoreResult

router = APIRouter(tags=["scoring"])


@router.post(
    "/v1/score",
    response_model=ScoreResult,
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="Score one paragraph",
)
async def score(body: ScoreRequest, model: Model, settings: AppSettings, disputes: KnownDisputes):
    text = checked_text(settings, body.text)
    context = checked_context(settings, body.context)
    sides = resolve_sides(body.sides, disputes)
    metrics.PARAGRAPHS.inc()
    result = disputes.score(model.classifier, [text], sides, model.version, explain_top=body.explain, context=context)
    return json_response(result[0])


@router.post(
    "/v1/score/batch",
    response_model=BatchResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="Score up to max_batch_items paragraphs (256 unless configured), results in the same order",
)
async def score_batch(body: BatchRequest, model: Model, settings: AppSettings, disputes: KnownDisputes):
    if len(body.items) > settings.max_batch_items:
        raise HTTPException(422, f"{len(body.items)} items; at most {settings.max_batch_items} per batch")
    texts = [checked_text(settings, item.text, f"items[{i}].text") for i, item in enumerate(body.items)]
    context = checked_context(settings, body.context)
    sides = resolve_sides(body.sides, disputes)
    results = await asyncio.to_thread(
        disputes.score, model.classifier, texts, sides, model.version, body.explain, context
    )
    metrics.PARAGRAPHS.inc(len(texts))
    for item, result in zip(body.items, results):
        if item.id is not None:
            result["id"] = item.id
    return json_response({"results": results})
