"""plan_change: a situation from outside in, a plan out, with the real clock supplied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from fairnotice.model import Plan, Situation
from fairnotice.operations.common.clock import system_now
from fairnotice.rules.planner import plan

if TYPE_CHECKING:
    from fairnotice.settings import CalendarSettings

__all__ = ["plan_change", "system_now"]


def plan_change(
    *,
    situation: Situation,
    clock: Callable[[], datetime] = system_now,
    slots: list[tuple[datetime, datetime]] | None = None,
    calendars: CalendarSettings | None = None,
) -> Plan:
    """The plan for `situation`, taking `now` from the clock when the situation has none.

    The busy time of the calendars named in `availability.calendars` is read first, with
    `calendars` (`settings.calendars`: the size cap, the CLI user's CalDAV login; none
    given: 1 MiB, no login).
    """
    now = situation.now or clock()
    if situation.availability and situation.availability.calendars:
        from fairnotice.operations.busy.calendars import with_calendar_busy  # only when needed

        if calendars is None:
            situation = with_calendar_busy(situation, now=now)
        else:
            situation = with_calendar_busy(situation, now=now, config=calendars)
    return plan(situation, now=now, slots=slots)
