"""Fair notice, measured: read an organisation's rows for `fairnotice.insights.measure`.

Only counts come back: the events are counted by kind, side and bucket in SQL (a
window function tells each event's time), as `fairnotice.insights.measure` counts them
from rows. Every read is bounded by the workspace and the period and walks an index: the audit
events by (workspace_id, at) (migration 0023), the interviews by (workspace_id, start),
the fill letters by (plan_id, recipient) (migration 0023), the receipts by their
workspace (0022's index). Only the columns the figures need are read, the reason's
category straight out of the JSON detail; how often the period's interviews moved and
how many notices were confirmed are counted in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from fairnotice.errors import N_, BadInput, Phrase
from fairnotice.insights import (
    CANCELLATIONS,
    CANDIDATE_EVENTS,
    CHANGES,
    DAY,
    MOVES,
    READ,
    REASON_BUCKETS,
    SHORT_NOTICE,
    FillNotice,
    Insights,
    Tally,
    tally,
)
from fairnotice.lifecycle import Event
from fairnotice.model import zone
from fairnotice.operations.overview.remembered import PerEngine
from fairnotice.store.tables import (
    Candidate,
    Interview,
    InterviewEvent,
    OutboxMessage,
    PlanRecord,
    Position,
    Receipt,
)

REASONED = ("cancel", "offer", "withdraw")  # events whose detail may keep a reason
DEFAULT_DAYS = 90
MAX_DAYS = 731  # two years, a leap day included
MAX_FIELD = 40  # characters of a date or id field read at all
FIRST_DAY, LAST_DAY = date(1970, 1, 2), date(9999, 12, 30)
# the events' counts and the interviews' moves, remembered (`_counted`)
COUNTED: PerEngine[tuple[tuple[Tally, ...], tuple[tuple[int, int], ...]]] = PerEngine()


@dataclass(frozen=True)
class Period:
    """The asked days (both included, in the viewer's zone) and the position, if one."""

    first: date
    last: date
    position_id: int | None
    zone: ZoneInfo

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time(), self.zone)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone)


def _day(name: str, text: str) -> date:
    """A day of the form; one at the calendar's very ends is refused too (a zone's offset
    from it would leave the range a datetime can hold)."""
    try:
        day = date.fromisoformat(text[:MAX_FIELD].strip())
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise BadInput([(name, N_("expected a date (YYYY-MM-DD)"))])
    return day


def period(
    session: Session,
    *,
    workspace_id: int,
    today: date,
    zone_name: str,
    since: str = "",
    until: str = "",
    position: str = "",
) -> Period:
    """The period and position asked for; empty fields: the last 90 days up to `today`,
    every position. BadInput names each field that is wrong: a date that is not one, an
    end before the start, more than two years, a position not of this workspace."""
    problems: list[tuple[str, str]] = []
    last, first = today, today - timedelta(days=DEFAULT_DAYS - 1)
    try:
        last = _day("until", until) if until.strip() else today
    except BadInput as bad:
        problems += bad.problems
    try:
        first = _day("from", since) if since.strip() else last - timedelta(days=DEFAULT_DAYS - 1)
    except BadInput as bad:
        problems += bad.problems
    if not problems and last < first:
        problems.append(("until", N_("must not be before the start of the period")))
    elif not problems and (last - first).days + 1 > MAX_DAYS:
        problems.append(("until", Phrase("the period is at most %(days)s days", days=MAX_DAYS)))
    position_id = None
    if position.strip():
        position_id = _position(session, workspace_id, position.strip()[:MAX_FIELD])
        if position_id is None:
            problems.append(("position", N_("no such position in this workspace")))
    if problems:
        raise BadInput(problems)
    return Period(first=first, last=last, position_id=position_id, zone=zone(zone_name))


def _position(session: Session, workspace_id: int, text: str) -> int | None:
    if not text.isdigit() or len(text) > 18:
        return None
    found = session.scalar(
        select(Position.id).where(Position.id == int(text), Position.workspace_id == workspace_id)
    )
    return int(found) if found is not None else None


def read(session: Session, *, workspace_id: int, asked: Period) -> Insights:
    """The figures of the period (and position) from the workspace's rows."""
    since, until = asked.since, asked.until
    counted, moved = _counted(session, workspace_id, asked)
    found = tally(
        counted,
        _fills(session, workspace_id, asked.position_id, since, until),
        moved,
        since=since,
        until=until,
        receipts=_receipts(session, workspace_id, asked.position_id, since, until),
    )
    return found


