"""Fair notice, measured (issue 17): an organisation's figures from its audit trail (pure).

`tally` takes what the operations layer counted (the period's audit events by kind,
side and bucket, the fill letters, the interviews by how often they moved) and a period,
and returns every figure as a `Chart`: named buckets counted per series. The pages draw
them, the CSV and the REST API list them; all three come from this one function, so they
cannot disagree. No clock, no database: the period and the counts come in. `measure`
makes the same counts from the event rows themselves (the reference the SQL is tested
against: at 50,000 events, walking the rows in Python cost most of a request).

Moments are seconds since the epoch (floats): the reader has the database compute them,
which at 50,000 events costs far less than a datetime per column and row.

The notice of a change (T2) is the time from the event to the interview's start as it
was then. The audit trail keeps the event's moment but not the time it changed, so that
time is read back from the interview: its current start after its last move, the start
before it (`previous_start`) before the last move, and unknown before earlier moves
(those changes are counted as `unknown`, never guessed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from fairnotice.lifecycle import Event
from fairnotice.model import ReasonCategory

HOUR = 3600.0
DAY = 24 * HOUR
SHORT_NOTICE = DAY  # T2: under 24 hours is short notice

# events that move the interview to a new time (what `interviews.reschedules` counts)
MOVES = frozenset({Event.pick, Event.book, Event.agree, Event.edit_time})
# events that change or end a booked time: the notice they gave is measured (T2)
CANCELLATIONS = frozenset({Event.cancel, Event.withdraw})
CHANGES = frozenset({Event.offer, Event.book, Event.agree, Event.edit_time})
# events whose side is the candidate's, whoever recorded them
CANDIDATE_EVENTS = frozenset({Event.withdraw, Event.decline, Event.pick})
# every event `measure` reads; the reader asks for these only
READ = frozenset({*MOVES, *CANCELLATIONS, *CHANGES, Event.decline, Event.no_show, Event.took_place})
SIDES = ("employer", "candidate")
OUTCOMES = frozenset({Event.took_place, Event.no_show})


class EventRow(NamedTuple):
    """One audit event with what of its interview the figures need (moments in seconds
    since the epoch)."""

    interview_id: int
    at: float
    event: str
    actor: str
    category: str | None  # the reason's category, when the event kept one
    start: float  # the interview's start now
    previous_start: float | None  # its start before its last move


class FillNotice(NamedTuple):
    """One remaining candidate of a filled position: when the fill was started and when
    the letter telling them went out (None: not sent yet)."""

    filled_at: float
    sent_at: float | None


@dataclass(frozen=True, slots=True)
class Chart:
    """Counts by bucket and series; `buckets` and `series` are keys (the faces give them
    words: web/routes/insights.py `LABELS`)."""

    key: str
    series: tuple[str, ...]
    buckets: tuple[str, ...]
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(self, series: str, bucket: str) -> int:
        return self.counts.get((series, bucket), 0)

    def total(self, series: str) -> int:
        return sum(self.count(series, b) for b in self.buckets)


@dataclass(frozen=True, slots=True)
class Insights:
    since: datetime
    until: datetime
    charts: tuple[Chart, ...]
    short_notice: dict[str, tuple[int, int]]  # side -> (short, measured)

    def chart(self, key: str) -> Chart:
        return next(c for c in self.charts if c.key == key)


FILL_BUCKETS = ("under_1h", "1h_24h", "1d_3d", "over_3d", "not_sent")
NOTICE_BUCKETS = ("missed", "under_24h", "1d_3d", "3d_7d", "over_7d", "unknown")
LEAD_BUCKETS = ("under_1d", "1d_3d", "3d_7d", "7d_14d", "over_14d", "unknown")
RESCHEDULE_BUCKETS = ("0", "1", "2", "3+")
OUTCOME_BUCKETS = ("took_place", "no_show")
RECEIPT_BUCKETS = ("confirmed", "opened", "not_opened")
REASON_BUCKETS = tuple(c.value for c in ReasonCategory)


def side_of(event: str, actor: str) -> str:
    """Whose change it was: the candidate's for a withdrawal, a decline or a pick, or
    anything the candidate did through a link; else the employer's."""
    if actor == "candidate" or event in CANDIDATE_EVENTS:
        return "candidate"
    return "employer"


