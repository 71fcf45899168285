"""Slot search's one-statement read (busy_read.py) answers as busy.calendar_busy does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.errors import BadInput
from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.busy import stored as busy
from fairnotice.operations.busy.queries import stored_busy
from fairnotice.operations.busy.stored import CalendarNotReady, calendar_busy
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


def test_a_calendar_read_again_is_answered_as_it_is_now_never_from_an_old_copy(
    factory: sessionmaker[Session],
) -> None:
    from sqlalchemy import delete, update

    from fairnotice.operations.busy.queries import copies
    from fairnotice.operations.busy.stored import SqlIntervalStore
    from fairnotice.store.tables import BusyCalendar

    ws = _workspace(factory, "hr@example.com")
    engine = _engine(factory)
    window = (NOW, NOW + timedelta(days=14))
    first = [(NOW + timedelta(hours=h), NOW + timedelta(hours=h, minutes=30)) for h in (1, 5, 30)]
    calendar = _add(factory, ws, ics=None, busy=first)

    def read() -> object:
        return stored_busy(engine, workspace_id=ws, ids={calendar}, start=window[0], end=window[1])

    assert read() == first
    assert copies(engine).size == 3  # kept: the next search reads only the calendar's row
    assert read() == first
    second = [(NOW + timedelta(hours=2), NOW + timedelta(hours=9))]
    with transaction(factory, write=True) as session:  # what the background reader does
        SqlIntervalStore(session).replace(str(calendar), second, window=window)
    old, new = _both(factory, ws, {calendar}, *window)
    assert new == old == second
    with transaction(factory, write=True) as session:  # a later read failed
        session.execute(
            update(BusyCalendar).where(BusyCalendar.id == calendar).values(state="failed")
        )
    old, new = _both(factory, ws, {calendar}, *window)
    assert new == old and isinstance(new, tuple) and new[0] is CalendarNotReady
    with transaction(factory, write=True) as session:
        session.execute(delete(BusyCalendar).where(BusyCalendar.id == calendar))
    with pytest.raises(BadInput):
        read()
    # A new calendar, even under the id of the deleted one, has a version of its own.
    again = _add(factory, ws, ics=None, busy=second[:0])
    assert stored_busy(engine, workspace_id=ws, ids={again}, start=window[0], end=window[1]) == []


def test_several_calendars_kept_and_read_give_the_intervals_in_order(
    factory: sessionmaker[Session],
) -> None:
    ws = _workspace(factory, "hr@example.com")
    one = [
        (NOW + timedelta(hours=h), NOW + timedelta(hours=h, minutes=40)) for h in range(0, 90, 9)
    ]
    two = [(NOW + timedelta(hours=h), NOW + timedelta(hours=h + 2)) for h in range(4, 90, 11)]
    ids = {_add(factory, ws, ics=None, busy=one), _add(factory, ws, ics=None, busy=two)}
    for start, end in [
        (NOW, NOW + timedelta(days=4)),
        (NOW + timedelta(hours=20), NOW + timedelta(hours=50)),
    ]:
        for _ in range(2):  # read, then kept
            old, new = _both(factory, ws, ids, start, end)
            assert new == old and isinstance(new, list) and len(new) >= 4
            assert new == sorted(new)


def test_kept_copies_drop_the_least_recently_used_beyond_their_limit() -> None:
    from fairnotice.operations.busy.queries import Copies, Kept

    def kept(version: int | None, n: int) -> Kept:
        starts = [NOW + timedelta(hours=2 * i) for i in range(n)]
        return Kept(version, starts, [s + timedelta(hours=1) for s in starts], disjoint=True)

    kept_ = Copies(limit=5)
    kept_.put(1, kept(11, 2))
    kept_.put(2, kept(22, 2))
    assert kept_.get(1, 11) is not None  # 1 is now the most recently used
    kept_.put(3, kept(33, 2))  # 6 > 5: the least recently used (2) goes
    assert kept_.get(2, 22) is None and kept_.get(1, 11) is not None
    assert kept_.get(3, 33) is not None and kept_.size == 4
    assert kept_.get(1, 12) is None  # another version is never answered
    kept_.put(4, kept(None, 1))  # a calendar without a version is never kept
    assert kept_.get(4, None) is None and kept_.size == 4
    kept_.put(5, kept(55, 6))  # more than the limit alone: not kept
    assert kept_.get(5, 55) is None and kept_.size == 4


def test_a_window_of_overlapping_intervals_is_answered_in_full() -> None:
    from fairnotice.operations.busy.queries import Kept

    starts = [NOW, NOW + timedelta(hours=1), NOW + timedelta(hours=5)]
    ends = [NOW + timedelta(hours=10), NOW + timedelta(hours=2), NOW + timedelta(hours=6)]
    kept = Kept(1, starts, ends, disjoint=False)
    asked = (NOW + timedelta(hours=7), NOW + timedelta(hours=8))
    assert kept.overlapping(*asked) == [(starts[0], ends[0])]


def test_the_search_index_holds_the_same_intervals_as_the_read(
    factory: sessionmaker[Session],
) -> None:
    from fairnotice.calendar.slots import BusyIndex
    from fairnotice.operations.busy.queries import stored_index

    ws = _workspace(factory, "hr@example.com")
    engine = _engine(factory)
    one = [
        (NOW + timedelta(hours=h), NOW + timedelta(hours=h, minutes=40)) for h in range(0, 90, 9)
    ]
    two = [(NOW + timedelta(hours=h), NOW + timedelta(hours=h + 2)) for h in range(4, 90, 11)]
    first, second = _add(factory, ws, ics=None, busy=one), _add(factory, ws, ics=None, busy=two)
    given = [(NOW + timedelta(hours=30), NOW + timedelta(hours=33))]
    windows = [
        (NOW, NOW + timedelta(days=4)),
        (NOW + timedelta(hours=9, minutes=20), NOW + timedelta(hours=27)),
    ]
    for ids, also in [({first}, []), ({first, second}, []), ({first}, given), (set(), given)]:
        for start, end in windows:
            for _ in range(2):  # read, then kept
                index = stored_index(
                    engine, workspace_id=ws, ids=ids, start=start, end=end, also=also
                )
                read = stored_busy(engine, workspace_id=ws, ids=ids, start=start, end=end)
                assert index.intervals() == BusyIndex([*read, *also]).intervals()
                assert len(index) >= 1
