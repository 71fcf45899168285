"""The API's documentation pages (/docs, /redoc) with their assets served from here.

Swagger UI and ReDoc come from the fastapi-offline package (their bundles, kept current
with FastAPI) instead of a CDN: the pages work offline and load no third-party script.
The pages are FastAPI's own; their one inline script is allowed by its hash, so the
Content-Security-Policy needs no 'unsafe-inline' for scripts (the viewers set inline
styles, which it allows on these pages only).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
PAGES = ("/docs", "/docs/oauth2-redirect", "/redoc")
_INLINE = re.compile(r"<script>(.*?)</script>", re.S)


def _assets() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def _hashes(*pages: HTMLResponse) -> str:
    found = {
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for page in pages
        for script in _INLINE.findall(bytes(page.body).decode("utf-8"))
    }
    return " ".join(sorted(found))


def _page(body: bytes) -> Callable[[], Awaitable[HTMLResponse]]:
    async def show() -> HTMLResponse:
        return HTMLResponse(body)

    return show


def install(app: FastAPI) -> str:
    """Mount the assets, add the three pages; the pages' Content-Security-Policy."""
    assert app.openapi_url is not None
    app.mount(ASSETS, StaticFiles(directory=_assets()), name="docs-assets")
    swagger = get_swagger_ui_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} - Swagger UI",
        oauth2_redirect_url="/docs/oauth2-redirect",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
    )
    redirect = get_swagger_ui_oauth2_redirect_html()
    redoc = get_redoc_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} - ReDoc",
        redoc_js_url=f"{ASSETS}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS}/favicon.png",
        with_google_fonts=False,
    )
    for path, page in zip(PAGES, (swagger, redirect, redoc), strict=True):
        app.add_api_route(path, _page(bytes(page.body)), methods=["GET"], include_in_schema=False)
    return (
        f"default-src 'self'; script-src 'self' {_hashes(swagger, redirect, redoc)}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        "worker-src 'self' blob:; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )
