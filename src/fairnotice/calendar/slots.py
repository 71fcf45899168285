"""Free-slot search: every start on a grid where the whole duration is free for everyone.

Pure: busy intervals, working hours and the search window come in as arguments. Busy
intervals are merged once and looked up by bisection, so a search costs O(candidates x
log busy) rather than scanning every interval per candidate.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Hours:
    """One party's working hours, read in that party's own zone."""

    zone: ZoneInfo
    start: time = time(9, 0)
    end: time = time(17, 0)
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays

    def contains(self, start: datetime, end: datetime) -> bool:
        """True when [start, end) lies inside one working day of this party."""
        local_start = start.astimezone(self.zone)
        local_end = end.astimezone(self.zone)
        if local_start.isoweekday() not in self.days:
            return False
        if local_start.time() < self.start:
            return False
        if local_start.utcoffset() != local_end.utcoffset():
            return self._contains_across_transition(start, end)
        if local_end.date() != local_start.date():
            # Ending exactly at midnight counts as the end of the same day.
            return (
                self.end == time.max
                and local_end.time() == time(0)
                and (local_end.date() - local_start.date() == timedelta(days=1))
            )
        return local_end.time() <= self.end

    def _contains_across_transition(self, start: datetime, end: datetime) -> bool:
        """Minute by minute, for the rare slot that spans a DST change: when clocks go
        back, the wall time passes the end of the hours before the slot's end shows it."""
        first = start.astimezone(self.zone).date()
        moment = start.astimezone(UTC)
        while moment < end:
            local = moment.astimezone(self.zone)
            clock = local.time()
            if (
                local.date() != first
                or clock < self.start
                or (self.end != time.max and clock >= self.end)
            ):
                return False
            moment += timedelta(minutes=1)
        return True


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


