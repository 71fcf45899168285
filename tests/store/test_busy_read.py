"""Slot search's one-statement read (busy_read.py) answers as busy.calendar_busy does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.errors import BadInput
from fairnotice.operations import accounts, busy
from fairnotice.operations.busy import CalendarNotReady, calendar_busy
from fairnotice.operations.busy_read import stored_busy
from fairnotice.store.session import transaction

ROOT = Path(__file__).resolve().parents[2]
BUSY_ICS = (ROOT / "tests" / "web" / "fixtures" / "interviewer-busy.ics").read_bytes()
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def _engine(factory: sessionmaker[Session]) -> Engine:
    engine = factory.kw["bind"]
    assert isinstance(engine, Engine)
    return engine


def _workspace(factory: sessionmaker[Session], email: str) -> int:
    with transaction(factory, write=True) as session:
        user = accounts.sign_up(session, email=email, name="HR", password="a long password here")
        return accounts.personal_workspace(session, user.id).id


def _add(factory: sessionmaker[Session], ws: int, **kwargs: object) -> int:
    with transaction(factory, write=True) as session:
        return busy.add_calendar(
            session,
            workspace_id=ws,
            owner_email="j.doe@example.com",
            **kwargs,  # type: ignore[arg-type]
        ).id


def _both(
    factory: sessionmaker[Session], ws: int, ids: set[int], start: datetime, end: datetime
) -> tuple[object, object]:
    with factory() as session:
        try:
            old: object = calendar_busy(session, workspace_id=ws, ids=ids, start=start, end=end)
        except (BadInput, CalendarNotReady) as exc:
            old = (type(exc), str(exc))
    try:
        new: object = stored_busy(_engine(factory), workspace_id=ws, ids=ids, start=start, end=end)
    except (BadInput, CalendarNotReady) as exc:
        new = (type(exc), str(exc))
    return old, new


def test_intervals_and_refusals_equal_those_of_calendar_busy(
    factory: sessionmaker[Session],
) -> None:
    ws = _workspace(factory, "hr@example.com")
    other = _workspace(factory, "else@example.com")
    given = [
        (NOW + timedelta(hours=h), NOW + timedelta(hours=h, minutes=45)) for h in range(0, 400, 7)
    ]
    periods = _add(factory, ws, ics=None, busy=given)
    read = _add(factory, ws, ics=BUSY_ICS, zone_name="Europe/Berlin")
    pending = _add(factory, ws, ics=BUSY_ICS)
    foreign = _add(factory, other, ics=None, busy=given[:3])
    assert busy.read_calendars(factory, clock=lambda: NOW, limit=2) == 2  # `pending` stays
    windows = [
        (NOW, NOW + timedelta(days=14)),
        (NOW - timedelta(days=2), NOW + timedelta(days=3)),
        (NOW + timedelta(days=40), NOW + timedelta(days=41)),
        (NOW - timedelta(days=400), NOW),  # before the read window of `read`
    ]
    cases = [{periods}, {read}, {periods, read}, {pending}, {periods, foreign}, {10**9}]
    answers = 0
    for ids in cases:
        for start, end in windows:
            old, new = _both(factory, ws, ids, start, end)
            assert new == old, (ids, start, end)
            answers += isinstance(new, list) and len(new) > 0
    assert answers >= 4  # the comparison covers real intervals, not only refusals


@pytest.mark.parametrize("ids", [set(), {1, 2, 3}])
def test_unknown_calendars_are_bad_input_naming_the_field(
    factory: sessionmaker[Session], ids: set[int]
) -> None:
    ws = _workspace(factory, "hr@example.com")
    engine = _engine(factory)
    if not ids:
        assert stored_busy(engine, workspace_id=ws, ids=ids, start=NOW, end=NOW) == []
        return
    with pytest.raises(BadInput) as caught:
        stored_busy(engine, workspace_id=ws, ids=ids, start=NOW, end=NOW + timedelta(days=1))
    assert caught.value.problems[0][0] == "calendars"
