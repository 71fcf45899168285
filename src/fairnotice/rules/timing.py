"""When things happen: notice, urgency, unsociable hours and working days (T1-T5, C4).

Pure functions of the instants and zones they are given; `now` always comes from outside.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fairnotice.calendar.slots import Hours, wall_time
from fairnotice.model import Urgency

SHORT_NOTICE = timedelta(hours=24)  # T2
MORNING = time(8, 0)  # T5: the next working morning
QUIET_FROM, QUIET_UNTIL = time(20, 0), time(7, 0)  # T5: unsociable hours for email
NO_REPLY_WAIT_DAYS = 1  # C4: one working day
CALL_BEFORE_START = timedelta(hours=4)  # C4: or four hours before the interview
REPLY_GRACE = timedelta(hours=3)  # C4: the least time an email is given to be answered


def notice_hours(now: datetime, start: datetime) -> float:
    return round((start - now).total_seconds() / 3600, 1)


def urgency(now: datetime, start: datetime) -> Urgency:
    if now >= start:
        return Urgency.missed
    if start - now < SHORT_NOTICE:
        return Urgency.short_notice
    return Urgency.normal


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """A local wall time; a time skipped by DST moves to the first valid minute after it."""
    moment = wall_time(day, clock, tz)
    probe = datetime.combine(day, clock)
    while moment is None:
        probe += timedelta(minutes=30)
        moment = wall_time(probe.date(), probe.time(), tz)
    return moment


def is_quiet(moment: datetime, tz: ZoneInfo) -> bool:
    """Whether `moment` is at night for someone living in `tz`."""
    clock = moment.astimezone(tz).time()
    return clock >= QUIET_FROM or clock < QUIET_UNTIL


def next_morning(moment: datetime, hours: Hours) -> datetime:
    """08:00 on the first working day after the night that `moment` falls in."""
    local = moment.astimezone(hours.zone)
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    while day.isoweekday() not in hours.days:
        day += timedelta(days=1)
    return _at(day, MORNING, hours.zone)


def add_working_days(moment: datetime, days: int, hours: Hours) -> datetime:
    """The same wall time `days` working days later (weekends and days off skipped)."""
    local = moment.astimezone(hours.zone)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if day.isoweekday() in hours.days:
            remaining -= 1
    return _at(day, local.time().replace(tzinfo=None), hours.zone)


def opening_at_or_after(moment: datetime, hours: Hours) -> datetime:
    """`moment` itself when it is inside working hours, else the next opening."""
    local = moment.astimezone(hours.zone)
    if local.isoweekday() in hours.days and hours.start <= local.time() < hours.end:
        return moment
    day = local.date() if local.time() < hours.start else local.date() + timedelta(days=1)
    while day.isoweekday() not in hours.days:
        day += timedelta(days=1)
    return _at(day, hours.start, hours.zone)


def last_opening_before(moment: datetime, hours: Hours) -> datetime | None:
    """The latest moment before `moment` that is inside working hours (None in 14 days)."""
    local = moment.astimezone(hours.zone)
    day = local.date()
    for _ in range(15):
        if day.isoweekday() in hours.days:
            opens = _at(day, hours.start, hours.zone)
            closes = _at(day, hours.end, hours.zone) - timedelta(minutes=1)
            latest = min(closes, moment - timedelta(minutes=1))
            if latest >= opens:
                return latest
        day -= timedelta(days=1)
    return None


def email_due(now: datetime, start: datetime, urgency_: Urgency, recipient: Hours) -> datetime:
    """When the first email goes out (T1, T5).

    Now, unless it is night for the recipient and notice is normal: then the recipient's
    next working morning, as long as that still leaves 24 hours' notice. Where it would
    not (Friday night before a Monday interview), now: an early word beats a late one.
    """
    if urgency_ is not Urgency.normal or not is_quiet(now, recipient.zone):
        return now
    morning = next_morning(now, recipient)
    return morning if start - morning >= SHORT_NOTICE else now


def call_due(earliest: datetime, latest: datetime | None, recipient: Hours) -> datetime:
    """The first moment from `earliest` in the recipient's working hours (T5), or
    `earliest` itself when no working hour is left before `latest` (the interview)."""
    opening = opening_at_or_after(earliest, recipient)
    if latest is None or opening < latest:
        return opening
    return earliest


def in_hours(moment: datetime, hours: Hours) -> bool:
    return opening_at_or_after(moment, hours) == moment


def no_reply_call_due(sent: datetime, start: datetime, recipient: Hours) -> datetime | None:
    """C4: call one working day after the email, or by four hours before the interview if
    that is sooner, always inside the recipient's working hours, and never within
    `REPLY_GRACE` of the email (nobody answers in 59 minutes). None when no such time is
    left before the interview: then the call would only bother them."""
    cutoff = start - CALL_BEFORE_START
    fair = sent + REPLY_GRACE
    wait = add_working_days(sent, NO_REPLY_WAIT_DAYS, recipient)
    if wait <= cutoff:
        opening = opening_at_or_after(wait, recipient)
        if opening <= cutoff:
            return opening
    if cutoff >= fair and in_hours(cutoff, recipient):
        return cutoff
    earlier = last_opening_before(cutoff, recipient)
    if earlier is not None and earlier >= fair:
        return earlier
    later = opening_at_or_after(fair, recipient)
    return later if later < start else None


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
