"""Subscription links on the pages, on SQLite and PostgreSQL: pasted once and kept sealed,
shown only as host + "…", refused with the guard's reason (nothing stored) for a private
address, removed only by their own workspace; an interviewer's link on the position page
counts for offers; a gone link's error is shown in the viewer's language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from fairnotice.operations.busy import refresh
from fairnotice.store.tables import BusyCalendar
from tests.calendar.ics_server import Calendars, serving
from tests.operations.test_subscriptions import DENTIST, google_style
from tests.web.conftest import Browser
from tests.web.helpers import add_interview

TOKEN = "8d1e3b5a7c9f0e2d4b6a"


@pytest.fixture
def published() -> Iterator[tuple[str, Calendars]]:
    with serving() as found:
        yield found


def allow_private(app: FastAPI) -> None:
    app.state.settings = app.state.settings.changed(calendars={"caldav_allow_private": True})


def stored(app: FastAPI) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(BusyCalendar)) or 0)


def test_a_candidate_s_link_is_kept_sealed_shown_as_its_host_and_removed(
    app: FastAPI, browser: Browser, other_browser: Browser, published: tuple[str, Calendars]
) -> None:
    base, calendars = published
    calendars.publish(f"/calendar/ical/{TOKEN}/basic.ics", google_style(DENTIST))
    link = f"{base}/calendar/ical/{TOKEN}/basic.ics"
    ws = browser.sign_up("sub@example.org")
    interview = add_interview(browser, ws)
    page = f"/w/{ws}/interviews/{interview}"
    browser.get(page)
    # the guard is closed (the default): a loopback address is refused, nothing stored
    refused = browser.post(f"/w/{ws}/subscriptions", {"subscription_url": link, "back": page})
    assert refused.status_code == 422 and "not allowed" in refused.text
    assert TOKEN not in refused.text and stored(app) == 0
    allow_private(app)
    added = browser.post(f"/w/{ws}/subscriptions", {"subscription_url": link, "back": page})
    assert added.status_code == 303 and added.headers["location"] == page
    shown = browser.get(page).text
    assert "127.0.0.1…" in shown and TOKEN not in shown and "last read" in shown
    with app.state.sessions() as session:
        row = session.scalar(select(BusyCalendar))
        assert row is not None and row.owner_email == "sub@example.org"
        assert row.remote_sealed is not None and TOKEN not in row.remote_sealed
        calendar_id = row.id
    # another account cannot remove it
    other = other_browser
    other_ws = other.sign_up("other@example.org")
    other.get(f"/w/{other_ws}")
    assert other.post(f"/w/{ws}/subscriptions/{calendar_id}/delete").status_code in (403, 404)
    assert other.post(f"/w/{other_ws}/subscriptions/{calendar_id}/delete").status_code == 404
    assert stored(app) == 1
    browser.get(page)
    gone = browser.post(f"/w/{ws}/subscriptions/{calendar_id}/delete", {"back": page})
    assert gone.status_code == 303 and stored(app) == 0
    assert "127.0.0.1…" not in browser.get(page).text


def test_a_bad_link_is_refused_by_name(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("bad@example.org")
    browser.get(f"/w/{ws}")
    for link, why in (
        ("ftp://example.org/x.ics", "must be a webcal://, https:// or http:// address"),
        ("https://user:pw@example.org/x.ics", "carries no user name or password"),
        ("https://example.org/a b.ics", "one address of at most 2000 characters"),
        ("x" * 2001, "at most 2000 character"),
    ):
        answer = browser.post(f"/w/{ws}/subscriptions", {"subscription_url": link})
        assert answer.status_code == 422 and why in answer.text, link
        assert "pw@" not in answer.text
    assert stored(app) == 0


def test_an_interviewer_s_gone_link_is_shown_in_german_and_stops_offers_as_unknown(
    app: FastAPI, browser: Browser, published: tuple[str, Calendars]
) -> None:
    allow_private(app)
    base, calendars = published
    calendars.publish("/iv.ics", google_style(DENTIST))
    ws = browser.sign_up("hr@example.org")
    browser.get(f"/w/{ws}")
    added = browser.post(
        f"/w/{ws}/subscriptions",
        {"subscription_url": f"{base}/iv.ics", "owner_email": "Iv@Example.org"},
    )
    assert added.status_code == 303
    calendars.publish("/iv.ics", b"", status=404)
    now = app.state.clock()
    done = refresh.refresh_due(
        app.state.sessions,
        clock=lambda: now + timedelta(hours=1),
        secret=app.state.settings.secret,
        allow_private=True,
    )
    assert done.failed == 1
    with app.state.sessions() as session:
        [listed] = refresh.listed(session, workspace_id=ws, now=now, kind="subscription")
    assert listed.owner_email.lower() == "iv@example.org" and not listed.answering
    from fairnotice.web.i18n import translate

    german = translate(listed.error, "de")
    assert "den Kalender gibt es nicht mehr (404)" in german
    from fairnotice.operations.busy.stored import owners_busy

    with app.state.sessions() as session:
        found, unread = owners_busy(
            session,
            workspace_id=ws,
            emails=["iv@example.org"],
            start=now,
            end=now + timedelta(days=7),
            now=now,
        )
    assert found == [] and len(unread) == 1 and "(404)" in unread[0]
