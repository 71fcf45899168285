"""The pick page: no sign-in, the link's token is the key. GET shows, POST picks.

Responses carry Referrer-Policy: no-referrer and Cache-Control: no-store (see app.py),
so the token never travels to another site or stays in a shared cache.
"""

from __future__ import annotations

import re
import time
from types import SimpleNamespace
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Template
from markupsafe import escape
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
_MARK = "\x02{}\x03"  # a place to fill in: no escaping changes it, no text has it
_PLACES = re.compile("\x02([a-z0-9_]+)\x03")
_SHAPES: dict[tuple[str, str, bool, int, int], list[str]] = {}
_PAGE = None


class _Url:
    """What base.html reads of the request (`request.url.path`)."""

    def __init__(self, path: str) -> None:
        self.url = self
        self.path = path


def _template() -> Template:
    global _PAGE
    if _PAGE is None:
        _PAGE = templates.env.get_template("pick.html")
    return _PAGE


def _shape(lang: str, state: str, expired: bool, count: int, picked: int) -> list[str]:
    """pick.html rendered once per shape of page (language, state, expiry, number of
    times, which was picked) with a mark in place of every value of the offer and the
    visitor; split into [text, place, text, place, ..., text]. Filling each place with
    its value, escaped as Jinja's autoescape would, gives exactly Jinja's page: escaping
    maps each character on its own, so escaping a value alone or inside its sentence
    (a translated message with the value put in) gives the same text."""
    key = (lang, state, expired, count, picked)
    parts = _SHAPES.get(key)
    if parts is None:
        slots = [
            {"id": _MARK.format(f"id{i}"), "start": f"{i}", "end": f"{i}"} for i in range(count)
        ]
        offer = SimpleNamespace(
            state=state,
            position=_MARK.format("position"),
            company=_MARK.format("company"),
            picked_slot_id=slots[picked]["id"] if picked >= 0 else None,
            slots=slots,
        )
        html = _template().render(
            request=_Url(_MARK.format("path")),
            offer=offer,
            expired=expired,
            token=_MARK.format("token"),
            lang=lang,
            languages=i18n.NAMES,
            _=i18n.gettext_for(lang),
            csrf=_MARK.format("csrf"),
            when=lambda i: _MARK.format(f"when{i}"),
            time_only=lambda i: _MARK.format(f"until{i}"),
            zone_label=_MARK.format("zone"),
        )
        parts = _PLACES.split(html)
        if len(_SHAPES) >= CACHE_SIZE:
            _SHAPES.clear()
        _SHAPES[key] = parts
    return parts


def _render(
    request: Request, offer: offers.OfferView, language: str, expired: bool, csrf: str
) -> str:
    """The pick page for this offer and visitor: its shape's text with the values put in,
    escaped (the CSRF token as it is: URL-safe text)."""
    lang = language if language in i18n.LANGUAGES else deps.language(request)
    tz = offer.timezone
    slots = offer.slots
    picked = next((i for i, s in enumerate(slots) if s["id"] == offer.picked_slot_id), -1)
    parts = _shape(lang, offer.state, expired, len(slots), picked)
    values = {
        "position": escape(offer.position),
        "company": escape(offer.company),
        "path": escape(_path(request)),
        "token": escape(request.path_params["token"]),
        "csrf": csrf,
        "zone": escape(i18n.zone_label(tz, lang)),
    }
    when, time_only = i18n.when, i18n.time_only
    for i, slot in enumerate(slots):
        values[f"id{i}"] = str(int(slot["id"]))  # what Jinja writes for an int
        values[f"when{i}"] = escape(when(slot["start"], lang, tz))
        values[f"until{i}"] = escape(time_only(slot["end"], lang, tz))
    return "".join([values[part] if i % 2 else part for i, part in enumerate(parts)])


def _path(request: Request) -> str:
    """`request.url.path` without building the whole URL (a parse that costs as much as
    filling in the page): the same text unless the path holds a "?" or "#"."""
    path: str = request.scope["path"]
    return request.url.path if "?" in path or "#" in path else path


@router.get("/pick/{token}")
async def pick_page(request: Request, token: str) -> HTMLResponse:
    """One indexed read on every request (a reload within a second excepted); the page
    is its shape's text (rendered once per shape) with this offer's values put in."""
    offer = await _view(request, token)
    now = request.app.state.clock()
    expired = offer.state == "open" and offer.expires_at <= now
    status = 410 if expired else 200
    language = request.session.get("lang") or offer.language
    csrf = csrf_token(request) if status < 400 else ""
    return HTMLResponse(_render(request, offer, language, expired, csrf), status_code=status)


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
