"""Isolation, CSRF, safe GETs and escaping, checked over every route the app has."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select, text

from fairnotice.store.tables import Base, PlanRecord, PlanStep
from tests.web.conftest import Browser
from tests.web.employer_setup import offered
from tests.web.helpers import add_interview, make_plan, organisation

VALID_FORM = {
    "outcome": "sent",
    "body": "x",
    "name": "x",
    "intent": "reschedule",
    "reason": "family",
}
# Every field a page route reads, missing (an empty form) or refused by its own limits:
# a route looks its object up in the user's workspace (404) before it validates the form.
INVALID_FORMS: tuple[dict[str, Any], ...] = (
    {},
    {
        "outcome": "x" * 31,
        "body": "x" * 20_001,
        "subject": "x" * 301,
        "back": "x" * 301,
        "intent": "bogus",
        "reason": "x" * 41,
        "agreed": "x" * 41,
        "hired": "not a number",
        "note": "x" * 4001,
        "text": "x" * 100_001,
    },
)
PAGE_PREFIXES = (
    "/w/",
    "/pick/",
    "/signup",
    "/signin",
    "/signout",
    "/language",
    "/account",
    "/organisations",
    "/reset",
    "/plan",  # a plan without an account (issue 17)
)


def _page_routes(app: FastAPI) -> list[APIRoute]:
    """Every route of the page routers (the API has its own tests)."""
    from fairnotice.web.routes import (
        anonymous,
        auth,
        candidate,
        edits,
        employer,
        followups,
        pick,
        reset,
    )

    modules = (anonymous, auth, candidate, edits, employer, followups, pick, reset)
    routes = [r for m in modules for r in m.router.routes]
    return [r for r in routes if isinstance(r, APIRoute) and r.path.startswith(PAGE_PREFIXES)]


def _fill(path: str, ids: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def _world(app: FastAPI, owner: Browser) -> dict[str, Any]:
    """Objects of every kind in one organisation and one personal workspace of `owner`."""
    setup = offered(app, owner)
    with app.state.sessions() as session:
        from fairnotice.operations.accounts.commands import personal_workspace
        from fairnotice.store.tables import User

        user = session.scalar(select(User).where(User.email == owner.user["email"]))
        assert user is not None
        personal = personal_workspace(session, user.id).id
    interview = add_interview(owner, personal)
    plan = make_plan(owner, personal, interview)
    with app.state.sessions() as session:
        step = session.scalar(select(PlanStep.id).where(PlanStep.plan_id == plan))
        from fairnotice.store.tables import Position

        position = session.scalar(select(Position.id).where(Position.workspace_id == setup.org))
        from fairnotice.store.tables import Candidate

        candidate = session.scalar(select(Candidate.id).where(Candidate.workspace_id == setup.org))
        from fairnotice.store.tables import OutboxMessage

        row = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.workspace_id == setup.org)
        )
    return {
        "org": setup.org,
        "personal": personal,
        "org_interview": setup.interview,
        "interview": interview,
        "plan": plan,
        "step": step,
        "position": position,
        "candidate": candidate,
        "row": row,
        "offer": setup.offer,
        "link": setup.link,
        "token": _api_token_id(app, owner, setup.org),
        "user": user.id,
    }


def _api_token_id(app: FastAPI, owner: Browser, org: int) -> int:
    from fairnotice.store.tables import ApiToken

    owner.get(f"/w/{org}/tokens")
    assert owner.post(f"/w/{org}/tokens", {"label": "x"}).status_code == 200
    with app.state.sessions() as session:
        found = session.scalar(select(ApiToken.id).where(ApiToken.workspace_id == org))
    assert found is not None
    return int(found)


def _ids_for(route: APIRoute, world: dict[str, Any]) -> dict[str, Any]:
    in_org = any(
        k in route.path
        for k in ("positions", "offers", "members", "tokens", "candidates", "outbox/")
    ) or route.path.endswith(("/offer", "/cancel"))
    return {
        "ws": world["org"] if in_org else world["personal"],
        "interview_id": world["org_interview"] if in_org else world["interview"],
        "plan_id": world["plan"],
        "step_id": world["step"],
        "position_id": world["position"],
        "candidate_id": world["candidate"],
        "row_id": world["row"],
        "offer_id": world["offer"],
        "token_id": world["token"],
        "user_id": world["user"],
        "message_id": "m1",
        "token": world["link"].rsplit("/", 1)[1],
    }


def test_another_workspaces_ids_are_404_on_every_route(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    world = _world(app, browser)
    other_browser.sign_up("intruder@example.org", name="Intruder")
    checked = 0
    for route in _page_routes(app):
        if "{ws}" not in route.path:
            continue
        url = _fill(route.path, _ids_for(route, world))
        for method in route.methods:
            if method == "GET":
                response = other_browser.http.get(url, follow_redirects=False)
            else:
                form = {
                    "outcome": "sent",
                    "body": "x",
                    "name": "x",
                    "title": "x",
                    "company": "x",
                    "email": "x@example.org",
                }
                for sent in (form, *INVALID_FORMS):
                    response = other_browser.post(url, sent)
                    assert response.status_code == 404, (url, sorted(sent), response.status_code)
            assert response.status_code == 404, (method, url, response.status_code)
            checked += 1
    assert checked >= 20


def test_foreign_object_ids_in_ones_own_workspace_are_404(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    world = _world(app, browser)
    own_personal = other_browser.sign_up("intruder@example.org", name="Intruder")
    own_org = organisation(other_browser, "Intruder AB")
    checked = 0
    for route in _page_routes(app):
        params = set(re.findall(r"\{(\w+)\}", route.path))
        if "ws" not in params or params == {"ws"}:
            continue
        ids = _ids_for(route, world)
        ids["ws"] = own_org if ids["ws"] == world["org"] else own_personal
        url = _fill(route.path, ids)
        for method in route.methods:
            if method == "GET":
                response = other_browser.http.get(url, follow_redirects=False)
                assert response.status_code == 404, (method, url, response.status_code)
                checked += 1
                continue
            for form in (VALID_FORM, *INVALID_FORMS):
                response = other_browser.post(url, form)
                assert response.status_code == 404, (url, sorted(form), response.status_code)
            checked += 1
    assert checked >= 25


def test_the_owner_gets_the_form_refused_where_an_intruder_gets_404(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    """The order is lookup, then form: the same empty or oversized form that is a 404 for
    another workspace's user is a 422 (nothing written) for the owner."""
    world = _world(app, browser)
    other_browser.sign_up("intruder@example.org", name="Intruder")
    ws, org = world["personal"], world["org"]
    refused = [
        (f"/w/{ws}/plans/{world['plan']}/agreed", {}),
        (f"/w/{ws}/plans/{world['plan']}/messages/m1/check", {}),
        (f"/w/{ws}/plans/{world['plan']}/messages/m1", {}),
        (f"/w/{ws}/plans/{world['plan']}/replies", {}),
        (f"/w/{ws}/steps/{world['step']}", {}),
        (f"/w/{ws}/interviews/{world['interview']}/plan", {"intent": "bogus"}),
        (f"/w/{org}/interviews/{world['org_interview']}/offer", {"reason": "x" * 41}),
        (f"/w/{org}/interviews/{world['org_interview']}/cancel", {"reason": "x" * 41}),
        (f"/w/{org}/positions/{world['position']}/fill", {"hired": "not a number"}),
        (f"/w/{org}/outbox/{world['row']}/release", {"back": "x" * 301}),
    ]
    before = _snapshot(app)
    for url, form in refused:
        assert browser.post(url, form).status_code == 422, url
        intruder = other_browser.post(url, form)
        assert intruder.status_code == 404, url
        assert "x" * 41 not in intruder.text
    assert _snapshot(app) == before


