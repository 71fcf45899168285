"""CalDAV by account against two real servers (Radicale, Xandikos), on SQLite and
PostgreSQL: discovery from the bare server address, two of three calendars chosen, busy
time by free-busy-query where listed and by calendar-query otherwise, the worker's
refresh, a wrong password, a private address refused, the password sealed at rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.errors import BadInput
from fairnotice.operations.busy import caldav_accounts, refresh
from fairnotice.operations.busy.stored import owners_busy
from fairnotice.store.session import transaction
from fairnotice.store.tables import (
    Base,
    BusyCalendar,
    CaldavAccount,
    CaldavCalendar,
    User,
    Workspace,
)
from tests.calendar import caldav_servers
from tests.calendar.caldav_servers import Server

dav, radicale = caldav_servers.dav, caldav_servers.radicale  # the servers, as fixtures

NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)
OWNER = "maria.roth@example.com"
SECRET = "s" * 40
WORK = (datetime(2026, 3, 16, 8, tzinfo=UTC), datetime(2026, 3, 16, 9, 30, tzinfo=UTC))
FAMILY = (datetime(2026, 3, 17, 12, tzinfo=UTC), datetime(2026, 3, 17, 13, tzinfo=UTC))
OTHER = (datetime(2026, 3, 18, 10, tzinfo=UTC), datetime(2026, 3, 18, 11, tzinfo=UTC))
WEEK = (datetime(2026, 3, 16, tzinfo=UTC), datetime(2026, 3, 21, tzinfo=UTC))


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H%M%SZ}"


def _workspace(factory: sessionmaker[Session]) -> int:
    with transaction(factory, write=True) as session:
        ws = Workspace(kind="organisation", name="Muster & Partner")
        session.add(ws)
        session.add(User(email="hr@example.com", name="HR", password_hash="x"))
        session.flush()
        return ws.id


def _three_calendars(server: Server) -> dict[str, str]:
    """Work and Family (events), Other (events, not to be chosen), Tasks (to-dos only)."""
    made = {
        "Work": server.calendar("work", "Work", "#3366FF"),
        "Family": server.calendar("family", "Family", "#22AA44FF"),
        "Other": server.calendar("other", "Other"),
        "Tasks": server.calendar("tasks", "Tasks", components="VTODO"),
    }
    server.event(made["Work"], "board", _stamp(WORK[0]), _stamp(WORK[1]), "Board meeting")
    server.event(made["Family"], "school", _stamp(FAMILY[0]), _stamp(FAMILY[1]), "School play")
    server.event(made["Other"], "gym", _stamp(OTHER[0]), _stamp(OTHER[1]), "Gym")
    return made


def _connect(
    factory: sessionmaker[Session],
    ws: int,
    server: Server,
    *,
    address: str | None = None,
    password: str | None = None,
    allow_private: bool = True,
) -> int:
    with transaction(factory, write=True) as session:
        account = caldav_accounts.connect(
            session,
            workspace_id=ws,
            owner_email=OWNER,
            server=address or server.base,
            username=server.username,
            password=server.password if password is None else password,
            allow_private=allow_private,
            secret=SECRET,
        )
        return account.id


def _choose(
    factory: sessionmaker[Session], ws: int, account: int, names: set[str], now: datetime = NOW
) -> None:
    with transaction(factory, write=True) as session:
        ids = {c.id for c in caldav_accounts.calendars_of(session, account) if c.name in names}
        assert len(ids) == len(names)
        caldav_accounts.choose(
            session,
            workspace_id=ws,
            account_id=account,
            chosen=ids,
            zone_name="Europe/Berlin",
            now=now,
            allow_private=True,
            secret=SECRET,
        )


def _busy(
    factory: sessionmaker[Session], ws: int, now: datetime = NOW
) -> tuple[list[tuple[datetime, datetime]], list[str]]:
    with factory() as session:
        found, unread = owners_busy(
            session, workspace_id=ws, emails=[OWNER], start=WEEK[0], end=WEEK[1], now=now
        )
    return sorted(found), unread


def _sources(factory: sessionmaker[Session]) -> list[BusyCalendar]:
    with factory() as session:
        rows = list(session.scalars(select(BusyCalendar).order_by(BusyCalendar.id)))
        for row in rows:
            _ = row.source  # deferred: loaded while the session is open
        return rows


def test_discovery_from_the_bare_server_address_lists_the_event_calendars(
    factory: sessionmaker[Session], dav: Server
) -> None:
    made = _three_calendars(dav)
    ws = _workspace(factory)
    account = _connect(factory, ws, dav)  # http://127.0.0.1:port, no path
    with factory() as session:
        row = session.get(CaldavAccount, account)
        assert row is not None and row.home == dav.home
        found = {
            c.name: (c.href, c.colour, c.freebusy, c.calendar_id)
            for c in caldav_accounts.calendars_of(session, account)
        }
    assert "Tasks" not in found  # to-dos hold no busy time
    assert {k: v[0] for k, v in found.items() if k in made} == {
        k: v for k, v in made.items() if k != "Tasks"
    }
    assert found["Work"][1] == "#3366FF" and found["Family"][1] == "#22AA44"
    assert found["Other"][1] is None
    # both servers list free-busy-query on their calendars (Radicale 3.9, Xandikos 0.4)
    assert all(v[2] for v in found.values()), found
    assert all(v[3] is None for v in found.values())  # nothing counts before a choice
    assert _busy(factory, ws) == ([], [])
    # connecting again updates the same account
    assert _connect(factory, ws, dav) == account


def test_two_chosen_calendars_count_by_free_busy_query_and_the_third_does_not(
    factory: sessionmaker[Session], dav: Server
) -> None:
    _three_calendars(dav)
    ws = _workspace(factory)
    account = _connect(factory, ws, dav)
    _choose(factory, ws, account, {"Work", "Family"})
    assert _busy(factory, ws) == ([WORK, FAMILY], [])
    rows = _sources(factory)
    assert [r.remote_kind for r in rows] == ["caldav", "caldav"]
    assert {r.owner_email for r in rows} == {OWNER}
    assert {r.remote_hint for r in rows} == {"Work (127.0.0.1)", "Family (127.0.0.1)"}
    for row in rows:  # periods only: no event's contents were asked for or kept
        assert "free-busy" in (row.source or "") and "SUMMARY" not in (row.source or "")
    # choosing again: Family stops counting at once, Other starts
    _choose(factory, ws, account, {"Work", "Other"})
    assert _busy(factory, ws) == ([WORK, OTHER], [])
    assert len(_sources(factory)) == 2


def test_a_calendar_without_the_free_busy_report_is_read_by_calendar_query(
    factory: sessionmaker[Session], dav: Server
) -> None:
    made = _three_calendars(dav)
    dav.event(
        made["Work"], "standup", "20260302T083000Z", "20260302T084500Z", "Standup",
        "RRULE:FREQ=DAILY;COUNT=20",
    )  # fmt: skip
    ws = _workspace(factory)
    account = _connect(factory, ws, dav)
    with transaction(factory, write=True) as session:  # as a server that does not list it
        session.execute(
            update(CaldavCalendar)
            .where(CaldavCalendar.account_id == account)
            .values(freebusy=False)
        )
    _choose(factory, ws, account, {"Work", "Family"})
    found, unread = _busy(factory, ws)
    standups = [
        (datetime(2026, 3, d, 8, 30, tzinfo=UTC), datetime(2026, 3, d, 8, 45, tzinfo=UTC))
        for d in range(16, 21)
    ]
    assert unread == []
    assert found == sorted([FAMILY, *standups[1:], (WORK[0], WORK[1])]), found
    texts = " ".join(r.source or "" for r in _sources(factory))
    assert "SUMMARY:Board meeting" in texts and "free-busy" not in texts


def test_the_worker_reads_a_changed_calendar_and_asks_an_unchanged_one_cheaply(
    factory: sessionmaker[Session], dav: Server
) -> None:
    made = _three_calendars(dav)
    ws = _workspace(factory)
    account = _connect(factory, ws, dav)
    _choose(factory, ws, account, {"Work", "Family"})
    later = NOW + timedelta(minutes=31)
    counts = refresh.refresh_due(factory, clock=lambda: later, secret=SECRET, allow_private=True)
    assert (counts.unchanged, counts.changed, counts.failed) == (2, 0, 0), counts.errors
    extra = (datetime(2026, 3, 19, 15, tzinfo=UTC), datetime(2026, 3, 19, 16, tzinfo=UTC))
    dav.event(made["Family"], "dentist", _stamp(extra[0]), _stamp(extra[1]), "Dentist")
    later += timedelta(minutes=31)
    counts = refresh.refresh_due(factory, clock=lambda: later, secret=SECRET, allow_private=True)
    assert (counts.unchanged, counts.changed, counts.failed) == (1, 1, 0), counts.errors
    assert _busy(factory, ws, later) == ([WORK, FAMILY, extra], [])
    # a calendar that cannot answer any more is never free time
    dav.remove(made["Family"])
    later += timedelta(minutes=31)
    counts = refresh.refresh_due(factory, clock=lambda: later, secret=SECRET, allow_private=True)
    assert counts.failed == 1
    found, unread = _busy(factory, ws, later)
    assert found == [WORK] and len(unread) == 1 and "could not be read" in unread[0]


def test_a_wrong_password_names_the_password_field_and_stores_nothing(
    factory: sessionmaker[Session],
    radicale: Server,  # Xandikos has no login of its own
) -> None:
    _three_calendars(radicale)
    ws = _workspace(factory)
    with pytest.raises(BadInput) as refused:
        _connect(factory, ws, radicale, password="not-the-app-password")
    assert refused.value.problems == [
        ("caldav_password", "the CalDAV server refused the login (401)")
    ]
    assert "not-the-app-password" not in str(refused.value)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(CaldavAccount)) == 0


def test_a_private_address_is_refused_in_production_mode(
    factory: sessionmaker[Session], dav: Server
) -> None:
    ws = _workspace(factory)
    for address in (dav.base, dav.base.replace("127.0.0.1", "localhost"), "http://10.1.2.3/"):
        with pytest.raises(BadInput) as refused:
            _connect(factory, ws, dav, address=address, allow_private=False)
        ((name, what),) = refused.value.problems
        assert name == "caldav_server" and what.startswith("not allowed:"), what
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(CaldavAccount)) == 0


def test_the_password_is_sealed_at_rest(factory: sessionmaker[Session], dav: Server) -> None:
    _three_calendars(dav)
    ws = _workspace(factory)
    account = _connect(factory, ws, dav)
    _choose(factory, ws, account, {"Work", "Family"})
    with factory() as session:
        sealed = session.scalar(select(CaldavAccount.password))
        addresses = list(session.scalars(select(BusyCalendar.remote_sealed)))
        everything = "\n".join(
            repr(session.execute(select(table)).all())
            for table in Base.metadata.sorted_tables
            if isinstance(table, Table)
        )
    assert sealed is not None and sealed.startswith("fernet1:")
    assert len(addresses) == 2 and all(a and a.startswith("fernet1:") for a in addresses)
    assert dav.password not in everything and dav.password.split(":")[0] not in everything
