"""Benchmark (a): importing calendars = parse + expand one year, against parsing alone.

10 calendars in three zones (Europe/Berlin, America/New_York, Asia/Tokyo), each with 500
single events (some all-day or transparent) and 20 recurring series (weekly and
weekday-daily, each with 3 EXDATEs and 2 moved instances) over 2026. The baseline is
`icalendar.Calendar.from_ical` on the same bytes in the same run; the goal is parse +
expand <= 1.3 x the parse alone (median over 7 rounds of each round's ratio). The
expansion is first checked against recurring-ical-events on these calendars, so a fast
wrong answer cannot pass.

    .venv/bin/python bench/calendar_import.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar, Timezone

from fairnotice.calendar import parse
from fairnotice.calendar.expand import Interval, busy_intervals, merge
from fairnotice.errors import BadInput

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo")
YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
GOAL = 1.3
HOSTILE = (
    "FREQ=SECONDLY;COUNT=1000000000",
    "FREQ=SECONDLY;BYHOUR=9,10;COUNT=1000000000",
    "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
)


def _vtimezone(zone: str) -> str:
    tz = Timezone.from_tzid(zone, first_date=date(2025, 1, 1), last_date=date(2028, 1, 1))
    return str(tz.to_ical().decode("utf-8"))


def calendar_text(index: int) -> bytes:
    """One generated calendar, as a Google or Apple export would look."""
    rng = random.Random(index)
    zone = ZONES[index % len(ZONES)]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//bench//cal {index}//EN",
        _vtimezone(zone).rstrip("\r\n"),
    ]

    def event(uid: str, body: list[str]) -> None:
        lines.extend(
            ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *body, "END:VEVENT"]
        )

    for n in range(500):
        day = date(2026, 1, 1) + timedelta(days=rng.randrange(365))
        if n % 20 == 0:
            event(
                f"a{index}-{n}",
                [
                    f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                    f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
                    "SUMMARY:Holiday",
                    "TRANSP:TRANSPARENT",
                ],
            )
            continue
        start = datetime(
            day.year, day.month, day.day, rng.randrange(7, 19), rng.choice((0, 15, 30, 45))
        )
        length = timedelta(minutes=rng.choice((30, 45, 60, 90)))
        body = [
            f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID={zone}:{start + length:%Y%m%dT%H%M%S}",
            f"SUMMARY:Meeting {n}",
            "LOCATION:Room 4\\, second floor",
            "DESCRIPTION:Agenda: budget\\, hiring\\nNotes follow.",
        ]
        if n % 25 == 1:
            body.append("TRANSP:TRANSPARENT")
        event(f"e{index}-{n}", body)
    for n in range(20):
        first = date(2026, 1, 5) + timedelta(days=rng.randrange(60))
        start = datetime(first.year, first.month, first.day, rng.randrange(8, 17), 0)
        weekly = n % 2 == 0
        step = timedelta(days=7 if weekly else 1)
        rule = (
            "RRULE:FREQ=WEEKLY;UNTIL=20261231T235959Z"
            if weekly
            else "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=200"
        )
        uid = f"r{index}-{n}"
        instances = [
            start + k * step for k in range(2, 40, 3) if weekly or (start + k * step).weekday() < 5
        ]
        exdates = instances[:3]
        moved = instances[3:5]
        event(
            uid,
            [
                f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}",
                "DURATION:PT1H",
                f"SUMMARY:Series {n}",
                rule,
                *(f"EXDATE;TZID={zone}:{x:%Y%m%dT%H%M%S}" for x in exdates),
            ],
        )
        for original in moved:
            new = original + timedelta(hours=2)
            event(
                uid,
                [
                    f"RECURRENCE-ID;TZID={zone}:{original:%Y%m%dT%H%M%S}",
                    f"DTSTART;TZID={zone}:{new:%Y%m%dT%H%M%S}",
                    f"DTEND;TZID={zone}:{new + timedelta(hours=1):%Y%m%dT%H%M%S}",
                    f"SUMMARY:Series {n} (moved)",
                ],
            )
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def expand(data: bytes, zone: str) -> list[Interval]:
    cals = parse.calendars(data, label="bench", max_bytes=10 * 1024 * 1024)
    return busy_intervals(cals, start=YEAR[0], end=YEAR[1], floating=ZoneInfo(zone), label="bench")


def reference(data: bytes, zone: str) -> list[Interval]:
    """The same busy time from recurring-ical-events, for the correctness check."""
    cal = Calendar.from_ical(data)
    out = []
    for item in recurring_ical_events.of(cal).between(YEAR[0], YEAR[1]):
        if str(item.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        a, b = item["DTSTART"].dt, item.end
        if not isinstance(a, datetime):
            continue  # every all-day event here is transparent
        out.append((max(a.astimezone(UTC), YEAR[0]), min(b.astimezone(UTC), YEAR[1])))
    return merge(out)


def main() -> int:
    warnings.simplefilter("ignore")
    datas = [(calendar_text(i), ZONES[i % len(ZONES)]) for i in range(10)]
    size = sum(len(d) for d, _ in datas)
    for data, zone in datas:
        if expand(data, zone) != reference(data, zone):
            print("expansion differs from recurring-ical-events")
            return 1
    parse_times, import_times = [], []
    for _ in range(7):
        began = time.perf_counter()
        for data, _ in datas:
            Calendar.from_ical(data)
        parse_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        intervals = [expand(data, zone) for data, zone in datas]
        import_times.append(time.perf_counter() - began)
    parse_s, import_s = statistics.median(parse_times), statistics.median(import_times)
    # Each round times both back to back, so the ratio of a round shares the machine's load
    # of the moment; the median of the rounds' ratios is the figure.
    ratio = statistics.median(i / p for i, p in zip(import_times, parse_times, strict=True))
    began = time.perf_counter()
    for data, _ in datas:
        recurring_ical_events.of(Calendar.from_ical(data)).between(*YEAR)
    rie = time.perf_counter() - began
    print(
        f"10 calendars, {size / 1e6:.1f} MB, {sum(map(len, intervals))} busy intervals "
        f"(same as recurring-ical-events)"
    )
    print(f"parse alone (icalendar):         {parse_s * 1000:7.0f} ms")
    print(
        f"import = parse + expand 1 year:  {import_s * 1000:7.0f} ms   {ratio:.2f}x "
        f"(goal <= {GOAL}x)"
    )
    print(f"parse + recurring-ical-events:   {rie * 1000:7.0f} ms   {rie / parse_s:.2f}x")
    for rule in HOSTILE:
        data = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:b\r\nBEGIN:VEVENT\r\nUID:h\r\n"
            "DTSTAMP:20260101T000000Z\r\nDTSTART:20000101T000000Z\r\nDURATION:PT1S\r\n"
            f"RRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ).encode()
        began = time.perf_counter()
        try:
            expand(data, "UTC")
            outcome = "read"
        except BadInput:  # over the file's budget (calendar/budget.py), refused early
            outcome = "refused"
        took = (time.perf_counter() - began) * 1000
        print(f"hostile {rule} over the year: {outcome} in {took:.0f} ms")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
