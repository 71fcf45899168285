"""The worker reads stored calendars within a budget per file and per workspace (issue 14),
outside any write transaction; on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import pytest
from sqlalchemy import make_url, select, text
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.errors import BadInput
from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.busy import stored as busy
from fairnotice.store.session import make_engine, transaction
from fairnotice.store.tables import BusyCalendar
from tests.calendar import hostile

NOW = hostile.NOW


def workspace(factory: sessionmaker[Session], email: str = "hr@example.com") -> int:
    with transaction(factory, write=True) as session:
        user = accounts.sign_up(session, email=email, name="HR", password="a long password here")
        return accounts.personal_workspace(session, user.id).id


def store(factory: sessionmaker[Session], ws: int, ics: bytes) -> int:
    with transaction(factory, write=True) as session:
        row = busy.add_calendar(session, workspace_id=ws, owner_email="j@example.com", ics=ics)
        return row.id


def rows(factory: sessionmaker[Session], *ids: int) -> list[tuple[str, str | None, int | None]]:
    with factory() as session:
        found = {
            r.id: (r.state, r.error, r.read_cost)
            for r in session.scalars(select(BusyCalendar).where(BusyCalendar.id.in_(ids)))
        }
    return [found[i] for i in ids]


def test_a_file_of_many_dense_series_is_refused_by_name_and_the_next_one_read(
    factory: sessionmaker[Session],
) -> None:
    ws = workspace(factory)
    # 60 events repeating every minute: each series within the per-series cap, together
    # 1.2 million instances (read in full before the budget).
    hostile_id = store(factory, ws, hostile.fill(hostile.minutely_series, 10**6, parts=60))
    fine_id = store(factory, ws, hostile.fill(hostile.plain_events, 10**6, parts=50))
    began = time.process_time()
    assert busy.read_calendars(factory, clock=lambda: NOW) == 2
    assert time.process_time() - began < 5
    (state, error, cost), fine = rows(factory, hostile_id, fine_id)
    assert state == "failed" and cost is None
    assert error is not None and error.startswith(f"calendar {hostile_id}: too costly to read")
    assert fine[0] == "ready" and fine[2] is not None and 0 < fine[2] < busy.ACCOUNT_WORK


def test_a_workspace_s_calendars_together_stay_within_its_budget(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(busy, "ACCOUNT_WORK", 300_000)
    ws, other = workspace(factory), workspace(factory, "other@example.com")
    data = hostile.fill(hostile.daily_series, 10**6, parts=150)  # ~130,000 units each
    first, second, third = (store(factory, ws, data) for _ in range(3))
    elsewhere = store(factory, other, data)
    assert busy.read_calendars(factory, clock=lambda: NOW) == 4
    states = rows(factory, first, second, third, elsewhere)
    assert [s for s, _, _ in states] == ["ready", "ready", "failed", "ready"]
    assert states[2][1] is not None and states[2][1].startswith(f"workspace {ws}: too costly")
    assert sum(c or 0 for _, _, c in states[:3]) <= 300_000
    # Over its budget, the workspace may store no further calendar text until one goes.
    monkeypatch.setattr(busy, "ACCOUNT_WORK", (states[0][2] or 0) + (states[1][2] or 0))
    with pytest.raises(BadInput) as refused, transaction(factory, write=True) as session:
        busy.add_calendar(session, workspace_id=ws, owner_email="j@example.com", ics=data)
    assert refused.value.field == "ics"
    assert store(factory, other, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")  # not the others'


def test_a_write_during_the_worker_s_reading_is_not_held_up_by_a_lock(
    factory: sessionmaker[Session], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker parses outside any write transaction: a write to the very calendar row
    it reads succeeds while parsing is under way. A held lock fails the write (SQLite's
    1 s busy timeout, PostgreSQL's lock_timeout); speed is measured in bench/, not here."""
    ws = workspace(factory)
    calendar = store(factory, ws, hostile.fill(hostile.plain_events, 100_000))
    failures: list[str] = []
    written: list[bool] = []

    def write() -> None:
        try:
            if database_url.startswith("sqlite"):
                path = make_url(database_url).database
                assert path
                with sqlite3.connect(path, timeout=1.0, isolation_level=None) as db:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute(
                        "UPDATE calendars SET owner_email = owner_email WHERE id = ?", (calendar,)
                    )
                    db.execute("COMMIT")
            else:
                engine = make_engine(database_url)
                with engine.begin() as connection:
                    connection.execute(text("SET LOCAL lock_timeout = '1s'"))
                    connection.execute(
                        text("UPDATE calendars SET owner_email = owner_email WHERE id = :id"),
                        {"id": calendar},
                    )
                engine.dispose()
            written.append(True)
        except Exception as exc:  # "database is locked" / lock timeout on a held lock
            failures.append(str(exc))

    real = busy.expand_calendar

    def reading(*args: Any, **kwargs: Any) -> Any:
        writer = threading.Thread(target=write)
        writer.start()
        writer.join()  # the writer gives up after 1 s: no deadlock on a held lock
        return real(*args, **kwargs)

    monkeypatch.setattr(busy, "expand_calendar", reading)
    assert busy.read_calendars(factory, clock=lambda: NOW) == 1
    assert failures == [] and written == [True], failures
    assert rows(factory, calendar)[0][0] == "ready"


def test_0014_adds_the_reading_cost_and_takes_it_away(database_url: str) -> None:
    from sqlalchemy import inspect

    from fairnotice.store.session import downgrade, make_engine, upgrade

    def columns() -> set[str]:
        engine = make_engine(database_url)
        try:
            return {c["name"] for c in inspect(engine).get_columns("calendars")}
        finally:
            engine.dispose()

    assert "read_cost" in columns()
    downgrade(database_url, "0013")
    try:
        assert "read_cost" not in columns() and "intervals_version" in columns()
    finally:
        upgrade(database_url)
    assert "read_cost" in columns()
