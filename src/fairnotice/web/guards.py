"""ASGI middleware that guards every request before routing, authentication or parsing.

- `BodyLimit`: a request body over its route's limit is refused with 413 before it is
  read: at once when Content-Length says so, else as soon as the streamed (chunked) body
  passes the limit. The API answers JSON, the pages a translated error page.
- `HeadAsGet`: HEAD is answered wherever GET is (RFC 9110 9.3.2): the GET's status and
  headers, no body.
- `SecurityHeaders`: the headers every response carries (CSP, no sniffing, no framing,
  referrer policy; HSTS when the app is reached over https).
- `RedactTokens`: the access log (uvicorn's) never holds a link's token.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
MIB = 1024 * KIB
# The routes that take more than a form: uploads (1 MiB invitations and calendars, also
# the calendar sent with a plan's form; 2 MiB candidate lists; with room for the multipart
# framing) and the JSON of a plan or slot search (up to 100,000 busy periods). Everything
# else is a form or a small JSON body.
LIMITS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^/api/v1/(plan|slots)$"), 16 * MIB),
    (re.compile(r"^/api/"), 4 * MIB),
    (re.compile(r"^/w/\d+/positions/\d+/candidates/import$"), 2 * MIB + 64 * KIB),
    (re.compile(r"^/plan$"), 2 * MIB + 64 * KIB),  # a plan without an account: two files
    (re.compile(r"^/w/\d+/.*(import|calendars|replies|invitation|adopt|plan)$"), MIB + 64 * KIB),
)
FORM_LIMIT = 512 * KIB
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HSTS = b"max-age=63072000; includeSubDomains"

Page = Callable[[Request, int], Awaitable[Response]]


def limit_for(path: str) -> int:
    """The largest body `path` accepts, in bytes."""
    for pattern, limit in LIMITS:
        if pattern.match(path):
            return limit
    return FORM_LIMIT


class _TooLarge(Exception):
    """Raised into the app from `receive` once a streamed body passes its limit."""


class BodyLimit:
    """413 for a body over the route's limit, before anything reads it."""

    def __init__(self, app: ASGIApp, page: Page) -> None:
        self.app = app
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, send, limit)
            return
        seen = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # whatever the app made of the broken body, the answer is 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted, guarded)
        if exceeded and not started:
            await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        path: str = scope.get("path", "")
        if path.startswith("/api/"):
            detail = [{"loc": ["body"], "field": "body", "msg": f"larger than {limit} bytes"}]
            body = json.dumps({"detail": detail}).encode()
            response: Response = Response(body, 413, media_type="application/json")
        else:
            response = await self.page(Request(scope), limit)
        response.headers["connection"] = "close"  # the rest of the body is not read
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class HeadAsGet:
    """HEAD runs as GET; the response keeps its status and headers and loses its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        done = False

        async def headers_only(message: Message) -> None:
            nonlocal done
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not done:
                if not message.get("more_body", False):
                    done = True
                    await send({"type": "http.response.body", "body": b""})
            else:
                await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class SecurityHeaders:
    """Headers on every response; token pages (/pick/) never leak their URL as a referrer.
    `docs_policy` is the CSP of the API's documentation pages (web/docs.py)."""

    def __init__(self, app: ASGIApp, *, hsts: bool, docs: dict[str, str]) -> None:
        self.app = app
        self.hsts = hsts
        self.docs = {path: policy.encode() for path, policy in docs.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        token_page = path.startswith(("/pick/", "/reset/", "/got-it/"))  # reset: issue 14
        policy = b"no-referrer" if token_page else b"same-origin"
        csp = self.docs.get(path, CSP.encode())

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"referrer-policy", policy),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                ]
                # a page that widens the policy itself (the Microsoft 365 / Google page's
                # form-action names the configured sign-in addresses) keeps its own
                if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                    headers.append((b"content-security-policy", csp))
                if self.hsts:
                    headers.append((b"strict-transport-security", HSTS))
                if token_page:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


TOKEN_PATH = re.compile(r"(/(?:pick|reset|got-it)/)[^/?#\s\"]+")


class RedactTokens(logging.Filter):
    """Every path in a log record with its link token replaced by `[token]`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                TOKEN_PATH.sub(r"\1[token]", a) if isinstance(a, str) else a for a in record.args
            )
        if isinstance(record.msg, str):
            record.msg = TOKEN_PATH.sub(r"\1[token]", record.msg)
        return True


def redact_access_log() -> None:
    """Install `RedactTokens` on uvicorn's access log (once per process)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
