"""What every route needs: a database session, the viewer (by the server-side session
its cookie names), CSRF, and page rendering.

Routes stay thin: they take these dependencies, call one operation, render or redirect.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from fairnotice.operations.accounts import sessions
from fairnotice.operations.accounts.commands import membership, workspaces_of
from fairnotice.store.tables import AuthSession, User, Workspace
from fairnotice.web import i18n, refusals

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # templates ship with the package: no stat() per page and include
)
_env.filters["todatetime"] = datetime.fromisoformat
templates = Jinja2Templates(env=_env)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def db(request: Request) -> Iterator[Session]:
    """One transaction per request; a POST's transaction is a writing one."""
    state = request.app.state
    # The write factory's connections BEGIN IMMEDIATE on SQLite, lazily, in the thread that
    # runs the route: no thread waits for the write lock before it has work to do.
    chosen = state.sessions if request.method in SAFE_METHODS else state.write_sessions
    with chosen() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# "function": commit before the response is sent, so the next request reads the write.
Db = Annotated[Session, Depends(db, scope="function")]


def read_db(request: Request) -> Iterator[Session]:
    """A read-only unit of work, whatever the method (POSTs of the pure API, token checks):
    on SQLite it never queues for the write lock."""
    with request.app.state.sessions() as session:
        try:
            yield session
        finally:
            session.rollback()


ReadDb = Annotated[Session, Depends(read_db, scope="function")]


def language(request: Request) -> str:
    chosen = request.session.get("lang")
    if chosen in i18n.LANGUAGES:
        return str(chosen)
    return i18n.negotiate(request.headers.get("accept-language"))


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_protect(request: Request) -> None:
    """Every unsafe request of the pages carries the session's token (form field or header)."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")


SESSION_KEY = "sid"  # the cookie's random session id (operations/accounts/sessions.py)


def live_session(request: Request, session: Session) -> AuthSession | None:
    """The server-side session of the cookie, if it is live; its last activity is
    written now and then (every few minutes, not every request)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    state = request.app.state
    now = state.clock()
    settings = state.settings
    row = sessions.find(
        session,
        token,
        now=now,
        idle=timedelta(minutes=settings.session_idle_minutes),
        lifetime=timedelta(days=settings.session_max_days),
    )
    if row is not None and sessions.stale(row, now):
        if request.method in SAFE_METHODS:  # a read-only unit of work: a short write of its own
            with state.write_sessions.begin() as writing:
                sessions.touch(writing, session_id=row.id, now=now)
        else:
            sessions.touch(session, session_id=row.id, now=now)
    return row


def optional_user(request: Request, session: Db) -> User | None:
    row = live_session(request, session)
    return session.get(User, row.user_id) if row is not None else None


OptionalUser = Annotated[User | None, Depends(optional_user)]


class SignInRequired(Exception):
    """Raised for a page that needs a signed-in user; the app redirects to /signin."""


def current_user(request: Request, session: Db) -> User:
    user = optional_user(request, session)
    if user is None:
        raise SignInRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


@dataclass
class Scope:
    """The signed-in user inside one of their workspaces."""

    user: User
    workspace: Workspace

    @property
    def id(self) -> int:
        return self.workspace.id


def scope(ws: int, user: CurrentUser, session: Db) -> Scope:
    """The workspace in the URL, if the user is a member; 404 otherwise."""
    return Scope(user=user, workspace=membership(session, user_id=user.id, workspace_id=ws))


InScope = Annotated[Scope, Depends(scope)]


def _translator(t: Any) -> Any:
    def gettext(message: str, **values: Any) -> str:
        text: str = t.gettext(message)
        return text % values if values else text

    return gettext


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """A page in the viewer's language and zone, with the CSRF token and the nav."""
    ctx: dict[str, Any] = dict(context or {})
    forced = ctx.pop("force_lang", None)
    lang = forced if forced in i18n.LANGUAGES else language(request)
    t = i18n.translations(lang)
    user = ctx.get("user")
    tz = ctx.pop("viewer_zone", None) or (user.timezone if isinstance(user, User) else "UTC")
    ctx.update(
        lang=lang,
        languages=i18n.NAMES,
        _=_translator(t),
        tr=lambda message: i18n.translate(message, lang, tz),  # operations' error texts
        untagged=lambda message: i18n.unkeyed(message, lang, tz),  # a conflict, without its key
        ngettext=t.ngettext,
        # Error pages never start a session: a stray request (a favicon, a prefetch) that
        # raced a sign-in must not answer with a cookie that overwrites the new session.
        csrf=ctx.pop("csrf_mark", None)
        or (csrf_token(request) if status < 400 else request.session.get("csrf", "")),
        when=lambda moment: i18n.when(moment, lang, tz),
        time_only=lambda moment: i18n.time_only(moment, lang, tz),
        day_label=lambda day: i18n.day_label(day, lang),
        zone_label=i18n.zone_label(tz, lang),
    )
    refusals.page_context(ctx, lang, tz)  # a refused form's problems in words, by label
    if isinstance(user, User) and "workspaces" not in ctx:
        session = ctx.pop("session", None)
        if session is not None:
            ctx["workspaces"] = workspaces_of(session, user.id)
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def redirect(url: str) -> RedirectResponse:
    """After a POST: 303 so the browser follows with GET."""
    return RedirectResponse(url, status_code=303)
