"""Stored calendars: read once in the background, their busy intervals kept in the database.

An upload only stores the iCalendar text (state `pending`); a worker claims the row
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite, and a lease, so a
killed worker's row comes back), parses and expands it for a window from 30 days back
to 12 months ahead, and writes the merged intervals to `busy_intervals` (state `ready`,
or `failed` with the reason). The same worker reads a calendar again when fewer than
nine months of its window remain. Slot search reads only `busy_intervals`, and refuses
(`CalendarNotReady`, HTTP 409) a calendar that is not read for the time asked: an unread
calendar is never taken as free time (K1).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from fairnotice.calendar import expand, parse
from fairnotice.calendar.budget import ACCOUNT_WORK, Budget
from fairnotice.calendar.expand import Interval, OwnEvent, merge
from fairnotice.errors import N_, BadInput, Conflict, Phrase, joined
from fairnotice.model import zone
from fairnotice.operations.busy.sources import why_not_answering
from fairnotice.operations.outbox.loop import worker_name
from fairnotice.store.session import transaction
from fairnotice.store.tables import BusyCalendar, BusyInterval

READ_BEFORE = timedelta(days=30)
READ_AHEAD = timedelta(days=365)
REFRESH_WHEN_LEFT = timedelta(days=270)  # read again when less than this lies ahead
LEASE = timedelta(minutes=5)
PLANNING_WINDOW = timedelta(days=42)  # the planner's 28-day horizon plus lead time
MAX_SOURCE = parse.DEFAULT_MAX_BYTES
# A calendar given as busy periods only is complete: it covers all time slot search allows.
ALL_TIME: Interval = (datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))


class CalendarNotReady(Conflict):
    """A stored calendar is not read (yet) for the time asked; its busy time is unknown."""


class SqlIntervalStore:
    """`IntervalStore` over `busy_intervals`; a key is a stored calendar's id as text."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def replace(self, key: str, intervals: Iterable[Interval], *, window: Interval) -> None:
        calendar_id = int(key)
        merged = merge((s.astimezone(UTC), e.astimezone(UTC)) for s, e in intervals)
        self.session.execute(delete(BusyInterval).where(BusyInterval.calendar_id == calendar_id))
        if merged:
            self.session.execute(
                insert(BusyInterval),
                [{"calendar_id": calendar_id, "start": s, "end": e} for s, e in merged],
            )
        self.session.execute(
            update(BusyCalendar)
            .where(BusyCalendar.id == calendar_id)
            .values(
                window_start=window[0],
                window_end=window[1],
                intervals_version=secrets.randbits(62),  # busy_read.py's copies go stale
            )
        )

    def window(self, key: str) -> Interval | None:
        found = self.session.execute(
            select(BusyCalendar.window_start, BusyCalendar.window_end).where(
                BusyCalendar.id == int(key)
            )
        ).first()
        if found is None or found[0] is None or found[1] is None:
            return None
        return (found[0], found[1])

    def busy(self, keys: Sequence[str], start: datetime, end: datetime) -> list[Interval]:
        if not keys:
            return []
        rows = self.session.execute(
            select(BusyInterval.start, BusyInterval.end)
            .where(
                BusyInterval.calendar_id.in_([int(k) for k in keys]),
                BusyInterval.end > start,
                BusyInterval.start < end,
            )
            .order_by(BusyInterval.start, BusyInterval.end)
        )
        return [(s, e) for s, e in rows]


