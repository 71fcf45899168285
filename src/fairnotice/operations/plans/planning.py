"""plan_change: a situation from outside in, a plan out, with the real clock supplied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fairnotice.model import Plan, Situation
from fairnotice.operations.common.clock import system_now
from fairnotice.rules.planner import plan

__all__ = ["plan_change", "system_now"]


def plan_change(
    *,
    situation: Situation,
    clock: Callable[[], datetime] = system_now,
    slots: list[tuple[datetime, datetime]] | None = None,
) -> Plan:
    """The plan for `situation`, taking `now` from the clock when the situation has none.

    The busy time of the calendars named in `availability.calendars` is read first.
    """
    now = situation.now or clock()
    if situation.availability and situation.availability.calendars:
        from fairnotice.operations.busy.calendars import with_calendar_busy  # only when needed

        situation = with_calendar_busy(situation, now=now)
    return plan(situation, now=now, slots=slots)
