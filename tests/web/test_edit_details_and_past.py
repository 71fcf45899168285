"""The interview's edit form is complete (video link; a candidate's own position, company
and contact), each correction an `edit_details` event of the lifecycle; times in the past
are warned about (to confirm) or refused; the sign-up asks for the zone when no script
could tell it. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.store.tables import Interview, InterviewEvent
from tests.web.conftest import Browser
from tests.web.helpers import INTERVIEW_FORM, add_interview, candidate, organisation, position

EDIT = {
    "date": "2026-03-16",
    "start_time": "14:00",
    "end_time": "15:00",
    "location": "Friedrichstraße 10, 10117 Berlin",
}


def _row(app: FastAPI, interview_id: int) -> Interview:
    with app.state.sessions() as session:
        row = session.get(Interview, interview_id)
        assert row is not None
        session.expunge(row)
        return row


def _events(app: FastAPI, interview_id: int) -> list[tuple[str, Any]]:
    with app.state.sessions() as session:
        rows = session.execute(
            select(InterviewEvent.event, InterviewEvent.detail)
            .where(InterviewEvent.interview_id == interview_id)
            .order_by(InterviewEvent.id)
        ).all()
    return [(event, detail) for event, detail in rows]


def test_the_edit_form_changes_contact_video_link_and_position(
    app: FastAPI, browser: Browser
) -> None:
    ws = browser.sign_up("details@example.org")
    interview = add_interview(browser, ws)
    form = browser.get(f"/w/{ws}/interviews/{interview}/edit")
    for name in ("video_url", "position", "company", "contact_name", "contact_email"):
        assert f'name="{name}"' in form.text
    assert 'value="j.doe@example.com"' in form.text  # today's values are filled in
    changed = {
        **EDIT,
        "video_url": "https://meet.example.com/abc-defg",
        "position": "Senior Paralegal",
        "company": "Muster & Partner mbB",
        "contact_name": "Julia Sommer",
        "contact_salutation": "",
        "contact_email": "j.sommer@example.com",
        "contact_phone": "+49 30 111111",
    }
    response = browser.post(f"/w/{ws}/interviews/{interview}/edit", changed)
    assert response.status_code == 303, response.text
    row = _row(app, interview)
    assert row.video_url == "https://meet.example.com/abc-defg"
    assert (row.position, row.company) == ("Senior Paralegal", "Muster & Partner mbB")
    assert row.contact["name"] == "Julia Sommer" and row.contact["email"] == "j.sommer@example.com"
    assert row.contact["phone"] == "+49 30 111111" and "salutation" not in row.contact
    assert row.status == "scheduled" and row.sequence == 0  # the time did not change
    event, detail = _events(app, interview)[-1]
    assert event == "edit_details"
    assert detail["changed"] == ["company", "contact", "position", "video_url"]
    page = browser.get(f"/w/{ws}/interviews/{interview}")
    assert "Julia Sommer" in page.text and "https://meet.example.com/abc-defg" in page.text
    # the link removed again; nothing else named as changed
    again = browser.post(f"/w/{ws}/interviews/{interview}/edit", {**changed, "video_url": ""})
    assert again.status_code == 303
    assert _row(app, interview).video_url is None
    assert _events(app, interview)[-1][1]["changed"] == ["video_url"]


def test_a_bad_contact_email_comes_back_named_and_nothing_is_kept(
    app: FastAPI, browser: Browser
) -> None:
    ws = browser.sign_up("details422@example.org")
    interview = add_interview(browser, ws)
    browser.get(f"/w/{ws}/interviews/{interview}/edit")
    bad = {**EDIT, "contact_name": "Julia Sommer", "contact_email": "not an address"}
    response = browser.post(f"/w/{ws}/interviews/{interview}/edit", bad)
    assert response.status_code == 422
    assert 'value="not an address"' in response.text and 'aria-invalid="true"' in response.text
    assert _row(app, interview).contact["name"] == "Jonas Doe"
    assert [e for e, _ in _events(app, interview)] == ["schedule"]


def test_an_organisations_form_has_no_contact_and_the_api_refuses_one(
    app: FastAPI, browser: Browser
) -> None:
    browser.sign_up("org-details@example.org", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    page = browser.get(f"/w/{org}/positions/{pos}")
    cid = int(page.text.split('name="candidate_id"', 1)[1].split('value="', 1)[1].split('"')[0])
    response = browser.post(
        f"/w/{org}/positions/{pos}/interviews",
        {
            "candidate_id": str(cid),
            "date": "2026-03-12",
            "start_time": "10:00",
            "end_time": "11:00",
            "timezone": "Europe/Berlin",
            "interviewers": "Maria Roth m.roth@example.com",
        },
    )
    assert response.status_code == 303, response.text
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview.id).where(Interview.workspace_id == org))
    assert interview is not None
    form = browser.get(f"/w/{org}/interviews/{interview}/edit")
    assert 'name="video_url"' in form.text and 'name="contact_name"' not in form.text
    assert f'href="/w/{org}/candidates/{cid}/edit"' in form.text
    done = browser.post(
        f"/w/{org}/interviews/{interview}/edit",
        {
            **EDIT,
            "date": "2026-03-12",
            "start_time": "10:00",
            "end_time": "11:00",
            "video_url": "https://meet.example.com/xyz",
            "contact_name": "Someone Else",
        },
    )
    assert done.status_code == 303, done.text
    row = _row(app, interview)
    assert row.video_url == "https://meet.example.com/xyz" and row.contact["name"] == "Lena Vogel"
    token = browser.post(f"/w/{org}/tokens", {"label": "script"})
    assert token.status_code in (200, 303)
    found = browser.get(token.headers.get("location", f"/w/{org}/tokens")).text
    secret = found.split('id="new-token">', 1)[1].split("<", 1)[0] if "new-token" in found else ""
    if not secret:
        secret = token.text.split('id="new-token">', 1)[1].split("<", 1)[0]
    refused = browser.http.patch(
        f"/api/v1/interviews/{interview}",
        json={"contact": {"name": "Someone Else"}},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "contact"


def test_a_new_interview_in_the_past_is_warned_about_until_confirmed(
    app: FastAPI, browser: Browser
) -> None:
    ws = browser.sign_up("past@example.org")
    browser.get(f"/w/{ws}/interviews/new")
    year_ago = {**INTERVIEW_FORM, "date": "2025-03-10"}  # the clock says 2026-03-10
    warned = browser.post(f"/w/{ws}/interviews", year_ago)
    assert warned.status_code == 422
    assert 'name="confirm_past"' in warned.text and "in the past" in warned.text
    assert 'value="2025-03-10"' in warned.text  # what was typed stays
    with app.state.sessions() as session:
        assert session.scalar(select(Interview.id).where(Interview.workspace_id == ws)) is None
    kept = browser.post(f"/w/{ws}/interviews", {**year_ago, "confirm_past": "1"})
    assert kept.status_code == 303, kept.text
    ahead = browser.get(f"/w/{ws}/interviews/new")
    assert 'name="confirm_past"' not in ahead.text  # only with the warning


def test_an_edit_into_the_past_is_warned_about_until_confirmed(
    app: FastAPI, browser: Browser
) -> None:
    ws = browser.sign_up("past-edit@example.org")
    interview = add_interview(browser, ws)
    browser.get(f"/w/{ws}/interviews/{interview}/edit")
    moved = {**EDIT, "date": "2026-03-02"}
    warned = browser.post(f"/w/{ws}/interviews/{interview}/edit", moved)
    assert warned.status_code == 422 and 'name="confirm_past"' in warned.text
    assert _row(app, interview).sequence == 0
    # another detail only: the time stays, no warning although the form says a date
    fine = browser.post(f"/w/{ws}/interviews/{interview}/edit", {**EDIT, "location": "Online"})
    assert fine.status_code == 303
    done = browser.post(f"/w/{ws}/interviews/{interview}/edit", {**moved, "confirm_past": "1"})
    assert done.status_code == 303
    row = _row(app, interview)
    assert row.start.date().isoformat() == "2026-03-02" and row.status == "rescheduled"


def test_an_organisation_confirms_a_past_interview_and_cannot_book_a_time_gone(
    app: FastAPI, browser: Browser
) -> None:
    browser.sign_up("org-past@example.org", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    page = browser.get(f"/w/{org}/positions/{pos}")
    cid = page.text.split('name="candidate_id"', 1)[1].split('value="', 1)[1].split('"')[0]
    held = {
        "candidate_id": cid,
        "date": "2026-03-09",
        "start_time": "10:00",
        "end_time": "11:00",
        "timezone": "Europe/Berlin",
        "interviewers": "Maria Roth m.roth@example.com",
    }
    warned = browser.post(f"/w/{org}/positions/{pos}/interviews", held)
    assert warned.status_code == 422
    assert 'name="confirm_past"' in warned.text and 'value="2026-03-09"' in warned.text
    with app.state.sessions() as session:
        assert session.scalar(select(Interview.id).where(Interview.workspace_id == org)) is None
    kept = browser.post(f"/w/{org}/positions/{pos}/interviews", {**held, "confirm_past": "1"})
    assert kept.status_code == 303, kept.text
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview.id).where(Interview.workspace_id == org))
    assert interview is not None
    browser.get(f"/w/{org}/interviews/{interview}")
    refused = browser.post(
        f"/w/{org}/interviews/{interview}/book",
        {"start": "2026-03-09T14:00", "end": "2026-03-09T15:00", "confirm_clash": "true"},
    )
    assert refused.status_code == 422
    assert _row(app, interview).start.isoformat().startswith("2026-03-09T09:00")
    ahead = browser.post(
        f"/w/{org}/interviews/{interview}/book",
        {"start": "2026-03-12T14:00", "end": "2026-03-12T15:00", "confirm_clash": "true"},
    )
    assert ahead.status_code == 303, ahead.text


def test_the_sign_up_asks_for_the_zone_when_no_script_filled_it(browser: Browser) -> None:
    page = browser.get("/signup")
    field = page.text.split('id="timezone"', 1)[1].split(">", 1)[0]
    assert 'value=""' in field and "required" in field and "data-detect-zone" in field
    refused = browser.post(
        "/signup",
        {
            "email": "nozone@example.org",
            "name": "N",
            "password": "a long passphrase",
            "timezone": "",
        },
    )
    assert refused.status_code == 422
    assert "choose one, for example Europe/Berlin" in refused.text
