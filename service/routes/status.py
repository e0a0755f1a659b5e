"""The model being served, liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from framing.service import metrics
from framing.service.routes.common import ERRORS, Model
from framing.service.schemas import Health, ModelInfo

router = APIRouter(tags=["status"])


@router.get("/v1/model", response_model=ModelInfo, responses=ERRORS, summary="The model being served")
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


@router.get("/healthz", response_model=Health, response_model_exclude_none=True, summary="Liveness")
async def healthz():
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=ERRORS, summary="Ready when a verified model is loaded")
async def readyz(request: Request):
    holder = request.app.state.holder
    if holder.model is None:
        return JSONResponse({"status": "not ready", "detail": holder.error or "loading"}, status_code=503)
    return Health(status="ready", model_version=holder.model.version)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def prometheus(request: Request):
    state = request.app.state
    if state.holder.model and state.holder.model.version != state.served_version:
        metrics.set_model_version(state.served_version, state.holder.model.version)
        state.served_version = state.holder.model.version
    content, media_type = metrics.exposition()
    return Response(content, media_type=media_type)
