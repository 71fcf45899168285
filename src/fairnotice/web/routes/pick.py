"""The pick page: no sign-in, the link's token is the key. GET shows, POST picks.

Responses carry Referrer-Policy: no-referrer and Cache-Control: no-store (see app.py),
so the token never travels to another site or stays in a shared cache.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Template
from starlette.concurrency import run_in_threadpool

from fairnotice.operations import offers
from fairnotice.operations.accounts import digest
from fairnotice.operations.pick_view import PickReader
from fairnotice.web import deps, i18n
from fairnotice.web.deps import Db, csrf_protect, csrf_token, redirect, templates

router = APIRouter(include_in_schema=False)
# CSRF on the POSTs only: the GET (the hot path) has no dependency to solve.
CSRF = [Depends(csrf_protect)]


def _reader(request: Request) -> PickReader:
    reader: PickReader | None = getattr(request.app.state, "pick_reader", None)
    if reader is None:
        reader = request.app.state.pick_reader = PickReader(request.app.state.engine)
    return reader


VIEW_TTL = 1.0  # seconds another process may show a just-picked offer as open (a POST
# then gets 409: picking stays single-use); this process forgets a view when it changes it


async def _view(request: Request, token: str) -> offers.OfferView:
    """The offer's facts. A link seen in the last second (a reload) is answered from
    memory; any other is read: on SQLite the one indexed SELECT (tens of microseconds; a
    WAL reader never waits for a writer) runs on the event loop, since a thread-pool hop
    costs more than the query; a database server's round trip goes to the thread pool."""
    views: dict[str, tuple[float, offers.OfferView]] = request.app.state.offer_views
    key = digest(token)
    hit = views.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    reader = _reader(request)
    if reader.engine.dialect.name == "sqlite":
        view = reader(token)
    else:
        view = await run_in_threadpool(reader, token)
    if len(views) >= CACHE_SIZE:
        views.clear()
    views[key] = (time.monotonic() + VIEW_TTL, view)
    return view


def _forget(request: Request, token: str) -> None:
    request.app.state.offer_views.pop(digest(token), None)


CACHE_SIZE = 4096
CSRF_MARK = "__fairnotice_csrf_mark__"
_PAGE = None


class _Url:
    """What base.html reads of the request (`request.url.path`)."""

    def __init__(self, path: str) -> None:
        self.url = self
        self.path = path


def _render(request: Request, offer: offers.OfferView, language: str, expired: bool) -> str:
    """pick.html straight through Jinja (no TemplateResponse: no response object, no
    template up-to-date check per request); the CSRF field holds a mark."""
    lang = language if language in i18n.LANGUAGES else deps.language(request)
    tz = offer.timezone
    return _template().render(
        request=_Url(request.url.path),
        offer=offer,
        expired=expired,
        token=request.path_params["token"],
        lang=lang,
        languages=i18n.NAMES,
        _=i18n.gettext_for(lang),
        csrf=CSRF_MARK,
        when=lambda moment: i18n.when(moment, lang, tz),
        time_only=lambda moment: i18n.time_only(moment, lang, tz),
        zone_label=i18n.zone_label(tz, lang),
    )


def _template() -> Template:
    global _PAGE
    if _PAGE is None:
        _PAGE = templates.env.get_template("pick.html")
    return _PAGE


@router.get("/pick/{token}")
async def pick_page(request: Request, token: str) -> HTMLResponse:
    """One indexed read on every request; the page is rendered once per offer state and
    language and kept, only the visitor's CSRF token is put in per request."""
    offer = await _view(request, token)
    now = request.app.state.clock()
    expired = offer.state == "open" and offer.expires_at <= now
    status = 410 if expired else 200
    language = request.session.get("lang") or offer.language
    # The offer's facts identify its one token, so the key needs no token of its own.
    key = (repr(offer), language, expired)
    cache: dict[tuple[str, str, bool], str] = request.app.state.pick_pages
    html = cache.get(key)
    if html is None:
        html = _render(request, offer, language, expired)
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[key] = html
    csrf = csrf_token(request) if status < 400 else ""
    return HTMLResponse(html.replace(CSRF_MARK, csrf), status_code=status)


@router.post("/pick/{token}", dependencies=CSRF)
def pick(
    request: Request, session: Db, token: str, slot: Annotated[int, Form(ge=1, le=2**62)]
) -> Response:
    offers.pick(session, token=token, slot_id=slot, clock=request.app.state.clock)
    _forget(request, token)
    return redirect(f"/pick/{token}")


@router.post("/pick/{token}/none", dependencies=CSRF)
def none_work(
    request: Request, session: Db, token: str, suggestion: Annotated[str, Form(max_length=2000)]
) -> Response:
    offers.decline(session, token=token, suggestion=suggestion, clock=request.app.state.clock)
    _forget(request, token)
    return redirect(f"/pick/{token}")
