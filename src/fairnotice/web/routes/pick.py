"""The pick page: no sign-in, the link's token is the key. GET shows, POST picks.

Responses carry Referrer-Policy: no-referrer and Cache-Control: no-store (see app.py),
so the token never travels to another site or stays in a shared cache.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any

from babel.units import format_unit
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from fairnotice.errors import N_, BadInput, Conflict
from fairnotice.operations.offers import commands as offers
from fairnotice.operations.offers import holds
from fairnotice.operations.offers.queries import PickReader
from fairnotice.web import deps, i18n
from fairnotice.web.deps import Db, csrf_protect, csrf_token, redirect, render

router = APIRouter(include_in_schema=False)
# CSRF on the POSTs only (a GET changes nothing).
CSRF = [Depends(csrf_protect)]


def _reader(request: Request) -> PickReader:
    reader: PickReader | None = getattr(request.app.state, "pick_reader", None)
    if reader is None:
        reader = request.app.state.pick_reader = PickReader(request.app.state.engine)
    return reader


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
    *,
    status: int = 200,
) -> HTMLResponse:
    """pick.html for this offer and visitor, in the offer's zone. `blocked`: why each
    time cannot be picked ("" where it can); `message`: a refusal to show (translated
    here); `suggesting`: the refusal is about the suggestion (its form is shown open)."""
    lang = language if language in i18n.LANGUAGES else deps.language(request)
    video = offer.video_url or ""
    context = {
        "offer": offer,
        "expired": expired,
        "token": request.path_params["token"],
        "force_lang": lang,
        "viewer_zone": offer.timezone,
        "csrf_mark": csrf,
        "notice": notice_duration(offer.notice_minutes, lang) if offer.notice_minutes else "",
        "blocked": list(blocked),
        "message": addressed(lang, offer.formal)(message) if message else "",
        "duration": notice_duration(_minutes(offer), lang),
        "video_link": video.lower().startswith(("https://", "http://")),
        "suggesting": suggesting,
        "pgettext": formal_gettext(lang),
    }
    return render(request, "pick.html", context, status=status)


# The texts that speak to the candidate have a second form under the gettext context
# "formal": German says "Sie" there, as the offer's letter did (the rest of the UI says du).
FORMAL = "formal"


def formal_gettext(language: str) -> Callable[..., str]:
    """The pick page's `pgettext(context, text, **values)`, which it calls for a formal
    offer; a text with no formal form in the catalog (English) as gettext has it."""
    catalog = i18n.translations(language)

    def pgettext(context: str, message: str, **values: Any) -> str:
        text = catalog.pgettext(context, message)
        if text == message:
            text = catalog.gettext(message)
        return text % values if values else text

    return pgettext


def addressed(language: str, formal: bool) -> Callable[[object], str]:
    """A refusal of the pick page in the offer's form of address (see FORMAL)."""
    in_form = formal_gettext(language)

    def translate(message: object) -> str:
        if formal and isinstance(message, str):
            return in_form(FORMAL, message)
        return i18n.translate(message, language)

    return translate


def _minutes(offer: offers.OfferView) -> int:
    """How long the interview lasts: its offered times' length (they are all as long),
    else the planned time's."""
    if offer.slots:
        first = offer.slots[0]
        return max(1, int((first["end"] - first["start"]).total_seconds() // 60))
    if offer.interview_start is not None and offer.interview_end is not None:
        return max(1, int((offer.interview_end - offer.interview_start).total_seconds() // 60))
    return 60


@router.get("/pick/{token}")
async def pick_page(request: Request, token: str) -> HTMLResponse:
    """The offer as it stands, read on every request (one indexed statement); 410 once
    the link has expired, 404 for a token that is no link.

    Only the read waits in the thread pool (it may wait on the database); the page is
    rendered on the event loop, which has no I/O to wait for: a second hand-over between
    threads, with the interpreter's lock changing hands each way, cost more CPU than the
    rendering itself (issue 16: 800 -> 600 µs of server CPU per request)."""
    offer = await run_in_threadpool(_reader(request), token)
    now = request.app.state.clock()
    expired = offer.state == "open" and offer.expires_at <= now
    status = 410 if expired else 200
    language = request.session.get("lang") or offer.language
    csrf = csrf_token(request) if status < 400 else ""
    blocked = blocked_now(offer, now)
    return _render(request, offer, language, expired, csrf, blocked, status=status)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


NO_CHOICE = N_("Please choose one of these times, then confirm it.")
NO_SUGGESTION = N_("Please write when would suit you (up to 2000 characters), then send it.")
_NULL = gettext.NullTranslations()  # marks the formal forms for `make messages` (as pgettext)
_FORMAL_FORMS = (
    _NULL.pgettext("formal", "Please choose one of these times, then confirm it."),
    _NULL.pgettext(
        "formal", "Please write when would suit you (up to 2000 characters), then send it."
    ),
    _NULL.pgettext("formal", "This time cannot be confirmed just now. Please try again later."),
)


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
        return _refused(request, session, token, taken)
    except Conflict:
        if _wants_json(request):
            raise
        return _as_it_stands(request, session, token)
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
    return _render(request, offer, language, expired, csrf, blocked_now(offer, now), status=409)


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
    csrf = csrf_token(request)
    return _render(request, offer, language, False, csrf, flags, message, status=409)


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
        return _as_it_stands(request, session, token)
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
    csrf = csrf_token(request)
    return _render(request, offer, language, False, csrf, blocked, message, suggesting, status=422)
