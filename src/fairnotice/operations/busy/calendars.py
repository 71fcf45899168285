"""Calendar use cases: import an invitation, read calendars into busy time, find slots.

Here the pure calendar core meets files, CalDAV servers and the clock; the size cap and
the CLI user's CalDAV login come in as `settings.calendars` (`CalendarSettings`).
Calendars are parsed and expanded once into an `IntervalStore`; slot search reads the
stored intervals (K1, R4, E2).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fairnotice.calendar import expand, parse
from fairnotice.calendar.budget import Budget
from fairnotice.calendar.intervals import IntervalStore, MemoryIntervalStore
from fairnotice.calendar.invite import ImportedInterview, import_invitation
from fairnotice.calendar.slots import BusyIndex, Hours, conflicts, free_slots
from fairnotice.errors import BadInput
from fairnotice.io import validate
from fairnotice.model import Period, Situation, WorkingHours, parse_clock, zone
from fairnotice.operations.busy import caldav
from fairnotice.settings import CalendarSettings

DEFAULTS = CalendarSettings()  # 1 MiB, no CalDAV login of the CLI user's own
PLANNING_WINDOW = timedelta(days=42)  # covers the planner's 28-day horizon plus lead time


def system_now() -> datetime:
    return datetime.now(UTC)


def read_file(source: str, *, max_bytes: int, label: str) -> bytes:
    """The bytes of a file ('-' = stdin), refusing more than `max_bytes` before parsing."""
    if source == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
    else:
        path = Path(source)
        if not path.is_file():
            raise BadInput([(label, f"no such file: {source}")])
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    parse.check_size(data, label=label, max_bytes=max_bytes)
    return data


def import_invite(source: str, *, config: CalendarSettings = DEFAULTS) -> ImportedInterview:
    """The interview an invitation file (.ics or .eml) describes."""
    limit = config.max_bytes
    data = read_file(source, max_bytes=limit, label=source)
    return import_invitation(data, label=source, max_bytes=limit)


def load_calendar(
    source: str,
    *,
    start: datetime,
    end: datetime,
    floating: ZoneInfo,
    config: CalendarSettings = DEFAULTS,
    skip_uids: Sequence[str] = (),
    skip_spans: Sequence[expand.Interval] = (),
) -> list[expand.Interval]:
    """Busy intervals of one calendar (a file, or a CalDAV collection URL) in [start, end),
    leaving out the events whose UID is in `skip_uids` and those at exactly one of
    `skip_spans` (the interview's own, `expand.OwnEvent`)."""
    limit = config.max_bytes
    label = caldav.public(source)  # never a password in a message
    if caldav.is_url(source):
        _, user, password = caldav.cli_credentials(  # the CLI user's own login
            source, config.caldav_username, config.caldav_password
        )
        texts = caldav.fetch(
            source, start=start, end=end, max_bytes=limit, username=user, password=password
        )
    else:
        texts = [read_file(source, max_bytes=limit, label=label)]
    budget = Budget(label)  # one for the file, or for every object of the collection
    found = [
        c
        for text in texts
        for c in parse.calendars(text, label=label, max_bytes=limit, budget=budget)
    ]
    return expand.busy_intervals(
        found,
        start=start,
        end=end,
        floating=floating,
        label=label,
        skip_uids=skip_uids,
        skip_spans=skip_spans,
        budget=budget,
    )


def store_calendars(
    store: IntervalStore,
    sources: Sequence[str],
    *,
    start: datetime,
    end: datetime,
    floating: ZoneInfo,
    config: CalendarSettings = DEFAULTS,
) -> None:
    """Parse and expand each calendar once, keeping its busy intervals under its name."""
    for source in sources:
        intervals = load_calendar(source, start=start, end=end, floating=floating, config=config)
        store.replace(caldav.public(source), intervals, window=(start, end))


@dataclass(frozen=True)
class SlotQuery:
    """What `fairnotice slots` asks (CONTRACT.md), plus buffers and minimum notice."""

    duration: timedelta
    tz: ZoneInfo
    calendars: Sequence[str] = ()
    busy: Sequence[tuple[datetime, datetime]] = ()
    hours: Sequence[Hours] = field(default_factory=tuple)
    start: datetime | None = None
    until: datetime | None = None
    step: timedelta = timedelta(minutes=30)
    count: int = 10
    buffer: timedelta = timedelta(0)
    notice: timedelta = timedelta(0)


def find_slots(
    query: SlotQuery,
    *,
    store: IntervalStore | None = None,
    clock: Callable[[], datetime] = system_now,
    config: CalendarSettings = DEFAULTS,
) -> list[tuple[datetime, datetime]]:
    """The first free common slots of every calendar and busy list given."""
    now = clock()
    begin = query.start or now
    earliest = max(begin, now + query.notice) if query.notice else begin
    until = query.until or begin + timedelta(days=28)
    if until <= earliest:
        raise BadInput([("--until", "must be after --from (and the minimum notice)")])
    store = store or MemoryIntervalStore()
    margin = query.buffer + timedelta(days=1)
    window = (earliest - margin, until + margin)
    keys = [caldav.public(s) for s in query.calendars]
    missing = [s for s, key in zip(query.calendars, keys, strict=True) if store.window(key) is None]
    store_calendars(
        store, missing, start=window[0], end=window[1], floating=query.tz, config=config
    )
    busy = store.busy(keys, *window)
    busy.extend(query.busy)
    hours = query.hours or (Hours(zone=query.tz, start=time(9), end=time(17)),)
    return free_slots(
        busy=BusyIndex(busy),
        hours=hours,
        duration=query.duration,
        earliest=earliest,
        latest=until,
        grid_zone=query.tz,
        step=query.step,
        count=query.count,
        buffer=query.buffer,
    )


def clashes(
    interview: ImportedInterview,
    calendars: Sequence[str],
    *,
    config: CalendarSettings = DEFAULTS,
) -> list[expand.Interval]:
    """K1: busy time in `calendars` that the interview's time overlaps."""
    tz = zone(interview.timezone)
    busy: list[expand.Interval] = []
    day = timedelta(days=1)  # a wider window, so a clash is reported whole, not clipped
    for source in calendars:
        busy.extend(
            load_calendar(
                source,
                start=interview.start - day,
                end=interview.end + day,
                floating=tz,
                config=config,
            )
        )
    return conflicts(busy, interview.start, interview.end)


def with_calendar_busy(
    situation: Situation, *, now: datetime, config: CalendarSettings = DEFAULTS
) -> Situation:
    """The situation with the busy time of `availability.calendars` added to its busy list,
    so the pure planner proposes no time that clashes with them and warns when the
    interview does (K1, R4). The interview's own event (its UID; without one, an event at
    exactly its time) is not busy time: a calendar that holds the interview does not
    clash with it, nor do the events right before and after it."""
    availability = situation.availability
    if availability is None or not availability.calendars:
        return situation
    tz = zone(availability.timezone or situation.me.timezone)
    busy = list(availability.busy)
    interview = situation.interview
    day = timedelta(days=1)
    start = min(now - day, interview.start - day)  # the interview's time too, however far
    end = max(now + PLANNING_WINDOW, interview.end + day)
    own = expand.OwnEvent(interview.uid, interview.start, interview.end)
    for index, source in enumerate(availability.calendars):
        try:
            found = load_calendar(
                source,
                start=start,
                end=end,
                floating=tz,
                config=config,
                skip_uids=own.uids,
                skip_spans=own.spans,
            )
        except BadInput as exc:
            raise BadInput(
                (f"availability.calendars[{index}] ({f})", m) for f, m in exc.problems
            ) from None
        busy.extend(Period(start=s, end=e) for s, e in found)
    updated = availability.model_copy(update={"busy": busy})
    return situation.model_copy(update={"availability": updated})


def _days(text: str) -> frozenset[int]:
    found: set[int] = set()
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            found.update(range(int(low), int(high or low) + 1))
    except ValueError:
        raise BadInput([("--days", f"{text!r} is not like 1-5 or 1,3,5")]) from None
    if not found or not found <= set(range(1, 8)):
        raise BadInput([("--days", "days are ISO weekdays 1 (Monday) to 7 (Sunday)")])
    return frozenset(found)


def _hours(text: str, *, default: ZoneInfo, days: frozenset[int]) -> Hours:
    """'09:00-17:00' or '09:00-12:00@America/New_York', checked as the contract's
    working hours are."""
    span, _, zone_name = text.partition("@")
    first, _, last = span.partition("-")
    try:
        tz = zone(zone_name.strip()) if zone_name else default
        hours = validate(
            WorkingHours, {"start": first.strip(), "end": last.strip(), "days": sorted(days)}
        )
    except ValueError as exc:
        raise BadInput([("--hours", f"{text!r}: {exc}")]) from None
    except BadInput as exc:
        raise BadInput(("--hours", f"{text!r}: {f} {m}") for f, m in exc.problems) from None
    return Hours(zone=tz, start=parse_clock(hours.start), end=parse_clock(hours.end), days=days)


def _moment(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput([(name, f"{text!r} is not an RFC 3339 timestamp")]) from None
    if moment.tzinfo is None:
        raise BadInput([(name, f"{text!r} needs an explicit offset")])
    return moment


def _busy_file(source: str, *, max_bytes: int) -> list[tuple[datetime, datetime]]:
    """A JSON busy list: [{"start", "end"}] or {"busy": [...]} (the availability shape)."""
    raw = (
        json.loads(read_file(source, max_bytes=max_bytes, label=source).decode("utf-8-sig"))
        if source
        else []
    )
    items = raw.get("busy", []) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise BadInput([(source, "expected a list of {start, end} periods")])
    periods = [validate(Period, item) for item in items]
    return [(p.start, p.end) for p in periods]


def slot_query(
    *,
    duration: int,
    tz: str,
    calendars: Sequence[str],
    busy_files: Sequence[str],
    hours: Sequence[str],
    days: str,
    start: str | None,
    until: str | None,
    step: int,
    count: int,
    buffer: int,
    notice: int,
    max_bytes: int = DEFAULTS.max_bytes,
) -> SlotQuery:
    """A SlotQuery from the command line's text, each bad option named (`max_bytes`: the
    cap of one busy file)."""
    try:
        grid = zone(tz)
    except ValueError as exc:
        raise BadInput([("--tz", str(exc))]) from None
    for name, number, low in (
        ("--duration", duration, 1),
        ("--step", step, 1),
        ("--count", count, 1),
        ("--buffer", buffer, 0),
        ("--notice", notice, 0),
    ):
        if number < low:
            raise BadInput([(name, f"must be at least {low}")])
    if duration > 24 * 60:
        raise BadInput([("--duration", "must be at most 1440 minutes")])
    weekdays = _days(days)
    busy: list[tuple[datetime, datetime]] = []
    for source in busy_files:
        try:
            busy.extend(_busy_file(source, max_bytes=max_bytes))
        except json.JSONDecodeError as exc:
            raise BadInput([(source, f"not valid JSON: {exc.msg}")]) from None
    return SlotQuery(
        duration=timedelta(minutes=duration),
        tz=grid,
        calendars=tuple(calendars),
        busy=tuple(busy),
        hours=tuple(_hours(h, default=grid, days=weekdays) for h in hours or ["09:00-17:00"]),
        start=_moment(start, "--from"),
        until=_moment(until, "--until"),
        step=timedelta(minutes=step),
        count=min(count, 1000),
        buffer=timedelta(minutes=buffer),
        notice=timedelta(minutes=notice),
    )
