"""The pick page: no sign-in, the link's token is the key. GET shows, POST picks.

Responses carry Referrer-Policy: no-referrer and Cache-Control: no-store (see app.py),
so the token never travels to another site or stays in a shared cache.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import Annotated, Any

from babel.units import format_unit
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Template
from markupsafe import escape
from starlette.concurrency import run_in_threadpool

from fairnotice.errors import N_, BadInput, Conflict
from fairnotice.operations.accounts.commands import digest
from fairnotice.operations.offers import commands as offers
from fairnotice.operations.offers import holds
from fairnotice.operations.offers.queries import PickReader
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
_SHAPES: dict[
    tuple[str, str, bool, int, int, tuple[str, ...], bool, bool, str, bool, bool, str, bool],
    list[str],
] = {}
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


def _shape(
    lang: str,
    state: str,
    expired: bool,
    count: int,
    picked: int,
    blocked: tuple[str, ...] = (),
    notice: bool = True,
    message: bool = False,
    closed: str = "",
    original: bool = False,
    place: bool = False,
    video: str = "",
    suggesting: bool = False,
) -> list[str]:
    """pick.html rendered once per shape of page (language, state, expiry, number of
    times, which was picked, which cannot be picked and why, whether the policy asks for
    notice, whether a refusal is shown, the interview's state that closed the link,
    whether the interview's current time is shown, whether a place is named, whether the
    video call is a link ("link"), a text ("text") or none (""), whether the refusal is
    about the suggestion) with a mark in place of every value
    of the offer and the visitor; split into [text, place, text, place, ..., text].
    Filling each place with its value, escaped as Jinja's autoescape would, gives
    exactly Jinja's page:
    escaping maps each character on its own, so escaping a value alone or inside its
    sentence (a translated message with the value put in) gives the same text."""
    key = (
        lang,
        state,
        expired,
        count,
        picked,
        blocked,
        notice,
        message,
        closed,
        original,
        place,
        video,
        suggesting,
    )
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
            interview_status=closed,
            interview_start="original" if original else None,
            interview_end="original" if original else None,
            location=_MARK.format("location") if place else None,
            video_url=_MARK.format("video") if video else None,
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
            notice=_MARK.format("notice") if notice else "",
            blocked=list(blocked),
            message=_MARK.format("message") if message else "",
            duration=_MARK.format("duration"),
            video_link=video == "link",
            suggesting=suggesting,
        )
        parts = _PLACES.split(html)
        if len(_SHAPES) >= CACHE_SIZE:
            _SHAPES.clear()
        _SHAPES[key] = parts
    return parts


@lru_cache(maxsize=256)
def notice_duration(minutes: int, language: str) -> str:
    """The policy's notice in words ("12 hours", "12 Stunden", "12 timmar"), in the
    largest unit that says it exactly."""
    if minutes % 1440 == 0:
        value, unit = minutes // 1440, "duration-day"
    elif minutes % 60 == 0:
        value, unit = minutes // 60, "duration-hour"
    else:
        value, unit = minutes, "duration-minute"
    locale = {"de": "de_DE", "sv": "sv_SE"}.get(language, "en_GB")  # as i18n.when's
    return str(format_unit(value, unit, length="long", locale=locale))


def blocked_now(offer: offers.OfferView, now: datetime) -> tuple[str, ...]:
    """Which of the offer's times start too soon to be picked now (the policy's notice);
    the page shows them disabled. Whether a time is still free is checked by the pick."""
    if offer.state != "open":
        return ()
    soon = now + timedelta(minutes=offer.notice_minutes)
    flags = tuple(holds.SOON if s["start"] < soon else "" for s in offer.slots)
    return flags if any(flags) else ()


def _render(
    request: Request,
    offer: offers.OfferView,
    language: str,
    expired: bool,
    csrf: str,
    blocked: tuple[str, ...] = (),
    message: object = None,
    suggesting: bool = False,
) -> str:
    """The pick page for this offer and visitor: its shape's text with the values put in,
    escaped (the CSRF token as it is: URL-safe text). `blocked`: why each time cannot
    be picked ("" where it can); `message`: a refusal to show (translated here);
    `suggesting`: the refusal is about the suggestion (its form is shown open)."""
    lang = language if language in i18n.LANGUAGES else deps.language(request)
    tz = offer.timezone
    slots = offer.slots
    picked = next((i for i, s in enumerate(slots) if s["id"] == offer.picked_slot_id), -1)
    notice = offer.notice_minutes > 0
    closed = offer.interview_status if offer.state == "closed" else ""
    original = offer.interview_start is not None and offer.interview_end is not None
    video = ""
    if offer.video_url:
        video = "link" if offer.video_url.lower().startswith(("https://", "http://")) else "text"
    parts = _shape(
        lang,
        offer.state,
        expired,
        len(slots),
        picked,
        blocked,
        notice,
        bool(message),
        closed,
        original,
        bool(offer.location),
        video,
        suggesting,
    )
    values = {
        "position": escape(offer.position),
        "company": escape(offer.company),
        "path": escape(_path(request)),
        "token": escape(request.path_params["token"]),
        "csrf": csrf,
        "zone": escape(i18n.zone_label(tz, lang)),
        "duration": escape(notice_duration(_minutes(offer), lang)),
    }
    if offer.location:
        values["location"] = escape(offer.location)
    if video:
        values["video"] = escape(offer.video_url)
    if notice:
        values["notice"] = escape(notice_duration(offer.notice_minutes, lang))
    if message:
        values["message"] = escape(i18n.translate(message, lang))
    when, time_only = i18n.when, i18n.time_only
    if original:
        values["whenoriginal"] = escape(when(offer.interview_start, lang, tz))
        values["untiloriginal"] = escape(time_only(offer.interview_end, lang, tz))
    for i, slot in enumerate(slots):
        values[f"id{i}"] = str(int(slot["id"]))  # what Jinja writes for an int
        values[f"when{i}"] = escape(when(slot["start"], lang, tz))
        values[f"until{i}"] = escape(time_only(slot["end"], lang, tz))
    return "".join([values[part] if i % 2 else part for i, part in enumerate(parts)])


def _minutes(offer: offers.OfferView) -> int:
    """How long the interview lasts: its offered times' length (they are all as long),
    else the planned time's."""
    if offer.slots:
        first = offer.slots[0]
        return max(1, int((first["end"] - first["start"]).total_seconds() // 60))
    if offer.interview_start is not None and offer.interview_end is not None:
        return max(1, int((offer.interview_end - offer.interview_start).total_seconds() // 60))
    return 60


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
    blocked = blocked_now(offer, now)
    return HTMLResponse(
        _render(request, offer, language, expired, csrf, blocked), status_code=status
    )


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


NO_CHOICE = N_("Please choose one of these times, then confirm it.")
NO_SUGGESTION = N_("Please write when would suit you (up to 2000 characters), then send it.")


def _slot_id(value: str) -> int | None:
    """The chosen time's id from the form, or None when none (or no id) was sent."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 2**62:
        return None
    return int(value)


@router.post("/pick/{token}", dependencies=CSRF)
def pick(
    request: Request, session: Db, token: str, slot: Annotated[str, Form(max_length=30)] = ""
) -> Response:
    """Book the time. A time that cannot be booked any more (taken meanwhile, too soon,
    not known to be free) answers 409: the page again with why, and the times still
    free to choose from; with `Accept: application/json`, the reason and those times.
    No time chosen: 422, the page again asking for the choice."""
    slot_id = _slot_id(slot)
    if slot_id is None:
        if _wants_json(request):  # the API's shape of a refused field (app.py)
            problem = {"loc": ["slot"], "field": "slot", "msg": NO_CHOICE}
            return JSONResponse({"detail": [problem]}, status_code=422)
        return _asked_again(request, session, token, NO_CHOICE)
    try:
        booked = offers.pick(session, token=token, slot_id=slot_id, clock=request.app.state.clock)
    except holds.SlotTaken as taken:
        _forget(request, token)
        return _refused(request, session, token, taken)
    except Conflict:
        if _wants_json(request):
            raise
        _forget(request, token)
        return _as_it_stands(request, session, token)
    _forget(request, token)
    if _wants_json(request):
        slot_json = _slot_json({"id": booked.id, "start": booked.start, "end": booked.end})
        return JSONResponse({"state": "picked", "slot": slot_json})
    return redirect(f"/pick/{token}")


def _slot_json(slot: dict[str, Any]) -> dict[str, Any]:
    return {"id": slot["id"], "start": slot["start"].isoformat(), "end": slot["end"].isoformat()}


def _as_it_stands(request: Request, session: Db, token: str) -> Response:
    """409 for a form sent from a page the link has outgrown (picked, expired, closed by
    a fill or a cancellation meanwhile): the pick page as it is now, which says why,
    in the candidate's language, instead of the site's error page."""
    session.rollback()  # nothing was changed; the interview's lock goes
    offer = offers.offer_view(session, token)
    now = request.app.state.clock()
    expired = offer.state == "open" and offer.expires_at <= now
    language = request.session.get("lang") or offer.language
    csrf = "" if expired else csrf_token(request)
    html = _render(request, offer, language, expired, csrf, blocked_now(offer, now))
    return HTMLResponse(html, status_code=409)


# the refusal in the candidate's words (the API's names the field: "offer: ...")
REFUSALS = {
    holds.TAKEN: N_("This time is no longer free."),
    holds.SOON: N_("This time now starts too soon to be picked."),
    holds.UNKNOWN: N_("This time cannot be confirmed just now. Please try again later."),
}


def _refused(request: Request, session: Db, token: str, taken: holds.SlotTaken) -> Response:
    """409: why the time cannot be booked, and the offer's times that still can."""
    if _wants_json(request):
        body = {
            "detail": str(taken),
            "reason": taken.reason,
            "free_slots": [_slot_json(s) for s in taken.free],
        }
        return JSONResponse(body, status_code=409)
    offer = offers.offer_view(session, token)
    free = {s["id"] for s in taken.free}
    blocked = blocked_now(offer, request.app.state.clock()) or ("",) * len(offer.slots)
    other = holds.UNKNOWN if taken.reason == holds.UNKNOWN else holds.TAKEN
    flags = tuple(
        why or ("" if s["id"] in free else other)
        for why, s in zip(blocked, offer.slots, strict=True)
    )
    language = request.session.get("lang") or offer.language
    message = REFUSALS.get(taken.reason, taken.args[0])
    html = _render(request, offer, language, False, csrf_token(request), flags, message)
    return HTMLResponse(html, status_code=409)


@router.post("/pick/{token}/none", dependencies=CSRF)
def none_work(
    request: Request, session: Db, token: str, suggestion: Annotated[str, Form()] = ""
) -> Response:
    """None of the times work: the candidate's suggestion. An empty or too long one is
    422, the page again with its form open; a link used meanwhile (another tab) is 409,
    the page as it stands, in the candidate's language."""
    if not suggestion.strip() or len(suggestion) > offers.MAX_SUGGESTION:
        return _asked_again(request, session, token, NO_SUGGESTION, suggesting=True)
    try:
        offers.decline(session, token=token, suggestion=suggestion, clock=request.app.state.clock)
    except BadInput:
        return _asked_again(request, session, token, NO_SUGGESTION, suggesting=True)
    except Conflict:
        _forget(request, token)
        return _as_it_stands(request, session, token)
    _forget(request, token)
    return redirect(f"/pick/{token}")


def _asked_again(
    request: Request, session: Db, token: str, message: str, *, suggesting: bool = False
) -> Response:
    """422: the page again with what is missing said plainly, in the candidate's
    language; a link that no longer takes a choice is shown as it stands (409)."""
    session.rollback()
    offer = offers.offer_view(session, token)
    now = request.app.state.clock()
    if offer.state != "open" or offer.expires_at <= now:
        return _as_it_stands(request, session, token)
    language = request.session.get("lang") or offer.language
    blocked = blocked_now(offer, now)
    html = _render(
        request, offer, language, False, csrf_token(request), blocked, message, suggesting
    )
    return HTMLResponse(html, status_code=422)
