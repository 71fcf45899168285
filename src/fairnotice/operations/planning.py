"""plan_change: a situation from outside in, a plan out, with the real clock supplied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fairnotice.model import Plan, Situation
from fairnotice.rules.planner import plan


def system_now() -> datetime:
    return datetime.now(UTC)


def plan_change(*, situation: Situation, clock: Callable[[], datetime] = system_now) -> Plan:
    """The plan for `situation`, taking `now` from the clock when the situation has none.

    The busy time of the calendars named in `availability.calendars` is read first.
    """
    from fairnotice.operations.calendars import with_calendar_busy

    now = situation.now or clock()
    return plan(with_calendar_busy(situation, now=now), now=now)
