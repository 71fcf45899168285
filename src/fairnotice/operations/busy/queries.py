"""Slot search's read of stored calendars: their state and the busy intervals overlapping the
window asked, on a pooled connection, without an ORM session.

`busy.calendar_busy` answers the same question through a session (two queries, the
calendar rows loaded whole, iCalendar text included); `POST /api/v1/slots` is a hot path
where that costs several times the search itself. The rules stay those of busy.py: an
unknown id is bad input (field `calendars`), a calendar not read for the window is
`CalendarNotReady` (`why_unread`), never free time.

A calendar's intervals are kept per process (`Copies`), with the calendar's
`intervals_version`, which changes whenever they are rewritten: each read asks the
database for the calendars' state and version (one small statement), and reads the
intervals again, with the state, in one statement, only for a calendar whose version is
not the one kept. So nothing stale is ever used, and the everyday search skips reading
and parsing dozens of rows.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
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
from fairnotice.calendar.slots import BusyIndex
from fairnotice.errors import BadInput
from fairnotice.operations.busy.stored import CalendarNotReady, why_unread
from fairnotice.store.raw import Prepared
from fairnotice.store.tables import BusyCalendar, BusyInterval


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
    version: int | None
    remote_kind: str | None = None
    refreshed_at: datetime | None = None


class _RawRows(Prepared):
    """The statement's rows as the driver gives them: every column is converted here."""

    def __call__(self, values: Mapping[str, Any]) -> list[Any]:
        return self.rows(values)


def _calendars(ids: list[Any]) -> Any:
    """A row per calendar of the workspace among `ids` (kind 0)."""
    return select(
        literal_column("0").label("kind"),
        BusyCalendar.id,
        BusyCalendar.owner_email,
        BusyCalendar.state,
        BusyCalendar.error,
        _raw(BusyCalendar.window_start).label("low"),
        _raw(BusyCalendar.window_end).label("high"),
        BusyCalendar.intervals_version,
        BusyCalendar.remote_kind,
        _raw(BusyCalendar.refreshed_at).label("refreshed"),
    ).where(BusyCalendar.workspace_id == bindparam("workspace_id"), BusyCalendar.id.in_(ids))


def _state_statement(count: int) -> Any:
    """The calendars' rows alone, for `count` ids (one bind parameter each)."""
    return _calendars([bindparam(f"id{i}") for i in range(count)])


def _statement(count: int) -> Any:
    """The calendars' rows (kind 0), then every interval of theirs (kind 1), sorted by
    start: one statement, so one snapshot on every database, and the version read with
    the intervals is theirs. The intervals are read by calendar id alone; that every id
    is one of the workspace's calendars is checked on the calendar rows (any other id is
    refused), so no interval of another workspace is used."""
    ids: list[Any] = [bindparam(f"id{i}") for i in range(count)]
    intervals = select(
        literal_column("1"),
        BusyInterval.calendar_id,
        null(),
        null(),
        null(),
        _raw(BusyInterval.start),
        _raw(BusyInterval.end),
        null(),
        null(),
        null(),
    ).where(BusyInterval.calendar_id.in_(ids))
    return union_all(_calendars(ids), intervals)


@dataclass(frozen=True, slots=True)
class Kept:
    """A calendar's intervals in start order, as parallel lists (only ever read)."""

    version: int | None
    starts: list[datetime]
    ends: list[datetime]
    disjoint: bool  # each ends before the next starts (merged): a window is two bisections

    def window(self, start: datetime, end: datetime) -> tuple[list[datetime], list[datetime]]:
        """Starts and ends of the intervals overlapping [start, end) (merged ones only)."""
        low, high = bisect_right(self.ends, start), bisect_left(self.starts, end)
        return self.starts[low:high], self.ends[low:high]

    def overlapping(self, start: datetime, end: datetime) -> list[Interval]:
        """The intervals overlapping [start, end), in start order."""
        if self.disjoint:
            return list(zip(*self.window(start, end), strict=True))
        pairs = zip(self.starts, self.ends, strict=True)
        return [(s, e) for s, e in pairs if e > start and s < end]


class Copies:
    """Calendars' intervals kept in one process, the least recently used dropped first
    once more than `limit` intervals are kept (about 120 bytes each)."""

    def __init__(self, limit: int = 250_000) -> None:
        self.limit = limit
        self.size = 0
        self.kept: OrderedDict[int, Kept] = OrderedDict()
        self.lock = threading.Lock()  # PostgreSQL reads run on the thread pool

    def get(self, calendar_id: int, version: int | None) -> Kept | None:
        with self.lock:
            found = self.kept.get(calendar_id)
            if found is None or version is None or found.version != version:
                return None
            self.kept.move_to_end(calendar_id)
            return found

    def put(self, calendar_id: int, kept: Kept) -> None:
        if kept.version is None or len(kept.starts) > self.limit:
            return
        with self.lock:
            old = self.kept.pop(calendar_id, None)
            if old is not None:
                self.size -= len(old.starts)
            self.kept[calendar_id] = kept
            self.size += len(kept.starts)
            while self.size > self.limit:
                _, dropped = self.kept.popitem(last=False)
                self.size -= len(dropped.starts)


class _PerEngine:
    def __init__(self) -> None:
        self.copies = Copies()
        self.states: dict[int, _RawRows] = {}
        self.reads: dict[int, _RawRows] = {}


