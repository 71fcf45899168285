"""Sign-up, sign-in, sign-out (here or everywhere), password change, language switch,
organisations, members and their roles, and API tokens. The password reset is in reset.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fairnotice.errors import N_, BadInput
from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.accounts import mail as account_mail
from fairnotice.operations.accounts import sessions
from fairnotice.operations.plans import anonymous
from fairnotice.store.tables import User
from fairnotice.web import i18n, refusals, throttle
from fairnotice.web.deps import (
    SESSION_KEY,
    CurrentUser,
    Db,
    InScope,
    OptionalUser,
    csrf_protect,
    csrf_token,
    language,
    redirect,
    render,
)
from fairnotice.web.routes.forms import refused
from fairnotice.web.throttle import TooMany

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


def _begin(request: Request, session: Db, user: User) -> None:
    """A fresh server-side session (and CSRF token) in a fresh cookie: never one that
    was set before signing in (session fixation). The chosen language stays."""
    now = request.app.state.clock()
    settings = request.app.state.settings
    sessions.prune(
        session,
        user_id=user.id,
        now=now,
        idle=timedelta(minutes=settings.session_idle_minutes),
        lifetime=timedelta(days=settings.session_max_days),
    )
    lang = request.session.get("lang")
    request.session.clear()
    request.session[SESSION_KEY] = sessions.start(session, user_id=user.id, now=now)
    if lang:
        request.session["lang"] = lang
    csrf_token(request)


def _cookie_token(request: Request) -> str:
    token = request.session.get(SESSION_KEY)
    return token if isinstance(token, str) else ""


def _throttle(request: Request) -> throttle.Throttle:
    found: throttle.Throttle = request.app.state.throttle
    return found


def _refused(request: Request, name: str, context: dict[str, object], exc: TooMany) -> Response:
    """The form again, 429, saying how long to wait (Retry-After says it to programs)."""
    response = render(request, name, {**context, "wait": exc.retry_after}, status=429)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@router.get("/")
def index(request: Request, session: Db, user: OptionalUser) -> Response:
    if user is not None:
        return RedirectResponse(_home(request, user.id, session), status_code=303)
    return render(request, "welcome.html")


@router.get("/signup")
def signup_page(request: Request) -> HTMLResponse:
    return render(request, "signup.html")


@router.post("/signup")
def signup(
    request: Request,
    session: Db,
    email: Annotated[str, Form(max_length=320)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "",
    carried: Annotated[str, Form(max_length=anonymous.MAX_CARRIED)] = "",
) -> Response:
    """The same answer whether or not the address has an account: on to sign-in, where
    the new account's owner signs in; the existing account's owner gets an email. A plan
    made without an account (`carried`) goes on to the sign-in form, still not stored."""
    try:
        done = accounts.enrol(
            session,
            email=email,
            name=name,
            password=password,
            language=language(request),
            timezone=timezone,
        )
    except BadInput as exc:
        typed = {"email": email, "name": name, "timezone": timezone}
        back = {"carried": carried} if carried else {}
        return refused(request, "signup.html", back, exc, form=typed, labels=refusals.SIGNUP)
    owner = done.existing
    # A few such mails an hour at most: no mail bombing through the sign-up form.
    if owner and _throttle(request).allow((throttle.RESET_ACCOUNT, f"signup:{owner.email}")):
        account_mail.tell_owner_of_signup(
            session,
            user=owner,
            base_url=request.app.state.settings.base_url,
            now=request.app.state.clock(),
        )
    if carried:  # the plan to keep rides on to the sign-in form
        return render(request, "signin.html", {"signed_up": True, "carried": carried})
    return redirect("/signin?signed_up=1")


@router.get("/signin")
def signin_page(
    request: Request, next: str | None = None, signed_up: int = 0, reset: int = 0
) -> HTMLResponse:
    context = {"next": _safe_next(next, ""), "signed_up": bool(signed_up), "reset": bool(reset)}
    return render(request, "signin.html", context)


@router.post("/signin")
def signin(
    request: Request,
    session: Db,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    carried: Annotated[str, Form(max_length=anonymous.MAX_CARRIED)] = "",
) -> Response:
    """Wrong passwords are counted per account and per client; while either count is
    used up the answer is 429, even for the right password. An empty field is no attempt:
    the form again (422), nothing counted. A plan made without an account (`carried`)
    is stored in the personal workspace once signed in, and its page shown."""
    empty = [k for k, v in (("email", email), ("password", password)) if not v.strip()]
    if empty:
        missing = BadInput([(k, N_("please fill this in")) for k in empty])
        back: dict[str, object] = {"next": _safe_next(next, ""), "carried": carried}
        typed = {"email": email}
        return refused(request, "signin.html", back, missing, form=typed, labels=refusals.SIGNIN)
    limits = _throttle(request)
    counts = (
        (throttle.SIGNIN_ACCOUNT, f"signin:{email.strip().lower()}"),
        (throttle.SIGNIN_CLIENT, f"signin:{throttle.client(request)}"),
    )
    context: dict[str, object] = {"email": email, "next": _safe_next(next, ""), "carried": carried}
    try:
        limits.check(*counts)
    except TooMany as exc:
        return _refused(request, "signin.html", context, exc)
    user = accounts.authenticate(session, email=email, password=password)
    if user is None:
        limits.fail(*counts)
        return render(request, "signin.html", {**context, "failed": True}, status=401)
    limits.forget(*counts[0])
    try:  # a plan that cannot be read again is said before anyone is signed in
        draft = anonymous.carried(carried, request.app.state.settings.secret) if carried else None
    except BadInput as exc:
        return refused(request, "signin.html", context, exc, form={"email": email})
    _begin(request, session, user)
    if draft is not None:
        return redirect(_keep(request, session, user, draft))
    return redirect(_safe_next(next, _home(request, user.id, session)))


def _keep(request: Request, session: Db, user: User, draft: anonymous.Draft) -> str:
    """The carried plan stored in the user's personal workspace: the address of its page."""
    home = accounts.personal_workspace(session, user.id).id
    record = anonymous.keep(
        session, workspace_id=home, user=user, draft=draft, clock=request.app.state.clock
    )
    return f"/w/{home}/plans/{record.id}"


