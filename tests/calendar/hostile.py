"""Calendars built to cost as much as possible to read, each up to a size in bytes.

Each shape aims at one kind of work the calendar reader does: icalendar's parsing (many
events, many tiny lines), recurrence steps (dense rules, many series), dateutil's work
between instances (sub-daily rules with filters), day filters that never match, a UID
repeated with overrides, long RDATE and EXDATE lists, busy periods. The tests and
bench/calendar_budget.py read them; `fill` makes one as large as the size allows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
HEAD = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//hostile//x//EN"]


def _event(uid: str, *body: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261201T000000Z", *body, "END:VEVENT"]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def plain_events() -> Iterator[list[str]]:
    """Single half-hour events, one an hour (icalendar's parsing is the cost)."""
    for i in range(10**7):
        start = NOW + timedelta(hours=i % 9000)
        yield _event(f"p{i}", f"DTSTART:{_stamp(start)}", "DURATION:PT30M", f"SUMMARY:Meeting {i}")


def minutely_series() -> Iterator[list[str]]:
    """The issue's file: events repeating every minute, forever."""
    for i in range(10**7):
        yield _event(
            f"m{i}", "DTSTART:20260101T000000Z", "DTEND:20260101T000030Z", "RRULE:FREQ=MINUTELY"
        )


def daily_series() -> Iterator[list[str]]:
    """Everyday daily series (the simple path without dateutil), each over the window."""
    for i in range(10**7):
        yield _event(
            f"d{i}",
            f"DTSTART:2025{1 + i % 12:02d}01T{i % 24:02d}0000Z",
            "DURATION:PT15M",
            "RRULE:FREQ=DAILY",
        )


def filtered_seconds() -> Iterator[list[str]]:
    """Sub-daily rules with filters: dateutil steps through every second between instances."""
    for i in range(10**7):
        rule = f"RRULE:FREQ=SECONDLY;BYHOUR={i % 24};BYMINUTE=0;BYSECOND=0"
        yield _event(f"s{i}", "DTSTART:20261101T000000Z", "DURATION:PT1M", rule)


def filtered_minutes() -> Iterator[list[str]]:
    """FREQ=MINUTELY with day filters: dateutil tries every minute of every day."""
    for i in range(10**7):
        rule = f"RRULE:FREQ=MINUTELY;BYMONTHDAY={1 + i % 28};BYHOUR=23;BYMINUTE=59"
        yield _event(f"n{i}", "DTSTART:20261101T000000Z", "DURATION:PT1M", rule)


def impossible_days() -> Iterator[list[str]]:
    """Rules whose days never come (30 February): their filters are tried on ten years."""
    for i in range(10**7):
        rule = f"RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY={30 + i % 2}"
        yield _event(f"i{i}", "DTSTART:20200101T000000Z", "DURATION:PT1H", rule)


def counted_from_long_ago() -> Iterator[list[str]]:
    """COUNT with filters cannot be fast-forwarded: dateutil walks from the year 1900."""
    for i in range(10**7):
        rule = f"RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,10;COUNT={100000 + i}"
        yield _event(f"c{i}", "DTSTART:19000101T090000Z", "DURATION:PT1H", rule)


def one_uid_overrides() -> Iterator[list[str]]:
    """One UID, repeated as masters and THISANDFUTURE overrides (their product is the cost)."""
    for i in range(10**7):
        if i % 2:
            yield _event(
                "same",
                f"RECURRENCE-ID;RANGE=THISANDFUTURE:{_stamp(NOW + timedelta(days=i % 300))}",
                f"DTSTART:{_stamp(NOW + timedelta(days=i % 300, hours=1))}",
                "DURATION:PT1H",
                "TRANSP:TRANSPARENT",
            )
        else:
            yield _event("same", "DTSTART:20261201T090000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY")


def rdate_lists() -> Iterator[list[str]]:
    """Long RDATE lists: every value is an instance."""
    for i in range(10**7):
        dates = ",".join(_stamp(NOW + timedelta(minutes=30 * k + i)) for k in range(200))
        yield _event(f"r{i}", f"DTSTART:{_stamp(NOW)}", "DURATION:PT15M", f"RDATE:{dates}")


def tiny_lines() -> Iterator[list[str]]:
    """As many content lines as the bytes allow (icalendar's cost is per line)."""
    for i in range(10**7):
        yield ["BEGIN:VEVENT", f"UID:t{i}", *["X:1"] * 200, "END:VEVENT"]


def freebusy_periods() -> Iterator[list[str]]:
    """A VFREEBUSY with a period a minute apart."""
    for i in range(10**7):
        start = NOW + timedelta(minutes=2 * i)
        yield ["BEGIN:VFREEBUSY", f"FREEBUSY:{_stamp(start)}/PT1M", "END:VFREEBUSY"]


SHAPES: dict[str, Callable[[], Iterator[list[str]]]] = {
    "plain events": plain_events,
    "minutely series": minutely_series,
    "daily series": daily_series,
    "filtered seconds": filtered_seconds,
    "filtered minutes": filtered_minutes,
    "impossible days": impossible_days,
    "COUNT from 1900": counted_from_long_ago,
    "one UID, overrides": one_uid_overrides,
    "RDATE lists": rdate_lists,
    "tiny lines": tiny_lines,
    "busy periods": freebusy_periods,
}


def fill(shape: Callable[[], Iterator[list[str]]], size: int, *, parts: int | None = None) -> bytes:
    """A calendar of `shape`'s parts, as many as fit in `size` bytes (or `parts` of them)."""
    lines = list(HEAD)
    used = sum(len(line) + 2 for line in lines) + len("END:VCALENDAR\r\n") + 40
    for count, part in enumerate(shape()):
        cost = sum(len(line) + 2 for line in part)
        if used + cost > size or (parts is not None and count >= parts):
            break
        lines.extend(part)
        used += cost
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")
