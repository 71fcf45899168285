"""The dateutil-free path for everyday rules gives exactly dateutil's instances."""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import vRecur

from fairnotice.calendar.recur import WEEKDAYS, simple_walls


@st.composite
def rules(draw: st.DrawFn) -> str:
    parts = [f"FREQ={draw(st.sampled_from(['DAILY', 'WEEKLY']))}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 9))}")
    days = draw(st.lists(st.sampled_from(list(WEEKDAYS)), max_size=4, unique=True))
    if days:
        parts.append("BYDAY=" + ",".join(days))
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(list(WEEKDAYS)))}")
    end = draw(st.sampled_from(["count", "until", "none"]))
    if end == "count":
        parts.append(f"COUNT={draw(st.integers(1, 60))}")
    elif end == "until":
        parts.append(
            f"UNTIL={draw(st.datetimes(datetime(2026, 1, 1), datetime(2027, 6, 1))):%Y%m%dT%H%M%S}"
        )
    return ";".join(parts)


@settings(max_examples=400, deadline=None)
@given(
    rule=rules(),
    start=st.datetimes(datetime(2025, 6, 1), datetime(2026, 6, 1)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
    offset=st.integers(-30, 400),
    span=st.integers(1, 120),
)
def test_simple_rules_match_dateutil(rule: str, start: datetime, offset: int, span: int) -> None:
    parts = dict(vRecur.from_ical(rule))
    lo = start + timedelta(days=offset)
    limit = lo + timedelta(days=span)
    count = parts.get("COUNT", [None])[0]
    until = parts.get("UNTIL")
    if until:
        limit = min(limit, until[0])
    found = simple_walls(parts, start, count=count, lo=lo, limit=limit, cap=10**6, budget=10**6)
    assert found is not None
    expected = (
        [d for d in rrulestr(rule, dtstart=start) if lo <= d <= limit]
        if until
        else [d for d in _bounded(rrulestr(rule, dtstart=start), limit) if d >= lo]
    )
    assert found == (expected, None)


def _bounded(rules: object, limit: datetime) -> list[datetime]:
    out = []
    for moment in rules:  # type: ignore[attr-defined]
        if moment > limit:
            break
        out.append(moment)
    return out


def test_rules_beyond_the_simple_ones_go_to_dateutil() -> None:
    for rule in ["FREQ=MONTHLY", "FREQ=WEEKLY;BYDAY=1MO", "FREQ=DAILY;BYMONTH=2", "FREQ=HOURLY"]:
        parts = dict(vRecur.from_ical(rule))
        start = datetime(2026, 1, 1, 9)
        assert (
            simple_walls(parts, start, count=None, lo=start, limit=start, cap=1, budget=1) is None
        )


def test_cap_and_budget_mark_the_rest_busy() -> None:
    parts = dict(vRecur.from_ical("FREQ=DAILY"))
    start = datetime(2026, 1, 1, 9)
    walls, rest = simple_walls(
        parts, start, count=None, lo=start, limit=start + timedelta(days=30), cap=5, budget=5
    ) or ([], None)
    assert len(walls) == 5 and rest == start + timedelta(days=5)
    parts = dict(vRecur.from_ical("FREQ=DAILY;COUNT=100000"))
    lo = start + timedelta(days=50)
    walls, rest = simple_walls(
        parts, start, count=100000, lo=lo, limit=lo + timedelta(days=2), cap=5, budget=10
    ) or ([], None)
    assert walls == [] and rest == lo
