"""A short way through the app for the hot JSON endpoints' everyday request.

`POST /api/v1/slots` and `POST /api/v1/plan` are called again and again by the same
clients. For a request that is plainly well-formed (a JSON body of modest size, a bearer
token this process resolved less than `api.TOKEN_TTL` seconds ago, a body that validates)
the route below does what FastAPI would (the same `json.loads`, the same pydantic
validation, the same endpoint code, the same exception handlers) without FastAPI's
per-request dependency solving. Any other request, and any request this route is unsure
of, is handed unchanged (its body replayed) to the FastAPI route, so errors (400, 401,
422) and their bodies are exactly FastAPI's. The OpenAPI document still comes from the
FastAPI routes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Message, Receive, Scope, Send

MAX_BODY = 64 * 1024  # larger bodies take FastAPI's way (its own limits apply there)
_DECLINED = "fairnotice.fastlane.declined"

Answer = Callable[[Any, Request, Any], Awaitable[Response]]
Caller = Callable[[Request, str], Any]


class FastRoute(BaseRoute):
    """`POST path` with a JSON body of `model`, answered by `answer(body, request, who)`
    for the caller `who` that `known_caller(request, token)` finds for the bearer token
    (None: not known right now, so FastAPI's route resolves it)."""

    def __init__(
        self, path: str, model: type[BaseModel], known_caller: Caller, answer: Answer
    ) -> None:
        self.path = self.path_format = path
        self.name = f"fastlane:{path}"
        self.model = model
        self.known_caller = known_caller
        self.answer = answer

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == self.path
            and not scope.get("root_path")
            and _DECLINED not in scope
        ):
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        length = headers.get(b"content-length", b"")
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        if (
            headers.get(b"content-type") != b"application/json"
            or not length.isdigit()
            or not 0 < int(length) <= MAX_BODY
            or not authorization.startswith("Bearer ")
            or b"transfer-encoding" in headers
        ):
            await self._decline(scope, receive, send, None)
            return
        messages = await _read_body(receive, int(length))
        body = b"".join(m.get("body", b"") for m in messages)
        if messages[-1]["type"] != "http.request" or messages[-1].get("more_body", False):
            await self._decline(scope, receive, send, messages)
            return
        # What FastAPI's HTTPBearer reads: the text after the first space.
        request = Request(scope, receive)
        who = self.known_caller(request, authorization.partition(" ")[2])
        if who is None:
            await self._decline(scope, receive, send, messages)
            return
        try:
            # What FastAPI does with a JSON body: json.loads, then the model validates it.
            value = self.model.model_validate(json.loads(body), from_attributes=True)
        except (ValueError, ValidationError):  # JSONDecodeError is a ValueError
            await self._decline(scope, receive, send, messages)
            return
        response = await self.answer(value, request, who)
        await response(scope, receive, send)

    async def _decline(
        self, scope: Scope, receive: Receive, send: Send, messages: list[Message] | None
    ) -> None:
        """FastAPI's route, as if this one did not exist (what was read of the request is
        replayed to it as it came)."""
        scope[_DECLINED] = True
        replay = receive if messages is None else _replay(messages, receive)
        await scope["router"].app(scope, replay, send)


_LANE_HEADERS = frozenset(
    (b"content-length", b"authorization", b"content-type", b"transfer-encoding")
)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The headers this lane looks at, each its first value as Starlette's `Headers.get`
    gives it (ASGI servers send names lower-cased), in one pass over the raw list."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        if name in _LANE_HEADERS and name not in found:
            found[name] = value
    return found


async def _read_body(receive: Receive, limit: int) -> list[Message]:
    """The request's messages up to its last body chunk, a disconnect, or more than
    `limit` bytes of body, whichever comes first."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if size > limit or not message.get("more_body", False):
            return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """`receive` that gives `messages` first, then what the client sends next."""
    pending = list(messages)

    async def again() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return again


class TokenPage(BaseRoute):
    """`GET <prefix><token>` (one path segment) straight to `endpoint(request, token)`:
    what FastAPI's route for `<prefix>{token}` calls, without its per-request dependency
    solving (the endpoint takes no dependencies). Other methods, and paths with more
    segments, go on to the FastAPI routes as before."""

    def __init__(
        self, prefix: str, endpoint: Callable[[Request, str], Awaitable[Response]]
    ) -> None:
        self.prefix = prefix
        self.path = self.path_format = prefix + "{token}"
        self.name = f"fastlane:{self.path}"
        self.endpoint = endpoint

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            path: str = scope["path"]
            if path.startswith(self.prefix):
                token = path[len(self.prefix) :]
                if token and "/" not in token:
                    params = {**scope.get("path_params", {}), "token": token}
                    return Match.FULL, {"endpoint": self.endpoint, "path_params": params}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.endpoint(request, scope["path_params"]["token"])
        await response(scope, receive, send)
