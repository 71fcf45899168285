"""Busy expansion: the same instances as recurring-ical-events, plus the rules of free/busy,
and hostile recurrences that stay fast and never make busy time look free."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from fairnotice.calendar import parse
from fairnotice.calendar.expand import Interval, busy_intervals, merge
from fairnotice.errors import BadInput
from tests.calendar.test_import import FIXTURE_FILES

BERLIN = ZoneInfo("Europe/Berlin")


def ics(*events: str) -> bytes:
    body = "".join(
        "BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\n"
        + "\r\n".join(line.strip() for line in event.strip().splitlines())
        + "\r\nEND:VEVENT\r\n"
        for event in events
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n{body}END:VCALENDAR\r\n".encode()


def busy(
    data: bytes, start: datetime, end: datetime, floating: ZoneInfo = BERLIN
) -> list[Interval]:
    cals = parse.calendars(data, label="t.ics")
    return busy_intervals(cals, start=start, end=end, floating=floating, label="t.ics")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def reference(cals: list[Calendar], start: datetime, end: datetime) -> list[Interval]:
    """The busy time recurring-ical-events sees: VEVENT instances that are not free."""
    out: list[Interval] = []
    for cal in cals:
        for event in recurring_ical_events.of(cal).between(start, end):
            if event.name != "VEVENT":
                continue
            if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
                continue
            if str(event.get("STATUS", "")).upper() == "CANCELLED":
                continue
            first, last = event["DTSTART"].dt, event.end

            def to_utc(moment: date) -> datetime:
                if not isinstance(moment, datetime):
                    moment = datetime(moment.year, moment.month, moment.day)
                return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)

            out.append((max(to_utc(first), start), min(to_utc(last), end)))
    return merge(i for i in out if i[1] > i[0])


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_instances_match_recurring_ical_events(path: Path) -> None:
    try:
        cals = parse.calendars(path.read_bytes(), label=path.name)
    except BadInput:
        return  # a broken file: test_import checks it fails clearly
    start, end = utc(1995, 1, 1), utc(2030, 1, 1)
    try:
        mine = busy_intervals(
            [c for c in cals if not c.walk("VFREEBUSY")],
            start=start,
            end=end,
            floating=ZoneInfo("UTC"),
            label=path.name,
        )
    except BadInput as exc:
        assert path.name in str(exc)
        return
    try:
        theirs = reference([c for c in cals if not c.walk("VFREEBUSY")], start, end)
    except Exception:  # the reference library gives up on some broken files
        return
    assert mine == theirs


def test_enough_fixtures_are_compared() -> None:
    compared = 0
    for path in FIXTURE_FILES:
        try:
            cals = parse.calendars(path.read_bytes(), label=path.name)
            busy_intervals(
                cals,
                start=utc(1995, 1, 1),
                end=utc(2030, 1, 1),
                floating=ZoneInfo("UTC"),
                label=path.name,
            )
            reference(cals, utc(1995, 1, 1), utc(2030, 1, 1))
        except Exception:
            continue
        compared += 1
    assert compared >= 60


def test_weekly_series_with_exdate_and_moved_and_cancelled_instances() -> None:
    data = ics(
        """UID:s1
        DTSTART;TZID=Europe/Berlin:20260302T100000
        DTEND;TZID=Europe/Berlin:20260302T110000
        RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6
        EXDATE;TZID=Europe/Berlin:20260309T100000""",
        """UID:s1
        RECURRENCE-ID;TZID=Europe/Berlin:20260316T100000
        DTSTART;TZID=Europe/Berlin:20260317T150000
        DTEND;TZID=Europe/Berlin:20260317T160000""",
        """UID:s1
        RECURRENCE-ID;TZID=Europe/Berlin:20260323T100000
        DTSTART;TZID=Europe/Berlin:20260323T100000
        DTEND;TZID=Europe/Berlin:20260323T110000
        STATUS:CANCELLED""",
    )
    found = busy(data, utc(2026, 3, 1), utc(2026, 5, 1))
    # 2 Mar, (9 Mar excluded), 16 Mar moved to 17 Mar 15:00, (23 Mar cancelled),
    # 30 Mar after the change to summer time (08:00 UTC), 6 Apr.
    assert found == [
        (utc(2026, 3, 2, 9), utc(2026, 3, 2, 10)),
        (utc(2026, 3, 17, 14), utc(2026, 3, 17, 15)),
        (utc(2026, 3, 30, 8), utc(2026, 3, 30, 9)),
        (utc(2026, 4, 6, 8), utc(2026, 4, 6, 9)),
    ]


def test_all_day_events_are_busy_in_the_owners_zone_and_transparent_is_free() -> None:
    data = ics(
        "UID:a\nDTSTART;VALUE=DATE:20260310\nDTEND;VALUE=DATE:20260311",
        "UID:b\nDTSTART;VALUE=DATE:20260312\nTRANSP:TRANSPARENT",
        "UID:c\nDTSTART:20260313T100000Z\nDURATION:PT90M",
        "UID:d\nDTSTART:20260314T100000Z\nDTEND:20260314T110000Z\nSTATUS:CANCELLED",
    )
    found = busy(data, utc(2026, 3, 1), utc(2026, 4, 1))
    assert found == [
        (utc(2026, 3, 9, 23), utc(2026, 3, 10, 23)),
        (utc(2026, 3, 13, 10), utc(2026, 3, 13, 11, 30)),
    ]
    ny = busy(data, utc(2026, 3, 1), utc(2026, 4, 1), floating=ZoneInfo("America/New_York"))
    assert ny[0] == (utc(2026, 3, 10, 4), utc(2026, 3, 11, 4))


def test_rdate_periods_and_floating_times() -> None:
    data = ics(
        """UID:r
        DTSTART:20260310T090000
        DTEND:20260310T093000
        RDATE;VALUE=PERIOD:20260311T120000Z/PT2H,20260312T120000Z/20260312T121500Z""",
    )
    assert busy(data, utc(2026, 3, 1), utc(2026, 4, 1)) == [
        (utc(2026, 3, 10, 8), utc(2026, 3, 10, 8, 30)),
        (utc(2026, 3, 11, 12), utc(2026, 3, 11, 14)),
        (utc(2026, 3, 12, 12), utc(2026, 3, 12, 12, 15)),
    ]


def test_vfreebusy_periods_count_except_free() -> None:
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VFREEBUSY\r\nUID:f\r\n"
        b"DTSTAMP:20260101T000000Z\r\n"
        b"FREEBUSY;FBTYPE=BUSY:20260310T090000Z/PT1H,20260311T090000Z/PT1H\r\n"
        b"FREEBUSY;FBTYPE=FREE:20260312T090000Z/PT1H\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n"
    )
    assert busy(data, utc(2026, 3, 1), utc(2026, 4, 1)) == [
        (utc(2026, 3, 10, 9), utc(2026, 3, 10, 10)),
        (utc(2026, 3, 11, 9), utc(2026, 3, 11, 10)),
    ]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY;COUNT=1000000000",
        "FREQ=SECONDLY",
        "FREQ=MINUTELY;INTERVAL=1;COUNT=1000000000",
        "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=5",
        "FREQ=SECONDLY;BYHOUR=9,10;COUNT=1000000000",
        # dateutil steps through every second between instances: one series of this cost
        # more than 30 s before the budget (refused now, as any file that costs too much).
        "FREQ=SECONDLY;BYHOUR=23;BYMINUTE=0;BYSECOND=0;COUNT=1000000000",
    ],
)
def test_hostile_rules_expand_fast_and_only_inside_the_window(rule: str) -> None:
    data = ics(f"UID:h\nDTSTART:20000101T000000Z\nDURATION:PT1S\nRRULE:{rule}")
    start, end = utc(2026, 3, 2), utc(2026, 3, 30)
    # CPU time, not wall time: a runaway expansion costs minutes to years of CPU, and a
    # loaded machine stretches the wall clock, not this. The actual figures
    # (milliseconds) are in bench/calendar_import.py's output.
    began = time.process_time()
    if "SECONDLY;BYHOUR" in rule:  # filtered seconds from 2000 on: more than the budget
        with pytest.raises(BadInput, match=r"^t\.ics: too costly to read"):
            busy(data, start, end)
        assert time.process_time() - began < 5.0
        return
    found = busy(data, start, end)
    took = time.process_time() - began
    assert took < 5.0, f"{rule} took {took:.2f}s of CPU"
    assert all(start <= s < e <= end for s, e in found)
    if "BYMONTHDAY=30" in rule:
        assert found == []  # 30 February never comes
    else:
        # One-second events every second or minute from 2000 on: near-continuous busy time,
        # at least conservatively from the cap on, never a free hour.
        assert found[-1][1] == end
        gaps = [b[0] - a[1] for a, b in pairwise(found)]
        assert max(gaps, default=timedelta(0)) <= timedelta(minutes=1)


def test_count_is_honoured_when_fast_forwarding() -> None:
    # Hourly from 1 March 00:00 UTC, 100 instances: the last is 5 March 03:00.
    data = ics("UID:c\nDTSTART:20260301T000000Z\nDURATION:PT30M\nRRULE:FREQ=HOURLY;COUNT=100")
    found = busy(data, utc(2026, 3, 5), utc(2026, 3, 6))
    assert found[-1] == (utc(2026, 3, 5, 3), utc(2026, 3, 5, 3, 30))
    assert len(found) == 4


def test_unknown_tzid_in_a_calendar_names_the_event() -> None:
    data = ics("UID:u1\nDTSTART;TZID=Nowhere/Land:20260310T100000\nDURATION:PT1H")
    with pytest.raises(BadInput, match="u1 DTSTART") as info:
        busy(data, utc(2026, 3, 1), utc(2026, 4, 1))
    assert "Nowhere/Land" in str(info.value)
