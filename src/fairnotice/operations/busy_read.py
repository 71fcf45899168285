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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    Engine,
    String,
    bindparam,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)

from fairnotice.calendar.expand import Interval
from fairnotice.errors import BadInput
from fairnotice.operations.busy import CalendarNotReady, why_unread
from fairnotice.store.raw import Prepared
from fairnotice.store.tables import BusyCalendar, BusyInterval, UTCDateTime


def _raw(column: Any) -> Any:
    """The column as the driver returns it: SQLAlchemy's SQLite DateTime parses each value
    with a regular expression, the bulk of this read's cost; `_utc` does it in C."""
    return type_coerce(column, String)


_FROM_ISO = datetime.fromisoformat


def _utc(value: datetime | str | None) -> datetime | None:
    """What UTCDateTime returns: an aware UTC datetime (SQLite keeps naive UTC text).

    SQLite's text is always "YYYY-MM-DD HH:MM:SS.ffffff" (26 characters): parsed with its
    UTC offset appended, in C (`datetime.replace(tzinfo=...)` costs several times that)."""
    if value is None:
        return None
    if type(value) is str and len(value) == 26:
        return _FROM_ISO(value + "+00:00")
    moment = value if isinstance(value, datetime) else _FROM_ISO(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class _CalendarState:
    """The columns of a BusyCalendar that `why_unread` reads (no ORM instance per read)."""

    id: int
    owner_email: str
    state: str
    error: str | None
    window_start: datetime | None
    window_end: datetime | None


class _RawRows(Prepared):
    """The statement's rows as the driver gives them: every column is converted here."""

    def __call__(self, values: Mapping[str, Any]) -> list[Any]:
        return self.rows(values)


def _statement(count: int) -> Any:
    """The read for `count` calendar ids (one bind parameter each, so it compiles once).

    One statement, so one snapshot on every database: first a row per calendar (kind 0),
    then one per interval overlapping the window (kind 1). The intervals are read by
    calendar id alone; that every id is one of the workspace's calendars is checked on the
    calendar rows (any other id is refused), so no interval of another workspace is used.
    """
    ids: list[Any] = [bindparam(f"id{i}") for i in range(count)]
    calendars = select(
        literal_column("0").label("kind"),
        BusyCalendar.id,
        BusyCalendar.owner_email,
        BusyCalendar.state,
        BusyCalendar.error,
        _raw(BusyCalendar.window_start).label("low"),
        _raw(BusyCalendar.window_end).label("high"),
    ).where(BusyCalendar.workspace_id == bindparam("workspace_id"), BusyCalendar.id.in_(ids))
    intervals = select(
        literal_column("1"),
        BusyInterval.calendar_id,
        null(),
        null(),
        null(),
        _raw(BusyInterval.start),
        _raw(BusyInterval.end),
    ).where(
        BusyInterval.calendar_id.in_(ids),
        BusyInterval.end > bindparam("start", type_=UTCDateTime()),
        BusyInterval.start < bindparam("end", type_=UTCDateTime()),
    )
    return union_all(calendars, intervals)


_PREPARED: weakref.WeakKeyDictionary[Engine, dict[int, _RawRows]] = weakref.WeakKeyDictionary()


def _prepared(engine: Engine, count: int) -> _RawRows:
    per_engine = _PREPARED.setdefault(engine, {})
    found = per_engine.get(count)
    if found is None:
        found = per_engine[count] = _RawRows(engine, _statement(count))
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
    calendars: dict[int, _CalendarState] = {}
    intervals: list[Interval] = []
    append = intervals.append
    utc = _utc
    parse = _FROM_ISO
    for row in rows:
        if row[0]:
            low, high = row[5], row[6]
            if type(low) is str and type(high) is str and len(low) == len(high) == 26:
                append((parse(low + "+00:00"), parse(high + "+00:00")))  # `_utc`, inline
            else:
                append((utc(low), utc(high)))  # type: ignore[arg-type]
        else:
            calendars[row[1]] = _CalendarState(
                id=row[1],
                owner_email=row[2],
                state=row[3],
                error=row[4],
                window_start=utc(row[5]),
                window_end=utc(row[6]),
            )
    missing = set(wanted) - set(calendars)
    if missing:
        raise BadInput([("calendars", f"no such calendar: {sorted(missing)}")])
    problems = [
        why
        for _, c in sorted(calendars.items())
        if (why := why_unread(cast(BusyCalendar, c), start, end))
    ]
    if problems:
        raise CalendarNotReady("; ".join(problems))
    intervals.sort()
    return intervals
