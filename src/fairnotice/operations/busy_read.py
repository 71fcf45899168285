"""Slot search's read of stored calendars: their state and the busy intervals overlapping the
window asked, in one statement on a pooled connection, without an ORM session.

`busy.calendar_busy` answers the same question through a session (two queries, the
calendar rows loaded whole, iCalendar text included); `POST /api/v1/slots` is a hot path
where that costs several times the search itself. The rules stay those of busy.py: an
unknown id is bad input (field `calendars`), a calendar not read for the window is
`CalendarNotReady` (`why_unread`), never free time.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, String, and_, bindparam, select, type_coerce
from sqlalchemy.sql import Select

from fairnotice.calendar.expand import Interval
from fairnotice.errors import BadInput
from fairnotice.operations.busy import CalendarNotReady, why_unread
from fairnotice.store.raw import Prepared
from fairnotice.store.tables import BusyCalendar, BusyInterval, UTCDateTime


def _raw(column: Any) -> Any:
    """The column as the driver returns it: SQLAlchemy's SQLite DateTime parses each value
    with a regular expression, the bulk of this read's cost; `_utc` does it in C."""
    return type_coerce(column, String)


def _utc(value: datetime | str | None) -> datetime | None:
    """What UTCDateTime returns: an aware UTC datetime (SQLite keeps naive UTC text)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _statement(count: int) -> Select[Any]:
    """The read for `count` calendar ids (one bind parameter each, so it compiles once)."""
    return (
        select(
            BusyCalendar.id,
            BusyCalendar.owner_email,
            BusyCalendar.state,
            BusyCalendar.error,
            _raw(BusyCalendar.window_start),
            _raw(BusyCalendar.window_end),
            _raw(BusyInterval.start),
            _raw(BusyInterval.end),
        )
        .outerjoin(
            BusyInterval,
            and_(
                BusyInterval.calendar_id == BusyCalendar.id,
                BusyInterval.end > bindparam("start", type_=UTCDateTime()),
                BusyInterval.start < bindparam("end", type_=UTCDateTime()),
            ),
        )
        .where(
            BusyCalendar.workspace_id == bindparam("workspace_id"),
            BusyCalendar.id.in_([bindparam(f"id{i}") for i in range(count)]),
        )
    )


_PREPARED: weakref.WeakKeyDictionary[Engine, dict[int, Prepared]] = weakref.WeakKeyDictionary()


def _prepared(engine: Engine, count: int) -> Prepared:
    per_engine = _PREPARED.setdefault(engine, {})
    found = per_engine.get(count)
    if found is None:
        found = per_engine[count] = Prepared(engine, _statement(count))
    return found


def stored_busy(
    engine: Engine, *, workspace_id: int, ids: Iterable[int], start: datetime, end: datetime
) -> list[Interval]:
    """Busy intervals of the workspace's calendars `ids` overlapping [start, end), sorted."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    values: dict[str, Any] = {"workspace_id": workspace_id, "start": start, "end": end}
    values.update((f"id{i}", calendar_id) for i, calendar_id in enumerate(wanted))
    rows = _prepared(engine, len(wanted))(values)
    calendars: dict[int, BusyCalendar] = {}
    intervals: list[Interval] = []
    for row in rows:
        if row[0] not in calendars:
            calendars[row[0]] = BusyCalendar(
                id=row[0],
                owner_email=row[1],
                state=row[2],
                error=row[3],
                window_start=_utc(row[4]),
                window_end=_utc(row[5]),
            )
        if row[6] is not None:
            intervals.append((_utc(row[6]), _utc(row[7])))  # type: ignore[arg-type]
    missing = set(wanted) - set(calendars)
    if missing:
        raise BadInput([("calendars", f"no such calendar: {sorted(missing)}")])
    problems = [why for _, c in sorted(calendars.items()) if (why := why_unread(c, start, end))]
    if problems:
        raise CalendarNotReady("; ".join(problems))
    intervals.sort()
    return intervals