class BusyIndex:
    """Merged, sorted busy intervals with O(log n) overlap checks."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, intervals: Iterable[Interval]) -> None:
        pairs = [
            (
                s if s.tzinfo is UTC else s.astimezone(UTC),
                e if e.tzinfo is UTC else e.astimezone(UTC),
            )
            for s, e in intervals
        ]
        pairs.sort()  # stored intervals come sorted: then this is one linear pass
        starts: list[datetime] = []
        ends: list[datetime] = []
        for start, end in pairs:
            if end <= start:
                continue
            if ends and start <= ends[-1]:
                if end > ends[-1]:
                    ends[-1] = end
            else:
                starts.append(start)
                ends.append(end)
        self._starts = starts
        self._ends = ends

    @classmethod
    def of_merged(cls, starts: list[datetime], ends: list[datetime]) -> BusyIndex:
        """The index of intervals already in UTC, sorted, each non-empty and ending before
        the next starts (as stored calendars keep them): taken as they are, without a
        pass over them. The lists are only ever read."""
        index = cls.__new__(cls)
        index._starts, index._ends = starts, ends
        return index

    def __len__(self) -> int:
        return len(self._starts)

    def intervals(self) -> list[Interval]:
        return list(zip(self._starts, self._ends, strict=True))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """True when [start, end) shares any moment with a busy interval."""
        # Of the intervals starting before `end`, the last one reaches furthest (merged,
        # sorted, disjoint), so it alone decides.
        i = bisect_left(self._starts, end.astimezone(UTC))
        return i > 0 and self._ends[i - 1] > start.astimezone(UTC)

    def blocking(self, start: datetime, end: datetime) -> datetime | None:
        """The end of the busy interval that [start, end) runs into, or None when free."""
        i = bisect_left(self._starts, end)
        if i > 0 and self._ends[i - 1] > start:
            return self._ends[i - 1]
        return None

    def free_from(self, moment: datetime) -> datetime:
        """The first moment >= `moment` that is not inside a busy interval."""
        utc = moment.astimezone(UTC)
        i = bisect_right(self._starts, utc)
        if i > 0 and self._ends[i - 1] > utc:
            return self._ends[i - 1]
        return utc


def wall_time(day: date, clock: time, tz: ZoneInfo) -> datetime | None:
    """The aware datetime of a local wall time, or None when the zone skips it (DST gap).

    Ambiguous wall times (the repeated hour in autumn) resolve to the first occurrence.
    """
    naive = datetime.combine(day, clock)
    aware = naive.replace(tzinfo=tz, fold=0)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return aware


def _grid(
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    step: timedelta,
    windows: tuple[list[datetime], list[datetime]] | None = None,
) -> Iterator[list[datetime]]:
    """Every instant whose wall time in `tz` is on the grid (multiples of `step` from
    midnight), in time order, a local day's worth at a time: none in a DST gap, both
    occurrences of a repeated hour. With `windows` (sorted UTC openings and closings)
    only the instants inside them.

    Yields lists of UTC datetimes (a list, so that the search can jump over a busy
    stretch by bisection). A day without a clock change (all but a few a year) is plain
    arithmetic from its midnight; only the others go through zone conversions.
    """
    minutes = int(step.total_seconds() // 60)
    seconds = minutes * 60
    per_day = (24 * 60) // minutes + (1 if 1440 % minutes else 0)
    last_yielded: datetime | None = None
    day = first_day
    while day <= last_day:
        base = _uniform_midnight(day, tz)
        if base is not None:
            points = _points(base, seconds, per_day, windows)
        else:
            points = [m for m in _changing_day(day, tz, minutes) if _open(m, windows)]
        if points and last_yielded is not None and points[0] <= last_yielded:
            points = points[bisect_right(points, last_yielded) :]
        if points:
            last_yielded = points[-1]
            yield points
        day += timedelta(days=1)


@lru_cache(maxsize=256)
def _grid_days(
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    step: timedelta,
    keys: tuple[tuple[Hours, date, date], ...],
) -> tuple[list[datetime], ...]:
    """`_grid` of the days, only where every party works (the spans of `keys`): a
    superset of the starts the search accepts (each lies inside a span of every party),
    so the same slots come out. Kept: a pure function, and searches repeat their days and
    hours (the lists are only read)."""
    windows = _day_spans(*keys[0]) if len(keys) == 1 else _common(keys) if keys else None
    return tuple(_grid(first_day, last_day, tz, step, windows))


@lru_cache(maxsize=4096)
def _uniform_midnight(day: date, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of the day's midnight when the day has no clock change, else None."""
    midnight = datetime.combine(day, time(0))
    offset = midnight.replace(tzinfo=tz).utcoffset()
    following = (midnight + timedelta(days=1)).replace(tzinfo=tz).utcoffset()
    if offset is None or offset != following:
        return None
    return (midnight - offset).replace(tzinfo=UTC)


