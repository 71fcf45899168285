"""The worker's round refreshes subscription links that are due (issue 15), on SQLite and
PostgreSQL: with the app's secret key it opens the sealed link, and the guard stays closed
unless FAIRNOTICE_CALDAV_ALLOW_PRIVATE is set."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.operations.busy import sources
from fairnotice.settings import Settings
from fairnotice.store.tables import BusyCalendar
from fairnotice.worker import Round, run
from tests.calendar.ics_server import serving
from tests.operations import test_subscriptions as subs
from tests.worker.processes import url_of


def _round(sessions: sessionmaker[Session], *, allow_private: bool, at: datetime) -> Round:
    rounds: list[Round] = []
    settings = Settings(
        database_url=url_of(sessions),
        secret_key=subs.SECRET,
        calendars={"caldav_allow_private": allow_private},
    )
    run(
        sessions,
        settings,
        once=True,
        stop=threading.Event(),
        clock=lambda: at,
        report=rounds.append,
    )
    assert [r.errors for r in rounds] == [[]]
    return rounds[0]


def test_a_round_refreshes_due_subscriptions_with_the_app_s_key(
    sessions: sessionmaker[Session],
) -> None:
    with serving() as (base, calendars):
        calendars.publish("/cal.ics", subs.google_style(subs.DENTIST))
        ws = subs.workspace(sessions)
        calendar_id = subs.subscribe(sessions, ws, f"{base}/cal.ics")
        calendars.publish("/cal.ics", subs.google_style(subs.DENTIST, subs.LUNCH))
        later = subs.NOW + sources.REFRESH_EVERY + timedelta(minutes=1)
        # the guard closed (the default): the loopback link is refused, nothing fetched
        asked = len(calendars.seen)
        assert _round(sessions, allow_private=False, at=later).calendars == 1
        assert len(calendars.seen) == asked
        retry = later + sources.RETRY_AFTER
        assert _round(sessions, allow_private=True, at=retry).calendars == 1
        assert calendars.seen[-1].status == 200
        assert subs.busy_of(sessions, ws, retry) == (
            [(subs.DENTIST[1], subs.DENTIST[2]), (subs.LUNCH[1], subs.LUNCH[2])],
            [],
        )
        # unchanged next time: a 304, and the round counts no work found
        after = retry + sources.REFRESH_EVERY
        assert _round(sessions, allow_private=True, at=after).calendars == 0
        assert calendars.seen[-1].status == 304
        with sessions() as session:
            refreshed = session.scalar(
                select(BusyCalendar.refreshed_at).where(BusyCalendar.id == calendar_id)
            )
        assert refreshed == after
