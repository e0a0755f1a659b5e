"""Labels: store labelled paragraphs (token), and list the sides configurations they may name."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter, HTTPException

from framing.model.labels import LabelsRejected, add_labels
from framing.model.sides import sides_by_dispute
from framing.service.routes.common import ERRORS, TOKEN, AppSettings, cached_default_sides
from framing.service.schemas import LabelsRequest, LabelsResponse

router = APIRouter(tags=["labels"])


@router.get("/v1/sides", summary="The sides configurations in labels/sides")
async def list_sides(settings: AppSettings):
    found = await asyncio.to_thread(sides_by_dispute, settings.labels_dir / "sides")
    return {
        "default": cached_default_sides().dispute,
        "sides": [
            {"dispute": s.dispute, "sides": [{"name": x.name, "aliases": list(x.aliases)} for x in (s.a, s.b)]}
            for s in found.values()
        ],
    }


@router.post(
    "/v1/labels",
    response_model=LabelsResponse,
    status_code=201,
    responses=ERRORS,
    dependencies=TOKEN,
    summary="Store labelled paragraphs (validated, durable)",
)
async def post_labels(body: LabelsRequest, settings: AppSettings):
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
