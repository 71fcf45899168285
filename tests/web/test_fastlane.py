"""The hot JSON endpoints' short way (web/fastlane.py) answers exactly as FastAPI's routes.

Every request below is sent twice to the same app: once as it is served (the fast lane
first), once with the fast lane taken out, and the two answers must be the same, status,
body and headers, for good requests and for every kind of bad one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from fairnotice.model import Slot
from fairnotice.operations.busy.stored import read_calendars
from fairnotice.web.fastlane import FastRoute, TokenPage
from tests.conftest import BASE
from tests.web.conftest import Browser
from tests.web.employer_setup import offered
from tests.web.test_api import EXAMPLES, FIXTURES, api_token


@contextmanager
def without_fast_lane(app: FastAPI) -> Iterator[None]:
    routes = app.router.routes
    lane = [r for r in routes if isinstance(r, FastRoute | TokenPage)]
    assert len(lane) == 3
    for route in lane:
        routes.remove(route)
    try:
        yield
    finally:
        routes[0:0] = lane


def _same(app: FastAPI, send: Any, *, cookies: bool = False) -> httpx.Response:
    fast = send()
    with without_fast_lane(app):
        slow = send()
    if cookies:  # a new session each time: the signed cookies differ in their token
        assert ("set-cookie" in fast.headers) == ("set-cookie" in slow.headers)
        fast.headers.pop("set-cookie", None)
        slow.headers.pop("set-cookie", None)
    assert fast.status_code == slow.status_code, (fast.text, slow.text)
    if cookies:  # ... and so do the CSRF tokens in the page
        csrf = re.compile(rb'(name="csrf_token" value="|"X-CSRF-Token": ")[^"]*"')
        assert csrf.sub(rb"\1", fast.content) == csrf.sub(rb"\1", slow.content)
    else:
        assert fast.content == slow.content
    drop = {"date", "content-length"}
    assert {k: v for k, v in fast.headers.items() if k not in drop} == {
        k: v for k, v in slow.headers.items() if k not in drop
    }
    assert fast.headers.get("content-length") == slow.headers.get("content-length")
    return fast


def _counting(answer: Any, calls: list[str]) -> Any:
    async def counted(body: Any, request: Any, who: Any) -> Any:
        calls.append(request.url.path)
        return await answer(body, request, who)

    return counted


def test_fast_lane_answers_as_fastapi_does(app: FastAPI, browser: Browser) -> None:
    auth = api_token(browser, "lane@example.org", organisation="Muster & Partner GmbH")
    http = browser.http
    ics = (FIXTURES / "interviewer-busy.ics").read_text()
    stored = http.post(
        "/api/v1/calendars",
        json={"owner_email": "j.doe@example.com", "ics": ics, "timezone": "Europe/Berlin"},
        headers=auth,
    )
    assert stored.status_code == 201, stored.text
    query: dict[str, Any] = {
        "calendars": [stored.json()["id"]],
        "duration": 60,
        "tz": "Europe/Berlin",
        "from": "2026-03-11T00:00:00+01:00",
        "until": "2026-03-14T00:00:00+01:00",
        "count": 3,
        "step": 60,
    }
    unread = _same(app, lambda: http.post("/api/v1/slots", json=query, headers=auth))
    assert unread.status_code == 409
    read_calendars(app.state.sessions, clock=app.state.clock)  # what a worker does
    situation = json.loads((EXAMPLES / "candidate-reschedule-de.json").read_text())
    good = [
        ("/api/v1/slots", query),
        ("/api/v1/slots", {**query, "busy": [{"start": query["from"], "end": query["until"]}]}),
        ("/api/v1/plan", situation),
    ]
    answered: list[str] = []
    for route in app.router.routes:
        if isinstance(route, FastRoute):
            route.answer = _counting(route.answer, answered)
    for path, body in good:
        answer = _same(app, lambda p=path, b=body: http.post(p, json=b, headers=auth))
        assert answer.status_code == 200, answer.text
        if path.endswith("/slots"):  # the bytes pydantic writes for the contract's list[Slot]
            slots = TypeAdapter(list[Slot])
            assert answer.content == slots.dump_json(slots.validate_json(answer.content))
    assert len(answered) == len(good)  # each good request took the fast lane once
    bad_tz = json.loads(json.dumps(BASE))
    bad_tz["interview"]["timezone"] = "Mars/Olympus"
    bad: list[tuple[str, Any, dict[str, str]]] = [
        ("/api/v1/slots", {**query, "calendars": [999999]}, auth),  # the endpoint's 422
        ("/api/v1/slots", {**query, "until": query["from"]}, auth),
        ("/api/v1/slots", {**query, "duration": 1}, auth),  # the model's 422
        ("/api/v1/slots", {**query, "extra": 1}, auth),
        ("/api/v1/slots", [], auth),
        ("/api/v1/plan", bad_tz, auth),
        ("/api/v1/plan", situation, {"Authorization": "Bearer fn_nope"}),
        ("/api/v1/plan", situation, {}),
    ]
    for path, body, headers in bad:
        answer = _same(app, lambda p=path, b=body, h=headers: http.post(p, json=b, headers=h))
        assert answer.status_code in (401, 422), answer.text
    lower = {"Authorization": "bearer " + auth["Authorization"][7:]}  # FastAPI's way: fine
    assert _same(app, lambda: http.post("/api/v1/plan", json=situation, headers=lower)).is_success
    raw = [
        (b'{"duration": 60, "tz": ', {"Content-Type": "application/json"}),  # broken JSON
        (json.dumps(query).encode(), {"Content-Type": "text/plain"}),
        (json.dumps(query).encode(), {"Content-Type": "application/json; charset=utf-8"}),
        (b"", {"Content-Type": "application/json"}),
        ("\ufeff".encode() + json.dumps(query).encode(), {"Content-Type": "application/json"}),
    ]
    for content, headers in raw:
        _same(
            app,
            lambda c=content, h=headers: http.post(
                "/api/v1/slots", content=c, headers={**auth, **h}
            ),
        )
    for method in ("GET", "PUT", "DELETE"):
        answer = _same(app, lambda m=method: http.request(m, "/api/v1/slots", headers=auth))
        assert answer.status_code == 405


def test_pick_page_lane_answers_as_fastapi_does(app: FastAPI, browser: Browser) -> None:
    setup = offered(app, browser)
    token = setup.link.rsplit("/", 1)[1]
    http = browser.http
    page = _same(app, lambda: http.get(f"/pick/{token}"))  # the browser's session: same
    assert page.status_code == 200 and "csrf_token" in page.text
    with TestClient(app, base_url="http://testserver") as visitor:

        def fresh(method: str, path: str) -> httpx.Response:
            visitor.cookies.clear()  # a first visit each time
            return visitor.request(method, path, follow_redirects=False)

        for path in (f"/pick/{token}", "/pick/nope", f"/pick/{token}/", "/pick/", "/pick/%2F"):
            for method in ("GET", "HEAD"):
                _same(app, lambda m=method, p=path: fresh(m, p), cookies=True)
