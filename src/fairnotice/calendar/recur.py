"""Recurrence rules near a window: the everyday ones without dateutil, and the guards
that keep any rule from running away (fast-forwarding, impossible days).

Most real series are `FREQ=DAILY` or `FREQ=WEEKLY` with an INTERVAL, plain BYDAY weekdays,
COUNT or UNTIL. For these the instances are plain date arithmetic, several times faster
than dateutil's general machinery, which matters when a year of ten calendars is imported
(bench/calendar_import.py). Anything else returns None and goes to dateutil. The results
are the same as dateutil's (tests/calendar/test_recur.py checks it on random rules).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from fairnotice.calendar.budget import FILTER_SCAN, Budget, unlimited

_SIMPLE_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"})
WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
CHUNK = 256  # steps charged to the budget at once
DAYS_PER_UNIT = 3  # days a rule's filters are tried on, per unit of the budget
_PERIOD = {
    "SECONDLY": timedelta(seconds=1),
    "MINUTELY": timedelta(minutes=1),
    "HOURLY": timedelta(hours=1),
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(weeks=1),
}


def _weekdays(parts: dict[str, list[Any]]) -> list[int] | None:
    """BYDAY as weekday numbers, or None when an entry has an ordinal (1MO, -1FR)."""
    out = []
    for item in parts.get("BYDAY", []):
        code = str(item).upper()
        if code not in WEEKDAYS:
            return None
        out.append(WEEKDAYS[code])
    return sorted(set(out))


def _candidates(
    parts: dict[str, list[Any]], start: datetime, lo: datetime, days: list[int], counted: bool
) -> Iterator[datetime]:
    """Instances from `start` on (those before it are not instances), in time order."""
    freq = str(parts["FREQ"][0]).upper()
    interval = max(int(parts.get("INTERVAL", [1])[0] or 1), 1)
    clock = start.time()
    if freq == "DAILY":
        reachable = {(start.weekday() + k * interval) % 7 for k in range(7)}
        if days and not reachable & set(days):
            return  # e.g. every 7th day from a Monday, on Tuesdays: never
        step = timedelta(days=interval)
        day = start
        if not counted and lo > start:
            day += ((lo - start) // step) * step
        while True:
            if not days or day.weekday() in days:
                yield day
            day += step
    wkst = WEEKDAYS.get(str(parts.get("WKST", ["MO"])[0]).upper(), 0)
    order = sorted(days or [start.weekday()], key=lambda d: (d - wkst) % 7)
    week = datetime.combine(start.date() - timedelta(days=(start.weekday() - wkst) % 7), clock)
    step = timedelta(weeks=interval)
    if not counted and lo > week:
        week += ((lo - week) // step) * step
    while True:
        for weekday in order:
            moment = week + timedelta(days=(weekday - wkst) % 7)
            if moment >= start:
                yield moment
        week += step


def simple_walls(
    parts: dict[str, list[Any]],
    start: datetime,
    *,
    count: int | None,
    lo: datetime,
    limit: datetime,
    cap: int,
    budget: int,
    spend: Budget | None = None,
) -> tuple[list[datetime], datetime | None] | None:
    """Wall-clock instances in [lo, limit] of a simple DAILY/WEEKLY rule, and the moment
    from which the rest is counted busy (more than `cap` instances in the window, or more
    than `budget` before it), or None when the rule is not simple. Every step is charged
    to `spend` (in chunks of `CHUNK`) as it is taken."""
    if not set(parts) <= _SIMPLE_PARTS:
        return None
    if str(parts.get("FREQ", [""])[0]).upper() not in ("DAILY", "WEEKLY"):
        return None
    days = _weekdays(parts)
    if days is None:
        return None
    spend = spend or unlimited()
    walls: list[datetime] = []
    before = steps = 0
    try:
        for index, moment in enumerate(_candidates(parts, start, lo, days, count is not None)):
            steps += 1
            if steps == CHUNK:
                steps = 0
                spend.spend(CHUNK)
            if moment > limit or (count is not None and index >= count):
                break
            if moment < lo:
                before += 1
                if before > budget:
                    return walls, lo
                continue
            if len(walls) >= cap:
                return walls, moment
            walls.append(moment)
        return walls, None
    finally:
        spend.spend(steps)


def fast_forward(
    parts: dict[str, list[Any]], start: datetime, lo: datetime, count: int | None
) -> tuple[datetime, int | None] | None:
    """Move DTSTART of a fixed-period rule to just before the window, keeping its phase.

    With COUNT this is exact only when each period yields one instance (no BYxxx part);
    otherwise the rule starts where it is and the instance cap bounds the work.
    """
    freq = str(parts.get("FREQ", [""])[0]).upper()
    interval = int(parts.get("INTERVAL", [1])[0] or 1)
    if freq not in _PERIOD or start >= lo:
        return start, count
    has_by = any(key.startswith("BY") for key in parts)
    if count is not None and has_by:
        return start, count
    period = _PERIOD[freq] * max(interval, 1)
    skipped = (lo - start) // period
    if count is not None:
        if skipped >= count:
            return None
        count -= skipped
    return start + skipped * period, count


def filter_cost(parts: dict[str, list[Any]], start: datetime, limit: datetime) -> int:
    """Budget units for what dateutil does between instances of a rule with BYxxx parts:
    it tries every period of a sub-daily rule (FREQ=SECONDLY;BYHOUR=23 steps through each
    second of the day) and every day of the others, `FILTER_SCAN` a unit; nothing for a
    rule without filters (each of its steps is an instance, charged as it comes)."""
    if not any(key.startswith("BY") for key in parts) or limit <= start:
        return 0
    freq = str(parts.get("FREQ", [""])[0]).upper()
    grain = _PERIOD[freq] if freq in ("SECONDLY", "MINUTELY", "HOURLY") else timedelta(days=1)
    return (limit - start) // grain // FILTER_SCAN + 1


def days_possible(
    parts: dict[str, list[Any]], lo: datetime, hi: datetime, spend: Budget | None = None
) -> bool:
    """False when no day in [lo, hi] passes the rule's day filters (then it yields nothing).

    dateutil only checks its end after yielding, so a rule whose days never come
    (BYMONTH=2;BYMONTHDAY=30) would otherwise run on to the year 9999. The days tried are
    charged to `spend` (`DAYS_PER_UNIT` a unit).
    """
    if hi < lo:
        return False
    months = {int(m) for m in parts.get("BYMONTH", [])}
    monthdays = {int(d) for d in parts.get("BYMONTHDAY", [])}
    yeardays = {int(d) for d in parts.get("BYYEARDAY", [])}
    weekdays = {WEEKDAYS.get(str(d).upper()[-2:], -1) for d in parts.get("BYDAY", [])}
    if not (months or monthdays or yeardays or weekdays):
        return True
    spend = spend or unlimited()
    day = lo.date()
    for tried in range(min((hi.date() - day).days, 3660) + 1):
        if _day_matches(day, months, monthdays, yeardays, weekdays):
            spend.spend(tried // DAYS_PER_UNIT + 1)
            return True
        day += timedelta(days=1)
    spend.spend(min((hi.date() - lo.date()).days, 3660) // DAYS_PER_UNIT + 1)
    return (hi.date() - lo.date()).days > 3660


def _day_matches(
    day: date, months: set[int], monthdays: set[int], yeardays: set[int], weekdays: set[int]
) -> bool:
    if months and day.month not in months:
        return False
    if monthdays:
        last = ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
        if day.day not in monthdays and day.day - last - 1 not in monthdays:
            return False
    if yeardays:
        ordinal = day.timetuple().tm_yday
        length = 366 if date(day.year, 12, 31).timetuple().tm_yday == 366 else 365
        if ordinal not in yeardays and ordinal - length - 1 not in yeardays:
            return False
    return not weekdays or day.weekday() in weekdays
