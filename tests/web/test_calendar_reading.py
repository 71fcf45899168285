"""Stored calendars in the web app: pending until a worker reads them, never free before."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.operations.busy.calendars import SlotQuery, find_slots
from fairnotice.operations.busy.stored import read_calendars
from fairnotice.store.tables import BusyCalendar, Candidate, Interview, Offer
from tests.web.conftest import Browser, Clock
from tests.web.employer_setup import confirm_offer
from tests.web.helpers import candidate, organisation, position, schedule
from tests.web.test_api import api_token

FIXTURE = Path(__file__).parent / "fixtures" / "interviewer-busy.ics"
QUERY: dict[str, Any] = {
    "duration": 60,
    "tz": "Europe/Berlin",
    "from": "2026-03-10T10:00:00+01:00",
    "until": "2026-04-07T10:00:00+02:00",
    "count": 40,
    "step": 30,
}


def test_api_slots_refuse_a_calendar_until_a_worker_read_it(
    app: FastAPI, browser: Browser, clock: Clock, tmp_path: Path
) -> None:
    auth = api_token(browser, "api@example.org", organisation="Muster & Partner GmbH")
    stored = browser.http.post(
        "/api/v1/calendars",
        json={
            "owner_email": "j.doe@example.com",
            "ics": FIXTURE.read_text(),
            "timezone": "Europe/Berlin",
        },
        headers=auth,
    )
    assert stored.status_code == 201 and stored.json()["state"] == "pending", stored.text
    calendar = stored.json()["id"]
    query = {**QUERY, "calendars": [calendar]}
    early = browser.http.post("/api/v1/slots", json=query, headers=auth)
    assert early.status_code == 409 and "being read" in early.json()["detail"], early.text
    assert read_calendars(app.state.sessions, clock=clock) == 1
    seen = browser.http.get(f"/api/v1/calendars/{calendar}", headers=auth).json()
    assert (seen["state"], seen["error"]) == ("ready", None)
    answer = browser.http.post("/api/v1/slots", json=query, headers=auth)
    assert answer.status_code == 200, answer.text
    # The same search over the file itself, parsed in memory (the CLI's way).
    path = tmp_path / "busy.ics"
    path.write_bytes(FIXTURE.read_bytes())
    parsed = find_slots(
        SlotQuery(
            duration=timedelta(minutes=60),
            tz=ZoneInfo("Europe/Berlin"),
            calendars=[str(path)],
            start=datetime.fromisoformat(QUERY["from"]),
            until=datetime.fromisoformat(QUERY["until"]),
            count=40,
        ),
        clock=clock,
    )
    got = [
        (datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]))
        for s in answer.json()
    ]
    assert got == parsed and len(got) == 40
    # the busy days of the calendar are not offered
    assert not {s.date().isoformat() for s, _ in got} & {"2026-03-11", "2026-03-12"}


def test_a_calendar_that_cannot_be_read_is_reported_not_taken_as_free(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    auth = api_token(browser, "api@example.org", organisation="Muster & Partner GmbH")
    broken = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026031\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    stored = browser.http.post(
        "/api/v1/calendars", json={"owner_email": "a@example.org", "ics": broken}, headers=auth
    )
    calendar = stored.json()["id"]
    read_calendars(app.state.sessions, clock=clock)
    seen = browser.http.get(f"/api/v1/calendars/{calendar}", headers=auth).json()
    assert seen["state"] == "failed" and seen["error"]
    answer = browser.http.post(
        "/api/v1/slots", json={**QUERY, "calendars": [calendar]}, headers=auth
    )
    assert answer.status_code == 409 and seen["error"] in answer.json()["detail"]
    plain = browser.http.post(
        "/api/v1/calendars",
        json={
            "owner_email": "b@example.org",
            "busy": [{"start": "2026-03-11T09:00:00+01:00", "end": "2026-03-11T18:00:00+01:00"}],
        },
        headers=auth,
    )
    assert plain.json()["state"] == "ready"  # periods alone need no reading
    ok = browser.http.post(
        "/api/v1/slots", json={**QUERY, "calendars": [plain.json()["id"]]}, headers=auth
    )
    assert ok.status_code == 200
    assert not any(s["start"].startswith("2026-03-11") for s in ok.json())


def test_an_offer_waits_for_the_interviewers_calendar_to_be_read(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    browser.sign_up("hr@example.com")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    browser.get(f"/w/{org}/positions/{pos}")
    upload = browser.http.post(
        f"/w/{org}/calendars",
        data={"csrf_token": browser.csrf, "owner_email": "j.doe@example.com"},
        files={"file": ("jd.ics", FIXTURE.read_bytes(), "text/calendar")},
        follow_redirects=False,
    )
    assert upload.status_code == 303
    with app.state.sessions() as session:
        cand = session.scalar(select(Candidate.id).where(Candidate.workspace_id == org))
        row = session.scalar(select(BusyCalendar).where(BusyCalendar.workspace_id == org))
        assert row is not None and row.state == "pending" and row.source
    page = browser.get(f"/w/{org}/positions/{pos}").text
    assert "j.doe@example.com: being read" in page
    schedule(browser, org, pos, cand, confirm_clash="1")  # K1: the calendar is unread
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview.id).where(Interview.workspace_id == org))
    browser.get(f"/w/{org}/interviews/{interview}")
    early = browser.get(f"/w/{org}/interviews/{interview}/offer")
    assert early.status_code == 409 and "being read" in early.text
    with app.state.sessions() as session:
        assert session.scalar(select(Offer.id).where(Offer.workspace_id == org)) is None
    read_calendars(app.state.sessions, clock=clock)
    assert "j.doe@example.com: read" in browser.get(f"/w/{org}/positions/{pos}").text
    browser.get(f"/w/{org}/interviews/{interview}")
    assert confirm_offer(browser, org, interview).status_code == 303
