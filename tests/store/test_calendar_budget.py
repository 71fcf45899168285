"""The worker reads stored calendars within a budget per file and per workspace (issue 14),
outside any write transaction; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.errors import BadInput
from fairnotice.operations import accounts, busy
from fairnotice.store.session import transaction
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


def test_a_write_during_the_worker_s_reading_waits_less_than_a_second(
    factory: sessionmaker[Session],
) -> None:
    ws = workspace(factory)
    worst = hostile.fill(hostile.plain_events, 1024 * 1024)  # parsing ~1 s, accepted
    calendar = store(factory, ws, worst)
    reading = threading.Thread(
        target=busy.read_calendars, args=(factory,), kwargs={"clock": lambda: NOW}
    )
    reading.start()
    time.sleep(0.3)  # the claim is written; parsing and expanding are under way
    waits: list[float] = []
    while reading.is_alive() or not waits:
        began = time.perf_counter()
        with transaction(factory, write=True) as session:
            session.execute(text("UPDATE users SET name = name WHERE id < 0"))
        waits.append(time.perf_counter() - began)
        time.sleep(0.05)
    reading.join()
    assert rows(factory, calendar)[0][0] == "ready"
    assert waits and max(waits) < 1.0, waits


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
