"""The ASGI application: settings, database (migrated at start), middleware, routes.

`create_app` is the one entry point, for `fairnotice serve`, the tests (in-process over
ASGI) and the benchmarks; a clock can be passed in so link expiry is testable.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from fairnotice.errors import BadInput, Conflict, Forbidden, NotFound, Phrase, TooLarge
from fairnotice.operations.accounts.commands import workspaces_of
from fairnotice.operations.plans.planning import system_now
from fairnotice.rules.proposals import why_in
from fairnotice.settings import Settings
from fairnotice.store.session import WRITE, make_engine, session_factory, upgrade
from fairnotice.store.tables import User
from fairnotice.web import docs, i18n
from fairnotice.web.deps import SESSION_KEY, SignInRequired, live_session, render, templates
from fairnotice.web.guards import BodyLimit, HeadAsGet, SecurityHeaders, redact_access_log
from fairnotice.web.paging import url_with
from fairnotice.web.storable import storable_text
from fairnotice.web.throttle import Throttle, TokenGuard, TooMany

STATIC = Path(__file__).parent / "static"


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _problems_body(problems: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "detail": [{"loc": field.split("."), "field": field, "msg": msg} for field, msg in problems]
    }


async def _error_page(request: Request, context: dict[str, Any]) -> Response:
    """error.html with the signed-in user's own navigation and zone (an error is no
    reason to look signed out), and after a refused form a link back to the page it was
    sent from (this site's own pages only)."""
    ctx = dict(context)
    if isinstance(request.session.get(SESSION_KEY), str):
        ctx.update(await run_in_threadpool(_viewer, request))
    referer = urlsplit(request.headers.get("referer", ""))
    if (
        request.method == "POST"
        and referer.netloc == request.url.netloc
        and referer.path.startswith("/")
        and not referer.path.startswith("//")
    ):
        ctx["back"] = referer.path + (f"?{referer.query}" if referer.query else "")
    return render(request, "error.html", ctx, status=int(ctx["status"]))


def _viewer(request: Request) -> dict[str, Any]:
    with request.app.state.sessions() as session:
        row = live_session(request, session)
        user = session.get(User, row.user_id) if row is not None else None
        if user is None:
            return {}
        return {"user": user, "workspaces": workspaces_of(session, user.id)}


async def _too_many(request: Request, exc: TooMany) -> Response:
    """429 with Retry-After: JSON for the API, else the error page in the viewer's language."""
    wait = {"Retry-After": str(exc.retry_after)}
    if _wants_json(request):
        return JSONResponse({"detail": str(exc)}, status_code=429, headers=wait)
    response = await _error_page(request, {"status": 429, "wait": exc.retry_after})
    response.headers.update(wait)
    return response


async def _too_large(request: Request, limit: int) -> Response:
    """413 for a form or upload over its route's limit, in the viewer's language."""
    size = f"{limit / (1024 * 1024):.1f} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
    problem = Phrase("larger than the limit of %(size)s", size=size)
    return await _error_page(request, {"status": 413, "problems": [("body", problem)]})


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "not found"}, status_code=404)
        return await _error_page(request, {"status": 404})

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=409)
        message = exc.args[0] if exc.args else ""  # a Phrase stays translatable
        return await _error_page(request, {"status": 409, "message": message})

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=403)
        return await _error_page(request, {"status": 403, "message": exc.args[0]})

    @app.exception_handler(TooMany)
    async def too_many(request: Request, exc: TooMany) -> Response:
        return await _too_many(request, exc)

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput) -> Response:
        status = 413 if isinstance(exc, TooLarge) else 422
        if _wants_json(request):
            return JSONResponse(_problems_body(exc.problems), status_code=status)
        return await _error_page(request, {"status": status, "problems": exc.problems})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for item in exc.errors():
            loc = [str(x) for x in item.get("loc", ()) if x not in ("body", "query", "path")]
            problems.append((".".join(loc) or "body", str(item.get("msg", "invalid"))))
        if _wants_json(request):
            return JSONResponse(_problems_body(problems), status_code=422)
        if all(item.get("loc", ("",))[0] == "path" for item in exc.errors()):
            # /w/not-a-number is an address that names nothing, not a form to correct
            return await _error_page(request, {"status": 404})
        return await _error_page(request, {"status": 422, "problems": problems})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # name every method the path has, not just the first route's
            path = request.url.path
            methods = {m for regex, ms in app.state.route_methods if regex.match(path) for m in ms}
            headers["Allow"] = ", ".join(sorted(methods))
        if _wants_json(request) or exc.status_code not in (403, 404, 405):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=headers
            )
        return await _error_page(request, {"status": exc.status_code})

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/signin?next={quote(request.url.path)}", status_code=303)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = system_now,
    migrate: bool = True,
) -> FastAPI:
    """The web app and API on the configured database, migrated to the newest schema."""
    settings = settings or Settings()
    if migrate:
        upgrade(settings.database, secret=settings.secret)  # 0005 seals with this key
    app = FastAPI(
        title="fairnotice",
        version="0.1.0",
        description="Change job-interview plans professionally. The JSON shapes of CONTRACT.md.",
        openapi_url="/openapi.json",
        docs_url=None,  # web/docs.py: the same pages with their assets served from here
        redoc_url=None,
        dependencies=[Depends(storable_text)],  # no NUL into the database, on any route
    )
    engine = make_engine(settings.database)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine, secret=settings.secret)
    app.state.write_sessions = session_factory(
        engine.execution_options(**WRITE), secret=settings.secret
    )
    from fairnotice.operations.busy import cloud

    cloud.install(app.state.write_sessions, settings)  # Microsoft 365 / Google tokens
    app.state.clock = clock
    app.state.throttle = Throttle(settings.throttle_storage, enabled=settings.throttle)
    _install_errors(app)

    from fairnotice.web.routes import (
        anonymous,
        api,
        api_crud,
        api_fill,
        api_lifecycle,
        api_todos,
        auth,
        booking,
        caldav_accounts,
        candidate,
        cloud_calendars,
        delivery_status,
        edits,
        employer,
        followups,
        got_it,
        insights,
        lifecycle,
        lists,
        pick,
        reset,
        scheduling,
        subscriptions,
    )

    app.include_router(api.health)
    modules = (
        pick,
        got_it,
        api,
        api_crud,
        api_fill,
        api_lifecycle,
        api_todos,
        booking,
        auth,
        reset,
        anonymous,
        candidate,
        subscriptions,
        lists,
        employer,
        scheduling,
        followups,
        lifecycle,
        edits,
        delivery_status,
        caldav_accounts,
        cloud_calendars,
        insights,
    )
    for module in modules:
        app.include_router(module.router)
    templates.env.globals["url_with"] = url_with  # the list pages' paging links
    templates.env.globals["why_in"] = why_in  # a proposed time's why in the viewer's words
    app.state.route_methods = [
        (route.path_regex, route.methods)
        for module in modules
        for route in module.router.routes
        if isinstance(route, APIRoute)
    ]
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    docs_policy = docs.install(app)
    # A body over its route's limit ends here, before authentication or parsing (inside
    # the session middleware so that its 413 page is in the viewer's language).
    app.add_middleware(BodyLimit, page=_too_large)
    # Failed token attempts (pick and reset links, API bearer tokens) counted per client,
    # inside the session middleware so that a 429 page is in the viewer's language.
    app.add_middleware(TokenGuard, throttle=app.state.throttle, page=_too_many)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret,
        session_cookie="fairnotice_session",
        max_age=settings.session_max_days * 24 * 3600,  # the server's session ends sooner
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(
        SecurityHeaders,
        hsts=settings.base_url.startswith("https://"),
        docs=dict.fromkeys(docs.PAGES, docs_policy),
    )
    app.add_middleware(HeadAsGet)
    redact_access_log()  # a pick, reset or "Got it" link's token never reaches the access log
    return app


