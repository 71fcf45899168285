"""Microsoft 365 and Google on a page of their own: an organisation's owner connects its
tenant or workspace (the service's sign-in page, then back to `/cloud/callback`), names
the people whose free/busy counts, removes a connection. The service is asked while the
user waits, with no transaction open; a refusal comes back as the page (422) with the
problem in the viewer's language."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from fairnotice.errors import N_, BadInput, NotFound
from fairnotice.io import validate
from fairnotice.operations.accounts.commands import membership
from fairnotice.operations.busy import cloud as cloud_calendars
from fairnotice.operations.common.schemas import Person
from fairnotice.store.tables import CalendarConnection, Member
from fairnotice.web.deps import (
    CurrentUser,
    Db,
    InScope,
    Scope,
    csrf_protect,
    live_session,
    redirect,
    render,
)
from fairnotice.web.guards import CSP

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _owner(scope: InScope, session: Db) -> None:
    """Connecting a whole tenant is the organisation owner's decision."""
    role = session.scalar(
        select(Member.role).where(Member.workspace_id == scope.id, Member.user_id == scope.user.id)
    )
    if scope.workspace.kind != "organisation" or role != "owner":
        raise NotFound("workspace")


Owner = Annotated[None, Depends(_owner)]


def _page(
    request: Request,
    scope: Scope,
    session: Db,
    *,
    problems: list[tuple[str, str]] | None = None,
    people: str = "",
    status: int = 200,
) -> HTMLResponse:
    settings = request.app.state.settings
    signing_in = " ".join(
        sorted(
            {
                _origin(cloud_calendars.service(settings, p).authorize_url)
                for p in cloud_calendars.PROVIDERS
            }
        )
    )
    listed = cloud_calendars.connections(
        session, workspace_id=scope.id, now=request.app.state.clock()
    )
    page = render(
        request,
        "cloud.html",
        {
            "user": scope.user,
            "ws": scope.workspace,
            "session": session,  # the nav's workspaces
            "connections": listed,
            "cloud_problems": problems or [],
            "people_typed": people,
            "services": [
                (p, cloud_calendars.NAMES[p], cloud_calendars.service(settings, p).configured)
                for p in cloud_calendars.PROVIDERS
            ],
            "fields": {
                "provider": cloud_calendars.PROVIDER_FIELD,
                "people": cloud_calendars.PEOPLE_FIELD,
                "sign_in": cloud_calendars.SIGN_IN_FIELD,
            },
        },
        status=status,
    )
    # the connect buttons' POST is answered by a redirect to the service's sign-in page:
    # the form may lead there (and only there) besides this site
    page.headers["content-security-policy"] = CSP.replace(
        "form-action 'self'", f"form-action 'self' {signing_in}"
    )
    return page


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@router.get("/w/{ws}/cloud")
def cloud_page(request: Request, scope: InScope, session: Db, _: Owner) -> HTMLResponse:
    return _page(request, scope, session)


@router.post("/w/{ws}/cloud/connect/{provider}")
def connect(request: Request, scope: InScope, session: Db, _: Owner, provider: str) -> Response:
    """To the service's sign-in page, with `state` and the PKCE challenge."""
    auth = live_session(request, session)
    assert auth is not None  # InScope: signed in
    try:
        url = cloud_calendars.start(
            session,
            workspace_id=scope.id,
            provider=provider,
            settings=request.app.state.settings,
            connected_by=scope.user.email,
            auth_session_id=auth.id,
            now=request.app.state.clock(),
        )
    except BadInput as exc:
        session.rollback()
        return _page(request, scope, session, problems=exc.problems, status=422)
    return RedirectResponse(url, status_code=303)


@router.get(cloud_calendars.CALLBACK_PATH)
async def callback(
    request: Request,
    session: Db,
    user: CurrentUser,
    state: str = "",
    code: str = "",
    error: str = "",
) -> Response:
    """The service sends the browser back here; the workspace is the one the sign-in
    was started from (its pending connection), if this user still belongs to it."""
    auth = live_session(request, session)
    settings, now = request.app.state.settings, request.app.state.clock()
    pending = session.scalar(
        select(CalendarConnection.workspace_id).where(
            CalendarConnection.state_hash == cloud_calendars._hash(state[:200])
        )
    )

    def work() -> int:
        row = cloud_calendars.finish(
            session,
            state=state,
            code=code,
            error=error,
            auth_session_id=auth.id if auth is not None else None,
            settings=settings,
            now=now,
        )
        return row.workspace_id

    try:
        ws = await run_in_threadpool(work)
    except BadInput as exc:
        session.rollback()
        if pending is None:
            raise NotFound("sign-in") from None
        workspace = membership(session, user_id=user.id, workspace_id=pending)
        scope = Scope(user=user, workspace=workspace)
        return _page(request, scope, session, problems=exc.problems, status=422)
    return redirect(f"/w/{ws}/cloud")


@router.post("/w/{ws}/cloud/{connection_id}/people")
async def people(
    request: Request,
    scope: InScope,
    session: Db,
    _: Owner,
    connection_id: int,
    emails: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Exactly the people listed (one email a line or separated by commas) are read."""
    settings, now = request.app.state.settings, request.app.state.clock()

    def work() -> None:
        found: list[str] = []
        for given in emails.replace(",", "\n").splitlines():
            given = given.strip()
            if not given:
                continue
            try:
                found.append(validate(Person, {"name": given, "email": given}).email)
            except BadInput:
                raise BadInput(
                    [(cloud_calendars.PEOPLE_FIELD, N_("not an email address") + f": {given[:80]}")]
                ) from None
        cloud_calendars.set_people(
            session,
            workspace_id=scope.id,
            connection_id=connection_id,
            emails=found,
            zone_name=scope.user.timezone,
            now=now,
            secret=settings.secret,
        )

    try:
        await run_in_threadpool(work)
    except BadInput as exc:
        session.rollback()
        return _page(request, scope, session, problems=exc.problems, people=emails, status=422)
    return redirect(f"/w/{scope.id}/cloud#connection-{connection_id}")


@router.post("/w/{ws}/cloud/{connection_id}/delete")
def remove(scope: InScope, session: Db, _: Owner, connection_id: int) -> Response:
    cloud_calendars.remove(session, workspace_id=scope.id, connection_id=connection_id)
    return redirect(f"/w/{scope.id}/cloud")