def test_every_post_without_csrf_token_is_403(app: FastAPI, browser: Browser) -> None:
    world = _world(app, browser)
    posts = [r for r in _page_routes(app) if "POST" in r.methods]
    assert len(posts) >= 15
    for route in posts:
        url = _fill(route.path, _ids_for(route, world))
        response = browser.http.post(
            url, data={"outcome": "sent", "slot": "1"}, follow_redirects=False
        )
        assert response.status_code == 403, (url, response.status_code)
        wrong = browser.http.post(url, data={"csrf_token": "x" * 43}, follow_redirects=False)
        assert wrong.status_code == 403, url


def _snapshot(app: FastAPI) -> dict[str, list[Any]]:
    with app.state.sessions() as session:
        return {
            t.name: sorted(map(repr, session.execute(text(f'SELECT * FROM "{t.name}"')).all()))
            for t in Base.metadata.sorted_tables
        }


def test_no_get_changes_state(app: FastAPI, browser: Browser, other_browser: Browser) -> None:
    world = _world(app, browser)
    before = _snapshot(app)
    gets = [r for r in _page_routes(app) if "GET" in r.methods]
    for route in gets:
        url = _fill(route.path, _ids_for(route, world))
        response = browser.http.get(url, follow_redirects=False)
        assert response.status_code < 500, url
        other_browser.http.get(url, follow_redirects=False)
    assert _snapshot(app) == before


