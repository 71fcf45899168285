"""The pick page: no sign-in, the link's token is the key. GET shows, POST picks.

Responses carry Referrer-Policy: no-referrer and Cache-Control: no-store (see app.py),
so the token never travels to another site or stays in a shared cache.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from fairnotice.operations import offers
from fairnotice.operations.accounts import digest
from fairnotice.web.deps import Db, csrf_protect, csrf_token, redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _load(request: Request, token: str) -> offers.OfferView:
    with request.app.state.sessions() as session:
        return offers.offer_view(session, token)


CACHE_SIZE = 4096
VIEW_TTL = 1.0  # seconds another process may show a just-picked offer as open (a POST
# then gets 409: picking stays single-use); this process forgets a view when it changes it
CSRF_MARK = "__fairnotice_csrf_mark__"


async def _view(request: Request, token: str) -> offers.OfferView:
    views: dict[str, tuple[float, offers.OfferView]] = request.app.state.offer_views
    key = digest(token)
    hit = views.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    view = await run_in_threadpool(_load, request, token)
    if len(views) >= CACHE_SIZE:
        views.clear()
    views[key] = (time.monotonic() + VIEW_TTL, view)
    return view


def _forget(request: Request, token: str) -> None:
    request.app.state.offer_views.pop(digest(token), None)


CACHE_SIZE = 4096


@router.get("/pick/{token}")
async def pick_page(request: Request, token: str) -> HTMLResponse:
    """Reads in one thread-pool call; the page is rendered once per offer state and
    language and kept, only the visitor's CSRF token is put in per request (hot path)."""
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
        page = render(
            request,
            "pick.html",
            {
                "offer": offer,
                "expired": expired,
                "token": token,
                "viewer_zone": offer.timezone,
                "force_lang": language,
                "csrf_mark": CSRF_MARK,
            },
            status=status,
        )
        html = bytes(page.body).decode("utf-8")
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[key] = html
    csrf = csrf_token(request) if status < 400 else ""
    return HTMLResponse(html.replace(CSRF_MARK, csrf), status_code=status)


@router.post("/pick/{token}")
def pick(
    request: Request, session: Db, token: str, slot: Annotated[int, Form(ge=1, le=2**62)]
) -> Response:
    offers.pick(session, token=token, slot_id=slot, clock=request.app.state.clock)
    _forget(request, token)
    return redirect(f"/pick/{token}")


@router.post("/pick/{token}/none")
def none_work(
    request: Request, session: Db, token: str, suggestion: Annotated[str, Form(max_length=2000)]
) -> Response:
    offers.decline(session, token=token, suggestion=suggestion, clock=request.app.state.clock)
    _forget(request, token)
    return redirect(f"/pick/{token}")
