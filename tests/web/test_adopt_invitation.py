"""Calendar identity (issue 11, point 5): the employer's own invitation (Outlook, Google)
adopted with its UID, SEQUENCE and ORGANIZER and nothing sent; every later calendar object
names a UID its recipient holds, with SEQUENCE rising, through schedule, edit of time,
offer, pick and cancel. On SQLite and PostgreSQL; every `.ics` read by icalendar, libical
and ical.js."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.store.tables import Candidate, Interview, InterviewEvent, OfferSlot, OutboxMessage
from tests.calendar import invitations
from tests.web.calendar_objects import calendar_objects, identity_problems
from tests.web.conftest import Browser
from tests.web.employer_setup import confirm_offer, written_bodies
from tests.web.helpers import candidate, organisation, position, schedule

FIXTURES = Path(__file__).parent / "fixtures"
OUTLOOK_UID = (
    "040000008200E00074C5B7101A82E00800000000B0C4D1E2F3A4DC01000000000000000010000000A1B2C3D4E5F6"
)
LINK = re.compile(r"http://testserver(/pick/[A-Za-z0-9_\-]+)")


def _setup(app: FastAPI, browser: Browser) -> tuple[int, int, dict[str, int]]:
    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos, name="Alex Weber", email="alex@example.org", salutation="")
    candidate(browser, org, pos)  # Lena Vogel, not invited by the fixtures
    with app.state.sessions() as session:
        ids = {
            c.email: c.id
            for c in session.scalars(select(Candidate).where(Candidate.workspace_id == org))
        }
    return org, pos, ids


def _only(app: FastAPI, org: int) -> Interview:
    with app.state.sessions() as session:
        rows = list(session.scalars(select(Interview).where(Interview.workspace_id == org)))
        assert len(rows) == 1
        return rows[0]


def _import(browser: Browser, org: int, pos: int, data: bytes, name: str, **form: str) -> Any:
    browser.get(f"/w/{org}/positions/{pos}")
    return browser.post(
        f"/w/{org}/positions/{pos}/interviews/import",
        {"interviewer_language": "de", **form},
        files={"file": (name, data, "application/octet-stream")},
    )


def test_an_outlook_invitation_is_adopted_and_later_updates_name_its_event(
    app: FastAPI, browser: Browser
) -> None:
    org, pos, ids = _setup(app, browser)
    data = (FIXTURES / "invite-outlook-de.ics").read_bytes()
    response = _import(browser, org, pos, data, "invite.ics")
    assert response.status_code == 303, response.text
    row = _only(app, org)
    assert (row.uid, row.sequence, row.status) == (OUTLOOK_UID, 0, "scheduled")
    assert row.organizer == {"name": "Jonas Doe", "email": "j.doe@muster-partner.example"}
    assert row.candidate_id == ids["alex@example.org"] and row.position == "Paralegal"
    assert row.interviewers == [
        {"name": "Jonas Doe", "email": "j.doe@muster-partner.example", "language": "de"}
    ]
    with app.state.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []  # they hold it already
        event = session.scalar(select(InterviewEvent).where(InterviewEvent.interview_id == row.id))
        assert event is not None and event.detail is not None and event.detail["adopted"]
    again = _import(browser, org, pos, data, "invite.ics")
    assert again.status_code == 409
    # named as a person knows it, at 14:00 in the viewer's zone (13:00 UTC), never by its UID
    said = {
        "en": "This invitation is already on record: Paralegal, Monday, 16 March 2026, 14:00",
        "de": "Diese Einladung ist schon erfasst: Paralegal, Montag, 16. März 2026, 14:00",
        "sv": "Den här inbjudan finns redan registrerad: Paralegal, måndag 16 mars 2026, 14:00",
    }
    for lang, text in said.items():
        browser.post("/language", {"lang": lang, "back": "/"})
        again = _import(browser, org, pos, data, "invite.ics")
        assert again.status_code == 409
        assert text in again.text, re.findall(r"<main.*</main>", again.text, re.S)
        assert OUTLOOK_UID[:12] not in again.text
    browser.post("/language", {"lang": "en", "back": "/"})
    # the time moves: the update goes to both, under the invitation's UID and ORGANIZER
    browser.get(f"/w/{org}/interviews/{row.id}/edit")
    moved = browser.post(
        f"/w/{org}/interviews/{row.id}/edit",
        {"date": "2026-03-17", "start_time": "14:00", "end_time": "15:00", "location": ""},
    )
    assert moved.status_code == 303
    with app.state.sessions() as session:
        sent = calendar_objects(session, org)
    assert {(s.recipient, s.method, s.uid, s.sequence) for s in sent} == {
        ("alex@example.org", "REQUEST", OUTLOOK_UID, 1),
        ("j.doe@muster-partner.example", "REQUEST", OUTLOOK_UID, 1),
    }
    assert {s.organizer for s in sent} == {"j.doe@muster-partner.example"}
    assert identity_problems(sent, adopted=[OUTLOOK_UID]) == []


def test_an_outlook_email_through_the_api_keeps_its_sequence_and_the_cancel_raises_it(
    app: FastAPI, browser: Browser
) -> None:
    from tests.web.test_api import api_token

    auth = api_token(browser, "hr@example.com", organisation="Muster & Partner GmbH")
    pid = browser.http.post(
        "/api/v1/positions",
        json={"title": "Paralegal", "company": "Muster & Partner"},
        headers=auth,
    ).json()["id"]
    for name, email in (("Alex Weber", "alex@example.org"), ("Lena Vogel", "lena@example.org")):
        made = browser.http.post(
            "/api/v1/candidates",
            json={"name": name, "email": email, "language": "de", "position_id": pid},
            headers=auth,
        )
        assert made.status_code == 201
    body = {"position_id": pid, "invitation": invitations.outlook_eml().decode("utf-8")}
    adopted = browser.http.post("/api/v1/interviews/import", json=body, headers=auth)
    assert adopted.status_code == 201, adopted.text
    interview = adopted.json()
    assert interview["sequence"] == 2 and interview["uid"].startswith("040000008200E00074C5B7")
    assert interview["contact"]["email"] == "alex@example.org"
    with app.state.sessions() as session:
        row = session.get(Interview, interview["id"])
        assert row is not None
        org = row.workspace_id
        assert session.scalars(select(OutboxMessage)).all() == []
    browser.get(f"/w/{org}/interviews/{interview['id']}")
    cancelled = browser.post(f"/w/{org}/interviews/{interview['id']}/cancel", {})
    assert cancelled.status_code == 303, cancelled.text
    with app.state.sessions() as session:
        sent = calendar_objects(session, org)
    assert sent and {(s.method, s.uid, s.sequence) for s in sent} == {
        ("CANCEL", interview["uid"], 3)
    }
    assert "j.doe@muster-partner.de" in {s.recipient for s in sent}  # the organiser holds it
    staff = [s for s in sent if s.recipient != "alex@example.org"]
    assert {s.organizer for s in staff} == {"j.doe@muster-partner.de"}
    assert identity_problems(sent, adopted=[interview["uid"]]) == []


def test_the_candidates_cancel_of_an_adopted_invitation_names_its_organizer(
    app: FastAPI, browser: Browser
) -> None:
    org, pos, _ = _setup(app, browser)
    assert _import(browser, org, pos, invitations.outlook_ics(), "x.ics").status_code == 303
    row = _only(app, org)
    browser.get(f"/w/{org}/interviews/{row.id}")
    assert browser.post(f"/w/{org}/interviews/{row.id}/cancel", {}).status_code == 303
    with app.state.sessions() as session:
        sent = calendar_objects(session, org)
    [theirs] = [s for s in sent if s.recipient == "alex@example.org"]
    assert theirs.organizer == "j.doe@muster-partner.de"


def test_a_google_invitation_maps_its_attendees_and_refuses_a_candidate_it_does_not_invite(
    app: FastAPI, browser: Browser
) -> None:
    org, pos, ids = _setup(app, browser)
    wrong = _import(
        browser,
        org,
        pos,
        invitations.google_eml(),
        "invite.eml",
        candidate_id=str(ids["lena@example.org"]),
    )
    assert wrong.status_code == 422
    page = wrong.text
    assert "the invitation does not invite lena@example.org" in page
    assert 'name="invitation"' in page  # kept for the next try: no second upload needed
    browser.get(f"/w/{org}/positions/{pos}")
    kept = re.search(r'name="invitation" value="([^"]+)"', page)
    assert kept is not None
    right = browser.post(
        f"/w/{org}/positions/{pos}/interviews/import",
        {"invitation": kept.group(1), "candidate_id": "", "interviewer_language": "sv"},
    )
    assert right.status_code == 303, right.text
    row = _only(app, org)
    assert row.uid == "7kukuqrfedlm2f9t4a5qjlf0gp@google.com"
    assert row.video_url == "https://meet.google.com/abc-defg-hij"
    assert row.candidate_id == ids["alex@example.org"]
    # the organiser is an attendee too: one interviewer, in the form's language
    assert row.interviewers == [
        {"name": "Jonas Doe", "email": "j.doe@muster-partner.de", "language": "sv"}
    ]


def test_every_calendar_object_names_an_event_its_recipient_holds_with_rising_sequence(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    """schedule -> edit of time -> offer -> pick -> cancel, as the employer and the
    candidate click through it."""
    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    with app.state.sessions() as session:
        cand = session.scalar(select(Candidate.id).where(Candidate.workspace_id == org))
        assert cand is not None
    schedule(browser, org, pos, cand)
    row = _only(app, org)
    browser.get(f"/w/{org}/interviews/{row.id}/edit")
    edit = {"date": "2026-03-13", "start_time": "10:00", "end_time": "11:00", "location": ""}
    assert browser.post(f"/w/{org}/interviews/{row.id}/edit", edit).status_code == 303
    browser.get(f"/w/{org}/interviews/{row.id}")
    assert confirm_offer(browser, org, row.id).status_code == 303
    bodies = written_bodies(app, OutboxMessage.id > 0)
    [link] = [m.group(1) for b in bodies for m in [LINK.search(b)] if m]
    other_browser.get(link)
    with app.state.sessions() as session:
        slot = session.scalars(select(OfferSlot.id).order_by(OfferSlot.start)).first()
    assert other_browser.post(link, {"slot": str(slot)}).status_code == 303
    browser.get(f"/w/{org}/interviews/{row.id}")
    assert browser.post(f"/w/{org}/interviews/{row.id}/cancel", {}).status_code == 303
    with app.state.sessions() as session:
        sent = calendar_objects(session, org)
    assert identity_problems(sent) == []
    assert {s.uid for s in sent} == {row.uid}
    people = {"lena@example.org", "j.doe@example.com", "m.roth@example.com"}
    for person in people:  # invited, moved, moved by the pick, cancelled
        mine = [(s.method, s.sequence) for s in sent if s.recipient == person]
        assert mine == [("REQUEST", 0), ("REQUEST", 1), ("REQUEST", 2), ("CANCEL", 3)], mine
