"""REST API /api/v1: token auth, the contract endpoints, CRUD inside the token's workspace."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select

from fairnotice.operations.accounts.commands import digest
from fairnotice.operations.busy.stored import read_calendars
from fairnotice.store.session import transaction
from fairnotice.store.tables import ApiToken, Member
from tests.conftest import BASE
from tests.web.conftest import Browser

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def api_token(browser: Browser, email: str, organisation: str | None = None) -> dict[str, str]:
    ws = browser.sign_up(email)
    if organisation:
        browser.get("/account")
        ws = int(
            browser.post("/organisations", {"name": organisation})
            .headers["location"]
            .rsplit("/", 1)[1]
        )
    browser.get(f"/w/{ws}/tokens")
    page = browser.post(f"/w/{ws}/tokens", {"label": "test"})
    token = re.search(r'<code id="new-token">([^<]+)</code>', page.text)
    assert token is not None
    return {"Authorization": f"Bearer {token.group(1)}"}


@pytest.fixture
def auth(browser: Browser) -> dict[str, str]:
    return api_token(browser, "api@example.org", organisation="Muster & Partner GmbH")


def test_every_contract_endpoint_needs_a_token(browser: Browser) -> None:
    for path in ("/api/v1/plan", "/api/v1/review", "/api/v1/slots", "/api/v1/import"):
        assert browser.http.post(path, json={}).status_code == 401
        bad = browser.http.post(path, json={}, headers={"Authorization": "Bearer fn_nope"})
        assert bad.status_code == 401
    assert browser.http.get("/api/v1/interviews").status_code == 401


def test_plan_matches_the_cli_shape(browser: Browser, auth: dict[str, str]) -> None:
    situation = json.loads((EXAMPLES / "candidate-reschedule-de.json").read_text())
    response = browser.http.post("/api/v1/plan", json=situation, headers=auth)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["language"] == "de" and plan["calendar"]["method"] == "COUNTER"
    assert {"T1", "R4"} <= set(plan["rules_applied"])
    assert plan["messages"][0]["to"] == situation["counterpart"]["email"]


def test_bad_situation_is_422_naming_the_field(browser: Browser, auth: dict[str, str]) -> None:
    bad = json.loads(json.dumps(BASE))
    bad["interview"]["timezone"] = "Mars/Olympus"
    response = browser.http.post("/api/v1/plan", json=bad, headers=auth)
    assert response.status_code == 422
    fields = [d["field"] for d in response.json()["detail"]]
    assert any(f.endswith("interview.timezone") for f in fields), fields


def test_plan_refuses_calendars_named_by_path(browser: Browser, auth: dict[str, str]) -> None:
    situation = json.loads(json.dumps(BASE))
    situation["availability"]["calendars"] = ["/etc/passwd"]
    response = browser.http.post("/api/v1/plan", json=situation, headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "availability.calendars"


def test_review_returns_findings(browser: Browser, auth: dict[str, str]) -> None:
    draft = "Hallo, ich kann leider nicht kommen, ich habe ein anderes Vorstellungsgespräch."
    response = browser.http.post(
        "/api/v1/review", json={"draft": draft, "intent": "reschedule"}, headers=auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["language"] == "de" and body["ok"] is False
    assert "M3" in {f["rule"] for f in body["findings"]}


def test_import_reads_the_invitation_from_the_body(browser: Browser, auth: dict[str, str]) -> None:
    data = (FIXTURES / "invite-outlook-de.ics").read_bytes()
    response = browser.http.post(
        "/api/v1/import", content=data, headers={**auth, "Content-Type": "text/calendar"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["organizer"]["email"] == "j.doe@muster-partner.example"
    assert body["start"] == "2026-03-16T14:00:00+01:00"
    broken = browser.http.post(
        "/api/v1/import", content=b"hello", headers={**auth, "Content-Type": "text/calendar"}
    )
    assert broken.status_code == 422


def test_slots_over_a_stored_calendar(app: FastAPI, browser: Browser, auth: dict[str, str]) -> None:
    ics = (FIXTURES / "interviewer-busy.ics").read_text()
    stored = browser.http.post(
        "/api/v1/calendars",
        json={"owner_email": "j.doe@example.com", "ics": ics, "timezone": "Europe/Berlin"},
        headers=auth,
    )
    assert stored.status_code == 201, stored.text
    read_calendars(app.state.sessions, clock=app.state.clock)  # what a worker does
    query: dict[str, Any] = {
        "calendars": [stored.json()["id"]],
        "duration": 60,
        "tz": "Europe/Berlin",
        "from": "2026-03-11T00:00:00+01:00",
        "until": "2026-03-14T00:00:00+01:00",
        "count": 3,
        "step": 60,
    }
    response = browser.http.post("/api/v1/slots", json=query, headers=auth)
    assert response.status_code == 200, response.text
    starts = [s["start"] for s in response.json()]
    assert starts == [
        "2026-03-13T09:00:00+01:00",
        "2026-03-13T10:00:00+01:00",
        "2026-03-13T11:00:00+01:00",
    ]
    unknown = browser.http.post(
        "/api/v1/slots", json={**query, "calendars": [999999]}, headers=auth
    )
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["field"] == "calendars"


def test_crud_stays_inside_the_tokens_workspace(
    browser: Browser, other_browser: Browser, auth: dict[str, str]
) -> None:
    other = api_token(other_browser, "other@example.org", organisation="Other AB")
    position = browser.http.post(
        "/api/v1/positions", json={"title": "Paralegal", "company": "M&P"}, headers=auth
    )
    assert position.status_code == 201
    pid = position.json()["id"]
    cand = browser.http.post(
        "/api/v1/candidates",
        json={
            "name": "Lena Vogel",
            "email": "lena@example.org",
            "language": "de",
            "position_id": pid,
        },
        headers=auth,
    )
    assert cand.status_code == 201
    interview = dict(json.loads(json.dumps(BASE["interview"])))
    interview.update(
        contact={"name": "Lena Vogel", "email": "lena@example.org", "timezone": "Europe/Berlin"},
        position_id=pid,
        candidate_id=cand.json()["id"],
        interviewers=[{"name": "Jonas Doe", "email": "j.doe@example.com"}],
    )
    created = browser.http.post("/api/v1/interviews", json=interview, headers=auth)
    assert created.status_code == 201, created.text
    iid = created.json()["id"]
    for path in (
        f"/api/v1/interviews/{iid}",
        f"/api/v1/positions/{pid}",
        f"/api/v1/candidates/{cand.json()['id']}",
    ):
        assert browser.http.get(path, headers=auth).status_code == 200
        assert browser.http.get(path, headers=other).status_code == 404
        assert browser.http.delete(path, headers=other).status_code == 404
    assert browser.http.get("/api/v1/interviews", headers=other).json() == []
    moved = browser.http.patch(
        f"/api/v1/interviews/{iid}",
        json={"start": "2026-03-17T14:00:00+01:00", "end": "2026-03-17T15:00:00+01:00"},
        headers=auth,
    )
    assert moved.status_code == 200 and moved.json()["sequence"] == 1
    offer = browser.http.post("/api/v1/offers", json={"interview_id": iid}, headers=auth)
    assert offer.status_code == 201, offer.text
    body = offer.json()
    assert len(body["slots"]) >= 3 and body["pick_url"].startswith("http://testserver/pick/")
    assert browser.http.get(f"/api/v1/offers/{body['id']}", headers=other).status_code == 404
    assert "pick_url" not in browser.http.get(f"/api/v1/offers/{body['id']}", headers=auth).json()
    assert (
        browser.http.post("/api/v1/offers", json={"interview_id": iid}, headers=other).status_code
        == 404
    )
    assert browser.http.delete(f"/api/v1/offers/{body['id']}", headers=auth).status_code == 204
    page = other_browser.http.get(body["pick_url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and 'name="slot"' not in page.text


def test_openapi_and_docs_are_served(browser: Browser) -> None:
    spec = browser.http.get("/openapi.json").json()
    assert {"/api/v1/plan", "/api/v1/review", "/api/v1/slots", "/api/v1/import"} <= set(
        spec["paths"]
    )
    assert not any(p.startswith("/w/") for p in spec["paths"])
    assert browser.http.get("/docs").status_code == 200


def test_a_token_whose_member_left_the_workspace_is_refused(app: FastAPI, browser: Browser) -> None:
    """A token grants only while its owner is still a member: once the membership row is
    gone, the next plan and slots request is 401 though the token row remains."""
    headers = api_token(browser, "leaver@example.org", organisation="Nordvik Logistik AB")
    situation = json.loads((EXAMPLES / "candidate-reschedule-de.json").read_text())
    slots = {"calendars": [], "busy": [], "duration": 60, "tz": "Europe/Berlin"}
    calls = (
        lambda: browser.http.post("/api/v1/plan", json=situation, headers=headers),
        lambda: browser.http.post("/api/v1/slots", json=slots, headers=headers),
    )
    assert [call().status_code for call in calls] == [200, 200]
    token = headers["Authorization"].split(" ", 1)[1]
    with transaction(app.state.sessions, write=True) as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
        assert row is not None
        session.execute(
            delete(Member).where(
                Member.user_id == row.user_id, Member.workspace_id == row.workspace_id
            )
        )
    assert [call().status_code for call in calls] == [401, 401]


def test_out_of_range_ids_and_nul_characters_are_422_not_500(
    browser: Browser, auth: dict[str, str]
) -> None:
    huge = browser.http.post("/api/v1/offers", json={"interview_id": 2**63}, headers=auth)
    assert huge.status_code == 422 and huge.json()["detail"][0]["field"] == "interview_id"
    nul = browser.http.post(
        "/api/v1/positions", json={"title": "Para\x00legal", "company": "M&P"}, headers=auth
    )
    assert nul.status_code == 422 and "NUL" in nul.json()["detail"][0]["msg"]
    slots = browser.http.post(
        "/api/v1/slots", json={"calendars": [2**40], "duration": 60, "tz": "UTC"}, headers=auth
    )
    assert slots.status_code == 422


def test_a_revoked_token_is_refused_on_the_very_next_request(browser: Browser) -> None:
    """No process remembers a token: the request right after the revocation, on every
    kind of endpoint (the hot plan and slots too), is 401."""
    headers = api_token(browser, "revoke@example.org")
    situation = json.loads((EXAMPLES / "candidate-reschedule-de.json").read_text())
    slots = {"calendars": [], "busy": [], "duration": 60, "tz": "Europe/Berlin"}
    calls = (
        lambda: browser.http.get("/api/v1/interviews", headers=headers),
        lambda: browser.http.post("/api/v1/plan", json=situation, headers=headers),
        lambda: browser.http.post("/api/v1/slots", json=slots, headers=headers),
    )
    assert [call().status_code for call in calls] == [200, 200, 200]
    ws = int(browser.get("/").url.path.rsplit("/", 1)[1])
    page = browser.get(f"/w/{ws}/tokens")
    token_id = re.search(rf'action="/w/{ws}/tokens/(\d+)/revoke"', page.text)
    assert token_id is not None
    assert browser.post(f"/w/{ws}/tokens/{token_id.group(1)}/revoke").status_code == 303
    assert [call().status_code for call in calls] == [401, 401, 401]
