"""CalDAV accounts on a page of their own: connect (server address, user name, app
password), choose the calendars that count, remove. The server is asked while the user
waits, with no transaction open; a refusal comes back as the page (422) with the form as
typed but the password, and the problem by its field in the viewer's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from fairnotice.errors import N_, BadInput
from fairnotice.io import validate
from fairnotice.operations.busy import caldav, caldav_accounts
from fairnotice.operations.common.schemas import Person
from fairnotice.web import throttle
from fairnotice.web.deps import Db, InScope, csrf_protect, redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _page(
    request: Request,
    scope: InScope,
    session: Db,
    *,
    problems: list[tuple[str, str]] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    listed = caldav_accounts.accounts(session, workspace_id=scope.id, now=request.app.state.clock())
    return render(
        request,
        "caldav.html",
        {
            "user": scope.user,
            "ws": scope.workspace,
            "session": session,  # the nav's workspaces
            "accounts": listed,
            "caldav_problems": problems or [],
            "form": form or {},
            "fields": {
                "owner": caldav_accounts.OWNER_FIELD,
                "server": caldav_accounts.SERVER_FIELD,
                "username": caldav_accounts.USER_FIELD,
                "password": caldav_accounts.PASSWORD_FIELD,
                "choice": caldav_accounts.CHOICE_FIELD,
            },
        },
        status=status,
    )


@router.get("/w/{ws}/caldav")
def caldav_page(request: Request, scope: InScope, session: Db) -> HTMLResponse:
    return _page(request, scope, session)


@router.post("/w/{ws}/caldav")
async def connect(
    request: Request,
    scope: InScope,
    session: Db,
    caldav_server: Annotated[str, Form(max_length=2000)] = "",
    caldav_username: Annotated[str, Form(max_length=256)] = "",
    caldav_password: Annotated[str, Form(max_length=1024)] = "",
    owner_email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    """Find the account's calendars; then the page, to choose which count."""
    form = {
        "caldav_server": caldav.without_login(caldav_server),  # a password typed inside it
        "caldav_username": caldav_username,
        "owner_email": owner_email,
    }  # never the password
    settings = request.app.state.settings
    throttle.reads_remote(request, scope.id)

    def work() -> int:
        given = owner_email.strip() or scope.user.email
        if scope.workspace.kind == "personal":
            given = scope.user.email  # a candidate's calendars are their own
        try:
            email = validate(Person, {"name": given, "email": given}).email
        except BadInput:
            what = N_("not an email address")
            raise BadInput([(caldav_accounts.OWNER_FIELD, what)]) from None
        account = caldav_accounts.connect(
            session,
            workspace_id=scope.id,
            owner_email=email,
            server=caldav_server,
            username=caldav_username,
            password=caldav_password,
            allow_private=settings.calendars.caldav_allow_private,
            secret=settings.secret,
        )
        return account.id

    try:
        account_id = await run_in_threadpool(work)
    except BadInput as exc:
        session.rollback()
        return _page(request, scope, session, problems=exc.problems, form=form, status=422)
    return redirect(f"/w/{scope.id}/caldav#account-{account_id}")


@router.post("/w/{ws}/caldav/{account_id}/calendars")
async def choose(
    request: Request,
    scope: InScope,
    session: Db,
    account_id: int,
    calendar: Annotated[list[int] | None, Form(max_length=50)] = None,
) -> Response:
    """Exactly the ticked calendars count; a newly ticked one is read now."""
    settings = request.app.state.settings
    now = request.app.state.clock()

    def work() -> None:
        caldav_accounts.choose(
            session,
            workspace_id=scope.id,
            account_id=account_id,
            chosen=set(calendar or []),
            zone_name=scope.user.timezone,
            now=now,
            allow_private=settings.calendars.caldav_allow_private,
            secret=settings.secret,
        )

    try:
        await run_in_threadpool(work)
    except BadInput as exc:
        session.rollback()
        return _page(request, scope, session, problems=exc.problems, status=422)
    return redirect(f"/w/{scope.id}/caldav#account-{account_id}")


@router.post("/w/{ws}/caldav/{account_id}/delete")
def remove(scope: InScope, session: Db, account_id: int) -> Response:
    caldav_accounts.remove(session, workspace_id=scope.id, account_id=account_id)
    return redirect(f"/w/{scope.id}/caldav")
