"""The everyday recurrence rules, expanded without dateutil.

Most real series are `FREQ=DAILY` or `FREQ=WEEKLY` with an INTERVAL, plain BYDAY weekdays,
COUNT or UNTIL. For these the instances are plain date arithmetic, several times faster
than dateutil's general machinery, which matters when a year of ten calendars is imported
(bench/calendar_import.py). Anything else returns None and goes to dateutil. The results
are the same as dateutil's (tests/calendar/test_recur.py checks it on random rules).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

_SIMPLE_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"})
WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


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
) -> tuple[list[datetime], datetime | None] | None:
    """Wall-clock instances in [lo, limit] of a simple DAILY/WEEKLY rule, and the moment
    from which the rest is counted busy (more than `cap` instances in the window, or more
    than `budget` before it), or None when the rule is not simple."""
    if not set(parts) <= _SIMPLE_PARTS:
        return None
    if str(parts.get("FREQ", [""])[0]).upper() not in ("DAILY", "WEEKLY"):
        return None
    days = _weekdays(parts)
    if days is None:
        return None
    walls: list[datetime] = []
    before = 0
    for index, moment in enumerate(_candidates(parts, start, lo, days, count is not None)):
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
