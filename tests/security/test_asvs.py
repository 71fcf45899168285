"""A security suite in the spirit of OWASP ASVS 5.0 level 2, over every route the app has
(read from the app, so a new route is covered without being listed here), on SQLite and
PostgreSQL. What it tries is counted and printed at the end of the run (conftest.py):

- V8 authorization: another workspace's ids on every page and API route (404, nothing
  changed), and another workspace's object ids inside one's own workspace.
- V3/V10 forged requests: every state-changing page route without or with a wrong CSRF
  token (403), and the API refusing a browser's cookie (401).
- V1 injection: hostile text in every field of the forms that store text, then every page,
  .eml and .ics that shows it: no markup, no header, no calendar property of its own.
- V5 files: hostile uploads to every upload route: 4xx with the field named, never 500.
- V4 safe methods: no GET or HEAD, by the owner or an intruder, changes any row.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections import Counter
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select, text

from fairnotice.store.tables import (
    Base,
    Candidate,
    OutboxMessage,
    PlanStep,
    Position,
    User,
)
from tests.security.routes import api_routes
from tests.web.conftest import Browser
from tests.web.employer_setup import offered
from tests.web.helpers import INTERVIEW_FORM, add_interview, make_plan, organisation

PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def snapshot(app: FastAPI) -> dict[str, list[str]]:
    with app.state.sessions() as session:
        return {
            t.name: sorted(map(repr, session.execute(text(f'SELECT * FROM "{t.name}"')).all()))
            for t in Base.metadata.sorted_tables
        }


def bearer(browser: Browser, ws: int) -> dict[str, str]:
    browser.get(f"/w/{ws}/tokens")
    page = browser.post(f"/w/{ws}/tokens", {"label": "suite"})
    found = re.search(r'<code id="new-token">([^<]+)</code>', page.text)
    assert found is not None, page.text[:500]
    return {"Authorization": f"Bearer {found.group(1)}"}


def world(app: FastAPI, owner: Browser) -> dict[str, Any]:
    """An organisation with a position, candidate, interview, offer and outbox rows, and a
    personal workspace with an interview, a plan and its steps: ids of every kind."""
    setup = offered(app, owner)
    with app.state.sessions() as session:
        user = session.scalar(select(User).where(User.email == owner.user["email"]))
        assert user is not None
        from fairnotice.operations.accounts.commands import personal_workspace

        personal = personal_workspace(session, user.id).id
    interview = add_interview(owner, personal)
    plan = make_plan(owner, personal, interview)
    with app.state.sessions() as session:
        ids = {
            "step": session.scalar(select(PlanStep.id).where(PlanStep.plan_id == plan)),
            "position": session.scalar(
                select(Position.id).where(Position.workspace_id == setup.org)
            ),
            "candidate": session.scalar(
                select(Candidate.id).where(Candidate.workspace_id == setup.org)
            ),
            "row": session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.workspace_id == setup.org)
            ),
        }
    auth = bearer(owner, setup.org)
    from fairnotice.store.tables import ApiToken

    with app.state.sessions() as session:
        token_id = session.scalar(select(ApiToken.id).where(ApiToken.workspace_id == setup.org))
    return {
        **ids,
        "org": setup.org,
        "personal": personal,
        "org_interview": setup.interview,
        "interview": interview,
        "plan": plan,
        "offer": setup.offer,
        "link": setup.link,
        "user": user.id,
        "token": token_id,
        "auth": auth,
    }


ORG_PATHS = ("positions", "offers", "members", "tokens", "candidates", "outbox", "policy")


def ids_for(path: str, w: dict[str, Any]) -> dict[str, Any]:
    """The owner's ids for a route's parameters (organisation objects for employer paths)."""
    in_org = any(f"/{k}" in path for k in ORG_PATHS) or path.endswith(
        ("/offer", "/cancel", "/delivery")
    )
    api_item = {
        "interviews": w["org_interview"],
        "positions": w["position"],
        "candidates": w["candidate"],
        "offers": w["offer"],
        "calendars": 1,
    }
    kind = path.split("/")[3] if path.startswith("/api/v1/") else ""
    return {
        "ws": w["org"] if in_org else w["personal"],
        "interview_id": w["org_interview"] if in_org else w["interview"],
        "plan_id": w["plan"],
        "step_id": w["step"],
        "position_id": w["position"],
        "candidate_id": w["candidate"],
        "row_id": w["row"],
        "offer_id": w["offer"],
        "token_id": w["token"],
        "user_id": w["user"],
        "message_id": "m1",
        # remote calendars, CalDAV accounts and cloud connections: none in the world, so
        # any id is another's or nobody's (their own cross-workspace tests hold real ones)
        "calendar_id": 1,
        "account_id": 1,
        "connection_id": 1,
        "provider": "google",
        "item": api_item.get(kind, 1),
        "token": w["link"].rsplit("/", 1)[1],
    }


def fill(path: str, ids: dict[str, Any]) -> str:
    return PARAM.sub(lambda m: str(ids[m.group(1)]), path)


def scoped_routes(app: FastAPI) -> list[APIRoute]:
    return [r for r in api_routes(app) if "{ws}" in r.path]


def item_api_routes(app: FastAPI) -> list[APIRoute]:
    return [r for r in api_routes(app) if r.path.startswith("/api/") and "{item" in r.path]


FORM = {
    "outcome": "sent",
    "body": "x",
    "name": "x",
    "title": "x",
    "company": "x",
    "role": "member",
    "email": "x@example.org",
}


def send(browser: Browser, method: str, url: str, **kw: Any) -> Any:
    if method == "GET":
        return browser.http.get(url, follow_redirects=False, **kw)
    if method == "POST" and "headers" not in kw:
        return browser.post(url, FORM)
    return browser.http.request(method, url, follow_redirects=False, **kw)


def test_another_workspaces_ids_are_404_on_every_route(
    app: FastAPI, browser: Browser, other_browser: Browser, tally: Counter[str]
) -> None:
    """V8.2: an intruder with a session (pages) and a token (API) of their own gets 404 for
    every id of the owner's, on every route, and changes nothing."""
    w = world(app, browser)
    intruder_ws = other_browser.sign_up("intruder@example.org", name="Intruder")
    intruder_org = organisation(other_browser, "Intruder AB")
    intruder_api = bearer(other_browser, intruder_org)
    before = snapshot(app)
    pages = scoped_routes(app)
    assert len(pages) >= 40
    for route in pages:
        ids = ids_for(route.path, w)
        tried = len(PARAM.findall(route.path))
        for method in sorted(route.methods):
            url = fill(route.path, ids)
            response = send(other_browser, method, url)
            assert response.status_code == 404, (method, url, response.status_code)
            tally["cross-workspace ids tried (pages)"] += tried
            tally[f"route {method} {route.path}: foreign ids tried"] += tried
            # the owner's object ids inside the intruder's own workspace: 404 too
            if tried > 1:
                own = {**ids, "ws": intruder_org if ids["ws"] == w["org"] else intruder_ws}
                response = send(other_browser, method, fill(route.path, own))
                assert response.status_code == 404, (method, route.path, response.status_code)
                tally["foreign object ids in one's own workspace"] += tried - 1
    for route in item_api_routes(app):
        url = fill(route.path, ids_for(route.path, w))
        for method in sorted(route.methods):
            body = {} if method in STATE_CHANGING else None
            response = other_browser.http.request(method, url, json=body, headers=intruder_api)
            assert response.status_code == 404, (method, url, response.status_code)
            assert response.json() == {"detail": "not found"}
            tally["cross-workspace ids tried (API)"] += 1
            tally[f"route {method} {route.path}: foreign ids tried"] += 1
    assert snapshot(app) == before


