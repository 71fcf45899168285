"""Calendar -> sorted busy intervals (UTC) inside a window: what free/busy and K1 read.

Pure. Honours RRULE, RDATE (dates, date-times and periods), EXDATE, overridden instances
(RECURRENCE-ID), all-day and floating times (read in the owner's zone), TRANSP:TRANSPARENT
and STATUS:CANCELLED (free), DURATION, and VFREEBUSY periods. An override with
RANGE=THISANDFUTURE (RFC 5545 3.8.4.4) replaces its own instance and changes every later
one the same way, until the next such override: each later start moves by the override's
shift (on the wall clock, as recurring-ical-events does), lasts the override's duration
and is free or busy as the override is; a later plain override still replaces only its
own instance, and EXDATE and RECURRENCE-ID name instances by their original start.

Recurrences are expanded on the wall clock of the event's zone (as RFC 5545 and
recurring-ical-events do), by date arithmetic for everyday rules and dateutil for the rest
(recur.py), and only near the window: dense rules are fast-forwarded to the window, rules
whose days cannot occur in it are skipped, and a series stops after `MAX_INSTANCES`
occurrences inside the window (or as many before it) with the rest of the window
counted as busy. A hostile `FREQ=SECONDLY;COUNT=1000000000` therefore costs milliseconds
and can never make a busy moment look free.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from dateutil.rrule import rrule, rrulestr
from icalendar import Calendar, Component

from fairnotice.calendar.budget import RULE, Budget
from fairnotice.calendar.parse import guarded, prop, value, where
from fairnotice.calendar.recur import CHUNK, days_possible, fast_forward, filter_cost, simple_walls
from fairnotice.errors import BadInput

Interval = tuple[datetime, datetime]
MAX_INSTANCES = 20_000  # per series and window


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals (touching ones joined)."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


@dataclass(frozen=True)
class OwnEvent:
    """The interview as it stands in its user's own calendars, which is no clash with
    itself (K1): every event with its UID; for an interview without a UID, an event at
    exactly its time. Left out before merging, so that it never joins the events right
    before or after it into one busy period that covers the interview."""

    uid: str | None
    start: datetime
    end: datetime

    @property
    def uids(self) -> tuple[str, ...]:
        return (self.uid,) if self.uid else ()

    @property
    def spans(self) -> tuple[Interval, ...]:
        if self.uid:
            return ()
        return ((self.start.astimezone(UTC), self.end.astimezone(UTC)),)


def busy_intervals(
    calendars: Sequence[Calendar],
    *,
    start: datetime,
    end: datetime,
    floating: tzinfo,
    label: str,
    max_instances: int = MAX_INSTANCES,
    skip_uids: Collection[str] = (),
    skip_spans: Collection[Interval] = (),
    budget: Budget | None = None,
) -> list[Interval]:
    """Busy time of `calendars` that overlaps [start, end), merged, in UTC. Left out before
    merging: events whose UID is in `skip_uids`, and event instances at exactly one of
    `skip_spans` (an interview is no clash with itself, K1; see `OwnEvent`).

    Events, recurrence steps and instances are charged to `budget` (by default one file's,
    named `label`) as they are read: a calendar that costs more is refused (`BadInput`)."""
    budget = budget or Budget(label)
    window = (start.astimezone(UTC), end.astimezone(UTC))
    skipped = {(s.astimezone(UTC), e.astimezone(UTC)) for s, e in skip_spans}
    found: list[Interval] = []
    for cal in calendars:
        by_uid: dict[str, list[Component]] = defaultdict(list)
        for index, event in enumerate(cal.walk("VEVENT")):
            by_uid[str(prop(event, "UID") or f"#{index}")].append(event)
        budget.spend(len(by_uid))
        for uid, events in by_uid.items():
            if uid in skip_uids:
                continue
            series = _series(events, window, floating, label, max_instances, budget)
            if skipped:
                series = (i for i in series if i not in skipped)
            before = len(found)
            found.extend(series)
            budget.add_instances(len(found) - before)
        for fb in cal.walk("VFREEBUSY"):
            before = len(found)
            found.extend(_freebusy(fb, window, label))
            budget.add_instances(len(found) - before + 1)
    return merge(
        (max(s, window[0]), min(e, window[1]))
        for s, e in found
        if s < window[1] and e > window[0] and e > s
    )


def _is_free(event: Component) -> bool:
    transp = str(prop(event, "TRANSP") or "OPAQUE").strip().upper()
    status = str(prop(event, "STATUS") or "").strip().upper()
    return transp == "TRANSPARENT" or status == "CANCELLED"


class _Clock:
    """An event's wall clock: its zone, and naive wall times <-> UTC."""

    def __init__(self, first: date | datetime, floating: tzinfo) -> None:
        self.all_day = not isinstance(first, datetime)
        tz = first.tzinfo if isinstance(first, datetime) else None
        self.floating = tz is None
        self.tz: tzinfo = tz or floating

    def wall(self, moment: date | datetime) -> datetime:
        if not isinstance(moment, datetime):
            return datetime.combine(moment, time(0))
        if moment.tzinfo is None:
            return moment
        return moment.astimezone(self.tz).replace(tzinfo=None)

    def key(self, moment: date | datetime) -> datetime:
        """The wall time an EXDATE or RECURRENCE-ID names. Against a floating DTSTART a
        zoned value is read by its own wall clock, as recurring-ical-events does."""
        if self.floating and isinstance(moment, datetime) and moment.tzinfo is not None:
            return moment.replace(tzinfo=None)
        return self.wall(moment)

    def utc(self, wall: datetime) -> datetime:
        return wall.replace(tzinfo=self.tz, fold=0).astimezone(UTC)


