"""Subscription links on pages: pasted once (the candidate's own on the interview page, an
interviewer's on the position page), read at once while the user waits, then asked again
by the worker; removed by their owner's workspace. Never shown back but as host + "…"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from fairnotice.errors import N_, BadInput
from fairnotice.operations.busy import refresh, subscriptions
from fairnotice.operations.common import records
from fairnotice.store.tables import Interview
from fairnotice.web import throttle
from fairnotice.web.deps import Db, InScope, csrf_protect, redirect
from fairnotice.web.routes import candidate, employer

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _back(scope: InScope, back: str) -> str:
    return back if back.startswith(f"/w/{scope.id}/") else f"/w/{scope.id}"


@router.post("/w/{ws}/subscriptions")
async def add_subscription(
    request: Request,
    scope: InScope,
    session: Db,
    subscription_url: Annotated[str, Form(max_length=subscriptions.MAX_LINK)] = "",
    owner_email: Annotated[str, Form(max_length=320)] = "",
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Read the link now (refused with its reason if it does not answer: nothing stored),
    then keep it sealed for the worker. Without `owner_email`: the user's own calendar.
    Refused, the page it was sent from comes back with the reason beside the field."""
    try:
        await _add(request, scope, session, subscription_url, owner_email)
    except BadInput as exc:
        return await _again(request, scope, session, exc, owner_email, back)
    return redirect(_back(scope, back))


async def _again(
    request: Request, scope: InScope, session: Db, exc: BadInput, owner_email: str, back: str
) -> Response:
    """The position or interview page (422) with the subscription form's problems; the link
    itself is never sent back (whoever has it reads the calendar)."""
    rest = back.removeprefix(f"/w/{scope.id}/")
    kind, _, number = rest.partition("/")
    if rest == back or not number.isdigit() or len(number) > 9:
        raise exc
    if kind == "positions":
        form = {"owner_email": owner_email}
        return await employer.again(request, scope, session, int(number), exc, form, "subscription")
    if kind != "interviews":
        raise exc

    def page() -> Response:
        session.rollback()
        row = records.scoped(session, Interview, scope.id, int(number))
        return candidate.interview_view(
            request, scope, session, row, status=422, problems=exc.problems, refused="subscription"
        )

    return await run_in_threadpool(page)


async def _add(
    request: Request, scope: InScope, session: Db, subscription_url: str, owner_email: str
) -> None:
    if not subscription_url.strip():
        raise BadInput([(subscriptions.FIELD, N_("please fill this in"))])
    link = subscriptions.checked_link(subscription_url)
    email = employer.interviewer_email(owner_email) if owner_email.strip() else scope.user.email
    throttle.reads_remote(request, scope.id)
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


@router.post("/w/{ws}/subscriptions/{calendar_id}/delete")
def remove_subscription(
    scope: InScope,
    session: Db,
    calendar_id: int,
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    refresh.remove(session, workspace_id=scope.id, calendar_id=calendar_id, kind=subscriptions.KIND)
    return redirect(_back(scope, back))
