"""A notice's "Got it" link (issue 17, operations/outbox/receipts.py): GET shows the notice's
subject and a button in the letter's language, and records that the link was opened;
only POST confirms. An unknown token is 404, an expired link 410 (both counted by the
throttle as wrong tokens). The link never acts on the interview itself."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from fairnotice.operations.outbox import receipts
from fairnotice.web import i18n
from fairnotice.web.deps import csrf_protect, render

router = APIRouter(include_in_schema=False)


def _page(request: Request, token: str, shown: receipts.Shown) -> HTMLResponse:
    language = request.session.get("lang") or shown.language
    context = {
        "shown": shown,
        "token": token,
        "force_lang": language if language in i18n.LANGUAGES else "en",
    }
    return render(request, "got_it.html", context, status=410 if shown.expired else 200)


@router.get("/got-it/{token}")
def got_it_page(request: Request, token: str) -> HTMLResponse:
    """The page; the first opening is recorded (GET never confirms)."""
    state = request.app.state
    with state.write_sessions.begin() as session:
        shown = receipts.opened(session, token, now=state.clock())
    return _page(request, token, shown)


@router.post("/got-it/{token}", dependencies=[Depends(csrf_protect)])
def got_it(request: Request, token: str) -> HTMLResponse:
    """Confirm; again is harmless (the first confirmation stays)."""
    state = request.app.state
    with state.write_sessions.begin() as session:
        shown = receipts.confirm(session, token, now=state.clock())
    return _page(request, token, shown)