def fill_bucket(delay: float | None) -> str:
    if delay is None:
        return "not_sent"
    if delay < HOUR:
        return "under_1h"
    if delay < DAY:
        return "1h_24h"
    return "1d_3d" if delay < 3 * DAY else "over_3d"


def notice_bucket(notice: float | None) -> str:
    """T2's buckets: after the start (missed), short notice, and normal notice by days."""
    if notice is None:
        return "unknown"
    if notice <= 0:
        return "missed"
    if notice < SHORT_NOTICE:
        return "under_24h"
    if notice < 3 * DAY:
        return "1d_3d"
    return "3d_7d" if notice < 7 * DAY else "over_7d"


def lead_bucket(lead: float | None) -> str:
    if lead is None:
        return "unknown"
    if lead < DAY:
        return "under_1d"
    if lead < 3 * DAY:
        return "1d_3d"
    if lead < 7 * DAY:
        return "3d_7d"
    return "7d_14d" if lead < 14 * DAY else "over_14d"


def times_of(rows: Sequence[EventRow]) -> list[tuple[float | None, float | None]]:
    """The interview's start before and after each of its events (rows of one interview,
    oldest first), read back from its current start: known up to its last move and across
    it (`previous_start`), unknown before earlier moves."""
    found: list[tuple[float | None, float | None]] = []
    current: float | None = rows[-1].start if rows else None
    moves_after = 0
    for row in reversed(rows):
        if row.event in MOVES:
            after = current
            before = row.previous_start if moves_after == 0 else None
            found.append((before, after))
            current = before
            moves_after += 1
        else:
            found.append((current, current))
    found.reverse()
    return found


class Tally(NamedTuple):
    """How many events of the period share one kind, side and set of buckets: what the
    reader counts in SQL (operations/overview/insights.py) and `measure` counts from rows. A bucket
    is None where its chart does not count the event."""

    event: str
    side: str
    notice: str | None  # NOTICE_BUCKETS, for a cancellation or change
    reason: str | None  # REASON_BUCKETS, for a cancellation, withdrawal or offer
    lead: str | None  # LEAD_BUCKETS, for a move
    n: int


def measure(
    events: Iterable[EventRow],
    fills: Iterable[FillNotice],
    moved: Iterable[tuple[int, int]],
    *,
    since: datetime,
    until: datetime,
    receipts: tuple[int, int, int] = (0, 0, 0),
) -> Insights:
    """Every figure of the period [since, until), from the events' rows.

    `events`: the workspace's audit events of the kinds in READ from `since` on, ordered
    by interview and time (events after `until` are read back for the times only).
    The reader counts the same in SQL (`tally`); this walk is the reference the tests
    hold it to.
    """
    return tally(
        _tallies(events, since.timestamp(), until.timestamp()),
        fills,
        moved,
        since=since,
        until=until,
        receipts=receipts,
    )


def _tallies(events: Iterable[EventRow], first: float, last: float) -> list[Tally]:
    found: dict[tuple[str, str, str | None, str | None, str | None], int] = {}
    for rows in _by_interview(events):
        for row, (before, after) in zip(rows, times_of(rows), strict=True):
            if not first <= row.at < last:
                continue
            event = row.event
            notice = reason = lead = None
            if event in CANCELLATIONS or event in CHANGES:
                notice = notice_bucket(None if before is None else before - row.at)
            if event in CANCELLATIONS or event == Event.offer:
                reason = row.category if row.category in REASON_BUCKETS else "other"
            if event in MOVES:
                lead = lead_bucket(None if after is None else after - row.at)
            key = (event, side_of(event, row.actor), notice, reason, lead)
            found[key] = found.get(key, 0) + 1
    return [Tally(*key, n) for key, n in found.items()]


