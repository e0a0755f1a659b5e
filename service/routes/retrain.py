"""Retraining in the background (token): start a job, read its state (see ``service.retrain``)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException

from framing.service.retrain import read_job, start_job
from framing.service.routes.common import ERRORS, TOKEN, AppSettings
from framing.service.schemas import RetrainJob, RetrainRequest

router = APIRouter(tags=["retrain"], dependencies=TOKEN)


@router.post(
    "/v1/retrain",
    response_model=RetrainJob,
    status_code=202,
    responses=ERRORS,
    summary="Retrain on all labels in the background",
)
async def retrain(settings: AppSettings, body: RetrainRequest | None = None):
    job = await asyncio.to_thread(
        start_job, settings.store, settings.labels_dir, settings.retrain_margin, bool(body and body.force)
    )
    return RetrainJob(**job)


@router.get("/v1/retrain/{job_id}", response_model=RetrainJob, responses=ERRORS, summary="A retrain job's state")
async def retrain_state(job_id: str, settings: AppSettings):
    try:
        return RetrainJob(**await asyncio.to_thread(read_job, settings.store, job_id))
    except KeyError:
        raise HTTPException(404, f"no retrain job {job_id!r}") from None
