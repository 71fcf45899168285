"""Password reset by an emailed link: ask for it, open it (a form), use it (once).

Asking answers the same whether or not the address has an account, and is counted per
address and per client; opening or using a link that does not work is counted per client
as a wrong token (throttle.TokenGuard). Using it ends every session of the account.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.background import BackgroundTask

from fairnotice.errors import N_, BadInput
from fairnotice.operations.accounts import mail as account_mail
from fairnotice.web import refusals, throttle
from fairnotice.web.deps import Db, csrf_protect, redirect, render
from fairnotice.web.throttle import TooMany

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/reset")
def reset_request_page(request: Request, sent: int = 0) -> HTMLResponse:
    return render(request, "reset_request.html", {"sent": bool(sent)})


def _ask_reset(request: Request, email: str) -> None:
    """The account's part of a reset request, in a transaction of its own."""
    state = request.app.state
    with state.write_sessions.begin() as session:
        account_mail.request_reset(
            session,
            email=email,
            base_url=state.settings.base_url,
            now=state.clock(),
            secret=state.settings.secret,
        )


@router.post("/reset")
def reset_request(request: Request, email: Annotated[str, Form(max_length=320)] = "") -> Response:
    """Answered before the address is looked up (the work follows the answer): how long
    the answer takes does not tell whether the address has an account."""
    if "@" not in email or any(c.isspace() for c in email.strip()):
        problem = N_("this is not an email address (like name@example.com)")
        context = {"problems": [("email", problem if email.strip() else N_("please fill this in"))]}
        return render(
            request, "reset_request.html", {**context, "kept": {"email": email}}, status=422
        )
    limits: throttle.Throttle = request.app.state.throttle
    try:
        limits.attempt(
            (throttle.RESET_ACCOUNT, f"reset:{email.strip().lower()}"),
            (throttle.RESET_CLIENT, f"reset:{throttle.client(request)}"),
        )
    except TooMany as exc:
        response = render(request, "reset_request.html", {"wait": exc.retry_after}, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    answer = redirect("/reset?sent=1")
    answer.background = BackgroundTask(_ask_reset, request, email)
    return answer


@router.get("/reset/{token}")
def reset_page(request: Request, session: Db, token: str) -> HTMLResponse:
    account_mail.usable_reset(session, token, now=request.app.state.clock())
    return render(request, "reset.html", {"token": token})


@router.post("/reset/{token}")
def reset(
    request: Request,
    session: Db,
    token: str,
    new_password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        account_mail.reset_password(
            session, token=token, password=new_password, now=request.app.state.clock()
        )
    except BadInput as exc:
        context = {"token": token, "problems": exc.problems, "labels": refusals.RESET}
        return render(request, "reset.html", context, status=422)
    request.session.clear()
    return redirect("/signin?reset=1")