@pytest.mark.parametrize(
    "name", ["<script>alert(1)</script>", "Eve\r\nBcc: x@evil.example", "A&B \"quoted\" 'x'"]
)
def test_names_with_markup_or_line_breaks_are_escaped(
    app: FastAPI, browser: Browser, name: str
) -> None:
    ws = browser.sign_up("esc@example.org", name="Esc")
    interview = add_interview(browser, ws, contact_name=name.replace("\r\n", " "), position=name)
    page = browser.get(f"/w/{ws}/interviews/{interview}")
    assert "<script>alert(1)</script>" not in page.text
    if "<script>" in name:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    plan = make_plan(browser, ws, interview)
    eml = browser.get(f"/w/{ws}/plans/{plan}/messages/m1.eml")
    headers = eml.content.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers
    ics = browser.get(f"/w/{ws}/plans/{plan}/messages/m1.ics").text
    assert "\r\nBcc:" not in ics


def test_plans_store_the_private_note_apart(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("note@example.org")
    plan = make_plan(browser, ws, add_interview(browser, ws))
    with app.state.sessions() as session:
        record = session.get(PlanRecord, plan)
        assert record is not None and record.private_note == "PRIVATE sister's rehearsal"
        assert all("PRIVATE" not in m["body"] for m in record.plan["messages"])


def test_the_api_looks_a_record_up_before_it_validates_the_patch(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    """PATCH with another workspace's id: 404 whatever the body; the owner's bad body: 422."""
    from tests.conftest import BASE
    from tests.web.test_api import api_token

    owner = api_token(browser, "owner-api@example.org", organisation="Owner AB")
    intruder = api_token(other_browser, "intruder@example.org", organisation="Intruder AB")
    position = browser.http.post(
        "/api/v1/positions", json={"title": "Paralegal", "company": "M&P"}, headers=owner
    ).json()["id"]
    candidate = browser.http.post(
        "/api/v1/candidates",
        json={"name": "Lena Vogel", "email": "lena@example.org", "position_id": position},
        headers=owner,
    ).json()["id"]
    interview = browser.http.post(
        "/api/v1/interviews",
        json={**BASE["interview"], "contact": {"name": "Lena Vogel", "email": "lena@example.org"}},
        headers=owner,
    )
    assert interview.status_code == 201, interview.text
    bad_bodies = [{"status": "bogus"}, {"unknown": 1}, {"start": "not a time"}, []]
    before = _snapshot(app)
    for kind, item in (
        ("interviews", interview.json()["id"]),
        ("positions", position),
        ("candidates", candidate),
    ):
        for body in bad_bodies:
            foreign = browser.http.patch(f"/api/v1/{kind}/{item}", json=body, headers=intruder)
            assert foreign.status_code == 404, (kind, body, foreign.text)
            assert foreign.json() == {"detail": "not found"}
        own = browser.http.patch(f"/api/v1/{kind}/{item}", json={"unknown": 1}, headers=owner)
        assert own.status_code == 422 and own.json()["detail"][0]["field"] == "unknown", own.text
    assert _snapshot(app) == before
