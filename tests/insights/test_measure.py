"""The pure figures (fairnotice.insights): T2's boundary, the times read back from an
interview's current and previous start, sides, and a period that leaves events out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fairnotice.insights import EventRow, FillNotice, figures, measure, notice_bucket, times_of

T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _row(at: datetime, event: str, **kw: object) -> EventRow:
    """An event; its moments given as datetimes, kept as the reader gives them (seconds)."""
    fields: dict[str, object] = {
        "interview_id": 1,
        "actor": "user:1",
        "category": None,
        "start": T + 100 * H,
        "previous_start": None,
        **kw,
    }
    for name in ("start", "previous_start"):
        moment = fields[name]
        fields[name] = moment.timestamp() if isinstance(moment, datetime) else moment
    return EventRow(at=at.timestamp(), event=event, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("notice", "bucket"),
    [
        (-H, "missed"),
        (timedelta(0), "missed"),
        (24 * H - timedelta(seconds=1), "under_24h"),
        (24 * H, "1d_3d"),  # T2: 24 hours is normal notice
        (7 * 24 * H, "over_7d"),
        (None, "unknown"),
    ],
)
def test_t2_boundary(notice: timedelta | None, bucket: str) -> None:
    assert notice_bucket(None if notice is None else notice.total_seconds()) == bucket


def test_times_are_known_up_to_the_last_move_only() -> None:
    start, previous = T + 100 * H, T + 50 * H
    rows = [
        _row(T, "book", start=start, previous_start=previous),
        _row(T + H, "offer", start=start, previous_start=previous),
        _row(T + 2 * H, "pick", start=start, previous_start=previous, actor="candidate"),
        _row(T + 3 * H, "cancel", start=start, previous_start=previous),
    ]
    was, now = previous.timestamp(), start.timestamp()
    assert times_of(rows) == [
        (None, was),  # an earlier move: from a time not known, to the one left last
        (was, was),
        (was, now),  # the last move: previous_start to start
        (now, now),
    ]


def test_sides_reasons_and_the_period() -> None:
    start = T + 30 * H
    events = [
        _row(T - H, "cancel", interview_id=1, start=start, category="illness"),  # before
        _row(T + 10 * H, "withdraw", interview_id=2, start=start, category="lost_interest"),
        _row(T + 20 * H, "offer", interview_id=3, start=start, actor="user:9"),
        _row(
            T + 29 * H,
            "book",
            interview_id=4,
            start=T + 60 * H,
            previous_start=start,
            actor="candidate",
        ),
    ]
    found = measure(
        events,
        [FillNotice(T.timestamp(), (T + 2 * H).timestamp()), FillNotice(T.timestamp(), None)],
        [(0, 3), (5, 2)],
        since=T,
        until=T + 48 * H,
    )
    notice, reasons = found.chart("notice"), found.chart("reasons")
    assert notice.count("candidate", "under_24h") == 2  # the withdrawal (20 h) and the booking
    assert notice.count("employer", "under_24h") == 1  # the offer, 10 hours ahead
    assert notice.total("employer") == 1  # the cancellation before the period is left out
    assert reasons.count("candidate", "lost_interest") == 1
    assert reasons.count("employer", "other") == 1  # an offer without a category
    assert found.short_notice == {"employer": (1, 1), "candidate": (2, 2)}
    assert found.chart("reschedules").count("interviews", "3+") == 2
    fill = found.chart("fill_notice")
    assert (fill.count("candidates", "1h_24h"), fill.count("candidates", "not_sent")) == (1, 1)
    rows = figures(found)
    assert len({(r.chart, r.series, r.bucket) for r in rows}) == len(rows)
    assert sum(r.value for r in rows if r.chart == "notice") == 3
