"""K1 on the candidate's plan page: the week view's unmarked blocks and the interview's own
event in an uploaded or CalDAV calendar are no clash with the interview; a real clash
still warns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from fairnotice.store.tables import PlanRecord
from tests.calendar.test_caldav import PASSWORD, USER, _request, server  # noqa: F401
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


def test_caldav_calendar_own_event_is_no_clash_but_a_real_one_is(
    app: FastAPI,
    browser: Browser,
    server: str,  # noqa: F811
) -> None:
    """The same through a CalDAV calendar (each event its own object, as servers keep them)."""
    app.state.settings = app.state.settings.changed(calendars={"caldav_allow_private": True})
    ws = browser.sign_up("caldav-k1@example.org")
    interview = add_interview(browser, ws)
    uid = interview_uid(app, interview)
    collection = server.rstrip("/").rsplit("/", 1)[0] + f"/k1-{ws}/"
    _request(collection, "MKCALENDAR")
    try:
        for name, item in (("prep", BEFORE), ("own", OWN), ("standup", AFTER)):
            body = calendar(item.replace("a1b2c3@example.com", uid))
            _request(f"{collection}{name}.ics", "PUT", body)
        login = {"caldav_url": collection, "caldav_username": USER, "caldav_password": PASSWORD}
        quiet = make_plan(browser, ws, interview, message_language="en", **login)
        assert k1(stored_plan(app, quiet)) == []
        _request(f"{collection}dentist.ics", "PUT", calendar(DENTIST))
        warned = make_plan(browser, ws, interview, message_language="en", **login)
        (text,) = k1(stored_plan(app, warned))
        assert "(Monday 16 March, 14:30–15:00)" in text
    finally:
        _request(collection, "DELETE")
