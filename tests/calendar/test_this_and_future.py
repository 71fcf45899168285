"""RECURRENCE-ID;RANGE=THISANDFUTURE (RFC 5545 3.8.4.4) in busy time: the override's changes
(its shift, its duration, free or busy) hold for its own instance and every later one, until
the next such override; a plain override later on still replaces only its own instance, and
EXDATE names instances by their original start.

The calendars are hand-written files in thisandfuture/; each is checked against the times
written out here, against recurring-ical-events (which implements the same RFC text), for
every window cut out of it, and through slot search and K1 (which read these intervals).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fairnotice.calendar import parse
from fairnotice.calendar.expand import Interval, busy_intervals
from fairnotice.operations.busy.calendars import load_calendar
from tests.calendar.test_expand import reference
from tests.calendar.test_import import invoke

FILES = Path(__file__).resolve().parent / "thisandfuture"
BERLIN = ZoneInfo("Europe/Berlin")
YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def busy(name: str, start: datetime, end: datetime, floating: ZoneInfo = BERLIN) -> list[Interval]:
    path = FILES / name
    cals = parse.calendars(path.read_bytes(), label=name)
    return busy_intervals(cals, start=start, end=end, floating=floating, label=name)


def local(intervals: list[Interval]) -> list[str]:
    """Intervals as a Berliner reads them: 'Mon 16 Mar 12:00-13:00'."""
    out = []
    for s, e in intervals:
        a, b = s.astimezone(BERLIN), e.astimezone(BERLIN)
        out.append(f"{a:%a %d %b %H:%M}-{b:%H:%M}" + ("" if a.date() == b.date() else f" {b:%d}"))
    return out


EXPECTED = {
    # Weekly Monday 10:00-11:00 (10 times). From 16 Mar on at noon (+2 h), on the wall
    # clock across the change to summer time on 29 Mar; 30 Mar alone at 15:00 (a plain
    # override after it); 13 Apr deleted by EXDATE, named by its original 10:00 start.
    "forward_plain_override_exdate.ics": [
        "Mon 02 Mar 10:00-11:00",
        "Mon 09 Mar 10:00-11:00",
        "Mon 16 Mar 12:00-13:00",
        "Mon 23 Mar 12:00-13:00",
        "Mon 30 Mar 15:00-16:00",
        "Mon 06 Apr 12:00-13:00",
        "Mon 20 Apr 12:00-13:00",
        "Mon 27 Apr 12:00-13:00",
        "Mon 04 May 12:00-13:00",
    ],
    # Daily 14:00-15:00 (8 times). From 3 Jun on 4 h 30 earlier and 90 minutes long; from
    # 6 Jun on (a later THISANDFUTURE) 2 h later than the original and 30 minutes long.
    "back_duration_later_range.ics": [
        "Mon 01 Jun 14:00-15:00",
        "Tue 02 Jun 14:00-15:00",
        "Wed 03 Jun 09:30-11:00",
        "Thu 04 Jun 09:30-11:00",
        "Fri 05 Jun 09:30-11:00",
        "Sat 06 Jun 16:00-16:30",
        "Sun 07 Jun 16:00-16:30",
        "Mon 08 Jun 16:00-16:30",
    ],
    # Thursdays 10:00 move to the Monday before (-3 days) from 17 Sep on; Monday 08:00
    # planning moves to Thursday 16:30 for 30 minutes (+3 days 8 h 30) from 14 Sep on.
    "across_days.ics": [
        "Thu 03 Sep 10:00-11:00",
        "Mon 07 Sep 08:00-08:30",
        "Thu 10 Sep 10:00-11:00",
        "Mon 14 Sep 10:00-11:00",
        "Thu 17 Sep 16:30-17:00",
        "Mon 21 Sep 10:00-11:00",
        "Thu 24 Sep 16:30-17:00",
        "Mon 28 Sep 10:00-11:00",
        "Thu 01 Oct 16:30-17:00",
        "Mon 05 Oct 10:00-11:00",
        "Thu 08 Oct 16:30-17:00",
    ],
    # A course that is TRANSPARENT from 18 May on; a TRANSPARENT office hour that is busy
    # (and an hour later) from 12 May on; an all-day series CANCELLED from 20 May on.
    "free_and_busy.ics": [
        "Mon 04 May 09:00-10:00",
        "Wed 06 May 00:00-00:00 07",
        "Mon 11 May 09:00-10:00",
        "Tue 12 May 14:00-15:00",
        "Wed 13 May 00:00-00:00 14",
        "Tue 19 May 14:00-15:00",
        "Tue 26 May 14:00-15:00",
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_changes_hold_for_the_instance_and_all_later_ones(name: str) -> None:
    assert local(busy(name, *YEAR)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_same_busy_time_as_recurring_ical_events(name: str) -> None:
    # The reference reads floating and all-day times as UTC, so both do here.
    cals = parse.calendars((FILES / name).read_bytes(), label=name)
    assert busy(name, *YEAR, floating=ZoneInfo("UTC")) == reference(cals, *YEAR)


def _clip(intervals: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in intervals if s < end and e > start]


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("hours", [5, 24, 24 * 7])
def test_every_window_sees_the_moved_instances(name: str, hours: int) -> None:
    """Windows that end before an instance's original start, or begin after it, still see
    it where it was moved to (the expansion reaches as far as the shifts go)."""
    whole = busy(name, *YEAR)
    first, last = whole[0][0] - timedelta(days=8), whole[-1][1] + timedelta(days=8)
    step = timedelta(hours=hours)
    start = first + timedelta(minutes=17)  # windows cut through instances, not at midnight
    while start < last:
        end = start + step
        assert busy(name, start, end) == _clip(whole, start, end), (start, end)
        start = end


def test_slot_search_reads_the_moved_series(tmp_path: Path) -> None:
    """Mon 6 Apr: the meeting is at 12:00 now, so 10:00 is free and 12:00 is not."""
    code, out, err, exc = invoke(
        "slots",
        "--calendar",
        str(FILES / "forward_plain_override_exdate.ics"),
        "--duration",
        "60",
        "--tz",
        "Europe/Berlin",
        "--from",
        "2026-04-06T09:00:00+02:00",
        "--until",
        "2026-04-06T17:00:00+02:00",
        "--step",
        "60",
        "--json",
    )
    assert exc is None and code == 0, err
    starts = [slot["start"][11:16] for slot in json.loads(out)]
    assert starts == ["09:00", "10:00", "11:00", "13:00", "14:00", "15:00", "16:00"]
    # 13 Apr (deleted) is free all day; 30 Mar (the plain override) only at 15:00.
    code, out, err, exc = invoke(
        "slots",
        "--calendar",
        str(FILES / "forward_plain_override_exdate.ics"),
        "--duration",
        "60",
        "--tz",
        "Europe/Berlin",
        "--from",
        "2026-03-30T09:00:00+02:00",
        "--until",
        "2026-03-30T17:00:00+02:00",
        "--step",
        "60",
        "--json",
    )
    assert exc is None and code == 0, err
    assert [s["start"][11:16] for s in json.loads(out)] == [
        "09:00",
        "10:00",
        "11:00",
        "12:00",
        "13:00",
        "14:00",
        "16:00",
    ]


def test_calendar_import_for_k1_sees_the_moved_series() -> None:
    """What planning and `import --calendar` read (operations.calendars.load_calendar)."""
    found = load_calendar(
        str(FILES / "across_days.ics"),
        start=datetime(2026, 9, 21, tzinfo=BERLIN),
        end=datetime(2026, 9, 22, tzinfo=BERLIN),
        floating=BERLIN,
    )
    # Mon 21 Sep 10:00: the Thursday 24 Sep review, moved three days earlier.
    assert local(found) == ["Mon 21 Sep 10:00-11:00"]