def test_forged_requests_are_refused(app: FastAPI, browser: Browser, tally: Counter[str]) -> None:
    """V3.5: every state-changing page route refuses a request without the session's CSRF
    token or with a wrong one (403, nothing changed); the API ignores the session cookie."""
    w = world(app, browser)
    before = snapshot(app)
    posts = [
        r
        for r in api_routes(app)
        if not r.path.startswith(("/api/", "/docs", "/redoc")) and STATE_CHANGING & r.methods
    ]
    assert len(posts) >= 40
    for route in posts:
        url = fill(route.path, ids_for(route.path, w))
        for method in sorted(STATE_CHANGING & route.methods):
            for form in ({"outcome": "sent", "slot": "1"}, {"csrf_token": "x" * 43}):
                response = browser.http.request(method, url, data=form, follow_redirects=False)
                assert response.status_code == 403, (method, url, response.status_code)
                tally["forged requests (no or wrong CSRF token)"] += 1
    for route in item_api_routes(app):
        url = fill(route.path, ids_for(route.path, w))
        for method in sorted(route.methods):
            response = browser.http.request(method, url, json={} if method != "GET" else None)
            assert response.status_code == 401, (method, url, response.status_code)
            tally["API requests with only the session cookie"] += 1
    assert snapshot(app) == before


PAYLOADS = {
    "markup": '<script>alert(1)</script><img src=x onerror="alert(2)">',
    "header": "Paralegal\r\nBcc: evil@attacker.example",
    "encoded-word": "=?utf-8?q?x=0D=0ABcc:_evil@attacker.example?=",
    "calendar": "x\r\nATTENDEE:mailto:evil@attacker.example\r\nEND:VEVENT",
    "template": "{{ 7*7 }}{% raw %}${7*7}",
    "sql": "x'); DROP TABLE interviews;--",
    "separators": "a\u2028b\u0085c\x0bd\x0ce\u202eevil",
}
TEXT_FIELDS = ("position", "company", "location", "contact_name", "contact_salutation")