def _moment(event: Component, name: str, label: str) -> date | datetime | None:
    """A DTSTART, DTEND or RECURRENCE-ID: a date or date-time (or absent), nothing else
    (icalendar reads a period or a duration there too)."""
    found = value(event, name, label=label)
    if found is not None and not isinstance(found, date):
        raise BadInput([(where(label, event, name), "is not a date or date-time")])
    return found


def _length(event: Component, first: date | datetime, label: str) -> timedelta:
    end = _moment(event, "DTEND", label)
    if end is not None:
        if isinstance(first, datetime) != isinstance(end, datetime):
            raise BadInput([(where(label, event, "DTEND"), "is not the same type as DTSTART")])
        clock = _Clock(first, UTC)
        if (
            isinstance(first, datetime)
            and isinstance(end, datetime)
            and (first.tzinfo is None) != (end.tzinfo is None)
        ):
            raise BadInput([(where(label, event, "DTEND"), "mixes floating and zoned times")])
        span = (
            (end - first) if isinstance(first, datetime) else (clock.wall(end) - clock.wall(first))
        )
        return max(span, timedelta(0))
    duration = value(event, "DURATION", label=label)
    if isinstance(duration, timedelta):
        return max(duration, timedelta(0))
    return timedelta(days=1) if not isinstance(first, datetime) else timedelta(0)


class _Range:
    """An override with RANGE=THISANDFUTURE, as it changes the instances after its own:
    their start moves by `shift` (wall clock), they last `length` and are free or busy."""

    __slots__ = ("free", "length", "rid", "shift")

    def __init__(self, rid: datetime, shift: timedelta, length: timedelta, free: bool) -> None:
        self.rid, self.shift, self.length, self.free = rid, shift, length, free


def _this_and_future(override: Component) -> bool:
    raw = prop(override, "RECURRENCE-ID")
    params = getattr(raw, "params", None)
    found = params.get("RANGE") if params is not None else None
    return found is not None and str(found).strip().upper() == "THISANDFUTURE"