def _points(
    base: datetime, seconds: int, n: int, windows: tuple[list[datetime], list[datetime]] | None
) -> list[datetime]:
    """base + k * step for k < n, only inside the windows (if any), in order."""
    step = timedelta(seconds=seconds)
    if windows is None:
        return [base + k * step for k in range(n)]
    opening, closing = windows
    day_end = base + timedelta(seconds=(n - 1) * seconds)
    found: list[datetime] = []
    i = bisect_right(closing, base)
    while i < len(opening) and opening[i] <= day_end:
        low = max(0, -(-int((opening[i] - base).total_seconds()) // seconds))
        high = min(n - 1, int((closing[i] - base).total_seconds()) // seconds)
        if found:  # windows that meet (or overlap, around a clock change) share points
            low = max(low, (found[-1] - base) // step + 1)
        found += [base + k * step for k in range(low, high + 1)]
        i += 1
    return found


def _open(moment: datetime, windows: tuple[list[datetime], list[datetime]] | None) -> bool:
    return windows is None or _within(moment, moment, *windows)


def _changing_day(day: date, tz: ZoneInfo, minutes: int) -> list[datetime]:
    found: list[datetime] = []
    for offset in range(0, 24 * 60, minutes):
        moment = wall_time(day, time(offset // 60, offset % 60), tz)
        if moment is None:
            continue
        found.append(moment.astimezone(UTC))
        later = moment.replace(fold=1)
        if later.utcoffset() != moment.utcoffset():
            found.append(later.astimezone(UTC))
    return sorted(found)


def _span_key(hours: Hours, first: datetime, last: datetime) -> tuple[Hours, date, date]:
    """The arguments of `_day_spans` that give UTC intervals holding every moment of `hours`
    between `first` and `last` (a superset around clock changes: both folds are tried)."""
    return (
        hours,
        first.astimezone(hours.zone).date() - timedelta(days=1),
        last.astimezone(hours.zone).date() + timedelta(days=1),
    )


@lru_cache(maxsize=1024)
def _day_spans(hours: Hours, day: date, stop: date) -> tuple[list[datetime], list[datetime]]:
    """`hours` on the local days `day` to `stop`, as parallel sorted lists (kept: a pure
    function, and searches repeat their windows; the lists are only read)."""
    starts: list[datetime] = []
    ends: list[datetime] = []
    while day <= stop:
        span = _day_span(hours, day)
        if span is not None:
            starts.append(span[0])
            ends.append(span[1])
        day += timedelta(days=1)
    return starts, ends


@lru_cache(maxsize=8192)
def _day_span(hours: Hours, day: date) -> Interval | None:
    """One day's working hours in UTC, or None on a day off (cached: a pure function)."""
    if day.isoweekday() not in hours.days:
        return None
    opening = datetime.combine(day, hours.start)
    closing = (
        datetime.combine(day + timedelta(days=1), time(0))
        if hours.end == time.max
        else datetime.combine(day, hours.end)
    )
    return (
        min(opening.replace(tzinfo=hours.zone, fold=f).astimezone(UTC) for f in (0, 1)),
        max(closing.replace(tzinfo=hours.zone, fold=f).astimezone(UTC) for f in (0, 1)),
    )


def _merged(opening: list[datetime], closing: list[datetime]) -> list[Interval]:
    """Sorted spans joined where they meet or overlap."""
    out: list[Interval] = []
    for first, last in sorted(zip(opening, closing, strict=True)):
        if out and first <= out[-1][1]:
            if last > out[-1][1]:
                out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


@lru_cache(maxsize=1024)
def _common(keys: tuple[tuple[Hours, date, date], ...]) -> tuple[list[datetime], list[datetime]]:
    """The moments inside some span (`_day_spans(*key)`) of every party, as sorted disjoint
    closed intervals (kept like the spans: a pure function; the lists are only read)."""
    shared = _merged(*_day_spans(*keys[0]))
    for key in keys[1:]:
        other = _merged(*_day_spans(*key))
        both: list[Interval] = []
        i = j = 0
        while i < len(shared) and j < len(other):
            first = max(shared[i][0], other[j][0])
            last = min(shared[i][1], other[j][1])
            if first <= last:
                both.append((first, last))
            if shared[i][1] < other[j][1]:
                i += 1
            else:
                j += 1
        shared = both
    return [a for a, _ in shared], [b for _, b in shared]


def conflicts(
    busy: BusyIndex | Iterable[Interval], start: datetime, end: datetime
) -> list[Interval]:
    """K1: the busy intervals that [start, end) would clash with, earliest first."""
    index = busy if isinstance(busy, BusyIndex) else BusyIndex(busy)
    lo, hi = start.astimezone(UTC), end.astimezone(UTC)
    return [(s, e) for s, e in index.intervals() if s < hi and e > lo]


def free_slots(
    *,
    busy: BusyIndex | Iterable[Interval],
    hours: Sequence[Hours],
    duration: timedelta,
    earliest: datetime,
    latest: datetime,
    grid_zone: ZoneInfo,
    step: timedelta = timedelta(minutes=30),
    count: int = 10,
    buffer: timedelta = timedelta(0),
    one_per_day: bool = False,
) -> list[Interval]:
    """The first `count` free slots of `duration` between `earliest` and `latest`.

    A slot is free when it lies inside every party's working hours and, widened by
    `buffer` on both sides, overlaps no busy interval. With `one_per_day` at most one slot
    is taken per local day of `grid_zone`, which spreads proposals over several days.
    """
    search = each_free_slot(
        busy=busy,
        hours=hours,
        duration=duration,
        earliest=earliest,
        latest=latest,
        grid_zone=grid_zone,
        step=step,
        buffer=buffer,
        one_per_day=one_per_day,
    )
    return list(islice(search, max(count, 1)))


def each_free_slot(
    *,
    busy: BusyIndex | Iterable[Interval],
    hours: Sequence[Hours],
    duration: timedelta,
    earliest: datetime,
    latest: datetime,
    grid_zone: ZoneInfo,
    step: timedelta = timedelta(minutes=30),
    buffer: timedelta = timedelta(0),
    one_per_day: bool = False,
) -> Iterator[Interval]:
    """`free_slots` one at a time, in time order and without a count: a caller that
    needs only the first few days stops there and pays for nothing after them."""
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    if step <= timedelta(0) or step.total_seconds() % 60:
        raise ValueError("step must be a positive whole number of minutes")
    index = busy if isinstance(busy, BusyIndex) else BusyIndex(busy)
    taken_days: set[date] = set()
    earliest_utc, latest_utc = earliest.astimezone(UTC), latest.astimezone(UTC)
    keys = tuple(_span_key(h, earliest_utc, latest_utc) for h in hours)
    spans = [_day_spans(*key) for key in keys]
    first_day = earliest_utc.astimezone(grid_zone).date()
    last_day = latest_utc.astimezone(grid_zone).date()
    free_again = earliest_utc  # no start before this can be free (skips busy stretches)
    only = spans[0] if len(spans) == 1 else None
    # Hours.contains decides only on a day the party's clock changes: on any other day a
    # slot inside the party's day span lies inside its hours.
    changing = [
        (key[0], opening, days)
        for key, (opening, _) in zip(keys, spans, strict=True)
        if (days := _changing_spans(key))
    ]
    for points in _grid_days(first_day, last_day, grid_zone, step, keys):
        i, n = 0, len(points)
        while i < n:
            start = points[i]
            i += 1
            if start < free_again:
                i = bisect_left(points, free_again, i)  # over the busy stretch at once
                continue
            end = start + duration
            if end > latest_utc:
                return
            if only is not None:
                if not _within(start, end, only[0], only[1]):
                    continue
            elif not _within_each(start, end, spans):
                continue
            blocked = index.blocking(start - buffer, end + buffer)
            if blocked is not None:
                free_again = blocked + buffer
                continue
            local = start.astimezone(grid_zone)
            if one_per_day and local.date() in taken_days:
                continue
            if changing and not _inside_hours(start, end, changing):
                continue
            yield local, end.astimezone(grid_zone)
            if one_per_day:
                taken_days.add(local.date())
                # The rest of that day can give nothing: start again at its next midnight
                # (exact on a day without a clock change; else the day check decides).
                following = _uniform_midnight(local.date() + timedelta(days=1), grid_zone)
                if following is not None and following > free_again:
                    free_again = following


# Hours.contains kept per (hours, start, end): a pure function, and searches meet the same
# grid instants again and again (a lookup costs a fifth of the check).
_contains = lru_cache(maxsize=16384)(Hours.contains)


def _within(
    start: datetime, end: datetime, opening: list[datetime], closing: list[datetime]
) -> bool:
    i = bisect_right(opening, start) - 1
    return i >= 0 and end <= closing[i]


def _within_each(
    start: datetime, end: datetime, spans: list[tuple[list[datetime], list[datetime]]]
) -> bool:
    for opening, closing in spans:
        i = bisect_right(opening, start) - 1
        if i < 0 or end > closing[i]:
            return False
    return True


@lru_cache(maxsize=1024)
def _changing_spans(key: tuple[Hours, date, date]) -> frozenset[datetime]:
    """The openings of `key`'s day spans (`_span_key`) on days when the zone's UTC offset
    changes: only there can a slot within a span fall outside the hours (a pure function,
    kept like the spans)."""
    hours, day, stop = key
    found: set[datetime] = set()
    while day <= stop:
        if _uniform_midnight(day, hours.zone) is None:
            span = _day_span(hours, day)
            if span is not None:
                found.add(span[0])
        day += timedelta(days=1)
    return frozenset(found)


def _inside_hours(
    start: datetime,
    end: datetime,
    changing: list[tuple[Hours, list[datetime], frozenset[datetime]]],
) -> bool:
    """Hours.contains for each party whose span holding `start` is on a changing day."""
    for hours, opening, days in changing:
        if opening[bisect_right(opening, start) - 1] in days and not _contains(hours, start, end):
            return False
    return True