def _periods(items: Iterable[dict[str, str]]) -> list[Interval]:
    return [(datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"])) for b in items]


def add_calendar(
    session: Session,
    *,
    workspace_id: int,
    owner_email: str,
    ics: bytes | None,
    busy: Sequence[Interval] = (),
    zone_name: str = "UTC",
    field: str = "ics",
) -> BusyCalendar:
    """Store a calendar: busy periods alone are ready at once; iCalendar text waits for a
    worker to read it (state `pending`). Only its size and shape are checked here, and
    that the workspace's calendars have not spent their reading budget already."""
    zone(zone_name)  # an unknown zone is refused now, not by the worker later
    if ics and account_spent(session, workspace_id) >= ACCOUNT_WORK:
        what = N_("this workspace's calendars together cost all the reading allowed; remove one")
        raise BadInput([(field, what)])
    given = [{"start": s.isoformat(), "end": e.isoformat()} for s, e in busy]
    row = BusyCalendar(workspace_id=workspace_id, owner_email=owner_email, busy=given)
    row.timezone = zone_name
    if ics:
        parse.check_size(ics, label=field, max_bytes=MAX_SOURCE)
        text = parse.decode(ics, label=field)
        if "BEGIN:VCALENDAR" not in text.upper():
            raise BadInput([(field, N_("not a calendar file (.ics)"))])
        row.source, row.state = text, "pending"
        session.add(row)
        session.flush()
        return row
    row.state = "ready"
    session.add(row)
    session.flush()
    SqlIntervalStore(session).replace(str(row.id), busy, window=ALL_TIME)
    return row


# --- the background reader ---------------------------------------------------------------


@dataclass(frozen=True)
class _Claimed:
    id: int
    source: str | None
    busy: list[dict[str, str]]
    timezone: str
    workspace_id: int = 0
    others_spent: int = 0  # the last reading costs of the workspace's other calendars

    def budget(self) -> Budget:
        """This calendar's reading budget, inside what its workspace has left."""
        account = Budget(
            f"workspace {self.workspace_id}", work=ACCOUNT_WORK - self.others_spent, instances=2**62
        )
        return account.child(f"calendar {self.id}")


def account_spent(session: Session, workspace_id: int, *, but: int | None = None) -> int:
    """What the last readings of a workspace's calendars cost together (but one)."""
    query = select(func.coalesce(func.sum(BusyCalendar.read_cost), 0)).where(
        BusyCalendar.workspace_id == workspace_id
    )
    if but is not None:
        query = query.where(BusyCalendar.id != but)
    return int(session.scalar(query) or 0)


def _due(now: datetime) -> ColumnElement[bool]:
    free = or_(BusyCalendar.lease_until.is_(None), BusyCalendar.lease_until < now)
    short = and_(
        BusyCalendar.state == "ready",
        BusyCalendar.source.is_not(None),
        BusyCalendar.window_end < now + REFRESH_WHEN_LEFT,
    )
    # a remote source is read by its refresh (refresh.py), which brings its text
    waiting = and_(BusyCalendar.state == "pending", BusyCalendar.remote_kind.is_(None))
    return and_(or_(waiting, short), free)


def claim_calendar(
    sessions: sessionmaker[Session], *, now: datetime, name: str, lease: timedelta = LEASE
) -> _Claimed | None:
    """Take one calendar that needs reading, in its own committed transaction."""
    query = (
        select(BusyCalendar)
        .where(_due(now))
        .order_by(BusyCalendar.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    with transaction(sessions, write=True) as session:
        row = session.scalars(query).first()
        if row is None:
            return None
        row.claimed_by, row.lease_until = name, now + lease
        others = account_spent(session, row.workspace_id, but=row.id)
        return _Claimed(row.id, row.source, list(row.busy), row.timezone, row.workspace_id, others)


def expand_calendar(
    claimed: _Claimed, *, now: datetime, budget: Budget | None = None
) -> tuple[list[Interval], Interval]:
    """Parse and expand one claimed calendar for its window (plus its given periods),
    within `budget` (by default the calendar's own inside its workspace's). Called outside
    any transaction: the claim and the outcome are short writes of their own."""
    window = (now - READ_BEFORE, now + READ_AHEAD)
    found = _periods(claimed.busy)
    if claimed.source is not None:
        budget = budget or claimed.budget()
        label = f"calendar {claimed.id}"
        data = claimed.source.encode("utf-8")
        parsed = parse.calendars(data, label=label, max_bytes=MAX_SOURCE, budget=budget)
        found += expand.busy_intervals(
            parsed,
            start=window[0],
            end=window[1],
            floating=zone(claimed.timezone),
            label=label,
            budget=budget,
        )
    return found, window


def read_calendars(
    sessions: sessionmaker[Session],
    *,
    clock: Callable[[], datetime],
    name: str | None = None,
    limit: int = 20,
    stop: threading.Event | None = None,
) -> int:
    """Read up to `limit` calendars that wait (pending, or their window runs short)."""
    name = name or worker_name()
    count = 0
    while count < limit and not (stop is not None and stop.is_set()):
        claimed = claim_calendar(sessions, now=clock(), name=name)
        if claimed is None:
            break
        now = clock()
        budget = claimed.budget()
        try:
            intervals, window = expand_calendar(claimed, now=now, budget=budget)
        except BadInput as exc:
            _record(sessions, claimed, name, now, error=str(exc))
        except Exception as exc:  # a bug in one calendar never stops the worker
            _record(sessions, claimed, name, now, error=f"could not be read ({type(exc).__name__})")
        else:
            _record(
                sessions, claimed, name, now, intervals=intervals, window=window, cost=budget.spent
            )
        count += 1
    return count


def _record(
    sessions: sessionmaker[Session],
    claimed: _Claimed,
    name: str,
    now: datetime,
    *,
    error: str | None = None,
    intervals: list[Interval] | None = None,
    window: Interval | None = None,
    cost: int | None = None,
) -> bool:
    """Write the outcome, only while the row is still ours (a lapsed lease lost it). A
    refused calendar keeps no cost: it holds nothing, so its workspace may read others."""
    with transaction(sessions, write=True) as session:
        values: dict[str, object] = {
            "claimed_by": None,
            "lease_until": None,
            "read_at": now,
            "read_cost": cost,
        }
        if error is None:
            values.update(state="ready", error=None)
        else:
            values.update(state="failed", error=error[:2000])
        done = session.execute(
            update(BusyCalendar)
            .where(BusyCalendar.id == claimed.id, BusyCalendar.claimed_by == name)
            .values(**values)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            return False
        if error is None and window is not None:
            SqlIntervalStore(session).replace(str(claimed.id), intervals or [], window=window)
        return True


# --- reading the stored intervals --------------------------------------------------------


def why_unread(
    row: BusyCalendar, start: datetime, end: datetime, *, now: datetime | None = None
) -> str | None:
    """Why `row` cannot answer for [start, end), or None when it can: the one rule of every
    source (sources.why_not_answering); `now` (default: the real clock) ages a remote one."""
    return why_not_answering(row, start, end, now=now or datetime.now(UTC))


def calendar_busy(
    session: Session,
    *,
    workspace_id: int,
    ids: Iterable[int],
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> list[Interval]:
    """Stored busy intervals of the workspace's calendars `ids` overlapping [start, end).

    Unknown ids are bad input (field `calendars`); a calendar not read for that time is
    `CalendarNotReady`, never free time.
    """
    wanted = set(ids)
    rows = list(
        session.scalars(
            select(BusyCalendar).where(
                BusyCalendar.workspace_id == workspace_id, BusyCalendar.id.in_(wanted)
            )
        )
    )
    missing = wanted - {r.id for r in rows}
    if missing:
        raise BadInput([("calendars", Phrase("no such calendar: %(ids)s", ids=sorted(missing)))])
    problems = [why for r in rows if (why := why_unread(r, start, end, now=now))]
    if problems:
        raise CalendarNotReady(joined(problems))
    return SqlIntervalStore(session).busy([str(r.id) for r in rows], start, end)


def owners_busy(
    session: Session,
    *,
    workspace_id: int,
    emails: Iterable[str],
    start: datetime,
    end: datetime,
    own: OwnEvent | None = None,
    now: datetime | None = None,
) -> tuple[list[Interval], list[str]]:
    """Busy intervals of every calendar stored for `emails` in [start, end), and why any
    of them could not be used (the caller decides whether that stops it; a source that
    cannot answer is never free time). `now` ages remote sources (default: real clock).

    With `own`, the interview's own event is left out (K1): the stored intervals are
    merged, so the interview joins the events right before and after it into one period
    that covers it. A calendar with such a period near the interview is read again from
    its stored text for the day around the interview, without the interview's event."""
    wanted = {e.lower() for e in emails}
    if not wanted:
        return [], []
    query = select(BusyCalendar).where(BusyCalendar.workspace_id == workspace_id)
    if all(e.isascii() for e in wanted):  # SQLite's lower() folds ASCII letters only
        query = query.where(func.lower(BusyCalendar.owner_email).in_(sorted(wanted)))
    rows = [r for r in session.scalars(query) if r.owner_email.lower() in wanted]
    whys = {r.id: why_unread(r, start, end, now=now) for r in rows}
    problems = [why for r in rows if (why := whys[r.id])]
    usable = [r for r in rows if whys[r.id] is None]
    store = SqlIntervalStore(session)
    if own is None:
        return store.busy([str(r.id) for r in usable], start, end), problems
    around = (own.start - OWN_MARGIN, own.end + OWN_MARGIN)
    found: list[Interval] = []
    for row in usable:
        stored = store.busy([str(row.id)], start, end)
        span = (own.start, own.end)
        if not any(s < own.end and e > own.start and (s, e) != span for s, e in stored):
            found.extend(stored)  # nothing during the interview but (at most) itself
            continue
        if not _may_hold(row, own):  # the interview is not in it: its periods stand
            found.extend(stored)
            continue
        found.extend(part for s, e in stored for part in _outside(s, e, around))
        found.extend(
            (max(s, start), min(e, end))
            for s, e in _without_own(row, around, own)
            if s < end and e > start
        )
    return found, problems


OWN_MARGIN = timedelta(days=1)  # how much around the interview is read again (K1)


def _outside(first: datetime, last: datetime, around: Interval) -> list[Interval]:
    """The parts of [first, last) outside `around`."""
    parts = [(first, min(last, around[0])), (max(first, around[1]), last)]
    return [(s, e) for s, e in parts if s < e]


def _without_own(row: BusyCalendar, around: Interval, own: OwnEvent) -> list[Interval]:
    """Busy time of a stored calendar in `around`, read from its text and given periods
    without the interview's own event (a given period is the interview's own when it is
    exactly the interview: it carries no UID)."""
    span = (own.start.astimezone(UTC), own.end.astimezone(UTC))
    found = [
        (s, e)
        for s, e in _periods(row.busy)
        if e > around[0] and s < around[1] and (s.astimezone(UTC), e.astimezone(UTC)) != span
    ]
    parsed = _parsed(row)
    if parsed:
        label = f"calendar {row.id}"
        found += expand.busy_intervals(
            parsed,
            start=around[0],
            end=around[1],
            floating=zone(row.timezone),
            label=label,
            skip_uids=own.uids,
            skip_spans=own.spans,
        )
    return merge((max(s, around[0]), min(e, around[1])) for s, e in found)


PLAIN_UID = re.compile(r"[A-Za-z0-9@._+-]+")  # a UID no text escaping could change
UID_LINE = re.compile(r"^UID(?:;[^:\r\n]*)?:(.*?)\r?$", re.MULTILINE | re.IGNORECASE)
FOLDED = re.compile(r"\r?\n[ \t]")  # RFC 5545 3.1: a line break and one space or tab
UIDS_KEPT = 256  # calendars whose UIDs are kept per process (a few kB each)
_uids_kept: OrderedDict[tuple[int, int], frozenset[str]] = OrderedDict()


def _may_hold(row: BusyCalendar, own: OwnEvent) -> bool:
    """Whether the calendar may hold the interview's own event, which must then be left
    out by reading its text again (`_without_own`). It cannot when the interview has a
    plain UID that no event of the calendar has, and no given period is exactly the
    interview: then its stored periods are its busy time as they are. Reading the UIDs
    from the text costs a millisecond; parsing it, 100 ms for a year of meetings (and an
    employer's offers go round more interviewers than `PARSED_KEPT`)."""
    if own.uid is None or not PLAIN_UID.fullmatch(own.uid):
        return True
    span = (own.start.astimezone(UTC), own.end.astimezone(UTC))
    if any((s.astimezone(UTC), e.astimezone(UTC)) == span for s, e in _periods(row.busy)):
        return True
    return own.uid in _uids(row)


def _uids(row: BusyCalendar) -> frozenset[str]:
    """The UIDs in the calendar's text (unfolded), kept per intervals_version like
    `_parsed`."""
    key = (row.id, row.intervals_version) if row.intervals_version is not None else None
    if key is not None:
        with _parsed_lock:
            if key in _uids_kept:
                _uids_kept.move_to_end(key)
                return _uids_kept[key]
    text = FOLDED.sub("", row.source or "")
    found = frozenset(value.strip() for value in UID_LINE.findall(text))
    if key is not None:
        with _parsed_lock:
            _uids_kept[key] = found
            while len(_uids_kept) > UIDS_KEPT:
                _uids_kept.popitem(last=False)
    return found


PARSED_KEPT = 8  # calendars kept parsed per process (about 1 MB each for a year of meetings)
_parsed_kept: OrderedDict[tuple[int, int], list[Calendar]] = OrderedDict()
_parsed_lock = threading.Lock()


def _parsed(row: BusyCalendar) -> list[Calendar]:
    """The calendar's text, parsed; kept per process for the calendar's intervals_version
    (its text changes only with a new version), so the offers of a day parse each
    interviewer's calendar once and otherwise never load the text."""
    key = (row.id, row.intervals_version) if row.intervals_version is not None else None
    if key is not None:
        with _parsed_lock:
            if key in _parsed_kept:
                _parsed_kept.move_to_end(key)
                return _parsed_kept[key]
    source = row.source
    label = f"calendar {row.id}"
    found = (
        []
        if source is None
        else parse.calendars(source.encode("utf-8"), label=label, max_bytes=MAX_SOURCE)
    )
    if key is not None:
        with _parsed_lock:
            _parsed_kept[key] = found
            while len(_parsed_kept) > PARSED_KEPT:
                _parsed_kept.popitem(last=False)
    return found