def _series(
    events: list[Component],
    window: Interval,
    floating: tzinfo,
    label: str,
    cap: int,
    budget: Budget,
) -> Iterator[Interval]:
    """Busy intervals of one UID: the master's instances, replaced by its overrides."""
    masters = [e for e in events if prop(e, "RECURRENCE-ID") is None]
    overrides = [e for e in events if prop(e, "RECURRENCE-ID") is not None]
    moved: set[datetime] = set()
    ranges: list[_Range] = []
    master_start = _moment(masters[0], "DTSTART", label) if masters else None
    master_clock = _Clock(master_start, floating) if master_start is not None else None
    for override in overrides:
        first = _moment(override, "DTSTART", label)
        rid = _moment(override, "RECURRENCE-ID", label)
        if master_clock is not None and rid is not None:
            key = master_clock.key(rid)
            moved.add(key)
            if first is not None and _this_and_future(override):
                shift = master_clock.key(first) - key
                length = _length(override, first, label)
                ranges.append(_Range(key, shift, length, _is_free(override)))
        if first is None or _is_free(override):
            continue
        clock = _Clock(first, floating)
        length = _length(override, first, label)
        begin = clock.utc(clock.wall(first))
        yield begin, clock.utc(clock.wall(first) + length) if clock.all_day else begin + length
    ranges.sort(key=lambda r: r.rid)
    busy_range = any(not r.free for r in ranges)
    for master in masters:
        # Each master (a UID may repeat) walks the overrides again: charged, or a file of
        # thousands of masters and overrides of one UID would cost their product.
        budget.spend(1 + len(moved) + len(ranges))
        if not _is_free(master) or busy_range:
            yield from _instances(master, window, floating, label, cap, moved, budget, ranges)


def _instances(
    event: Component,
    window: Interval,
    floating: tzinfo,
    label: str,
    cap: int,
    moved: set[datetime],
    budget: Budget,
    ranges: Sequence[_Range] = (),
) -> Iterator[Interval]:
    first = _moment(event, "DTSTART", label)
    if first is None:
        return
    clock = _Clock(first, floating)
    length = _length(event, first, label)
    start_wall = clock.wall(first)
    excluded = set(moved)
    for exdate in _date_values(event, "EXDATE", label):
        if isinstance(exdate, tuple):
            exdate = exdate[0]
        excluded.add(clock.key(exdate))
    if clock.all_day:
        excluded |= {datetime.combine(x.date(), time(0)) for x in excluded}

    def emit(wall: datetime, span: timedelta) -> Interval:
        begin = clock.utc(wall)
        # All-day and other day-based spans end on the wall clock (a DST day is 23 h).
        return begin, clock.utc(wall + span) if clock.all_day else begin + span

    place = _placer(ranges, free=_is_free(event))
    reach = window
    if ranges:  # later instances may be moved into the window from outside it
        later = max([r.shift for r in ranges] + [timedelta(0)])
        longer = max([r.length - length for r in ranges] + [timedelta(0)])
        earlier = max([-r.shift for r in ranges] + [timedelta(0)])
        reach = (window[0] - later - longer, window[1] + earlier)

    rules = prop(event, "RRULE")
    starts: set[datetime] = {start_wall}
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        field = where(label, event, "RRULE")
        walls, busy_from = _expand(rule, start_wall, length, clock, reach, field, cap, budget)
        starts.update(walls)
        if busy_from is not None:
            # Too dense to list: the rest of the window counts as busy (never falsely free).
            yield clock.utc(busy_from), reach[1]
    if place is None:
        for wall in sorted(starts):
            if wall not in excluded:
                yield emit(wall, length)
    else:
        for wall in sorted(starts):
            if wall not in excluded and (found := place(wall, length)) is not None:
                yield emit(*found)
    for rdate in _date_values(event, "RDATE", label):
        if isinstance(rdate, tuple):  # a PERIOD: (start, end) or (start, duration)
            begin_wall = clock.wall(rdate[0])
            other = rdate[1]
            span = other if isinstance(other, timedelta) else clock.wall(other) - begin_wall
            if begin_wall in excluded:
                continue
            found = (begin_wall, span) if place is None else place(begin_wall, span)
            if found is not None:  # a period keeps its own length, as in recurring-ical-events
                yield emit(found[0], span)
        elif (wall := clock.wall(rdate)) not in excluded:
            found = (wall, length) if place is None else place(wall, length)
            if found is not None:
                yield emit(*found)


def _placer(
    ranges: Sequence[_Range], *, free: bool
) -> Callable[[datetime, timedelta], tuple[datetime, timedelta] | None] | None:
    """Where an instance with this original start and length lies once the THISANDFUTURE
    overrides before it are applied (None: it is free); None when there are none."""
    if not ranges:
        return None
    rids = [r.rid for r in ranges]

    def place(wall: datetime, span: timedelta) -> tuple[datetime, timedelta] | None:
        index = bisect_left(rids, wall) - 1  # the last override strictly before it
        if index < 0:
            return None if free else (wall, span)
        governing = ranges[index]
        return None if governing.free else (wall + governing.shift, governing.length)

    return place


