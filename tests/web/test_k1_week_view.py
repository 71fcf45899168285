"""K1 on the candidate's plan page: the week view's unmarked blocks and the interview's own
event in an uploaded calendar are no clash with the interview; a real clash still warns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from fairnotice.store.tables import PlanRecord
from tests.operations.k1_calendars import AFTER, BEFORE, DENTIST, OWN, calendar, k1
from tests.web.conftest import Browser
from tests.web.helpers import add_interview, make_plan

# INTERVIEW_FORM: Mon 16 Mar 2026 14:00-15:00 Berlin; the clock: Tue 10 Mar.


def stored_plan(app: FastAPI, plan_id: int) -> dict[str, Any]:
    with app.state.sessions() as session:
        record = session.get(PlanRecord, plan_id)
        assert record is not None
        return dict(record.plan)


def interview_uid(app: FastAPI, interview: int) -> str:
    from fairnotice.store.tables import Interview

    with app.state.sessions() as session:
        row = session.get(Interview, interview)
        assert row is not None
        return row.uid


def test_week_view_leaves_the_interview_unwarned(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("week@example.org")
    interview = add_interview(browser, ws)
    plan_id = make_plan(
        browser, ws, interview, message_language="en", free=["2026-03-17T14", "2026-03-19T10"]
    )
    plan = stored_plan(app, plan_id)
    assert k1(plan) == [] and plan["proposed_slots"]
    page = browser.get(f"/w/{ws}/plans/{plan_id}")
    assert page.status_code == 200 and "already has something else" not in page.text


def test_week_view_and_calendar_warn_only_of_a_real_clash(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("both@example.org")
    interview = add_interview(browser, ws)
    uid = interview_uid(app, interview)

    def plan_with(*events: str) -> dict[str, Any]:
        browser.get(f"/w/{ws}/interviews/{interview}")
        form = {
            "csrf_token": browser.csrf,
            "intent": "reschedule",
            "reason": "family",
            "certainty": "sure",
            "message_language": "en",
            "free": ["2026-03-17T14", "2026-03-19T10"],
        }
        ics = calendar(*(e.replace("a1b2c3@example.com", uid) for e in events))
        response = browser.http.post(
            f"/w/{ws}/interviews/{interview}/plan",
            data=form,
            files={"calendar": ("me.ics", ics, "text/calendar")},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return stored_plan(app, int(response.headers["location"].rsplit("/", 1)[1]))

    assert k1(plan_with(BEFORE, OWN, AFTER)) == []
    (text,) = k1(plan_with(BEFORE, OWN, DENTIST, AFTER))
    assert "(Monday 16 March, 14:30–15:00)" in text
