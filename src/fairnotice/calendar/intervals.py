"""Where parsed calendars keep their busy intervals, so slot search never re-parses.

An imported calendar is parsed and expanded once (`expand.busy_intervals`); its intervals
go into an `IntervalStore` under a key, together with the window they cover. Slot search
reads them back for the window it needs. The in-memory store below serves the CLI, tests
and benchmarks; the database adapter implements the same Protocol.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from fairnotice.calendar.expand import Interval, merge


class IntervalStore(Protocol):
    """Busy intervals per calendar key, as of the window they were expanded for."""

    def replace(self, key: str, intervals: Iterable[Interval], *, window: Interval) -> None:
        """Store `key`'s busy intervals for `window`, dropping what was there before."""

    def window(self, key: str) -> Interval | None:
        """The window `key` was expanded for, or None when it was never stored."""

    def busy(self, keys: Sequence[str], start: datetime, end: datetime) -> list[Interval]:
        """The stored intervals of `keys` that overlap [start, end), sorted by start."""


@dataclass(slots=True)
class _Entry:
    window: Interval
    starts: list[datetime]
    ends: list[datetime]


class MemoryIntervalStore:
    """`IntervalStore` in a dict: merged intervals per key, found by bisection."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def replace(self, key: str, intervals: Iterable[Interval], *, window: Interval) -> None:
        merged = merge((s.astimezone(UTC), e.astimezone(UTC)) for s, e in intervals)
        self._entries[key] = _Entry(
            window=(window[0].astimezone(UTC), window[1].astimezone(UTC)),
            starts=[s for s, _ in merged],
            ends=[e for _, e in merged],
        )

    def window(self, key: str) -> Interval | None:
        entry = self._entries.get(key)
        return entry.window if entry else None

    def busy(self, keys: Sequence[str], start: datetime, end: datetime) -> list[Interval]:
        out: list[Interval] = []
        lo, hi = start.astimezone(UTC), end.astimezone(UTC)
        for key in keys:
            entry = self._entries.get(key)
            if entry is None:
                continue
            # Merged intervals do not overlap, so their ends are sorted too.
            first = bisect_right(entry.ends, lo)
            last = bisect_left(entry.starts, hi)
            out.extend(zip(entry.starts[first:last], entry.ends[first:last], strict=True))
        out.sort()
        return out
