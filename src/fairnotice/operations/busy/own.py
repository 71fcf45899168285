"""A user's own stored calendars (subscription links and any other stored source) on their
interview page: their busy time marked in the week view, and counted in the new times a
plan proposes, under the one rule (sources.why_not_answering): when one of them cannot
answer, the plan proposes nothing as free but says the time cannot be checked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from fairnotice.calendar.expand import OwnEvent
from fairnotice.errors import Phrase, joined
from fairnotice.model import zone
from fairnotice.operations.busy.stored import PLANNING_WINDOW, CalendarNotReady, owners_busy


def week_marks(
    session: Session,
    *,
    workspace_id: int,
    email: str,
    days: Sequence[date],
    blocks: Sequence[int],
    block_hours: int,
    zone_name: str,
    now: datetime,
    own: OwnEvent | None = None,
) -> tuple[set[str], list[str]]:
    """The week view's blocks ("YYYY-MM-DDTHH") the user's stored calendars hold busy
    time in, and why any of them cannot answer for those days."""
    if not days:
        return set(), []
    tz = zone(zone_name)
    start = datetime.combine(days[0], time(0), tzinfo=tz)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=tz)
    found, unread = owners_busy(
        session,
        workspace_id=workspace_id,
        emails=[email],
        start=start,
        end=end,
        own=own,
        now=now,
    )
    marks: set[str] = set()
    for day in days:
        for hour in blocks:
            low = datetime.combine(day, time(hour), tzinfo=tz)
            high = low + timedelta(hours=block_hours)
            if any(s < high and e > low for s, e in found):
                marks.add(f"{day.isoformat()}T{hour:02d}")
    return marks, unread


def plan_busy(
    session: Session,
    *,
    workspace_id: int,
    email: str,
    now: datetime,
    own: OwnEvent | None = None,
) -> list[dict[str, str]]:
    """The busy periods of the user's stored calendars for a plan's new times (the
    planner's weeks ahead, and the interview's own day); `CalendarNotReady` (409) naming
    each one that cannot answer, so no time is proposed as free without being checked."""
    start, end = now - timedelta(days=1), now + PLANNING_WINDOW
    if own is not None:
        start, end = min(start, own.start - timedelta(days=1)), max(end, own.end + timedelta(1))
    found, unread = owners_busy(
        session, workspace_id=workspace_id, emails=[email], start=start, end=end, own=own, now=now
    )
    if unread:
        raise CalendarNotReady(
            Phrase(
                "The new times cannot be checked against your calendar: %(why)s. No time is "
                "proposed as free until it can be; remove the calendar or try again later.",
                why=joined(unread),
            )
        )
    return [{"start": s.isoformat(), "end": e.isoformat()} for s, e in found]
