"""The candidate's side of the lifecycle (issue 11), on SQLite and PostgreSQL: an agreed
time moves the interview and its .ics names it (checked by icalendar, libical and
ical.js); a withdrawal queued from the web closes the interview; a status inquiry only
where W5 holds, on the page, the API and the CLI's workspace."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from icalendar import Calendar
from sqlalchemy import func, select

from fairnotice.mail.transport import MemoryTransport
from fairnotice.operations.outbox.loop import Deliverer
from fairnotice.store.tables import Interview, InterviewEvent, OutboxMessage, PlanRecord
from tests.calendar.realworld import icaljs, libical_errors
from tests.web.conftest import Browser, Clock
from tests.web.helpers import add_interview, make_plan
from tests.web.test_api import api_token

BERLIN_20_MARCH_10 = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # 10:00 in Berlin


def _interview(app: FastAPI, item: int) -> Interview:
    with app.state.sessions() as session:
        row = session.get(Interview, item)
        assert row is not None
        session.expunge(row)
    return row


def _agreed(app: FastAPI, browser: Browser) -> tuple[int, int, int, Interview]:
    ws = browser.sign_up("cand@example.org")
    item = add_interview(browser, ws)
    before = _interview(app, item)
    plan = make_plan(browser, ws, item)
    browser.get(f"/w/{ws}/plans/{plan}")
    done = browser.post(f"/w/{ws}/plans/{plan}/agreed", {"agreed": "2026-03-20T10:00"})
    assert done.status_code == 303 and done.headers["location"].endswith("#drafts")
    return ws, item, plan, before


def test_an_agreed_time_moves_the_interview_and_the_page_names_it(
    app: FastAPI, browser: Browser
) -> None:
    ws, item, plan, before = _agreed(app, browser)
    after = _interview(app, item)
    assert after.status == "rescheduled" and after.uid == before.uid
    assert after.start.astimezone(UTC) == BERLIN_20_MARCH_10
    assert after.end - after.start == before.end - before.start
    assert after.sequence == before.sequence + 1
    assert after.previous_start is not None
    assert after.previous_start.astimezone(UTC) == before.start.astimezone(UTC)
    page = browser.get(f"/w/{ws}/plans/{plan}").text
    assert "Agreed: the interview is now on Friday, 20 March 2026, 10:00 – 11:00." in page
    assert "Before: Monday, 16 March 2026, 14:00" in page
    assert f"/w/{ws}/interviews/{item}/calendar.ics" in page
    with app.state.sessions() as session:  # the after-agreement draft is still made
        drafts = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.plan_id == plan, OutboxMessage.state == "draft"
            )
        ).all()
        assert len(drafts) == 1 and drafts[0].deadline is not None
        assert drafts[0].deadline.astimezone(UTC) == BERLIN_20_MARCH_10
        # the note names the agreed time beside the original one (R5), in the letter's
        # language: the plan was made in German
        assert "20. März" in drafts[0].body and "16. März" in drafts[0].body, drafts[0].body
        assert "20. März" in drafts[0].subject, drafts[0].subject
    german = browser.get(f"/w/{ws}/plans/{plan}", headers={"Accept-Language": "de"}).text
    assert "Vereinbart: Das Gespräch findet jetzt am Freitag, 20. März 2026" in german
    interview_page = browser.get(f"/w/{ws}/interviews/{item}").text
    assert "Friday, 20 March 2026, 10:00" in interview_page
    assert "Before: Monday, 16 March 2026, 14:00" in interview_page
    again = browser.post(f"/w/{ws}/plans/{plan}/agreed", {"agreed": "2026-03-21T10:00"})
    assert again.status_code == 409
    assert _interview(app, item).start.astimezone(UTC) == BERLIN_20_MARCH_10


def test_the_agreed_times_ics_updates_the_same_event(app: FastAPI, browser: Browser) -> None:
    ws, item, _, before = _agreed(app, browser)
    response = browser.get(f"/w/{ws}/interviews/{item}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    text = response.text
    calendar = Calendar.from_ical(text)
    assert str(calendar["METHOD"]) == "REQUEST"
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == before.uid
    assert int(event["SEQUENCE"]) == before.sequence + 1
    assert event.decoded("DTSTART").astimezone(UTC) == BERLIN_20_MARCH_10
    assert event.decoded("DTEND").astimezone(UTC) == BERLIN_20_MARCH_10 + timedelta(hours=1)
    assert "cand@example.org" in str(event["ATTENDEE"])
    assert libical_errors(text) == []
    [read] = icaljs([text])
    assert read["ok"] and read["method"] == "REQUEST"
    [seen] = read["events"]
    assert (seen["uid"], seen["sequence"]) == (before.uid, before.sequence + 1)
    assert seen["start"] == "2026-03-20T09:00:00.000Z" and seen["tzid"] == "Europe/Berlin"


def test_no_agreement_on_a_cancelled_interview(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("cand@example.org")
    item = add_interview(browser, ws)
    plan = make_plan(browser, ws, item)
    assert browser.post(f"/w/{ws}/interviews/{item}/cancelled").status_code == 303
    refused = browser.post(f"/w/{ws}/plans/{plan}/agreed", {"agreed": "2026-03-20T10:00"})
    assert refused.status_code == 409 and "<p>The interview is cancelled</p>" in refused.text
    with app.state.sessions() as session:
        drafts = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.plan_id == plan)
        )
    assert drafts == 0  # nothing half done
    assert _interview(app, item).status == "cancelled"


def _deliver(app: FastAPI, clock: Clock) -> MemoryTransport:
    transport = MemoryTransport()
    Deliverer(
        app.state.sessions, lambda: transport, sender="noreply@fairnotice.test", clock=clock
    ).drain()
    return transport


def test_a_withdrawal_queued_from_the_web_closes_the_interview_and_its_letter_goes(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    ws = browser.sign_up("cand@example.org")
    item = add_interview(browser, ws)
    earlier = make_plan(browser, ws, item)  # a reschedule request, queued but not sent yet
    browser.get(f"/w/{ws}/plans/{earlier}")
    assert browser.post(f"/w/{ws}/plans/{earlier}/queue").status_code == 303
    withdrawal = make_plan(browser, ws, item, intent="withdraw", reason="accepted_offer")
    browser.get(f"/w/{ws}/plans/{withdrawal}")
    assert browser.post(f"/w/{ws}/plans/{withdrawal}/queue").status_code == 303
    row = _interview(app, item)
    assert row.status == "withdrawn"
    with app.state.sessions() as session:
        event = session.scalars(
            select(InterviewEvent)
            .where(InterviewEvent.interview_id == item)
            .order_by(InterviewEvent.id)
        ).all()[-1]
        assert (event.event, event.from_state, event.to_state) == (
            "withdraw",
            "scheduled",
            "withdrawn",
        )
        assert event.detail == {"plan": withdrawal}
        states = dict(
            session.execute(
                select(OutboxMessage.plan_id, OutboxMessage.state).where(
                    OutboxMessage.workspace_id == ws, OutboxMessage.kind != "reminder"
                )
            ).all()
        )
    assert states == {earlier: "cancelled", withdrawal: "pending"}
    clock.advance(days=1)
    sent = _deliver(app, clock).sent
    assert [e.recipients for e in sent] == [("j.doe@example.com",)]
    assert b"METHOD=REPLY" in sent[0].data.replace(b'"', b"").upper()
    page = browser.get(f"/w/{ws}/interviews/{item}").text
    assert "Nothing more can change here" in page
    again = browser.post(f"/w/{ws}/interviews/{item}/took-place")
    assert again.status_code == 409


# --- W5 -------------------------------------------------------------------------------


def _plans(app: FastAPI, ws: int) -> int:
    with app.state.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(PlanRecord).where(PlanRecord.workspace_id == ws)
            )
            or 0
        )


def _inquiry(browser: Browser, ws: int, item: int, **extra: Any) -> Any:
    form = {
        "intent": "status_inquiry",
        "reason": "other",
        "certainty": "sure",
        "note": "asked Jonas on the phone",
        "message_language": "de",
        "hours_start": "08:30",
        **extra,
    }
    return browser.post(f"/w/{ws}/interviews/{item}/plan", form)


def test_an_inquiry_about_an_interview_nine_days_ahead_is_refused_on_the_page(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    ws = browser.sign_up("cand@example.org")
    item = add_interview(browser, ws, date="2026-03-19")  # nine days ahead
    page = browser.get(f"/w/{ws}/interviews/{item}").text
    assert 'id="inquiry-why"' in page  # said before it is tried
    refused = _inquiry(browser, ws, item)
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert "no status inquiry (W5): the interview is still ahead" in text
    assert "did not take place" not in text
    assert "asked Jonas on the phone</textarea>" in text  # the form as sent
    assert re.search(r'value="status_inquiry" checked', text)
    assert 'value="08:30"' in text
    assert _plans(app, ws) == 0
    de = browser.http.post(
        f"/w/{ws}/interviews/{item}/plan",
        data={"csrf_token": browser.csrf, "intent": "status_inquiry", "reason": "other"},
        headers={"Accept-Language": "de"},
        follow_redirects=False,
    )
    assert de.status_code == 422
    assert "keine Nachfrage zum Stand (W5)" in html.unescape(de.text)
    # recorded as cancelled by the employer: now W5 holds
    assert browser.post(f"/w/{ws}/interviews/{item}/cancelled").status_code == 303
    assert _inquiry(browser, ws, item).status_code == 303
    assert _plans(app, ws) == 1


def test_an_inquiry_is_allowed_once_the_interview_took_place_and_passed(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    ws = browser.sign_up("cand@example.org")
    item = add_interview(browser, ws)  # 16 March, 14:00-15:00 Berlin
    clock.now = datetime(2026, 3, 16, 13, 30, tzinfo=UTC)  # under way
    page = browser.get(f"/w/{ws}/interviews/{item}").text
    assert "/took-place" in page and "I did not attend" in page
    assert browser.post(f"/w/{ws}/interviews/{item}/took-place").status_code == 303
    assert _inquiry(browser, ws, item).status_code == 422  # not over yet
    clock.now = datetime(2026, 3, 24, 9, 0, tzinfo=UTC)
    page = browser.get(f"/w/{ws}/interviews/{item}").text
    assert "you can ask about the status of your application" in page
    assert _inquiry(browser, ws, item).status_code == 303


def _situation(uid: str, start: datetime) -> dict[str, Any]:
    return {
        "now": "2026-03-10T09:00:00+00:00",
        "role": "candidate",
        "intent": "status_inquiry",
        "language": "en",
        "interview": {
            "position": "Paralegal",
            "company": "Muster & Partner GmbH",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "timezone": "Europe/Berlin",
            "uid": uid,
        },
        "me": {"name": "Alex Weber", "email": "cand@example.org"},
        "counterpart": {"name": "Jonas Doe", "email": "j.doe@example.com"},
    }


def test_the_api_refuses_an_inquiry_about_a_stored_interview_where_w5_does_not_hold(
    browser: Browser,
) -> None:
    headers = api_token(browser, "cand@example.org")
    start = datetime(2026, 3, 19, 13, tzinfo=UTC)
    made = browser.http.post(
        "/api/v1/interviews",
        json={
            "position": "Paralegal",
            "company": "Muster & Partner GmbH",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "timezone": "Europe/Berlin",
            "uid": "stored-1@example.org",
            "contact": {"name": "Jonas Doe", "email": "j.doe@example.com"},
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    refused = browser.http.post(
        "/api/v1/plan", json=_situation("stored-1@example.org", start), headers=headers
    )
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["detail"]
    assert problem["field"] == "interview.end" and "still ahead" in problem["msg"]
    unknown = browser.http.post(
        "/api/v1/plan", json=_situation("elsewhere@example.org", start), headers=headers
    )
    # a situation about no stored interview is judged by its time alone, as the CLI does
    assert unknown.status_code == 422 and "still ahead" in unknown.json()["detail"][0]["msg"]
    item = made.json()["id"]
    cancelled = browser.http.post(f"/api/v1/interviews/{item}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["plan_id"] is None
    allowed = browser.http.post(
        "/api/v1/plan", json=_situation("stored-1@example.org", start), headers=headers
    )
    assert allowed.status_code == 200 and allowed.json()["intent"] == "status_inquiry"
