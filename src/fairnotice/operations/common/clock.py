"""The real clock, in its own module so that workers and faces can take it without
importing the planner (half a second of start-up)."""

from __future__ import annotations

from datetime import UTC, datetime


def system_now() -> datetime:
    return datetime.now(UTC)
