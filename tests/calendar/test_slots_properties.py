"""Property tests: slots against an independent brute-force minute grid.

Random zones (with DST, half-hour and 45-minute offsets), windows around DST changes,
random calendars (zoned, UTC, all-day, recurring with EXDATEs, transparent), several
people's working hours in their own zones. The oracle expands the calendars with
recurring-ical-events (not our expander), marks every busy minute, and tries every minute
of the window as a start: the search must return exactly the first slots the oracle finds,
none overlapping a busy minute, none outside anyone's hours, none in a DST gap.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fairnotice.calendar import parse
from fairnotice.calendar.expand import busy_intervals
from fairnotice.calendar.slots import Hours, free_slots

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/St_Johns",
    "Pacific/Chatham",
    "Europe/London",
    "America/Santiago",
    "Asia/Tehran",
    "UTC",
    "Pacific/Apia",
]
# Days around DST changes in 2026 somewhere among ZONES, and an ordinary one.
DAYS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 9, 6),
    date(2026, 9, 27),
    date(2026, 10, 25),
    date(2026, 11, 1),
    date(2026, 6, 10),
]
MINUTE = timedelta(minutes=1)


@st.composite
def events(draw: st.DrawFn, base: datetime) -> str:
    uid = draw(st.uuids()).hex
    start = base + timedelta(minutes=15 * draw(st.integers(-48, 3 * 96)))
    length = timedelta(minutes=15 * draw(st.integers(1, 24)))
    kind = draw(st.sampled_from(["zoned", "utc", "allday", "floating"]))
    lines = [f"UID:{uid}", "DTSTAMP:20260101T000000Z"]
    if kind == "allday":
        day = start.date()
        lines += [
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
        ]
    elif kind == "utc":
        lines += [f"DTSTART:{start:%Y%m%dT%H%M%SZ}", f"DTEND:{start + length:%Y%m%dT%H%M%SZ}"]
    else:
        tz = draw(st.sampled_from(ZONES))
        local = start.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
        prefix = f";TZID={tz}" if kind == "zoned" else ""
        lines += [
            f"DTSTART{prefix}:{local:%Y%m%dT%H%M%S}",
            f"DURATION:PT{int(length.total_seconds() // 60)}M",
        ]
        if draw(st.booleans()):
            freq = draw(st.sampled_from(["DAILY", "WEEKLY"]))
            lines.append(f"RRULE:FREQ={freq};COUNT={draw(st.integers(2, 5))}")
            if draw(st.booleans()):
                step = timedelta(days=1 if freq == "DAILY" else 7)
                lines.append(f"EXDATE{prefix}:{local + step:%Y%m%dT%H%M%S}")
    if draw(st.integers(0, 5)) == 0:
        lines.append("TRANSP:TRANSPARENT")
    return "BEGIN:VEVENT\r\n" + "\r\n".join(lines) + "\r\nEND:VEVENT\r\n"


@st.composite
def hours(draw: st.DrawFn) -> Hours:
    first = draw(st.integers(0, 14))
    last = draw(st.integers(first + 3, 24))
    every = frozenset(range(1, 8))
    days = draw(st.one_of(st.just(every), st.frozensets(st.integers(1, 7), min_size=3)))
    return Hours(
        zone=ZoneInfo(draw(st.sampled_from(ZONES))),
        start=time(first),
        end=time.max if last == 24 else time(last),
        days=days,
    )


def oracle_busy_minutes(text: str, lo: datetime, hi: datetime, floating: ZoneInfo) -> set[int]:
    """Every busy minute (epoch minutes), from recurring-ical-events' instances."""
    cal = parse.calendars(text.encode(), label="t")[0]
    busy: set[int] = set()
    durations = {str(e["UID"]): e["DURATION"].dt for e in cal.walk("VEVENT") if "DURATION" in e}
    for instance in recurring_ical_events.of(cal).between(lo - timedelta(days=2), hi):
        if str(instance.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        first, last = instance["DTSTART"].dt, instance.end

        def absolute(moment: date) -> datetime:
            if not isinstance(moment, datetime):
                moment = datetime.combine(moment, time(0))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=floating)
            return moment.astimezone(UTC)

        a, b = absolute(first), absolute(last)
        uid = str(instance.get("UID"))
        if uid in durations:
            # RFC 5545 3.3.6: a duration in minutes is exact time, also across a DST change
            # (recurring-ical-events adds it on the wall clock).
            b = a + durations[uid]
        busy.update(range(int(a.timestamp()) // 60, int(b.timestamp()) // 60))
    return busy


def inside(h: Hours, moment: datetime, day: date) -> bool:
    local = moment.astimezone(h.zone)
    clock = local.time()
    return (
        local.date() == day
        and local.isoweekday() in h.days
        and clock >= h.start
        and (h.end == time.max or clock < h.end)
    )


def oracle_slots(
    *,
    busy: set[int],
    people: list[Hours],
    tz: ZoneInfo,
    earliest: datetime,
    latest: datetime,
    duration: int,
    step: int,
    buffer: int,
    count: int,
) -> list[datetime]:
    found: list[datetime] = []
    moment = earliest
    while moment + timedelta(minutes=duration) <= latest and len(found) < count:
        local = moment.astimezone(tz)
        if (local.hour * 60 + local.minute) % step == 0:
            minutes = [moment + i * MINUTE for i in range(duration)]
            epoch = int(moment.timestamp()) // 60
            free = not any(m in busy for m in range(epoch - buffer, epoch + duration + buffer))
            days = {h: moment.astimezone(h.zone).date() for h in people}
            if free and all(inside(h, m, days[h]) for h in people for m in minutes):
                found.append(moment)
        moment += MINUTE
    return found


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_slots_match_the_brute_force_minute_grid(data: st.DataObject) -> None:
    tz = ZoneInfo(data.draw(st.sampled_from(ZONES), label="zone"))
    day = data.draw(st.sampled_from(DAYS), label="day")
    earliest = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(
        minutes=data.draw(st.integers(-12 * 60, 12 * 60))
    )
    latest = earliest + timedelta(hours=data.draw(st.integers(6, 60)))
    duration = data.draw(st.sampled_from([15, 30, 60, 90, 120]), label="duration")
    step = data.draw(st.sampled_from([15, 25, 30, 45, 50, 60]), label="step")
    buffer = data.draw(st.sampled_from([0, 15]), label="buffer")
    count = data.draw(st.integers(1, 12), label="count")
    people = data.draw(st.lists(hours(), min_size=1, max_size=2), label="hours")
    body = "".join(data.draw(st.lists(events(earliest), max_size=10), label="events"))
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n{body}END:VCALENDAR\r\n"

    cals = parse.calendars(text.encode(), label="t")
    busy = busy_intervals(
        cals,
        start=earliest - timedelta(days=1),
        end=latest + timedelta(days=1),
        floating=tz,
        label="t",
    )
    slots = free_slots(
        busy=busy,
        hours=people,
        duration=timedelta(minutes=duration),
        earliest=earliest,
        latest=latest,
        grid_zone=tz,
        step=timedelta(minutes=step),
        count=count,
        buffer=timedelta(minutes=buffer),
    )

    minutes = oracle_busy_minutes(
        text, earliest - timedelta(days=1), latest + timedelta(days=1), tz
    )
    expected = oracle_slots(
        busy=minutes,
        people=people,
        tz=tz,
        earliest=earliest,
        latest=latest,
        duration=duration,
        step=step,
        buffer=buffer,
        count=count,
    )
    assert [s.astimezone(UTC) for s, _ in slots] == expected
    event(f"slots found: {min(len(slots), 3)}{'+' if len(slots) > 3 else ''}")
    event(f"busy intervals: {'some' if busy else 'none'}")
    for start, end in slots:
        assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=duration)
        assert start.tzinfo is not None and start.utcoffset() == start.astimezone(tz).utcoffset()
        # Never in a DST gap: the wall time exists and maps back to the same instant.
        wall = start.replace(tzinfo=None)
        assert wall.replace(tzinfo=tz, fold=start.fold).astimezone(UTC) == start.astimezone(UTC)
        epoch = int(start.timestamp()) // 60
        assert not any(m in minutes for m in range(epoch, epoch + duration))