_ENGINES: weakref.WeakKeyDictionary[Engine, _PerEngine] = weakref.WeakKeyDictionary()


def _per_engine(engine: Engine) -> _PerEngine:
    found = _ENGINES.get(engine)
    if found is None:
        found = _ENGINES[engine] = _PerEngine()
    return found


def copies(engine: Engine) -> Copies:
    """The intervals this process keeps for `engine`'s calendars."""
    return _per_engine(engine).copies


def _state(row: Any) -> _CalendarState:
    return _CalendarState(
        id=row[1],
        owner_email=row[2],
        state=row[3],
        error=row[4],
        window_start=_utc(row[5]),
        window_end=_utc(row[6]),
        version=row[7],
        remote_kind=row[8],
        refreshed_at=_utc(row[9]),
    )


def _checked(
    rows: list[Any], wanted: list[int], start: datetime, end: datetime, now: datetime | None
) -> dict[int, _CalendarState]:
    """The calendar rows by id; bad input for an id that is not the workspace's, not
    ready for any calendar not read for [start, end)."""
    calendars = {row[1]: _state(row) for row in rows if not row[0]}
    missing = set(wanted) - set(calendars)
    if missing:
        raise BadInput([("calendars", f"no such calendar: {sorted(missing)}")])
    problems = [
        why
        for _, c in sorted(calendars.items())
        if (why := why_unread(cast(BusyCalendar, c), start, end, now=now))
    ]
    if problems:
        raise CalendarNotReady("; ".join(problems))
    return calendars


def _values(workspace_id: int, ids: list[int]) -> dict[str, Any]:
    values: dict[str, Any] = {"workspace_id": workspace_id}
    values.update((f"id{i}", calendar_id) for i, calendar_id in enumerate(ids))
    return values


def _read(
    engine: Engine,
    workspace_id: int,
    ids: list[int],
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> dict[int, Kept]:
    """The calendars' intervals read now, with their state in the same snapshot (a
    calendar rewritten or refused since the first look is answered as it is now)."""
    per_engine = _per_engine(engine)
    prepared = per_engine.reads.get(len(ids))
    if prepared is None:
        prepared = per_engine.reads[len(ids)] = _RawRows(engine, _statement(len(ids)))
    rows = prepared(_values(workspace_id, ids))
    calendars = _checked(rows, ids, start, end, now)
    starts: dict[int, list[datetime]] = {i: [] for i in ids}
    ends: dict[int, list[datetime]] = {i: [] for i in ids}
    parse = _FROM_ISO
    for row in rows:
        if row[0]:
            low, high = row[5], row[6]
            if type(low) is str and type(high) is str and len(low) == len(high) == 26:
                low, high = parse(low + "+00:00"), parse(high + "+00:00")  # `_utc`, inline
            else:
                low, high = _utc(low), _utc(high)
            starts[row[1]].append(low)
            ends[row[1]].append(high)
    found: dict[int, Kept] = {}
    for calendar_id in ids:
        pairs = sorted(zip(starts[calendar_id], ends[calendar_id], strict=True))
        kept = Kept(
            version=calendars[calendar_id].version,
            starts=[s for s, _ in pairs],
            ends=[e for _, e in pairs],
            disjoint=all(s < e for s, e in pairs)
            and all(pairs[i][1] < pairs[i + 1][0] for i in range(len(pairs) - 1)),
        )
        per_engine.copies.put(calendar_id, kept)
        found[calendar_id] = kept
    return found


def _kept(
    engine: Engine,
    workspace_id: int,
    wanted: list[int],
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> dict[int, Kept]:
    """The calendars' intervals, as kept if their version is unchanged, else read now."""
    per_engine = _per_engine(engine)
    prepared = per_engine.states.get(len(wanted))
    if prepared is None:
        prepared = per_engine.states[len(wanted)] = _RawRows(engine, _state_statement(len(wanted)))
    calendars = _checked(prepared(_values(workspace_id, wanted)), wanted, start, end, now)
    found = {i: per_engine.copies.get(i, calendars[i].version) for i in wanted}
    stale = [i for i, k in found.items() if k is None]
    kept = cast(dict[int, Kept], found)
    if stale:
        kept.update(_read(engine, workspace_id, stale, start, end, now))
    return kept


def stored_busy(
    engine: Engine,
    *,
    workspace_id: int,
    ids: Iterable[int],
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> list[Interval]:
    """Busy intervals of the workspace's calendars `ids` overlapping [start, end), sorted."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    kept = _kept(engine, workspace_id, wanted, start, end, now)
    intervals = [pair for i in wanted for pair in kept[i].overlapping(start, end)]
    if len(wanted) > 1:
        intervals.sort()
    return intervals


def stored_index(
    engine: Engine,
    *,
    workspace_id: int,
    ids: Iterable[int],
    start: datetime,
    end: datetime,
    also: Sequence[Interval] = (),
    now: datetime | None = None,
) -> BusyIndex:
    """The slot search's index of the same intervals as `stored_busy` and `also`: for one
    merged calendar alone, its kept lists cut to the window, without a pass over them."""
    wanted = sorted(set(ids))
    kept = _kept(engine, workspace_id, wanted, start, end, now) if wanted else {}
    if len(kept) == 1 and not also:
        (one,) = kept.values()
        if one.disjoint:
            return BusyIndex.of_merged(*one.window(start, end))
    return BusyIndex([*also, *(pair for i in wanted for pair in kept[i].overlapping(start, end))])