def tally(
    tallies: Iterable[Tally],
    fills: Iterable[FillNotice],
    moved: Iterable[tuple[int, int]],
    *,
    since: datetime,
    until: datetime,
    receipts: tuple[int, int, int] = (0, 0, 0),
) -> Insights:
    """Every figure of the period [since, until), from counts already made.

    `tallies`: the period's events counted by kind, side and bucket. `fills`: the letters
    of fills started in the period. `moved`: (times moved, how many interviews) for the
    interviews that start in the period. `receipts`: the notices sent in the period with
    a "Got it" link, as (confirmed, opened only, not opened).
    """
    fill = Chart("fill_notice", ("candidates",), FILL_BUCKETS, {})
    for letter in fills:
        sent, filled = letter.sent_at, letter.filled_at
        delay = None if sent is None else max(sent - filled, 0.0)
        _add(fill, "candidates", fill_bucket(delay))
    notice = Chart("notice", SIDES, NOTICE_BUCKETS, {})
    reasons = Chart("reasons", SIDES, REASON_BUCKETS, {})
    lead = Chart("move_lead", ("changes",), LEAD_BUCKETS, {})
    outcomes = Chart("outcomes", ("interviews",), OUTCOME_BUCKETS, {})
    for group in tallies:
        if group.notice is not None:
            _add(notice, group.side, group.notice, group.n)
        if group.reason is not None:
            _add(reasons, group.side, group.reason, group.n)
        if group.lead is not None:
            _add(lead, "changes", group.lead, group.n)
        if group.event in OUTCOMES:
            _add(outcomes, "interviews", group.event, group.n)
    reschedules = Chart("reschedules", ("interviews",), RESCHEDULE_BUCKETS, {})
    for times, interviews in moved:
        _add(reschedules, "interviews", str(times) if times < 3 else "3+", interviews)
    short = {
        side: (
            notice.count(side, "missed") + notice.count(side, "under_24h"),
            notice.total(side) - notice.count(side, "unknown"),
        )
        for side in SIDES
    }
    confirmed = Chart("confirmations", ("notices",), RECEIPT_BUCKETS, {})
    for bucket, n in zip(RECEIPT_BUCKETS, receipts, strict=True):
        _add(confirmed, "notices", bucket, n)
    charts = (fill, notice, reasons, reschedules, lead, outcomes, confirmed)
    return Insights(since=since, until=until, charts=charts, short_notice=short)


def _add(chart: Chart, series: str, bucket: str, n: int = 1) -> None:
    key = (series, bucket)
    chart.counts[key] = chart.counts.get(key, 0) + n


def _by_interview(events: Iterable[EventRow]) -> Iterable[list[EventRow]]:
    """Runs of rows of one interview (the reader orders them by interview, then time)."""
    run: list[EventRow] = []
    for row in events:
        if run and row.interview_id != run[0].interview_id:
            yield run
            run = []
        run.append(row)
    if run:
        yield run


@dataclass(frozen=True, slots=True)
class Figure:
    """One number of the insights: a row of the CSV, an item of the REST API."""

    chart: str
    series: str
    bucket: str
    value: int


def figures(found: Insights) -> list[Figure]:
    """Every count, chart by chart, series by series, bucket by bucket; then the short
    notice per side (`short` of `measured`)."""
    rows = [
        Figure(chart.key, series, bucket, chart.count(series, bucket))
        for chart in found.charts
        for series in chart.series
        for bucket in chart.buckets
    ]
    for side, (short, measured) in found.short_notice.items():
        rows.append(Figure("short_notice", side, "short", short))
        rows.append(Figure("short_notice", side, "measured", measured))
    return rows
