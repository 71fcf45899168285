"""Sign-up, sign-in, sign-out, language switch, organisations, members and API tokens."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fairnotice.errors import N_, BadInput, Conflict
from fairnotice.operations import accounts
from fairnotice.web import i18n
from fairnotice.web.deps import (
    CurrentUser,
    Db,
    InScope,
    csrf_protect,
    csrf_token,
    language,
    redirect,
    render,
)

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _safe_next(target: str | None, fallback: str) -> str:
    """Only a local path: never an open redirect."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def _home(request: Request, user_id: int, session: Db) -> str:
    return f"/w/{accounts.personal_workspace(session, user_id).id}"


@router.get("/")
def index(request: Request, session: Db) -> Response:
    user_id = request.session.get("uid")
    if isinstance(user_id, int):
        return RedirectResponse(_home(request, user_id, session), status_code=303)
    return render(request, "welcome.html")


@router.get("/signup")
def signup_page(request: Request) -> HTMLResponse:
    return render(request, "signup.html")


@router.post("/signup")
def signup(
    request: Request,
    session: Db,
    email: Annotated[str, Form(max_length=320)],
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    timezone: Annotated[str, Form(max_length=64)] = "UTC",
) -> Response:
    try:
        user = accounts.sign_up(
            session,
            email=email,
            name=name,
            password=password,
            language=language(request),
            timezone=timezone or "UTC",
        )
    except (BadInput, Conflict) as exc:
        problems = (
            exc.problems if isinstance(exc, BadInput) else [("email", str(exc).split(": ", 1)[-1])]
        )
        return render(
            request, "signup.html", {"problems": problems, "email": email, "name": name}, status=422
        )
    request.session.clear()
    request.session["uid"] = user.id
    csrf_token(request)  # a fresh token, set in the same response as the new session
    return redirect(_home(request, user.id, session))


@router.get("/signin")
def signin_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "signin.html", {"next": _safe_next(next, "")})


@router.post("/signin")
def signin(
    request: Request,
    session: Db,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    user = accounts.authenticate(session, email=email, password=password)
    if user is None:
        return render(
            request, "signin.html", {"failed": True, "email": email, "next": next}, status=401
        )
    lang = request.session.get("lang")
    request.session.clear()  # a fresh session (and CSRF token) for the signed-in user
    request.session["uid"] = user.id
    if lang:
        request.session["lang"] = lang
    csrf_token(request)
    return redirect(_safe_next(next, _home(request, user.id, session)))


@router.post("/signout")
def signout(request: Request) -> Response:
    request.session.clear()
    return redirect("/")


@router.post("/language")
def switch_language(
    request: Request,
    session: Db,
    lang: Annotated[str, Form(max_length=5)],
    back: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    if lang not in i18n.LANGUAGES:
        raise BadInput([("lang", N_("must be de, sv or en"))])
    request.session["lang"] = lang
    user_id = request.session.get("uid")
    if isinstance(user_id, int):
        accounts.update_preferences(session, user_id=user_id, language=lang)
    return redirect(_safe_next(back, "/"))


@router.get("/account")
def account(request: Request, user: CurrentUser, session: Db) -> HTMLResponse:
    return render(request, "account.html", {"user": user, "session": session})


@router.post("/account")
def update_account(
    request: Request,
    user: CurrentUser,
    session: Db,
    timezone: Annotated[str, Form(max_length=64)],
) -> Response:
    accounts.update_preferences(session, user_id=user.id, timezone=timezone)
    return redirect("/account")


@router.post("/organisations")
def new_organisation(
    request: Request, user: CurrentUser, session: Db, name: Annotated[str, Form(max_length=200)]
) -> Response:
    workspace = accounts.create_organisation(session, user_id=user.id, name=name)
    return redirect(f"/w/{workspace.id}")


@router.get("/w/{ws}/members")
def members(request: Request, scope: InScope, session: Db) -> HTMLResponse:
    return render(
        request,
        "members.html",
        {
            "user": scope.user,
            "ws": scope.workspace,
            "session": session,
            "members": accounts.members_of(session, scope.id),
        },
    )


@router.post("/w/{ws}/members")
def add_member(
    request: Request, scope: InScope, session: Db, email: Annotated[str, Form(max_length=320)]
) -> Response:
    accounts.add_member(session, workspace_id=scope.id, email=email)
    return redirect(f"/w/{scope.id}/members")


@router.get("/w/{ws}/tokens")
def tokens(request: Request, scope: InScope, session: Db) -> HTMLResponse:
    return render(
        request,
        "tokens.html",
        {
            "user": scope.user,
            "ws": scope.workspace,
            "session": session,
            "tokens": accounts.api_tokens(session, workspace_id=scope.id),
        },
    )


@router.post("/w/{ws}/tokens/{token_id}/revoke")
def revoke_token(scope: InScope, session: Db, token_id: int) -> Response:
    accounts.revoke_api_token(session, workspace_id=scope.id, token_id=token_id)
    return redirect(f"/w/{scope.id}/tokens")


@router.post("/w/{ws}/tokens")
def new_token(
    request: Request, scope: InScope, session: Db, label: Annotated[str, Form(max_length=200)] = ""
) -> HTMLResponse:
    token = accounts.issue_api_token(
        session, user_id=scope.user.id, workspace_id=scope.id, label=label
    )
    return render(
        request,
        "tokens.html",
        {
            "user": scope.user,
            "ws": scope.workspace,
            "session": session,
            "token": token,
            "tokens": accounts.api_tokens(session, workspace_id=scope.id),
        },
    )
