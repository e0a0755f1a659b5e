"""The web page and the API docs (Swagger UI from an installed package, so they work offline)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from framing.paths import STATIC_DIR

DOCS_ASSETS = "/docs-assets"

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def page():
    return HTMLResponse((STATIC_DIR / "index.html").read_text(encoding="utf-8"))


@router.get("/docs")
async def docs(request: Request):
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title="framing API",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
    )