def _counted(
    session: Session, workspace_id: int, asked: Period
) -> tuple[tuple[Tally, ...], tuple[tuple[int, int], ...]]:
    """The period's events counted and its interviews by times moved (`_tallies` and
    `_moved`, most of a request's cost), remembered per process: keyed by the period's
    moments (the default period ends today: a new day is a new key) and the workspace's
    newest audit event, so any new event is counted at once (an interview is made,
    moved, edited or deleted only with one: operations/interviews/transitions.py). An
    index finds that id (SQLite: (workspace_id) with the rowid; PostgreSQL: the primary
    key backwards) in well under a millisecond. The fills and receipts are read fresh:
    they change without an event (a letter sent, a link opened) and cost little."""
    newest = session.scalar(
        select(func.max(InterviewEvent.id)).where(InterviewEvent.workspace_id == workspace_id)
    )
    since, until = asked.since, asked.until
    key = (workspace_id, since, until, asked.position_id, newest)
    store = COUNTED.of(session)
    found = store.get(key)
    if found is None:
        found = (
            tuple(_tallies(session, workspace_id, asked.position_id, since, until)),
            tuple(_moved(session, workspace_id, asked.position_id, since, until)),
        )
        store.put(key, found)
    return found


class epoch(FunctionElement[float]):
    """A stored UTC moment as seconds since the epoch, computed by the database: reading
    50,000 of them as datetimes costs more than the whole query on SQLite."""

    type = Float()
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch, "postgresql")
def _epoch_postgresql(element: epoch, compiler: Any, **kw: Any) -> str:
    # date_part is float8 all the way (extract's numeric costs twice as much), and the
    # same correctly rounded seconds
    return f"date_part('epoch', {compiler.process(element.clauses, **kw)})"


def _tallies(
    session: Session,
    workspace_id: int,
    position_id: int | None,
    since: datetime,
    until: datetime,
) -> list[Tally]:
    """The period's events counted by kind, side and bucket, as `fairnotice.insights`
    `measure` counts them from rows (its `times_of` in SQL): a window counts the moves
    after each event (events after `until` too: they tell the times), which says what
    the interview's start was then; only the counts come back."""
    moves = sorted(e.value for e in MOVES)
    # the JSON is parsed only for the events that keep a reason (most keep none)
    kept = case(
        (
            InterviewEvent.event.in_(REASONED),
            InterviewEvent.detail["reason"]["category"].as_string(),
        ),
        else_=None,
    )
    later = func.sum(case((InterviewEvent.event.in_(moves), 1), else_=0)).over(
        partition_by=InterviewEvent.interview_id,
        order_by=(InterviewEvent.at, InterviewEvent.id),
        rows=(1, None),
    )
    rows = (
        select(
            InterviewEvent.event.label("event"),
            InterviewEvent.actor.label("actor"),
            InterviewEvent.at.label("at"),
            epoch(InterviewEvent.at).label("at_s"),
            epoch(Interview.start).label("start_s"),
            epoch(Interview.previous_start).label("previous_s"),
            kept.label("kept"),
            InterviewEvent.why.label("why"),
            later.label("later"),
        )
        .join(Interview, Interview.id == InterviewEvent.interview_id)
        .where(
            InterviewEvent.workspace_id == workspace_id,
            InterviewEvent.at >= since,
            InterviewEvent.event.in_(sorted(e.value for e in READ)),
        )
    )
    if position_id is not None:
        rows = rows.where(Interview.position_id == position_id)
    row = rows.subquery("events")
    after_moves = func.coalesce(row.c.later, 0)
    is_move = row.c.event.in_(moves)
    # the start before the event (after it, for a move): known up to the last move only
    current = case((after_moves == 0, row.c.start_s), (after_moves == 1, row.c.previous_s))
    before = case((is_move, case((after_moves == 0, row.c.previous_s))), else_=current)
    candidate = sorted(e.value for e in CANDIDATE_EVENTS)
    side = case(
        ((row.c.actor == "candidate") | row.c.event.in_(candidate), "candidate"),
        else_="employer",
    )
    named = case(
        (row.c.kept.in_(REASON_BUCKETS), row.c.kept),
        (
            (row.c.kept.is_(None) | (row.c.kept == "")) & row.c.why.in_(REASON_BUCKETS),
            row.c.why,
        ),
        else_="other",
    )
    # the gaps once per row (materialized: else each bucket's test would compute them again)
    gaps = (
        select(
            row.c.event,
            side.label("side"),
            named.label("named"),
            (before - row.c.at_s).label("notice"),
            (current - row.c.at_s).label("lead"),
        )
        .where(row.c.at < until)
        .cte("gaps")
        .prefix_with("MATERIALIZED")
    )
    changed = sorted(e.value for e in CANCELLATIONS | CHANGES)
    reasoned = sorted(e.value for e in CANCELLATIONS | {Event.offer})
    bucketed = select(
        gaps.c.event,
        gaps.c.side,
        case((gaps.c.event.in_(changed), _notice(gaps.c.notice))).label("notice"),
        case((gaps.c.event.in_(reasoned), gaps.c.named)).label("reason"),
        case((gaps.c.event.in_(moves), _lead(gaps.c.lead))).label("lead"),
    ).subquery("bucketed")  # grouped by name: PostgreSQL does not match expressions
    keys = (bucketed.c.event, bucketed.c.side, bucketed.c.notice, bucketed.c.reason)
    query = select(*keys, bucketed.c.lead, func.count()).group_by(*keys, bucketed.c.lead)
    return [Tally(str(e), str(s), n, r, le, int(c)) for e, s, n, r, le, c in session.execute(query)]


