"""A local stand-in for Microsoft's and Google's sign-in, token and free/busy endpoints,
a real HTTP server in a thread, answering with the documented request and response shapes:

- OAuth 2 (RFC 6749, PKCE RFC 7636 S256): `/authorize` shows a consent page whose button
  sends the browser back with `code` and `state`; `/token` takes the `authorization_code`
  grant (client secret in the body, code verifier checked against the challenge, code
  used once, redirect URI the same) and the `refresh_token` grant; a revoked or unknown
  refresh token or code answers 400 `{"error": "invalid_grant"}`. Microsoft's token
  endpoint sends a new refresh token on every refresh, Google's none.
- Graph `POST /graph/v1.0/me/calendar/getSchedule` (calendar-getschedule, v1.0):
  `schedules`, `startTime`/`endTime` as dateTimeTimeZone, `availabilityViewInterval`;
  answers `value[]` of scheduleInformation: `scheduleId`, `availabilityView`,
  `scheduleItems[]` (`status` free/tentative/busy/oof/workingElsewhere/unknown, `start`,
  `end` as dateTimeTimeZone in the zone of `Prefer: outlook.timezone`), `workingHours`,
  or `error` (`message`, `responseCode`) for an address it cannot show. With `page_size`
  set the value is split over pages linked by `@odata.nextLink` (Graph's paging
  convention; the real getSchedule has not been seen to page, but a client must follow).
- Google `POST /google/calendar/v3/freeBusy` (freebusy/query): `timeMin`, `timeMax`,
  `items[{id}]`; answers `kind` `calendar#freeBusy` with `calendars.{id}.busy[{start,
  end}]` or `calendars.{id}.errors[{domain, reason: notFound}]`; more than 50 items is
  400 (calendarExpansionMax).
- Both: an unknown or expired access token is 401; `throttle(n)` makes the next n API
  requests 429 with `Retry-After`.

Event subjects are sent in scheduleItems (Graph sends them with Calendars.ReadBasic) so
that a test can show the client keeps none of them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID, CLIENT_SECRET = "fairnotice-test-client", "s3cret-of-the-test-client"


@dataclass
class Busy:
    start: datetime
    end: datetime
    status: str = "busy"
    subject: str = "Board meeting (private)"


@dataclass
class Standin:
    """What the stand-in knows and what it was asked (for the tests' assertions)."""

    calendars: dict[str, list[Busy]] = field(default_factory=dict)
    expires_in: int = 3600
    page_size: int = 0
    retry_after: str = "1"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    access: dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch)
    refresh: set[str] = field(default_factory=set)
    grants: list[str] = field(default_factory=list)  # grant types asked, in order
    requests: list[dict[str, Any]] = field(default_factory=list)  # API requests
    throttled: int = 0
    base: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- test controls --
    def throttle(self, times: int) -> None:
        self.throttled = times

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token in self.access:
                self.access[token] = 0.0

    def revoke(self) -> None:
        """The admin withdrew the app's consent: every token stops working."""
        with self.lock:
            self.refresh.clear()
            self.access.clear()

    def api_requests(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["kind"] == kind]

    # -- endpoints --
    def new_tokens(self, provider: str, *, first: bool) -> dict[str, Any]:
        access = secrets.token_urlsafe(24)
        self.access[access] = time.time() + self.expires_in
        answer: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": access,
            "expires_in": self.expires_in,
            "scope": "freebusy",
        }
        if first or provider == "microsoft":
            new = secrets.token_urlsafe(24)
            self.refresh.add(new)
            answer["refresh_token"] = new
        return answer


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _graph_time(moment: datetime) -> dict[str, str]:
    return {"dateTime": f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.0000000", "timeZone": "UTC"}


def _parse_graph(value: dict[str, str]) -> datetime:
    assert value["timeZone"] == "UTC", value
    return datetime.fromisoformat(value["dateTime"][:19]).replace(tzinfo=UTC)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        kind = "text/html; charset=utf-8" if isinstance(body, str) else "application/json"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path in ("/microsoft/authorize", "/google/authorize"):
            self._authorize_page(parts.path.split("/")[1], query)
        elif parts.path == "/graph/v1.0/me/calendar/getSchedule":
            self._graph_page(query)
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        body = self._body()
        if parts.path in ("/microsoft/approve", "/google/approve"):
            self._approve(
                parts.path.split("/")[1], {k: v[0] for k, v in parse_qs(body.decode()).items()}
            )
        elif parts.path in ("/microsoft/token", "/google/token"):
            self._token(
                parts.path.split("/")[1], {k: v[0] for k, v in parse_qs(body.decode()).items()}
            )
        elif parts.path == "/graph/v1.0/me/calendar/getSchedule":
            self._get_schedule(json.loads(body))
        elif parts.path == "/google/calendar/v3/freeBusy":
            self._freebusy(json.loads(body))
        else:
            self._send(404, {"error": "not found"})

    # -- OAuth --
    def _authorize_page(self, provider: str, query: dict[str, str]) -> None:
        state = self.server.state
        problems = []
        if query.get("client_id") != CLIENT_ID:
            problems.append("unknown client_id")
        if query.get("response_type") != "code":
            problems.append("response_type must be code")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            problems.append("PKCE S256 challenge required")
        if not query.get("state"):
            problems.append("state required")
        if problems:
            self._send(400, "<p>" + "; ".join(problems) + "</p>")
            return
        hidden = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in query.items())
        title = "Microsoft" if provider == "microsoft" else "Google"
        self._send(
            200,
            f"<!doctype html><html lang=en><title>Sign in – {title} (stand-in)</title>"
            f"<body style='font-family:sans-serif;max-width:32em;margin:3em auto'>"
            f"<h1>{title} stand-in</h1><p>fairnotice asks to read free/busy "
            f"(<code>{query.get('scope', '')}</code>).</p>"
            f"<form method=post action='/{provider}/approve'>{hidden}"
            f"<button id=approve>Accept</button></form>"
            f"<form method=post action='/{provider}/approve'>{hidden}"
            f"<input type=hidden name=deny value=1><button id=deny>Cancel</button></form>",
        )
        del state

    def _approve(self, provider: str, form: dict[str, str]) -> None:
        redirect = form["redirect_uri"]
        if form.get("deny"):
            target = redirect + "?" + urlencode({"error": "access_denied", "state": form["state"]})
        else:
            code = secrets.token_urlsafe(16)
            self.server.state.codes[code] = {
                "challenge": form["code_challenge"],
                "redirect_uri": redirect,
                "provider": provider,
                "scope": form.get("scope", ""),
            }
            target = redirect + "?" + urlencode({"code": code, "state": form["state"]})
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _token(self, provider: str, form: dict[str, str]) -> None:
        state = self.server.state
        with state.lock:
            state.grants.append(form.get("grant_type", ""))
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                self._send(401, {"error": "invalid_client"})
                return
            if form.get("grant_type") == "authorization_code":
                code = state.codes.pop(form.get("code", ""), None)
                if (
                    code is None
                    or code["provider"] != provider
                    or code["redirect_uri"] != form.get("redirect_uri")
                    or _challenge(form.get("code_verifier", "")) != code["challenge"]
                ):
                    self._send(400, {"error": "invalid_grant", "error_description": "bad code"})
                    return
                self._send(200, state.new_tokens(provider, first=True))
            elif form.get("grant_type") == "refresh_token":
                token = form.get("refresh_token", "")
                if token not in state.refresh:
                    self._send(400, {"error": "invalid_grant", "error_description": "revoked"})
                    return
                if provider == "microsoft":  # Microsoft rotates the refresh token
                    state.refresh.discard(token)
                self._send(200, state.new_tokens(provider, first=False))
            else:
                self._send(400, {"error": "unsupported_grant_type"})

    # -- APIs --
    def _authorised(self, kind: str, body: Any) -> bool:
        state = self.server.state
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        with state.lock:
            state.requests.append(
                {"kind": kind, "body": body, "prefer": self.headers.get("Prefer")}
            )
            if state.throttled > 0:
                state.throttled -= 1
                self._send(
                    429,
                    {"error": {"code": "TooManyRequests", "message": "throttled"}},
                    {"Retry-After": state.retry_after},
                )
                return False
            expiry = state.access.get(token)
        if expiry is None or expiry < time.time():
            self._send(
                401,
                {"error": {"code": "InvalidAuthenticationToken", "message": "expired"}},
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
            return False
        return True

    def _get_schedule(self, body: dict[str, Any]) -> None:
        if not self._authorised("graph", body):
            return
        start, end = _parse_graph(body["startTime"]), _parse_graph(body["endTime"])
        value = []
        for address in body["schedules"]:
            items = self.server.state.calendars.get(address.lower())
            if items is None:
                value.append(
                    {
                        "scheduleId": address,
                        "error": {
                            "message": "Either the specified user does not exist or not accessible",
                            "responseCode": "ErrorMailRecipientNotFound",
                        },
                    }
                )
                continue
            inside = [b for b in items if b.start < end and b.end > start]
            value.append(
                {
                    "scheduleId": address,
                    "availabilityView": "0" * 4,
                    "scheduleItems": [
                        {
                            "isPrivate": False,
                            "status": b.status,
                            "subject": b.subject,
                            "location": "Room 4",
                            "start": _graph_time(b.start),
                            "end": _graph_time(b.end),
                        }
                        for b in inside
                    ],
                    "workingHours": {"daysOfWeek": ["monday"], "startTime": "08:00:00.0000000"},
                }
            )
        self._send_paged(value)

    def _send_paged(self, value: list[Any], page: int = 0) -> None:
        state = self.server.state
        size = state.page_size or len(value) or 1
        chunk = value[page * size : (page + 1) * size]
        answer: dict[str, Any] = {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
            "value": chunk,
        }
        if (page + 1) * size < len(value):
            key = secrets.token_urlsafe(8)
            self.server.pages[key] = value
            answer["@odata.nextLink"] = (
                f"{state.base}/graph/v1.0/me/calendar/getSchedule?$skiptoken={key}&page={page + 1}"
            )
        self._send(200, answer)

    def _graph_page(self, query: dict[str, str]) -> None:
        if not self._authorised("graph-page", query):
            return
        value = self.server.pages.get(query.get("$skiptoken", ""))
        if value is None:
            self._send(400, {"error": {"code": "BadRequest"}})
            return
        self._send_paged(value, int(query["page"]))

    def _freebusy(self, body: dict[str, Any]) -> None:
        if not self._authorised("google", body):
            return
        if len(body.get("items", [])) > 50:
            self._send(
                400,
                {
                    "error": {
                        "code": 400,
                        "errors": [{"domain": "global", "reason": "tooManyCalendarsRequested"}],
                    }
                },
            )
            return
        start = datetime.fromisoformat(body["timeMin"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(body["timeMax"].replace("Z", "+00:00"))
        calendars: dict[str, Any] = {}
        for item in body["items"]:
            items = self.server.state.calendars.get(item["id"].lower())
            if items is None:
                calendars[item["id"]] = {
                    "errors": [{"domain": "global", "reason": "notFound"}],
                    "busy": [],
                }
                continue
            calendars[item["id"]] = {
                "busy": [
                    {
                        "start": f"{b.start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
                        "end": f"{b.end.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
                    }
                    for b in items
                    if b.start < end
                    and b.end > start
                    and b.status not in ("free", "workingElsewhere")
                ]
            }
        self._send(
            200,
            {
                "kind": "calendar#freeBusy",
                "timeMin": body["timeMin"],
                "timeMax": body["timeMax"],
                "calendars": calendars,
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: Standin) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.pages: dict[str, list[Any]] = {}


class Running:
    """The stand-in serving on a free local port until `stop`."""

    def __init__(self) -> None:
        self.state = Standin()
        self.server = _Server(self.state)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.state.base = self.base
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def settings_env(self) -> dict[str, Any]:
        """The FAIRNOTICE_MICROSOFT / _GOOGLE settings pointing here."""
        return {
            "microsoft": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "authorize_url": f"{self.base}/microsoft/authorize",
                "token_url": f"{self.base}/microsoft/token",
                "api_url": f"{self.base}/graph/v1.0",
            },
            "google": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "authorize_url": f"{self.base}/google/authorize",
                "token_url": f"{self.base}/google/token",
                "api_url": f"{self.base}/google/calendar/v3",
            },
        }

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
