"""The in-memory IntervalStore: what the SQL store must behave like too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from fairnotice.calendar.intervals import IntervalStore, MemoryIntervalStore


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_busy_returns_the_merged_overlapping_intervals_of_the_keys_sorted() -> None:
    store: IntervalStore = MemoryIntervalStore()
    window = (at(1, 0), at(31, 0))
    cest = timezone(timedelta(hours=2))
    store.replace(
        "a",
        [
            (at(2, 9), at(2, 10)),
            (
                at(
                    2,
                    9,
                ),
                at(2, 11),
            ),
            (at(5, 9), at(5, 10)),
        ],
        window=window,
    )
    store.replace(
        "b",
        [(datetime(2026, 3, 3, 12, tzinfo=cest), datetime(2026, 3, 3, 13, tzinfo=cest))],
        window=window,
    )
    assert store.busy(["a", "b"], at(1, 0), at(31, 0)) == [
        (at(2, 9), at(2, 11)),
        (at(3, 10), at(3, 11)),
        (at(5, 9), at(5, 10)),
    ]
    # Overlap, not containment: an interval reaching into the range counts.
    assert store.busy(["a"], at(2, 10), at(5, 9)) == [(at(2, 9), at(2, 11))]
    assert store.busy(["a"], at(2, 11), at(5, 9)) == []  # touching ends do not overlap
    assert store.busy(["nobody"], at(1, 0), at(31, 0)) == []
    assert store.window("a") == window and store.window("nobody") is None


def test_replace_drops_what_was_stored_before() -> None:
    store = MemoryIntervalStore()
    store.replace("a", [(at(2, 9), at(2, 10))], window=(at(1, 0), at(8, 0)))
    store.replace("a", [(at(9, 9), at(9, 10))], window=(at(8, 0), at(15, 0)))
    assert store.busy(["a"], at(1, 0), at(31, 0)) == [(at(9, 9), at(9, 10))]
    assert store.window("a") == (at(8, 0), at(15, 0))
