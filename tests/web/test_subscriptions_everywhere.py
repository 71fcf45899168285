"""An interviewer's subscription link counts wherever a calendar is used, exactly as an
upload does, and once it cannot answer it is never free time (issue 15, part 4), on
SQLite and PostgreSQL: the pick re-check (busy: taken; gone: unknown), a new offer
(refused, 409), K1 when scheduling (an "unknown" clash naming the calendar's reason)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI

from fairnotice.operations.busy import refresh
from fairnotice.operations.interviews import clashes
from fairnotice.store.tables import Interview
from tests.calendar.ics_server import Calendars, serving
from tests.operations.test_subscriptions import google_style
from tests.web.conftest import Browser
from tests.web.employer_setup import preview_offer
from tests.web.test_double_booking import JSON, make_offer, two_interviews

PATH = "/calendar/ical/maria-private-token/basic.ics"


@pytest.fixture
def published() -> Iterator[tuple[str, Calendars]]:
    with serving() as found:
        yield found


def subscribe_maria(app: FastAPI, browser: Browser, org: int, base: str) -> None:
    app.state.settings = app.state.settings.changed(calendars={"caldav_allow_private": True})
    browser.get(f"/w/{org}")
    answer = browser.post(
        f"/w/{org}/subscriptions",
        {"subscription_url": base + PATH, "owner_email": "M.Roth@example.com"},
    )
    assert answer.status_code == 303, answer.text


def gone(app: FastAPI, calendars: Calendars) -> None:
    calendars.publish(PATH, b"", status=410)
    now = app.state.clock()
    done = refresh.refresh_due(
        app.state.sessions,
        clock=lambda: now + timedelta(hours=1),
        secret=app.state.settings.secret,
        allow_private=True,
    )
    assert done.failed == 1


def test_a_subscription_counts_in_the_pick_re_check_and_once_gone_is_never_free(
    app: FastAPI, browser: Browser, other_browser: Browser, published: tuple[str, Calendars]
) -> None:
    base, calendars = published
    org, first, _ = two_interviews(app, browser)
    a = make_offer(app, browser, org, first)
    _, start, end = a.slots[1]
    calendars.publish(PATH, google_style(("dentist", start + timedelta(minutes=30), end)))
    subscribe_maria(app, browser, org, base)
    other_browser.get(a.path)
    refused = other_browser.post(a.path, {"slot": str(a.slots[1][0])}, headers=JSON)
    assert refused.status_code == 409 and refused.json()["reason"] == "taken"
    gone(app, calendars)
    refused = other_browser.post(a.path, {"slot": str(a.slots[0][0])}, headers=JSON)
    assert refused.status_code == 409
    assert refused.json()["reason"] == "unknown" and refused.json()["free_slots"] == []


def test_a_gone_subscription_stops_new_offers_and_is_an_unknown_clash_at_scheduling(
    app: FastAPI, browser: Browser, published: tuple[str, Calendars]
) -> None:
    base, calendars = published
    org, first, _ = two_interviews(app, browser)
    calendars.publish(PATH, google_style())
    subscribe_maria(app, browser, org, base)
    page, _ = preview_offer(browser, org, first)  # an answering calendar: times offered
    assert page.status_code == 200
    gone(app, calendars)
    refused = browser.get(f"/w/{org}/interviews/{first}/offer")
    assert refused.status_code == 409
    assert "the calendar is gone (410)" in refused.text
    with app.state.sessions() as session:
        interview = session.get(Interview, first)
        assert interview is not None
        found = clashes.find(
            session,
            workspace_id=org,
            interview=interview,
            start=interview.start,
            end=interview.end,
            now=app.state.clock(),
        )
    unknown = [c for c in found if c.kind == "unknown"]
    assert [c.email for c in unknown] == ["m.roth@example.com"]
    assert unknown[0].why is not None and "(410)" in unknown[0].why
