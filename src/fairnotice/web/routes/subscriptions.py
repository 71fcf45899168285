"""Subscription links on pages: pasted once (the candidate's own on the interview page, an
interviewer's on the position page), read at once while the user waits, then asked again
by the worker; removed by their owner's workspace. Never shown back but as host + "…"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from fairnotice.io import validate
from fairnotice.operations.busy import refresh, subscriptions
from fairnotice.operations.common.schemas import Person
from fairnotice.web import throttle
from fairnotice.web.deps import Db, InScope, csrf_protect, redirect

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _back(scope: InScope, back: str) -> str:
    return back if back.startswith(f"/w/{scope.id}/") else f"/w/{scope.id}"


@router.post("/w/{ws}/subscriptions")
async def add_subscription(
    request: Request,
    scope: InScope,
    session: Db,
    subscription_url: Annotated[str, Form(max_length=subscriptions.MAX_LINK)],
    owner_email: Annotated[str, Form(max_length=320)] = "",
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Read the link now (refused with its reason if it does not answer: nothing stored),
    then keep it sealed for the worker. Without `owner_email`: the user's own calendar."""
    link = subscriptions.checked_link(subscription_url)
    throttle.reads_remote(request, scope.id)
    given = owner_email.strip() or scope.user.email
    email = validate(Person, {"name": given, "email": given}).email
    now = request.app.state.clock()
    zone_name = scope.user.timezone

    def read() -> refresh.Outcome:
        _, outcome = refresh.first_reading(
            session,
            kind=subscriptions.KIND,
            address=link,
            workspace_id=scope.id,
            zone_name=zone_name,
            now=now,
            allow_private=request.app.state.settings.calendars.caldav_allow_private,
            field=subscriptions.FIELD,
        )
        return outcome

    outcome = await run_in_threadpool(read)

    def store() -> None:
        refresh.add_source(
            session,
            kind=subscriptions.KIND,
            address=link,
            hint=subscriptions.hint(link),
            owner_email=email,
            workspace_id=scope.id,
            zone_name=zone_name,
            now=now,
            secret=request.app.state.settings.secret,
            outcome=outcome,
        )

    await run_in_threadpool(store)
    return redirect(_back(scope, back))


@router.post("/w/{ws}/subscriptions/{calendar_id}/delete")
def remove_subscription(
    scope: InScope,
    session: Db,
    calendar_id: int,
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    refresh.remove(session, workspace_id=scope.id, calendar_id=calendar_id, kind=subscriptions.KIND)
    return redirect(_back(scope, back))
