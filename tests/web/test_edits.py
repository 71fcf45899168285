"""Changing and deleting interviews, positions and candidates from the pages (SQLite and
PostgreSQL): the same operations as the API, 422 with the form kept, a confirm step,
nothing half-written, and an interview's queued messages voided when it is deleted."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.store.tables import (
    Candidate,
    Interview,
    OfferSlot,
    OutboxEvent,
    OutboxMessage,
    PlanRecord,
    Position,
)
from tests.web.conftest import Browser
from tests.web.employer_setup import offered
from tests.web.helpers import add_interview, candidate, make_plan, organisation, position


def _interview(app: FastAPI, interview_id: int) -> Interview | None:
    with app.state.sessions() as session:
        row = session.get(Interview, interview_id)
        if row is not None:
            session.expunge(row)
        return row


def test_an_interview_is_changed_from_its_page(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("edit@example.org")
    interview = add_interview(browser, ws)
    page = browser.get(f"/w/{ws}/interviews/{interview}")
    assert f'href="/w/{ws}/interviews/{interview}/edit"' in page.text
    form = browser.get(f"/w/{ws}/interviews/{interview}/edit")
    assert form.status_code == 200
    assert 'value="2026-03-16"' in form.text and 'value="14:00"' in form.text
    response = browser.post(
        f"/w/{ws}/interviews/{interview}/edit",
        {
            "date": "2026-03-17",
            "start_time": "10:00",
            "end_time": "11:30",
            "location": "Unter den Linden 1",
            "status": "scheduled",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/w/{ws}/interviews/{interview}"
    row = _interview(app, interview)
    assert row is not None
    assert row.start == datetime(2026, 3, 17, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    assert row.end == datetime(2026, 3, 17, 10, 30, tzinfo=UTC)
    assert row.location == "Unter den Linden 1" and row.sequence == 1


def test_a_refused_change_keeps_the_form_names_the_field_and_writes_nothing(
    app: FastAPI, browser: Browser
) -> None:
    ws = browser.sign_up("edit422@example.org")
    interview = add_interview(browser, ws)
    before = _interview(app, interview)
    browser.get(f"/w/{ws}/interviews/{interview}/edit")
    response = browser.post(
        f"/w/{ws}/interviews/{interview}/edit",
        {
            "date": "2026-03-18",
            "start_time": "15:00",
            "end_time": "14:00",
            "location": "Somewhere new",
            "status": "scheduled",
        },
    )
    assert response.status_code == 422
    assert "<strong>To</strong>: end must be after start" in response.text  # by its label
    assert 'id="end_time" name="end_time" type="time" value="14:00"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="Somewhere new"' in response.text  # what was typed is kept
    after = _interview(app, interview)
    assert before is not None and after is not None
    assert (after.start, after.end, after.location, after.sequence) == (
        before.start,
        before.end,
        before.location,
        before.sequence,
    )
    bad_time = browser.post(
        f"/w/{ws}/interviews/{interview}/edit",
        {"date": "2026-03-18", "start_time": "nope", "end_time": "14:00"},
    )
    assert bad_time.status_code == 422 and "<strong>From</strong>" in bad_time.text


def test_deleting_an_interview_asks_first_and_voids_its_queued_messages(
    app: FastAPI, browser: Browser
) -> None:
    setup = offered(app, browser)
    org, interview = setup.org, setup.interview
    with app.state.sessions() as session:
        queued = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.interview_id == interview, OutboxMessage.state == "pending"
            )
        ).all()  # the offer's letter (the first invitations were voided by the offer)
        assert queued
        ids = [r.id for r in queued]
    confirm = browser.get(f"/w/{org}/interviews/{interview}/delete")
    assert confirm.status_code == 200
    assert "will not be sent" in confirm.text and 'class="danger"' in confirm.text
    assert _interview(app, interview) is not None  # the GET asked, nothing more
    response = browser.post(f"/w/{org}/interviews/{interview}/delete", {})
    assert response.status_code == 303
    assert _interview(app, interview) is None
    with app.state.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
        assert {r.state for r in rows} == {"cancelled"}
        assert all("deleted" in (r.last_error or "") for r in rows)
        events = session.scalars(
            select(OutboxEvent.state).where(OutboxEvent.outbox_id.in_(ids))
        ).all()
        assert events.count("cancelled") == len(ids)
        assert session.scalar(select(OfferSlot.id)) is None  # the offer went with it
    assert browser.get(f"/w/{org}/interviews/{interview}").status_code == 404


def test_a_queued_cancel_still_goes_when_the_interview_is_deleted(
    app: FastAPI, browser: Browser
) -> None:
    setup = offered(app, browser)
    org, interview = setup.org, setup.interview
    browser.get(f"/w/{org}/interviews/{interview}")
    assert browser.post(f"/w/{org}/interviews/{interview}/cancel", {}).status_code == 303
    browser.get(f"/w/{org}/interviews/{interview}/delete")
    assert browser.post(f"/w/{org}/interviews/{interview}/delete", {}).status_code == 303
    with app.state.sessions() as session:
        cancels = session.scalars(
            select(OutboxMessage).where(OutboxMessage.calendar_method == "CANCEL")
        ).all()
        assert cancels and all(r.state == "pending" for r in cancels)


def test_the_api_delete_voids_the_same_way(app: FastAPI, browser: Browser) -> None:
    setup = offered(app, browser)
    browser.get(f"/w/{setup.org}/tokens")
    page = browser.post(f"/w/{setup.org}/tokens", {"label": "t"})
    token = page.text.split('<code id="new-token">', 1)[1].split("<", 1)[0]
    auth = {"Authorization": f"Bearer {token}"}
    gone = browser.http.delete(f"/api/v1/interviews/{setup.interview}", headers=auth)
    assert gone.status_code == 204
    with app.state.sessions() as session:
        states = session.scalars(
            select(OutboxMessage.state).where(OutboxMessage.workspace_id == setup.org)
        ).all()
    assert states and set(states) == {"cancelled"}


def test_a_candidates_own_interview_and_its_plan_are_deleted(
    app: FastAPI, browser: Browser
) -> None:
    ws = browser.sign_up("own@example.org")
    interview = add_interview(browser, ws)
    plan = make_plan(browser, ws, interview)
    browser.get(f"/w/{ws}/plans/{plan}")
    assert browser.post(f"/w/{ws}/plans/{plan}/queue", {}).status_code == 303
    browser.get(f"/w/{ws}/interviews/{interview}/delete")
    response = browser.post(f"/w/{ws}/interviews/{interview}/delete", {})
    assert response.status_code == 303 and response.headers["location"] == f"/w/{ws}"
    with app.state.sessions() as session:
        assert session.get(PlanRecord, plan) is None
        states = session.scalars(
            select(OutboxMessage.state).where(OutboxMessage.workspace_id == ws)
        ).all()
    assert states and set(states) == {"cancelled"}


def test_positions_and_candidates_are_changed_and_deleted(app: FastAPI, browser: Browser) -> None:
    browser.sign_up("hr2@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    with app.state.sessions() as session:
        cand = session.scalar(select(Candidate.id).where(Candidate.workspace_id == org))
    page = browser.get(f"/w/{org}/positions/{pos}")
    assert f"/w/{org}/candidates/{cand}/edit" in page.text
    assert f"/w/{org}/positions/{pos}/delete" in page.text

    browser.get(f"/w/{org}/positions/{pos}/edit")
    refused = browser.post(f"/w/{org}/positions/{pos}/edit", {"title": "", "status": "open"})
    assert refused.status_code == 422 and "<strong>Title</strong>" in refused.text
    renamed = browser.post(
        f"/w/{org}/positions/{pos}/edit", {"title": "Senior Paralegal", "status": "open"}
    )
    assert renamed.status_code == 303

    browser.get(f"/w/{org}/candidates/{cand}/edit")
    bad = browser.post(
        f"/w/{org}/candidates/{cand}/edit",
        {"name": "Lena Vogel-Roth", "phone": "", "language": "xx", "round": "99"},
    )
    assert bad.status_code == 422
    assert "<strong>Language</strong>" in bad.text and "<strong>Round reached</strong>" in bad.text
    assert 'value="Lena Vogel-Roth"' in bad.text
    good = browser.post(
        f"/w/{org}/candidates/{cand}/edit",
        {"name": "Lena Vogel-Roth", "phone": "+49 30 123456", "language": "sv", "round": "2"},
    )
    assert good.status_code == 303 and good.headers["location"] == f"/w/{org}/positions/{pos}"
    with app.state.sessions() as session:
        row = session.get(Candidate, cand)
        assert row is not None
        assert (row.name, row.phone, row.language, row.round) == (
            "Lena Vogel-Roth",
            "+49 30 123456",
            "sv",
            2,
        )
        job = session.get(Position, pos)
        assert job is not None and job.title == "Senior Paralegal"

    confirm = browser.get(f"/w/{org}/candidates/{cand}/delete")
    assert confirm.status_code == 200 and "Lena Vogel-Roth" in confirm.text
    assert browser.post(f"/w/{org}/candidates/{cand}/delete", {}).status_code == 303
    browser.get(f"/w/{org}/positions/{pos}/delete")
    gone = browser.post(f"/w/{org}/positions/{pos}/delete", {})
    assert gone.status_code == 303 and gone.headers["location"] == f"/w/{org}"
    with app.state.sessions() as session:
        assert session.get(Candidate, cand) is None and session.get(Position, pos) is None


def test_the_edit_pages_speak_german_and_swedish(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("lang@example.org")
    interview = add_interview(browser, ws)
    browser.http.headers["Accept-Language"] = "de-DE"
    page = browser.get(f"/w/{ws}/interviews/{interview}/edit")
    assert "Gespräch ändern" in page.text
    assert "Dieses Gespräch löschen?" in browser.get(f"/w/{ws}/interviews/{interview}/delete").text
    browser.http.headers["Accept-Language"] = "sv-SE"
    page = browser.get(f"/w/{ws}/interviews/{interview}/edit")
    assert "Ändra intervjun" in page.text
