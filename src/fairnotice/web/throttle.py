"""Throttling of guesses: sign-in, password-reset requests, and every token endpoint.

Counting and windows are the `limits` library's (moving windows, MIT, also behind
slowapi and Flask-Limiter): `Throttle` only names what is counted. Attempts that fail are
counted (a wrong password, an unknown reset, pick or API token); while a count is used up
the endpoint answers 429 with Retry-After and says, in the viewer's language, how long
to wait. Reset requests are counted whether or not the address has an account (the
answer must not tell).

The counts live in this process's memory (`limits`' memory storage): right for one
`fairnotice serve` process; several web processes each count on their own (each allows
the full limit) unless FAIRNOTICE_THROTTLE_STORAGE names a shared store that `limits`
supports, e.g. `redis://host:6379` (with the redis client installed).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairnotice.errors import FairnoticeError

SIGNIN_ACCOUNT = parse("10 per 15 minutes")  # wrong passwords for one address
SIGNIN_CLIENT = parse("50 per 15 minutes")  # wrong passwords from one client address
RESET_ACCOUNT = parse("3 per hour")  # reset mails asked for one address
RESET_CLIENT = parse("10 per hour")  # reset mails asked from one client address
TOKEN_CLIENT = parse("30 per 10 minutes")  # unknown pick, reset or API tokens from one client
# Reading a calendar address a user typed (subscription links, CalDAV accounts) makes this
# server connect out: bounded, or the forms' different refusals would map a network's ports.
REMOTE_WORKSPACE = parse("30 per 10 minutes")
REMOTE_CLIENT = parse("60 per 10 minutes")
# A plan without an account (issue 17) is planning work anyone can ask for: counted per
# client, the plans themselves and their checks, downloads and keep pages.
ANON_PLAN = parse("30 per 10 minutes")
ANON_USE = parse("300 per 10 minutes")


class TooMany(FairnoticeError):
    """A throttled attempt; `retry_after` whole seconds until the next one is allowed."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many attempts; try again in {retry_after} seconds")


class Throttle:
    """Named counts over `limits`' moving windows; `enabled=False` never refuses."""

    def __init__(self, storage: str = "memory://", *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage))

    def wait(self, limit: RateLimitItem, *keys: str) -> int:
        """Seconds until `keys` may try again under `limit` (0: now)."""
        if not self.enabled or self.limiter.test(limit, *keys):
            return 0
        reset = self.limiter.get_window_stats(limit, *keys).reset_time
        return max(1, math.ceil(reset - time.time()))

    def check(self, *counts: tuple[RateLimitItem, str]) -> None:
        """TooMany while any of the counts is used up."""
        longest = max((self.wait(limit, key) for limit, key in counts), default=0)
        if longest:
            raise TooMany(longest)

    def fail(self, *counts: tuple[RateLimitItem, str]) -> None:
        """Count a failed attempt against each (limit, key)."""
        if self.enabled:
            for limit, key in counts:
                self.limiter.hit(limit, key)

    def attempt(self, *counts: tuple[RateLimitItem, str]) -> None:
        """Check, then count this attempt whatever its outcome (reset requests)."""
        self.check(*counts)
        self.fail(*counts)

    def allow(self, *counts: tuple[RateLimitItem, str]) -> bool:
        """Whether this attempt is within every count (then counted), without refusing:
        for what is skipped quietly rather than answered 429."""
        if any(self.wait(limit, key) for limit, key in counts):
            return False
        self.fail(*counts)
        return True

    def forget(self, limit: RateLimitItem, key: str) -> None:
        """Start a count afresh (a successful sign-in clears its address's failures)."""
        if self.enabled:
            self.limiter.clear(limit, key)


def network(host: str) -> str:
    """What a client is counted as: its IPv4 address, or its IPv6 /64 (one subscriber's
    network, 2**64 addresses: counted one by one, each guess could come from a new one)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client(request: Request) -> str:
    """The client as the server sees it (behind a proxy: uvicorn's --forwarded-allow-ips
    makes it the forwarded one), by `network`."""
    return network(request.client.host) if request.client else "unknown"


# What a throttled request gets (the app's handler of TooMany: JSON or the error page).
Refusal = Callable[[Request, TooMany], Awaitable[Response]]


def reads_remote(request: Request, workspace_id: int) -> None:
    """Count one outbound calendar read by a workspace and a client; TooMany when spent."""
    limits: Throttle = request.app.state.throttle
    limits.attempt(
        (REMOTE_WORKSPACE, f"remote:{workspace_id}"),
        (REMOTE_CLIENT, f"remote:{client(request)}"),
    )


@dataclass(frozen=True)
class Guarded:
    """Requests under `prefix` with a method in `methods` are token attempts; a response
    with a status in `failures` counts as a wrong token."""

    prefix: str
    methods: frozenset[str]
    failures: frozenset[int]


GUARDED = (
    # GET too: a link's page answers whether a guessed token exists (HEAD arrives as GET).
    Guarded("/pick/", frozenset({"GET", "POST"}), frozenset({404, 410})),
    Guarded("/reset/", frozenset({"GET", "POST"}), frozenset({404})),
    Guarded("/got-it/", frozenset({"GET", "POST"}), frozenset({404, 410})),
    Guarded("/api/", frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"}), frozenset({401})),
)


class TokenGuard:
    """ASGI middleware: counts failed token attempts per client and answers 429 (with
    Retry-After) while that client's count is used up, before the request is read."""

    def __init__(self, app: ASGIApp, throttle: Throttle, page: Refusal) -> None:
        self.app = app
        self.throttle = throttle
        self.page = page
        # Clients with a failure within the window: everyone else (nearly every request)
        # passes on a dict lookup, not a look at the limiter's window (~10 us).
        self.failed: dict[str, float] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.throttle.enabled:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        guarded = next(
            (g for g in GUARDED if path.startswith(g.prefix) and scope["method"] in g.methods),
            None,
        )
        if guarded is None:
            await self.app(scope, receive, send)
            return
        address = network(scope["client"][0]) if scope.get("client") else "unknown"
        count = (TOKEN_CLIENT, f"token:{address}")
        last = self.failed.get(address)
        recent = last is not None and time.monotonic() - last < TOKEN_CLIENT.get_expiry()
        wait = self.throttle.wait(*count) if recent else 0
        if wait:
            response = await self.page(Request(scope, receive), TooMany(wait))
            await response(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status in guarded.failures:
            if len(self.failed) > 100_000:  # many clients failing: forget the oldest marks
                self.failed.clear()
            self.failed[address] = time.monotonic()
            self.throttle.fail(count)