def _warm() -> None:
    """Read now what the pick page otherwise reads from disk on its first requests (the
    catalogs, Babel's locale data, the compiled template): it renders on the event loop,
    which must not wait for a file (and it is kept out of the collector's passes too)."""
    from fairnotice.web.routes.pick import notice_duration

    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for language in i18n.LANGUAGES:
        i18n.translations(language)
        i18n.when(moment, language, "Europe/Berlin")
        i18n.time_only(moment, language, "Europe/Berlin")
        notice_duration(60, language)
    templates.get_template("pick.html")


SWITCH = 0.0005  # s: a request's thread waits at most this for a busy thread


def serve_app() -> FastAPI:
    """The app as `fairnotice serve` runs it (uvicorn's factory): configured from the
    environment, and everything loaded at start kept out of the garbage collector's
    passes (`gc.freeze`): the app's modules hold about 200,000 tracked objects, and a
    full pass over them stalls whichever request triggers it.

    Threads hand the interpreter over every `SWITCH` seconds instead of 5 ms: the pages
    render in the thread pool, and while a big employer page renders each wait of a small
    one (the socket, the database) cost it up to a whole interval to get the interpreter
    back (issue 18: the pick page's p99 beside the biggest page, 2.8 -> 7.7 ms)."""
    app = create_app()
    _warm()
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH)
    return app