def _notice(gap: Any) -> Any:
    """`fairnotice.insights.notice_bucket` in SQL."""
    return case(
        (gap.is_(None), "unknown"),
        (gap <= 0, "missed"),
        (gap < SHORT_NOTICE, "under_24h"),
        (gap < 3 * DAY, "1d_3d"),
        (gap < 7 * DAY, "3d_7d"),
        else_="over_7d",
    )


def _lead(gap: Any) -> Any:
    """`fairnotice.insights.lead_bucket` in SQL."""
    return case(
        (gap.is_(None), "unknown"),
        (gap < DAY, "under_1d"),
        (gap < 3 * DAY, "1d_3d"),
        (gap < 7 * DAY, "3d_7d"),
        (gap < 14 * DAY, "7d_14d"),
        else_="over_14d",
    )


def _fills(
    session: Session,
    workspace_id: int,
    position_id: int | None,
    since: datetime,
    until: datetime,
) -> list[FillNotice]:
    """Each candidate told of a fill started in the period (E4): the fill's moment and
    when their first letter of it went out (None: not yet). A candidate's letter is the
    fill plan's email to their address."""
    sent = (
        select(func.min(epoch(OutboxMessage.sent_at)))
        .where(
            OutboxMessage.plan_id == PlanRecord.id,
            OutboxMessage.recipient == Candidate.email,
        )
        .scalar_subquery()
    )
    query = (
        select(epoch(PlanRecord.created_at), sent)
        .select_from(Position)
        .join(PlanRecord, PlanRecord.id == Position.fill_plan_id)
        .join(
            Candidate,
            (Candidate.position_id == Position.id) & (Candidate.status == "informed"),
        )
        .where(
            Position.workspace_id == workspace_id,
            PlanRecord.created_at >= since,
            PlanRecord.created_at < until,
        )
    )
    if position_id is not None:
        query = query.where(Position.id == position_id)
    return [FillNotice(float(at), out) for at, out in session.execute(query)]


def _moved(
    session: Session,
    workspace_id: int,
    position_id: int | None,
    since: datetime,
    until: datetime,
) -> list[tuple[int, int]]:
    """(times moved, interviews) of the interviews that start in the period."""
    where: list[Any] = [
        Interview.workspace_id == workspace_id,
        Interview.start >= since,
        Interview.start < until,
    ]
    if position_id is not None:
        where.append(Interview.position_id == position_id)
    query = (
        select(Interview.reschedules, func.count()).where(*where).group_by(Interview.reschedules)
    )
    return [(int(times), int(n)) for times, n in session.execute(query)]


def _receipts(
    session: Session,
    workspace_id: int,
    position_id: int | None,
    since: datetime,
    until: datetime,
) -> tuple[int, int, int]:
    """The notices sent in the period with a "Got it" link (a receipt is made when its
    notice is queued, and counts once it went): (confirmed, opened but not confirmed, not
    opened)."""
    confirmed = Receipt.confirmed_at.is_not(None)
    opened = Receipt.opened_at.is_not(None) & Receipt.confirmed_at.is_(None)
    query = (
        select(func.count().filter(confirmed), func.count().filter(opened), func.count())
        .join(OutboxMessage, OutboxMessage.id == Receipt.outbox_id)
        .where(
            Receipt.workspace_id == workspace_id,
            OutboxMessage.state == "sent",
            OutboxMessage.sent_at >= since,
            OutboxMessage.sent_at < until,
        )
    )
    if position_id is not None:
        query = query.join(Interview, Interview.id == Receipt.interview_id).where(
            Interview.position_id == position_id
        )
    row = session.execute(query).one()
    yes, seen, total = (int(n or 0) for n in row)
    return yes, seen, total - yes - seen
