"""Invitations and calendars uploaded through the pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.operations.busy.stored import read_calendars
from fairnotice.store.tables import Candidate, Interview, Offer, OfferSlot, PlanRecord
from tests.web.conftest import Browser
from tests.web.employer_setup import confirm_offer
from tests.web.helpers import add_interview, candidate, organisation, position, schedule

FIXTURES = Path(__file__).parent / "fixtures"
INVITE = (FIXTURES / "invite-outlook-de.ics").read_bytes()
BUSY = (FIXTURES / "interviewer-busy.ics").read_bytes()


def test_add_interview_from_an_outlook_invitation(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("alex@example.org", name="Alex Weber")
    browser.get(f"/w/{ws}/interviews/new")
    response = browser.post(
        f"/w/{ws}/interviews/import", files={"file": ("invite.ics", INVITE, "text/calendar")}
    )
    assert response.status_code == 303, response.text
    with app.state.sessions() as session:
        row = session.scalar(select(Interview).where(Interview.workspace_id == ws))
    assert row is not None
    assert (row.position, row.company, row.timezone) == (
        "Paralegal",
        "Muster & Partner GmbH",
        "Europe/Berlin",
    )
    assert row.start == datetime(2026, 3, 16, 13, 0, tzinfo=UTC)
    assert (
        row.uid.startswith("040000008200E000")
        and row.contact["email"] == "j.doe@muster-partner.example"
    )
    page = browser.get(response.headers["location"])
    assert "Jonas Doe" in page.text


def test_an_invitation_wrapped_in_an_email_imports_too(app: FastAPI, browser: Browser) -> None:
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"] = "Jonas Doe <j.doe@muster-partner.example>"
    mail["To"] = "alex@example.org"
    mail["Subject"] = "Einladung"
    mail.set_content("Bitte annehmen.")
    mail.add_attachment(INVITE, maintype="text", subtype="calendar", params={"method": "REQUEST"})
    ws = browser.sign_up("alex@example.org")
    browser.get(f"/w/{ws}/interviews/new")
    response = browser.post(
        f"/w/{ws}/interviews/import",
        files={"file": ("invite.eml", mail.as_bytes(), "message/rfc822")},
    )
    assert response.status_code == 303


def test_a_broken_invitation_is_refused_with_the_field(browser: Browser) -> None:
    ws = browser.sign_up("alex@example.org")
    browser.get(f"/w/{ws}/interviews/new")
    response = browser.post(
        f"/w/{ws}/interviews/import",
        files={"file": ("x.ics", b"BEGIN:VCALENDAR\r\nnonsense", "text/calendar")},
    )
    assert response.status_code == 422 and "file" in response.text


def test_the_candidates_calendar_keeps_proposals_off_busy_days(
    app: FastAPI, browser: Browser
) -> None:
    ws = browser.sign_up("alex@example.org")
    interview = add_interview(browser, ws)
    browser.get(f"/w/{ws}/interviews/{interview}")
    form = {
        "csrf_token": browser.csrf,
        "intent": "reschedule",
        "reason": "family",
        "certainty": "sure",
        "message_language": "de",
    }
    response = browser.http.post(
        f"/w/{ws}/interviews/{interview}/plan",
        data=form,
        files={"calendar": ("me.ics", BUSY, "text/calendar")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    with app.state.sessions() as session:
        record = session.scalar(select(PlanRecord))
        assert record is not None
        days = {
            datetime.fromisoformat(s["start"]).date().isoformat()
            for s in record.plan["proposed_slots"]
        }
    assert days and not days & {"2026-03-11", "2026-03-12", "2026-03-19", "2026-03-26"}


def test_interviewers_calendars_shape_the_offered_times(app: FastAPI, browser: Browser) -> None:
    browser.sign_up("hr@example.com")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    browser.get(f"/w/{org}/positions/{pos}")
    upload = browser.http.post(
        f"/w/{org}/calendars",
        data={"csrf_token": browser.csrf, "owner_email": "j.doe@example.com"},
        files={"file": ("jd.ics", BUSY, "text/calendar")},
        follow_redirects=False,
    )
    assert upload.status_code == 303
    read_calendars(app.state.sessions, clock=app.state.clock)  # what a worker does
    with app.state.sessions() as session:
        cand = session.scalar(select(Candidate.id).where(Candidate.workspace_id == org))
    schedule(browser, org, pos, cand, confirm_clash="1")  # K1: Jonas is busy then
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview.id).where(Interview.workspace_id == org))
    browser.get(f"/w/{org}/interviews/{interview}")
    assert confirm_offer(browser, org, interview).status_code == 303
    with app.state.sessions() as session:
        offer = session.scalar(select(Offer).where(Offer.workspace_id == org))
        assert offer is not None
        starts = session.scalars(
            select(OfferSlot.start).where(OfferSlot.offer_id == offer.id)
        ).all()
    days = {s.date().isoformat() for s in starts}
    assert len(starts) >= 3 and not days & {"2026-03-11", "2026-03-12", "2026-03-19", "2026-03-26"}
