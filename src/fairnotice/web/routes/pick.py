"""The pick page: no sign-in, the link's token is the key. GET shows, POST picks.

Responses carry Referrer-Policy: no-referrer and Cache-Control: no-store (see app.py),
so the token never travels to another site or stays in a shared cache.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from fairnotice.operations import offers
from fairnotice.web.deps import Db, csrf_protect, redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _load(request: Request, token: str) -> offers.OfferView:
    with request.app.state.sessions() as session:
        return offers.offer_view(session, token)


@router.get("/pick/{token}")
async def pick_page(request: Request, token: str) -> HTMLResponse:
    """Reads in one thread-pool call, renders on the event loop (the page is hot)."""
    offer = await run_in_threadpool(_load, request, token)
    now = request.app.state.clock()
    expired = offer.state == "open" and offer.expires_at <= now
    status = 410 if expired else 200
    return render(
        request,
        "pick.html",
        {
            "offer": offer,
            "expired": expired,
            "token": token,
            "viewer_zone": offer.timezone,
            "force_lang": request.session.get("lang") or offer.language,
        },
        status=status,
    )


@router.post("/pick/{token}")
def pick(
    request: Request, session: Db, token: str, slot: Annotated[int, Form(ge=1, le=2**62)]
) -> Response:
    offers.pick(session, token=token, slot_id=slot, clock=request.app.state.clock)
    return redirect(f"/pick/{token}")


@router.post("/pick/{token}/none")
def none_work(
    request: Request, session: Db, token: str, suggestion: Annotated[str, Form(max_length=2000)]
) -> Response:
    offers.decline(session, token=token, suggestion=suggestion, clock=request.app.state.clock)
    return redirect(f"/pick/{token}")
