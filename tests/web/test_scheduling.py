"""Employer-side scheduling (issue 11, point 5): the first invitation to everyone, each in
their own language; K1 at scheduling and at every change of time (shown, confirmed);
on SQLite and PostgreSQL, every queued `.ics` read by icalendar, libical and ical.js."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.operations.busy.stored import read_calendars
from fairnotice.store.tables import Candidate, Interview, InterviewEvent, OutboxMessage
from tests.web.calendar_objects import calendar_objects, identity_problems
from tests.web.conftest import Browser
from tests.web.helpers import candidate, organisation, position

SLOT = {"date": "2026-03-12", "start_time": "10:00", "end_time": "11:00"}
BUSY_ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
    "UID:dentist-1@example.com\r\nDTSTAMP:20260301T090000Z\r\n"
    "DTSTART:20260312T093000Z\r\nDTEND:20260312T103000Z\r\nSUMMARY:Dentist\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _org(app: FastAPI, browser: Browser, **cand: Any) -> tuple[int, int, dict[str, int]]:
    """An organisation (the user writes English), a position and candidates by email."""
    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)  # Lena Vogel, German, Berlin
    candidate(
        browser,
        org,
        pos,
        name="Sven Berg",
        email="sven@example.org",
        language="sv",
        salutation="",
        timezone="Europe/Stockholm",
    )
    with app.state.sessions() as session:
        ids = {
            c.email: c.id
            for c in session.scalars(select(Candidate).where(Candidate.workspace_id == org))
        }
    return org, pos, ids


def _schedule(browser: Browser, org: int, pos: int, cand: int, **fields: Any) -> Any:
    browser.get(f"/w/{org}/positions/{pos}")
    data = {
        "candidate_id": str(cand),
        **SLOT,
        "timezone": "Europe/Berlin",
        "location": "Friedrichstraße 10",
        "interviewers": "Jonas Doe j.doe@example.com\nMaria Roth m.roth@example.com sv",
        "interviewer_language": "en",
        **fields,
    }
    return browser.post(f"/w/{org}/positions/{pos}/interviews", data)


def _interviews(app: FastAPI, org: int) -> list[Interview]:
    with app.state.sessions() as session:
        return list(
            session.scalars(
                select(Interview).where(Interview.workspace_id == org).order_by(Interview.id)
            )
        )


def test_scheduling_invites_the_candidate_and_every_interviewer_in_their_language(
    app: FastAPI, browser: Browser
) -> None:
    org, pos, ids = _org(app, browser)
    response = _schedule(browser, org, pos, ids["lena@example.org"])
    assert response.status_code == 303, response.text
    [interview] = _interviews(app, org)
    assert interview.status == "scheduled" and interview.sequence == 0
    assert re.fullmatch(r"[0-9a-f]{32}@fairnotice", interview.uid)
    with app.state.sessions() as session:
        events = session.scalars(
            select(InterviewEvent).where(InterviewEvent.interview_id == interview.id)
        ).all()
        assert [(e.event, e.from_state, e.to_state) for e in events] == [
            ("schedule", None, "scheduled")
        ]
        assert events[0].actor.startswith("user:")
        sent = calendar_objects(session, org)
    by_person = {s.recipient: s for s in sent}
    assert set(by_person) == {"lena@example.org", "j.doe@example.com", "m.roth@example.com"}
    assert {s.method for s in sent} == {"REQUEST"}
    assert {(s.uid, s.sequence) for s in sent} == {(interview.uid, 0)}
    for item in sent:
        assert item.attendees == set(by_person)
    # each in their own language: the candidate's, the line's own (sv), the form's (en)
    assert {p: s.language for p, s in by_person.items()} == {
        "lena@example.org": "de",
        "j.doe@example.com": "en",
        "m.roth@example.com": "sv",
    }
    lena, maria, jonas = (
        by_person["lena@example.org"],
        by_person["m.roth@example.com"],
        by_person["j.doe@example.com"],
    )
    assert lena.subject == "Einladung zum Vorstellungsgespräch: Paralegal"
    assert "ein: Donnerstag, 12. März, 10:00–11:00 Uhr." in lena.body  # in her zone
    assert "Ort: Friedrichstraße 10" in lena.body
    assert maria.subject == "Intervju med Lena Vogel: Paralegal"  # whom she meets
    assert jonas.subject == "Interview with Lena Vogel: Paralegal"
    assert identity_problems(sent) == []


def test_two_interviews_for_the_same_role_at_the_same_time_have_their_own_uids(
    app: FastAPI, browser: Browser
) -> None:
    org, pos, ids = _org(app, browser)
    first = _schedule(browser, org, pos, ids["lena@example.org"], interviewers="")
    second = _schedule(browser, org, pos, ids["sven@example.org"], interviewers="")
    assert first.status_code == second.status_code == 303
    one, two = _interviews(app, org)
    assert (one.start, one.end, one.position) == (two.start, two.end, two.position)
    assert one.uid != two.uid
    with app.state.sessions() as session:
        sent = calendar_objects(session, org)
    assert {(s.recipient, s.uid) for s in sent} == {
        ("lena@example.org", one.uid),
        ("sven@example.org", two.uid),
    }


def test_a_clash_with_another_interview_is_shown_in_the_viewers_language_and_confirmed(
    app: FastAPI, browser: Browser
) -> None:
    org, pos, ids = _org(app, browser)
    assert _schedule(browser, org, pos, ids["lena@example.org"]).status_code == 303
    browser.post("/language", {"lang": "de", "back": f"/w/{org}/positions/{pos}"})
    # Sven at 10:30 with Maria Roth, who is with Lena from 10:00 to 11:00
    refused = _schedule(
        browser,
        org,
        pos,
        ids["sven@example.org"],
        start_time="10:30",
        end_time="11:30",
        interviewers="Maria Roth m.roth@example.com sv",
    )
    assert refused.status_code == 422
    page = refused.text
    assert "Dieser Termin überschneidet sich:" in page
    assert "Maria Roth hat ein anderes Gespräch, mit Lena Vogel (Paralegal)" in page
    assert "Donnerstag, 12. März 2026, 10:00" in page  # when, in the viewer's zone
    assert 'name="confirm_clash"' in page and "Trotzdem ansetzen" in page
    assert 'value="10:30"' in page and "Maria Roth m.roth@example.com sv" in page  # kept
    assert len(_interviews(app, org)) == 1  # nothing kept of the refused one
    confirmed = _schedule(
        browser,
        org,
        pos,
        ids["sven@example.org"],
        start_time="10:30",
        end_time="11:30",
        interviewers="Maria Roth m.roth@example.com sv",
        confirm_clash="1",
    )
    assert confirmed.status_code == 303
    first, second = _interviews(app, org)
    with app.state.sessions() as session:
        event = session.scalar(
            select(InterviewEvent).where(InterviewEvent.interview_id == second.id)
        )
        assert event is not None and event.detail is not None
        [kept] = event.detail["clashes_confirmed"]
        assert (kept["kind"], kept["email"], kept["interview_id"]) == (
            "interview",
            "m.roth@example.com",
            first.id,
        )


def test_an_interviewers_stored_calendar_unknown_then_busy_must_be_confirmed(
    app: FastAPI, browser: Browser
) -> None:
    org, pos, ids = _org(app, browser)
    browser.get(f"/w/{org}/positions/{pos}")
    stored = browser.post(
        f"/w/{org}/calendars",
        {"owner_email": "j.doe@example.com", "back": f"/w/{org}/positions/{pos}"},
        files={"file": ("jonas.ics", BUSY_ICS.encode(), "text/calendar")},
    )
    assert stored.status_code == 303
    unread = _schedule(browser, org, pos, ids["lena@example.org"])
    assert unread.status_code == 422
    assert "Jonas Doe: busy time unknown" in unread.text and "is being read" in unread.text
    read_calendars(app.state.sessions, clock=app.state.clock)  # what a worker does
    busy = _schedule(browser, org, pos, ids["lena@example.org"])
    assert busy.status_code == 422
    # 09:30-10:30 UTC is 10:30-11:30 in Berlin, where the viewer is
    assert "Jonas Doe is busy: Thursday, 12 March 2026, 10:30 – 11:30" in busy.text.replace(
        "\u202f", " "
    )
    assert "Maria Roth" not in busy.text.split('id="clashes"')[1].split("</ul>")[0]
    assert _interviews(app, org) == []
    later = _schedule(
        browser, org, pos, ids["lena@example.org"], start_time="12:00", end_time="13:00"
    )
    assert later.status_code == 303  # free then: no question asked


def test_editing_the_time_checks_k1_and_sends_the_update_under_the_same_uid(
    app: FastAPI, browser: Browser
) -> None:
    org, pos, ids = _org(app, browser)
    assert _schedule(browser, org, pos, ids["lena@example.org"]).status_code == 303
    assert (
        _schedule(
            browser, org, pos, ids["sven@example.org"], start_time="14:00", end_time="15:00"
        ).status_code
        == 303
    )
    lena, sven = _interviews(app, org)
    browser.get(f"/w/{org}/interviews/{sven.id}/edit")
    form = {"date": "2026-03-12", "start_time": "10:00", "end_time": "11:00", "location": ""}
    refused = browser.post(f"/w/{org}/interviews/{sven.id}/edit", form)
    assert refused.status_code == 422
    assert "has another interview, with Lena Vogel (Paralegal)" in refused.text
    assert 'name="confirm_clash"' in refused.text
    [unchanged] = [i for i in _interviews(app, org) if i.id == sven.id]
    assert unchanged.sequence == 0 and unchanged.status == "scheduled"
    moved = browser.post(f"/w/{org}/interviews/{sven.id}/edit", {**form, "confirm_clash": "1"})
    assert moved.status_code == 303
    with app.state.sessions() as session:
        sent = calendar_objects(session, org)
    updates = [s for s in sent if s.uid == sven.uid and s.sequence == 1]
    assert {s.recipient for s in updates} == {
        "sven@example.org",
        "j.doe@example.com",
        "m.roth@example.com",
    }
    assert {s.method for s in updates} == {"REQUEST"}
    assert identity_problems(sent) == []
    assert lena.uid not in {s.uid for s in updates}


def test_the_api_answers_409_with_the_clashes_unless_confirmed(
    app: FastAPI, browser: Browser
) -> None:
    from tests.web.test_api import api_token

    auth = api_token(browser, "api@example.org", organisation="Muster & Partner GmbH")
    interview: dict[str, Any] = {
        "position": "Paralegal",
        "company": "Muster & Partner GmbH",
        "start": "2026-03-12T10:00:00+01:00",
        "end": "2026-03-12T11:00:00+01:00",
        "timezone": "Europe/Berlin",
        "contact": {"name": "Lena Vogel", "email": "lena@example.org"},
        "interviewers": [{"name": "Jonas Doe", "email": "j.doe@example.com", "language": "de"}],
    }
    first = browser.http.post("/api/v1/interviews", json=interview, headers=auth)
    assert first.status_code == 201, first.text
    other = {**interview, "contact": {"name": "Sven Berg", "email": "sven@example.org"}}
    clash = browser.http.post("/api/v1/interviews", json=other, headers=auth)
    assert clash.status_code == 409
    body = clash.json()
    assert [(c["kind"], c["email"], c["interview_id"]) for c in body["clashes"]] == [
        ("interview", "j.doe@example.com", first.json()["id"])
    ]
    assert body["clashes"][0]["start"] == "2026-03-12T09:00:00+00:00"
    assert "confirm" in body["detail"]
    assert len(browser.http.get("/api/v1/interviews", headers=auth).json()) == 1
    later = {**other, "start": "2026-03-12T12:00:00+01:00", "end": "2026-03-12T13:00:00+01:00"}
    second = browser.http.post("/api/v1/interviews", json=later, headers=auth)
    assert second.status_code == 201
    iid = second.json()["id"]
    patch = {"start": "2026-03-12T10:30:00+01:00", "end": "2026-03-12T11:30:00+01:00"}
    refused = browser.http.patch(f"/api/v1/interviews/{iid}", json=patch, headers=auth)
    assert refused.status_code == 409 and refused.json()["clashes"][0]["kind"] == "interview"
    assert browser.http.get(f"/api/v1/interviews/{iid}", headers=auth).json()["sequence"] == 0
    moved = browser.http.patch(
        f"/api/v1/interviews/{iid}", json={**patch, "confirm_clash": True}, headers=auth
    )
    assert moved.status_code == 200 and moved.json()["sequence"] == 1
    with app.state.sessions() as session:
        org = session.scalar(select(Interview.workspace_id).where(Interview.id == iid))
        assert org is not None
        sent = calendar_objects(session, org)
    assert identity_problems(sent) == []
    jonas = [s for s in sent if s.recipient == "j.doe@example.com"]
    assert {s.language for s in jonas} == {"de"}  # his own, not the candidate's or the user's
    assert len(jonas) == 3  # two invitations and the update


def test_a_candidates_own_interview_is_recorded_and_nothing_is_sent(
    app: FastAPI, browser: Browser
) -> None:
    from tests.web.test_api import api_token

    auth = api_token(browser, "alex@example.org")  # a personal workspace
    interview = {
        "position": "Paralegal",
        "company": "Muster & Partner GmbH",
        "start": "2026-03-12T10:00:00+01:00",
        "end": "2026-03-12T11:00:00+01:00",
        "timezone": "Europe/Berlin",
        "contact": {"name": "Jonas Doe", "email": "j.doe@example.com"},
    }
    created = browser.http.post("/api/v1/interviews", json=interview, headers=auth)
    assert created.status_code == 201
    again = browser.http.post("/api/v1/interviews", json=interview, headers=auth)
    assert again.status_code == 201  # the candidate's own K1 lives in their plans
    with app.state.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
        events = session.scalars(select(InterviewEvent)).all()
        assert sorted(e.to_state or "" for e in events) == ["scheduled", "scheduled"]