def _date_values(event: Component, name: str, label: str) -> list[Any]:
    raw = prop(event, name)
    if raw is None:
        return []
    items: list[Any] = raw if isinstance(raw, list) else [raw]
    out = guarded(lambda: where(label, event, name), lambda: [d.dt for i in items for d in i.dts])
    for found in out:
        if not isinstance(found, date | tuple) or (
            isinstance(found, tuple) and not isinstance(found[0], date)
        ):
            what = "holds a value that is not a date, date-time or period"
            raise BadInput([(where(label, event, name), what)])
    return out


def _expand(
    rule: Any,
    start_wall: datetime,
    length: timedelta,
    clock: _Clock,
    window: Interval,
    field: str,
    cap: int,
    spend: Budget,
) -> tuple[list[datetime], datetime | None]:
    """Wall-clock starts of a rule's instances that can touch the window, and the moment
    from which the rest of the window is busy when the rule is too dense to list. Each
    step is charged to `spend` as it is taken; what dateutil does between instances is
    charged before it starts (`recur.filter_cost`)."""
    parts: dict[str, list[Any]] = guarded(field, lambda: dict(rule))
    lo = clock.wall(window[0]) - length - timedelta(days=1)
    hi = clock.wall(window[1]) + timedelta(days=1)
    until = parts.get("UNTIL")
    limit = min(hi, clock.wall(until[0])) if until else hi
    if not days_possible(parts, max(lo, start_wall), limit, spend):
        return [], None
    first = fast_forward(parts, start_wall, lo, parts.get("COUNT", [None])[0])
    if first is None:
        return [], None
    begin, count = first
    budget = cap  # instances before the window worth walking through
    simple = simple_walls(
        parts, begin, count=count, lo=lo, limit=limit, cap=cap, budget=budget, spend=spend
    )
    if simple is not None:
        return simple
    spend.spend(RULE + filter_cost(parts, begin, limit))
    text = ";".join(
        p
        for p in guarded(field, lambda: rule.to_ical().decode()).split(";")
        if not p.upper().startswith("UNTIL=")
    )
    parsed = guarded(field, lambda: rrulestr(text, dtstart=start_wall))
    if not isinstance(parsed, rrule):
        raise BadInput([(field, "is not a single recurrence rule")])
    rules = guarded(field, lambda: parsed.replace(dtstart=begin, count=count))
    walls: list[datetime] = []
    before = steps = 0
    try:
        for wall in rules:
            steps += 1
            if steps == CHUNK:
                steps = 0
                spend.spend(CHUNK)
            if wall > limit:
                break
            if wall < lo:
                before += 1
                if before > budget:
                    return walls, lo
                continue
            if len(walls) >= cap:
                return walls, wall
            walls.append(wall)
    except (ValueError, OverflowError) as exc:
        raise BadInput([(field, f"cannot be expanded: {exc}")]) from None
    finally:
        spend.spend(steps)
    return walls, None


def _freebusy(component: Component, window: Interval, label: str) -> Iterator[Interval]:
    raw = component.get("FREEBUSY")
    for item in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        if str(item.params.get("FBTYPE", "BUSY")).upper() == "FREE":
            continue
        yield from _periods(item, where(label, component, "FREEBUSY"))


def _periods(item: Any, field: str) -> list[Interval]:
    found = guarded(field, lambda: [d.dt for d in getattr(item, "dts", [item])])
    out: list[Interval] = []
    for period in found:
        if isinstance(period, tuple) and isinstance(period[0], datetime):
            begin = period[0] if period[0].tzinfo else period[0].replace(tzinfo=UTC)
            other = period[1]
            finish = (
                begin + other
                if isinstance(other, timedelta)
                else (other if other.tzinfo else other.replace(tzinfo=UTC))
            )
            out.append((begin.astimezone(UTC), finish.astimezone(UTC)))
    return out
