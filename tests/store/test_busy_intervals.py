"""Stored calendars read in the background into busy_intervals, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.calendar import expand, parse
from fairnotice.calendar.intervals import IntervalStore, MemoryIntervalStore
from fairnotice.calendar.slots import BusyIndex, Hours, free_slots
from fairnotice.errors import BadInput
from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.busy import stored as busy
from fairnotice.operations.busy.stored import CalendarNotReady, SqlIntervalStore, calendar_busy
from fairnotice.store.session import make_engine, session_factory, transaction
from fairnotice.store.tables import BusyCalendar, BusyInterval

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "tests" / "fixtures" / "ics-icalendar"
BUSY_ICS = (ROOT / "tests" / "web" / "fixtures" / "interviewer-busy.ics").read_bytes()
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def workspace(factory: sessionmaker[Session]) -> int:
    with transaction(factory, write=True) as session:
        user = accounts.sign_up(
            session, email="hr@example.com", name="HR", password="a long password here"
        )
        return accounts.personal_workspace(session, user.id).id


def store(factory: sessionmaker[Session], ws: int, ics: bytes, zone_name: str = "UTC") -> int:
    with transaction(factory, write=True) as session:
        row = busy.add_calendar(
            session, workspace_id=ws, owner_email="j.doe@example.com", ics=ics, zone_name=zone_name
        )
        return row.id


def parsed(data: bytes, start: datetime, end: datetime, zone: ZoneInfo) -> list[expand.Interval]:
    found = parse.calendars(data, label="x")
    return expand.busy_intervals(found, start=start, end=end, floating=zone, label="x")


def fixture_calendars() -> list[Path]:
    files = sorted(SHARED.glob("*.ics"))
    assert len(files) >= 150, f"expected the calendar fixtures in {SHARED}"
    return files


def test_stored_intervals_equal_the_in_memory_expansion_of_real_calendars(
    factory: sessionmaker[Session],
) -> None:
    ws = workspace(factory)
    window = (datetime(1995, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    compared = nonempty = 0
    for path in fixture_calendars():
        try:
            intervals = parsed(path.read_bytes(), *window, BERLIN)
        except BadInput:
            continue
        memory = MemoryIntervalStore()
        memory.replace("k", intervals, window=window)
        with transaction(factory, write=True) as session:
            row = busy.add_calendar(session, workspace_id=ws, owner_email="a@example.org", ics=None)
            sql: IntervalStore = SqlIntervalStore(session)
            sql.replace(str(row.id), intervals, window=window)
            key = str(row.id)
        with factory() as session:
            sql = SqlIntervalStore(session)
            assert sql.window(key) == window, path.name
            assert sql.busy([key], *window) == memory.busy(["k"], *window), path.name
            # a narrower range: the overlapping ones only, as the memory store answers
            middle = (datetime(2007, 1, 1, tzinfo=UTC), datetime(2016, 1, 1, tzinfo=UTC))
            assert sql.busy([key], *middle) == memory.busy(["k"], *middle), path.name
        compared += 1
        nonempty += bool(intervals)
    assert compared >= 120 and nonempty >= 50, (compared, nonempty)


def test_the_worker_reads_each_calendar_into_the_same_intervals_as_parsing(
    factory: sessionmaker[Session],
) -> None:
    ws = workspace(factory)
    ids = {store(factory, ws, BUSY_ICS, "Europe/Berlin"): BUSY_ICS}
    for path in fixture_calendars()[:60]:
        try:
            ids[store(factory, ws, path.read_bytes(), "Europe/Berlin")] = path.read_bytes()
        except BadInput as exc:  # refused at once (not iCalendar at all): never stored
            assert exc.field == "ics"
    assert len(ids) >= 50
    assert busy.read_calendars(factory, clock=lambda: NOW, limit=1000) == len(ids)
    window = (NOW - busy.READ_BEFORE, NOW + busy.READ_AHEAD)
    with factory() as session:
        rows = {r.id: r for r in session.scalars(select(BusyCalendar))}
        sql = SqlIntervalStore(session)
        for calendar_id, data in ids.items():
            row = rows[calendar_id]
            try:
                expected = parsed(data, *window, BERLIN)
            except BadInput as exc:
                assert row.state == "failed", exc
                assert f"calendar {calendar_id}" in (row.error or "")
                continue
            assert row.state == "ready" and row.error is None
            assert (row.window_start, row.window_end) == window
            memory = MemoryIntervalStore()
            memory.replace("k", expected, window=window)
            assert sql.busy([str(calendar_id)], *window) == memory.busy(["k"], *window)
    assert busy.read_calendars(factory, clock=lambda: NOW) == 0  # nothing read twice


def test_a_calendar_is_not_free_before_it_is_read(factory: sessionmaker[Session]) -> None:
    ws = workspace(factory)
    calendar_id = store(factory, ws, BUSY_ICS, "Europe/Berlin")
    asked = (datetime(2026, 3, 11, tzinfo=UTC), datetime(2026, 3, 14, tzinfo=UTC))
    with factory() as session, pytest.raises(CalendarNotReady, match="being read"):
        calendar_busy(session, workspace_id=ws, ids=[calendar_id], start=asked[0], end=asked[1])
    busy.read_calendars(factory, clock=lambda: NOW)
    with factory() as session:
        found = calendar_busy(
            session, workspace_id=ws, ids=[calendar_id], start=asked[0], end=asked[1]
        )
        assert found == [
            (datetime(2026, 3, 11, 8, tzinfo=UTC), datetime(2026, 3, 11, 16, tzinfo=UTC)),
            (datetime(2026, 3, 12, 8, tzinfo=UTC), datetime(2026, 3, 12, 16, tzinfo=UTC)),
        ]
        # outside the window read: refused, not free
        late = NOW + busy.READ_AHEAD + timedelta(days=1)
        with pytest.raises(CalendarNotReady, match="outside"):
            calendar_busy(
                session, workspace_id=ws, ids=[calendar_id], start=late, end=late + timedelta(1)
            )
        with pytest.raises(BadInput) as unknown:
            calendar_busy(session, workspace_id=ws + 1, ids=[calendar_id], start=NOW, end=late)
        assert unknown.value.field == "calendars"


def test_a_calendar_that_cannot_be_read_fails_with_its_reason(
    factory: sessionmaker[Session],
) -> None:
    ws = workspace(factory)
    broken = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026031\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    calendar_id = store(factory, ws, broken)
    assert busy.read_calendars(factory, clock=lambda: NOW) == 1
    with factory() as session:
        row = session.get(BusyCalendar, calendar_id)
        assert row is not None and row.state == "failed" and row.error
        with pytest.raises(CalendarNotReady, match="could not be read") as refused:
            calendar_busy(session, workspace_id=ws, ids=[calendar_id], start=NOW, end=NOW)
        assert row.error in str(refused.value)
    assert busy.read_calendars(factory, clock=lambda: NOW) == 0  # not retried in a loop
    with pytest.raises(BadInput) as shape, transaction(factory, write=True) as session:
        busy.add_calendar(
            session, workspace_id=ws, owner_email="a@example.org", ics=b"hello", field="file"
        )
    assert shape.value.field == "file"


def test_a_window_running_short_is_read_again(factory: sessionmaker[Session]) -> None:
    ws = workspace(factory)
    weekly = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        b"UID:w@example.com\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T090000Z\r\n"
        b"DTEND:20260105T100000Z\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    calendar_id = store(factory, ws, weekly)
    busy.read_calendars(factory, clock=lambda: NOW)
    soon = NOW + busy.READ_AHEAD - busy.REFRESH_WHEN_LEFT - timedelta(days=1)
    assert busy.read_calendars(factory, clock=lambda: soon) == 0  # still enough ahead
    later = soon + timedelta(days=2)
    assert busy.read_calendars(factory, clock=lambda: later) == 1
    with factory() as session:
        row = session.get(BusyCalendar, calendar_id)
        assert row is not None and row.state == "ready"
        assert row.window_end == later + busy.READ_AHEAD
        far = later + timedelta(days=300)
        found = calendar_busy(
            session, workspace_id=ws, ids=[calendar_id], start=far, end=far + timedelta(days=7)
        )
        assert len(found) == 1 and found[0][0].weekday() == 0


def test_two_workers_read_each_pending_calendar_once(
    database_url: str, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace(factory)
    ids = [store(factory, ws, BUSY_ICS, "Europe/Berlin") for _ in range(24)]
    seen: Counter[int] = Counter()
    lock = threading.Lock()
    real = busy.expand_calendar

    def counted(claimed: Any, **given: Any) -> Any:
        with lock:
            seen[claimed.id] += 1
        return real(claimed, **given)

    monkeypatch.setattr(busy, "expand_calendar", counted)
    start = threading.Barrier(2)
    totals: dict[str, int] = {}

    def work(name: str) -> None:
        engine = make_engine(database_url)
        try:
            start.wait()
            totals[name] = busy.read_calendars(
                session_factory(engine), clock=lambda: NOW, name=name, limit=100
            )
        finally:
            engine.dispose()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(totals.values()) == len(ids)
    assert seen == Counter(dict.fromkeys(ids, 1))
    with factory() as session:
        states = set(session.scalars(select(BusyCalendar.state)))
        per_calendar = Counter(session.scalars(select(BusyInterval.calendar_id)))
    assert states == {"ready"}
    assert per_calendar == Counter(dict.fromkeys(ids, 5))  # 1 + 4 weekly instances each


def test_a_lapsed_lease_lets_another_worker_read_and_the_late_one_writes_nothing(
    factory: sessionmaker[Session],
) -> None:
    ws = workspace(factory)
    calendar_id = store(factory, ws, BUSY_ICS)
    first = busy.claim_calendar(factory, now=NOW, name="slow")
    assert first is not None and first.id == calendar_id
    assert busy.claim_calendar(factory, now=NOW, name="other") is None  # leased
    after = NOW + busy.LEASE + timedelta(seconds=1)
    assert busy.read_calendars(factory, clock=lambda: after, name="other") == 1
    intervals, window = busy.expand_calendar(first, now=NOW)
    assert not busy._record(factory, first, "slow", NOW, intervals=[], window=window)
    with factory() as session:
        row = session.get(BusyCalendar, calendar_id)
        assert row is not None and row.window_end == after + busy.READ_AHEAD
        assert len(SqlIntervalStore(session).busy([str(calendar_id)], *window)) == len(intervals)


def test_slots_from_stored_intervals_equal_slots_from_parsing(
    factory: sessionmaker[Session],
) -> None:
    ws = workspace(factory)
    sources = [BUSY_ICS] + [
        p.read_bytes() for p in fixture_calendars() if p.name.startswith("calendars__rfc_")
    ]
    ids = [store(factory, ws, data, "Europe/Berlin") for data in sources]
    busy.read_calendars(factory, clock=lambda: NOW, limit=1000)
    with factory() as session:
        ready = [r.id for r in session.scalars(select(BusyCalendar)) if r.state == "ready"]
    assert ids[0] in ready
    hours = [Hours(zone=BERLIN, start=time(9), end=time(17))]
    for offset in range(0, 60, 7):
        start = NOW + timedelta(days=offset)
        end = start + timedelta(days=28)
        with factory() as session:
            stored = calendar_busy(session, workspace_id=ws, ids=ready, start=start, end=end)
        direct: list[expand.Interval] = []
        window = (NOW - busy.READ_BEFORE, NOW + busy.READ_AHEAD)
        for calendar_id, data in zip(ids, sources, strict=True):
            if calendar_id in ready:
                direct += parsed(data, *window, BERLIN)
        options: dict[str, Any] = {
            "hours": hours,
            "duration": timedelta(hours=1),
            "earliest": start,
            "latest": end,
            "grid_zone": BERLIN,
            "count": 10,
            "buffer": timedelta(minutes=10),
        }
        from_store = free_slots(busy=BusyIndex(stored), **options)
        from_parsing = free_slots(busy=BusyIndex(direct), **options)
        assert from_store == from_parsing and from_store


def test_the_worker_loop_reads_pending_calendars(
    factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    from fairnotice.settings import Settings
    from fairnotice.worker import run

    ws = workspace(factory)
    calendar_id = store(factory, ws, BUSY_ICS, "Europe/Berlin")
    settings = Settings(database_url=database_url, data_dir=tmp_path)
    rounds: list[int] = []
    run(
        factory,
        settings,
        once=True,
        stop=threading.Event(),
        clock=lambda: NOW,
        report=lambda done: rounds.append(done.calendars),
    )
    assert rounds == [1]
    with factory() as session:
        row = session.get(BusyCalendar, calendar_id)
        assert row is not None and row.state == "ready" and row.read_at == NOW


def test_migration_0004_keeps_calendars_stored_before_it(tmp_path: Path) -> None:
    from sqlalchemy import text

    from fairnotice.store.session import upgrade

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0003")
    engine = make_engine(url)
    busy_json = '[{"start": "2026-03-11T09:00:00+01:00", "end": "2026-03-11T17:00:00+01:00"}]'
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO workspaces (id, kind, name, created_at) "
                "VALUES (1, 'organisation', 'M', '2026-03-10 08:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO calendars (id, workspace_id, owner_email, busy, created_at) "
                "VALUES (7, 1, 'j@example.com', :busy, '2026-03-10 08:00:00')"
            ),
            {"busy": busy_json},
        )
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            asked = (datetime(2026, 3, 11, tzinfo=UTC), datetime(2026, 3, 12, tzinfo=UTC))
            found = calendar_busy(session, workspace_id=1, ids=[7], start=asked[0], end=asked[1])
            assert found == [
                (datetime(2026, 3, 11, 8, tzinfo=UTC), datetime(2026, 3, 11, 16, tzinfo=UTC))
            ]
            row = session.get(BusyCalendar, 7)
            assert row is not None and row.state == "ready"
            assert row.window_end == NOW + timedelta(days=92)
            assert row.intervals_version is not None  # 0006: kept copies can be checked
    finally:
        engine.dispose()


def test_a_proposed_time_is_not_called_free_while_the_users_calendar_is_unread(
    factory: sessionmaker[Session],
) -> None:
    from fairnotice.operations.replies.commands import checked

    ws = workspace(factory)
    store(factory, ws, BUSY_ICS, "Europe/Berlin")  # owner j.doe@example.com
    window = (datetime(2026, 3, 11, tzinfo=UTC), datetime(2026, 3, 14, tzinfo=UTC))
    friday = datetime(2026, 3, 13, 9, tzinfo=UTC)
    wednesday = datetime(2026, 3, 11, 9, tzinfo=UTC)
    times = [(friday, "Friday 10:00"), (wednesday, "Wednesday 10:00")]

    def check() -> list[dict[str, Any]]:
        with factory() as session:
            found, unread = busy.owners_busy(
                session,
                workspace_id=ws,
                emails=["J.Doe@example.com"],
                start=window[0],
                end=window[1],
            )
        return checked(times, duration=timedelta(hours=1), busy=found, unread=unread)

    before = check()
    assert [p["free"] for p in before] == [False, False]
    assert all("being read" in p["unchecked"][0] for p in before)
    busy.read_calendars(factory, clock=lambda: NOW)
    after = check()
    assert [p["free"] for p in after] == [True, False]
    assert after[0]["unchecked"] == [] and after[1]["clashes"] == [
        {"start": "2026-03-11T08:00:00+00:00", "end": "2026-03-11T16:00:00+00:00"}
    ]