@router.post("/signout")
def signout(request: Request, session: Db) -> Response:
    """This session ends on the server: a copy of the cookie signs nobody in."""
    token = _cookie_token(request)
    if token:
        sessions.end(session, token)
    request.session.clear()
    return redirect("/")


@router.post("/signout/everywhere")
def signout_everywhere(request: Request, user: CurrentUser, session: Db) -> Response:
    """Every session of the user ends, this one too (a lost phone, a shared computer)."""
    sessions.end_all(session, user_id=user.id)
    request.session.clear()
    return redirect("/signin")


@router.post("/language")
def switch_language(
    request: Request,
    session: Db,
    user: OptionalUser,
    lang: Annotated[str, Form(max_length=5)],
    back: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    if lang not in i18n.LANGUAGES:
        raise BadInput([("lang", N_("must be de, sv or en"))])
    request.session["lang"] = lang
    if user is not None:
        accounts.update_preferences(session, user_id=user.id, language=lang)
    return redirect(_safe_next(back, "/"))


def _account(
    request: Request, user: User, session: Db, *, status: int = 200, **extra: object
) -> HTMLResponse:
    others = sessions.count(session, user_id=user.id) - 1
    context = {"user": user, "session": session, "other_sessions": max(0, others), **extra}
    return render(request, "account.html", context, status=status)


@router.get("/account")
def account(request: Request, user: CurrentUser, session: Db, changed: int = 0) -> HTMLResponse:
    return _account(request, user, session, changed=bool(changed))


@router.post("/account/password")
def change_password(
    request: Request,
    user: CurrentUser,
    session: Db,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """A new password (the current one asked for); every other session of the user ends.
    A wrong current password counts against the account's sign-in budget (a stolen
    session must not guess it here at will)."""
    count = (throttle.SIGNIN_ACCOUNT, f"signin:{user.email}")
    try:
        _throttle(request).check(count)
    except TooMany as exc:
        refused = _account(request, user, session, status=429, wait=exc.retry_after)
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    try:
        accounts.change_password(
            session, user_id=user.id, current=current_password, new=new_password
        )
    except BadInput as exc:
        if any(str(name) == "current password" for name, _ in exc.problems):
            _throttle(request).fail(count)
        return _account(
            request,
            user,
            session,
            status=422,
            problems=exc.problems,
            labels=refusals.ACCOUNT,
            open_form="password",
        )
    sessions.end_all(session, user_id=user.id, keep=_cookie_token(request))
    return redirect("/account?changed=1")


@router.post("/account")
def update_account(
    request: Request,
    user: CurrentUser,
    session: Db,
    timezone: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        accounts.update_preferences(session, user_id=user.id, timezone=timezone.strip())
    except BadInput as exc:
        session.rollback()
        typed = {"timezone": timezone}
        return _account(
            request,
            user,
            session,
            status=422,
            problems=exc.problems,
            labels=refusals.ACCOUNT,
            open_form="timezone",
            kept=typed,
        )
    return redirect("/account")


@router.post("/organisations")
def new_organisation(
    request: Request,
    user: CurrentUser,
    session: Db,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        if not name.strip():  # "please fill this in", not the length rule
            raise BadInput([("name", N_("please fill this in"))])
        workspace = accounts.create_organisation(session, user_id=user.id, name=name)
    except BadInput as exc:
        session.rollback()
        return _account(
            request,
            user,
            session,
            status=422,
            problems=exc.problems,
            labels=refusals.ORGANISATION,
            open_form="organisation",
            kept={"name": name},
        )
    return redirect(f"/w/{workspace.id}")


@router.get("/w/{ws}/members")
def members(request: Request, scope: InScope, session: Db) -> HTMLResponse:
    return render(request, "members.html", _members(scope, session))


def _members(scope: InScope, session: Db) -> dict[str, object]:
    return {
        "user": scope.user,
        "ws": scope.workspace,
        "session": session,
        "members": accounts.members_of(session, scope.id),
        "role": accounts.role_in(session, user_id=scope.user.id, workspace_id=scope.id),
    }


@router.post("/w/{ws}/members")
def add_member(
    request: Request,
    scope: InScope,
    session: Db,
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    try:
        accounts.add_member(session, workspace_id=scope.id, email=email, by_user_id=scope.user.id)
    except BadInput as exc:
        session.rollback()
        page = _members(scope, session)
        typed = {"email": email}
        return refused(request, "members.html", page, exc, form=typed, labels=refusals.MEMBER)
    return redirect(f"/w/{scope.id}/members")


@router.post("/w/{ws}/members/{user_id}/role")
def change_role(
    scope: InScope, session: Db, user_id: int, role: Annotated[str, Form()] = ""
) -> Response:
    """Owners only; the member is looked up (404) before the role is read (422)."""
    accounts.set_role(
        session, workspace_id=scope.id, user_id=user_id, role=role, by_user_id=scope.user.id
    )
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
            "role": accounts.role_in(session, user_id=scope.user.id, workspace_id=scope.id),
        },
    )


@router.post("/w/{ws}/tokens/{token_id}/revoke")
def revoke_token(scope: InScope, session: Db, token_id: int) -> Response:
    accounts.revoke_api_token(
        session, workspace_id=scope.id, token_id=token_id, by_user_id=scope.user.id
    )
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
            "role": accounts.role_in(session, user_id=scope.user.id, workspace_id=scope.id),
        },
    )