def _checked_outputs(browser: Browser, ws: int, interview: int, tally: Counter[str]) -> None:
    page = browser.get(f"/w/{ws}/interviews/{interview}")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text and 'onerror="alert' not in page.text
    assert "{{ 7*7 }}" in page.text or "{{ 7*7 }}" not in str(INTERVIEW_FORM)
    plan = make_plan(browser, ws, interview, message_language="en")
    shown = browser.get(f"/w/{ws}/plans/{plan}")
    assert shown.status_code == 200 and "<script>alert(1)" not in shown.text
    eml = browser.get(f"/w/{ws}/plans/{plan}/messages/m1.eml")
    assert eml.status_code == 200, eml.text[:300]
    message = email.message_from_bytes(eml.content, policy=email.policy.default)
    assert message["Bcc"] is None and len(message.get_all("To") or []) == 1
    ics = browser.get(f"/w/{ws}/plans/{plan}/messages/m1.ics")
    if ics.status_code == 200:
        lines = re.sub(r"\r\n[ \t]", "", ics.text).split("\r\n")
        assert not any(line.startswith("ATTENDEE:mailto:evil") for line in lines)
        assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT")
    tally["pages, .eml and .ics checked after an injection"] += 3


def test_hostile_text_in_every_field_stays_text(
    app: FastAPI, browser: Browser, tally: Counter[str]
) -> None:
    """V1.2/V1.3: markup, header and calendar line breaks, encoded words, template and SQL
    syntax in every text field of an interview come back as the text typed, everywhere."""
    ws = browser.sign_up("inject@example.org")
    for field in TEXT_FIELDS:
        for kind, payload in PAYLOADS.items():
            browser.get(f"/w/{ws}/interviews/new")
            response = browser.post(f"/w/{ws}/interviews", {**INTERVIEW_FORM, field: payload[:200]})
            tally[f"injections into the field {field}"] += 1
            if response.status_code == 422:  # refused, with the field named
                assert field.split("_")[0] in response.text or "field" in response.text
                continue
            assert response.status_code == 303, (field, kind, response.status_code)
            interview = int(response.headers["location"].rsplit("/", 1)[1])
            _checked_outputs(browser, ws, interview, tally)
    with app.state.sessions() as session:  # the SQL payload is data, the table is there
        assert session.execute(text("SELECT count(*) FROM interviews")).scalar_one() > 0


def _nested(levels: int) -> bytes:
    head = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    parts = [b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
             for i in range(levels)]  # fmt: skip
    tail = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(levels)))
    return head + b"".join(parts) + b"Content-Type: text/plain\r\n\r\nhi" + tail


HOSTILE_FILES: dict[str, bytes] = {
    "empty": b"",
    "binary": bytes(range(256)) * 64,
    "nul": b"BEGIN:VCALENDAR\r\nSUMMARY:a\x00b\r\nEND:VCALENDAR\r\n",
    "deep MIME": _nested(1000),
    "long line": b"BEGIN:VCALENDAR\r\nX:" + b"a" * 900_000 + b"\r\nEND:VCALENDAR\r\n",
    "unclosed": b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" * 2000,
    "not UTF-8": "BEGIN:VCALENDAR\r\nSUMMARY:Grüße\r\nEND:VCALENDAR\r\n".encode("utf-16"),
    "html": b"<html><script>alert(1)</script></html>",
    "csv formula": b"name,email\n=cmd|' /C calc'!A0,x@example.org\n",
}


def test_hostile_files_are_refused_as_bad_input(
    app: FastAPI, browser: Browser, tally: Counter[str]
) -> None:
    """V5.2: every upload route answers a hostile file with 4xx, never 500."""
    w = world(app, browser)
    uploads = [
        r
        for r in scoped_routes(app)
        if "POST" in r.methods
        and r.path.endswith(("/import", "/calendars", "/replies", "/candidates/import"))
    ]
    assert len(uploads) >= 4, [r.path for r in uploads]
    for route in uploads:
        url = fill(route.path, ids_for(route.path, w))
        field = "reply" if route.path.endswith("/replies") else "file"
        if route.path.endswith("/calendars"):
            field = "calendar"
        for name, data in HOSTILE_FILES.items():
            browser.get(f"/w/{w['org']}")
            response = browser.http.post(
                url,
                data={"csrf_token": browser.csrf, "owner_email": "j.doe@example.com"},
                files={field: (f"{name}.ics", data, "application/octet-stream")},
                follow_redirects=False,
            )
            assert response.status_code < 500, (url, name, response.status_code)
            tally["hostile files uploaded"] += 1
    api = w["auth"]
    for name, data in HOSTILE_FILES.items():
        for path in ("/api/v1/import", "/api/v1/interviews/import"):
            response = browser.http.post(path, content=data, headers=api)
            assert response.status_code < 500, (path, name, response.status_code)
            tally["hostile files sent to the API"] += 1


def test_no_get_or_head_changes_state(
    app: FastAPI, browser: Browser, other_browser: Browser, tally: Counter[str]
) -> None:
    """V4: every GET and HEAD route, as the owner and as an intruder, writes nothing."""
    w = world(app, browser)
    other_browser.sign_up("looker@example.org", name="Looker")
    before = snapshot(app)
    for route in api_routes(app):
        if "GET" not in route.methods:
            continue
        url = fill(route.path, ids_for(route.path, w))
        for who in (browser, other_browser):
            for method in ("GET", "HEAD"):
                response = who.http.request(method, url, follow_redirects=False)
                assert response.status_code < 500, (method, url, response.status_code)
                tally["safe requests (GET, HEAD) that must change nothing"] += 1
    assert snapshot(app) == before
