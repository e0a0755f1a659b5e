"""What the routes share: dependencies on the app's state, the token check, request checks and the
sides a request names. ``create_app`` puts ``settings``, ``holder`` and ``disputes`` on ``app.state``."""

from __future__ import annotations

import hmac
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.responses import Response

from framing.model.disputes import AUTO, Disputes
from framing.model.sides import DEFAULT_DISPUTE, Sides, SidesError, load_sides, sides_from_mapping
from framing.model.store import LoadedModel
from framing.paths import SIDES_DIR
from framing.service.model_holder import ModelHolder
from framing.service.schemas import Problem, SideIn
from framing.service.settings import Settings

ERRORS = {status: {"model": Problem} for status in (400, 401, 403, 404, 409, 413, 422, 503)}


def app_settings(request: Request) -> Settings:
    return request.app.state.settings


def app_disputes(request: Request) -> Disputes:
    return request.app.state.disputes


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
AppSettings = Annotated[Settings, Depends(app_settings)]
KnownDisputes = Annotated[Disputes, Depends(app_disputes)]
TOKEN = [Depends(require_token)]


def checked_text(settings: Settings, text: str, where: str = "text") -> str:
    if not text.strip():
        raise HTTPException(422, f"{where} is empty")
    if len(text) > settings.max_text_chars:
        raise HTTPException(422, f"{where} has {len(text)} characters; the limit is {settings.max_text_chars}")
    return text


def checked_context(settings: Settings, context: list[str] | None) -> list[str] | None:
    if context is None:
        return None
    for i, paragraph in enumerate(context):
        if len(paragraph) > settings.max_text_chars:
            raise HTTPException(
                422, f"context[{i}] has {len(paragraph)} characters; the limit is {settings.max_text_chars}"
            )
    return [paragraph for paragraph in context if paragraph.strip()]


@lru_cache(maxsize=128)
def _sides_from_key(key: tuple) -> Sides:
    return sides_from_mapping({"side": [{"name": n, "aliases": list(a)} for n, a in key]}, origin="sides")


class SidesFile:
    """A sides file (by default the one ``default_sides()`` reads) parsed once, and again only
    when the file changes (parsing it took about 1 ms, more than scoring a paragraph)."""

    def __init__(self, path: Path = SIDES_DIR / f"{DEFAULT_DISPUTE}.toml"):
        self.path = path
        self._key: tuple | None = None
        self._sides: Sides | None = None

    def __call__(self) -> Sides:
        try:
            st = os.stat(self.path)
        except OSError:
            return load_sides(self.path)  # the reader's own error
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


def encode(content) -> bytes:
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(content) -> Response:
    """Our own results, already in the documented shape: encode once, skip FastAPI's re-validation."""
    return Response(encode(content), media_type="application/json")
