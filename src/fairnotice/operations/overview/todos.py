"""The overview's to-dos: the facts of a workspace read in a fixed number of queries, and
`fairnotice.todos.derive` over them (issue 11, point 6).

Read: the interviews waiting for a time; the booked ones that end within the horizon or
have a plan step due within it; those closed (or held) recently; those with a letter
that did not go. Then the offers of those waiting for a time; their plans and the plans
about no single interview with a step due within the horizon; the open steps of plans
with a step due within it; the drafts and failures of the outbox. Six statements,
however many interviews: no query per row.

The bound is `derive`'s own: a booked interview's items come at its end at the earliest
(marking the outcome; a status inquiry a working week later), a plan's items are its open
steps at their due time. An interview booked for next month (at 50,000 candidates, some
thousands of them) can give nothing within the horizon, so it is not read;
`facts(horizon=None)` reads as before, which the tests compare against.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from fairnotice.lifecycle import ACTIVE, BOOKED, OfferState, State
from fairnotice.operations.common.listing import Page
from fairnotice.operations.outbox import receipts
from fairnotice.store.tables import (
    Interview,
    InterviewEvent,
    Offer,
    OutboxMessage,
    PlanRecord,
    PlanStep,
    Position,
    ReplyRecord,
    Workspace,
)
from fairnotice.todos import (
    HORIZON,
    InterviewFacts,
    Kind,
    LetterFacts,
    OfferFacts,
    PlanFacts,
    StepFacts,
    Todo,
    Todos,
    derive,
)

RECENT = timedelta(days=30)  # a closed interview's own items last this long at most
UNDELIVERED = ("failed", "draft")
WENT = ("pending", "sending", "sent")  # a plan's emails are queued or gone
FILLED = ("filling", "filled")  # being told in the background counts as told
STATES = {s.value: s for s in State}  # State(value) costs 7 us a row: 35 ms at 5,000 rows


def todos(
    session: Session, *, workspace_id: int, now: datetime, horizon: timedelta = HORIZON
) -> Todos:
    """What is due now in the workspace, and what comes next (within `horizon`)."""
    found = facts(session, workspace_id=workspace_id, now=now, horizon=horizon)
    return derive(now=now, horizon=horizon, **found)


@dataclass(frozen=True)
class TodoPage:
    """One page of the to-dos: those due now first, then the next ones, in that order;
    how many of each kind there are in all (the overview's summary)."""

    items: Todos  # this page's items, under "due now" and "next"
    page: Page[Todo]  # its place in the whole list (totals, offsets)
    due_total: int  # how many are due now in all
    next_total: int
    kinds: dict[Kind, int]  # how many of each kind are due now or next, in all


def paged(found: Todos, *, offset: int, limit: int) -> TodoPage:
    """A page of `limit` items from `offset` of the list due now, then next (of every
    item derived: what `page` must equal)."""
    both = found.now + found.next
    rows = both[offset : offset + limit]
    shown_now = max(0, min(len(found.now) - offset, len(rows)))
    return TodoPage(
        items=Todos(now=rows[:shown_now], next=rows[shown_now:]),
        page=Page(rows=rows, total=len(both), offset=offset, limit=limit),
        due_total=len(found.now),
        next_total=len(found.next),
        kinds=_ranked(Counter(t.kind for t in both)),
    )


def _ranked(counts: Counter[Kind]) -> dict[Kind, int]:
    """The kinds, most items first (ties by name: the same order however they were met)."""
    return {k: counts[k] for k in sorted(counts, key=lambda k: (-counts[k], k.value)) if counts[k]}


def page(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    offset: int,
    limit: int,
    horizon: timedelta = HORIZON,
) -> TodoPage:
    """`paged(todos(...))` without deriving the plain cases beyond the page. An employer's
    interview that is over (or ends within the horizon) and not marked gives one item,
    known without `derive` (`_plain`); at 50,000 candidates those are thousands. They are
    counted in SQL, and only those on the page are read and derived; every other item is
    derived as `todos` derives it. The tests compare the two on varied worlds."""
    side = session.scalar(select(Workspace.kind).where(Workspace.id == workspace_id))
    if side != "organisation":
        found = todos(session, workspace_id=workspace_id, now=now, horizon=horizon)
        return paged(found, offset=offset, limit=limit)
    rest = derive(
        now=now,
        horizon=horizon,
        **facts(session, workspace_id=workspace_id, now=now, horizon=horizon, counted=True),
    )
    plain = and_(Interview.workspace_id == workspace_id, _plain(), Interview.end <= now + horizon)
    due = Interview.end <= now
    grouped = session.execute(select(due, func.count()).where(plain).group_by(due))
    counted = {bool(d): int(n) for d, n in grouped}
    due_total = len(rest.now) + counted.get(True, 0)
    next_total = len(rest.next) + counted.get(False, 0)
    want = offset + limit  # the page lies within the first `want` of each list
    lists = []
    for part, chosen, needed in ((rest.now, due, True), (rest.next, not_(due), want > due_total)):
        query = select(Interview.end, Interview.id).where(plain, chosen)
        ordered = query.order_by(Interview.end, Interview.id).limit(want)
        firsts = session.execute(ordered).all() if needed else []
        lists.append(sorted([*map(_key, part), *((e, PLAIN, i) for e, i in firsts)])[:want])
    shown = (lists[0] + lists[1])[offset:want]  # lists[0] is all of "now" if it ends before
    items = {_key(t): t for t in rest.now + rest.next}
    read = [key[2] for key in shown if key not in items]  # plain ones: their ids
    items.update((_key(t), t) for t in _derived(session, read, now, horizon))
    rows = [items[key] for key in shown]
    kinds = Counter(t.kind for t in rest.now + rest.next)
    kinds[Kind.mark_outcome] += counted.get(True, 0) + counted.get(False, 0)
    shown_now = max(0, min(due_total - offset, len(rows)))
    return TodoPage(
        items=Todos(now=rows[:shown_now], next=rows[shown_now:]),
        page=Page(rows=rows, total=due_total + next_total, offset=offset, limit=limit),
        due_total=due_total,
        next_total=next_total,
        kinds=_ranked(kinds),
    )


PLAIN = Kind.mark_outcome.value


def _key(item: Todo) -> tuple[datetime, str, int]:
    """Where an item stands in the list (`derive` sorts by it)."""
    return (item.due, item.kind.value, item.ref)


def _plain() -> ColumnElement[bool]:
    """An employer's interview whose only item is marking its outcome, due at its end
    (`derive`: booked, on the employer's side): its position is not being filled, and it
    has no plan (whose steps would be items, or make its letters moot) and no letter that
    did not go (judged against it)."""
    return and_(
        Interview.status.in_([s.value for s in BOOKED]),
        not_(exists().where(Position.id == Interview.position_id, Position.status.in_(FILLED))),
        not_(exists().where(PlanRecord.interview_id == Interview.id)),
        not_(
            exists().where(
                OutboxMessage.interview_id == Interview.id,
                OutboxMessage.state.in_(UNDELIVERED),
            )
        ),
    )


def _derived(session: Session, ids: list[int], now: datetime, horizon: timedelta) -> list[Todo]:
    """The items of these plain interviews (one each), derived from their facts."""
    if not ids:
        return []
    chosen = select(Interview.id).where(Interview.id.in_(ids)).subquery()
    found = derive(now=now, horizon=horizon, interviews=_interviews(session, chosen, True, {}))
    return found.now + found.next


def facts(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    horizon: timedelta | None = HORIZON,
    counted: bool = False,
) -> dict[str, Any]:
    """The facts `derive` takes, as keyword arguments (interviews, plans, steps, letters):
    those that can give an item due by `now + horizon` (every open one if `horizon` is
    None). `counted`: without the plain interviews `page` counts in SQL."""
    side = session.scalar(select(Workspace.kind).where(Workspace.id == workspace_id))
    until = None if horizon is None else now + horizon
    chosen = _chosen(workspace_id, now, until, counted and side == "organisation")
    if counted:  # few once the plain ones are left out: read once, not in each statement
        ids = list(session.scalars(select(chosen.c.id)))
        chosen = select(Interview.id).where(Interview.id.in_(ids)).subquery()
    offers = _offers(session, workspace_id)
    interviews = _interviews(session, chosen, side == "organisation", offers)
    open_step = exists().where(PlanStep.plan_id == PlanRecord.id, _open_step(until))
    unplaced: ColumnElement[bool] = open_step
    if until is not None:  # or it made a letter that did not go (which names its position)
        written = exists().where(
            OutboxMessage.plan_id == PlanRecord.id, OutboxMessage.state.in_(UNDELIVERED)
        )
        any_step = exists().where(PlanStep.plan_id == PlanRecord.id, _open_step(None))
        unplaced = or_(open_step, and_(any_step, written))
    plans_where = and_(
        PlanRecord.workspace_id == workspace_id,
        or_(
            PlanRecord.interview_id.in_(select(chosen.c.id)),
            and_(PlanRecord.interview_id.is_(None), unplaced),
        ),
    )
    steps_where = plans_where if until is None else and_(plans_where, open_step)
    return {
        "interviews": interviews,
        "plans": _plans(session, plans_where),
        "steps": _steps(session, workspace_id, steps_where),
        "letters": _letters(session, workspace_id),
        # C4: notices nobody confirmed, from the receipts' index (never every receipt)
        "receipts": receipts.unconfirmed(
            session,
            workspace_id=workspace_id,
            now=now,
            until=now + (HORIZON if horizon is None else horizon),
        ),
    }


def _open_step(until: datetime | None) -> ColumnElement[bool]:
    """A plan step still to do (due by `until`, if given): its plan can give an item."""
    if until is None:
        return PlanStep.state == "open"
    return and_(PlanStep.state == "open", PlanStep.due <= until)


def _changed() -> Any:
    """When the interview's state last changed (its newest audit event)."""
    return (
        select(func.max(InterviewEvent.at))
        .where(InterviewEvent.interview_id == Interview.id)
        .correlate(Interview)
        .scalar_subquery()
    )


def _chosen(workspace_id: int, now: datetime, until: datetime | None, counted: bool) -> Any:
    """The interviews whose items may still be due (by `until`), as a subquery of ids
    (`counted`: but the plain ones)."""
    undelivered = select(OutboxMessage.interview_id).where(
        OutboxMessage.workspace_id == workspace_id,
        OutboxMessage.state.in_(UNDELIVERED),
        OutboxMessage.interview_id.is_not(None),
    )
    since = now - RECENT
    recent = or_(Interview.end >= since, _changed() >= since)
    if until is None:
        live: ColumnElement[bool] = Interview.status.in_([s.value for s in ACTIVE])
    else:
        # lists computed once (a correlated EXISTS per interview scans steps or letters)
        stepped = Interview.id.in_(
            select(PlanRecord.interview_id)
            .join(PlanStep, PlanStep.plan_id == PlanRecord.id)
            .where(PlanRecord.workspace_id == workspace_id, _open_step(until))
        )
        # a letter of one of its plans is judged against the interview (its SEQUENCE)
        written = Interview.id.in_(
            select(PlanRecord.interview_id)
            .join(OutboxMessage, OutboxMessage.plan_id == PlanRecord.id)
            .where(
                OutboxMessage.workspace_id == workspace_id,
                OutboxMessage.state.in_(UNDELIVERED),
            )
        )
        live = or_(
            Interview.status.in_([s.value for s in ACTIVE - BOOKED]),
            and_(
                Interview.status.in_([s.value for s in BOOKED]),
                or_(Interview.end <= until, stepped, written),
            ),
        )
        recent = and_(Interview.status.not_in([s.value for s in ACTIVE]), recent)
    where = and_(
        Interview.workspace_id == workspace_id, or_(live, recent, Interview.id.in_(undelivered))
    )
    return select(Interview.id).where(and_(where, not_(_plain())) if counted else where).subquery()


def _offers(session: Session, workspace_id: int) -> dict[int, list[OfferFacts]]:
    """The open and declined offers of the interviews waiting for a time."""
    rows = session.execute(
        select(Offer.id, Offer.interview_id, Offer.state, Offer.expires_at, Offer.suggestion)
        .join(Interview, Interview.id == Offer.interview_id)
        .where(
            Offer.workspace_id == workspace_id,
            Interview.status == State.offered.value,
            Offer.state.in_([OfferState.open.value, OfferState.declined.value]),
        )
    )
    found: dict[int, list[OfferFacts]] = {}
    for row in rows:
        found.setdefault(row.interview_id, []).append(
            OfferFacts(row.id, OfferState(row.state), row.expires_at, row.suggestion)
        )
    return found


def _interviews(
    session: Session, chosen: Any, employer: bool, offers: dict[int, list[OfferFacts]]
) -> list[InterviewFacts]:
    last_letter = (
        select(func.max(OutboxMessage.due))
        .where(
            OutboxMessage.interview_id == Interview.id,
            OutboxMessage.kind != "reminder",
            OutboxMessage.state.not_in(("cancelled", "expired")),
        )
        .correlate(Interview)
        .scalar_subquery()
    )
    query = (
        select(  # the columns only: whole rows (interviewers, organizer) cost 0.1 ms each
            Interview.id,
            Interview.status,
            Interview.start,
            Interview.end,
            Interview.timezone,
            # the two fields, not the JSON parsed whole in Python (6 us a row)
            Interview.contact["name"].as_string().label("contact_name"),
            Interview.contact["email"].as_string().label("contact_email"),
            Interview.position,
            Interview.company,
            Interview.sequence,
            func.coalesce(_changed(), Interview.created_at).label("changed_at"),
            last_letter.label("last_letter_at"),
            Position.status.label("position_status"),
        )
        .outerjoin(Position, Position.id == Interview.position_id)
        .where(Interview.id.in_(select(chosen.c.id)))
        .order_by(Interview.start, Interview.id)
    )
    out = []
    side = "employer" if employer else "candidate"
    for row in session.execute(query):
        out.append(
            InterviewFacts(
                id=row.id,
                side=side,
                state=STATES[row.status],
                start=row.start,
                end=row.end,
                timezone=row.timezone,
                person=row.contact_name or row.contact_email or row.company,
                position=row.position,
                company=row.company,
                changed_at=_aware(row.changed_at),
                sequence=row.sequence,
                position_filled=row.position_status in FILLED,
                last_letter_at=_aware(row.last_letter_at) if row.last_letter_at else None,
                offers=tuple(offers.get(row.id, ())),
            )
        )
    return out


def _plans(session: Session, where: ColumnElement[bool]) -> list[PlanFacts]:
    replied = (
        select(func.max(ReplyRecord.received_at))
        .where(ReplyRecord.plan_id == PlanRecord.id)
        .correlate(PlanRecord)
        .scalar_subquery()
    )
    queued = exists().where(
        OutboxMessage.plan_id == PlanRecord.id,
        OutboxMessage.kind != "reminder",
        OutboxMessage.state.in_(WENT),
    )
    situation = PlanRecord.situation
    query: Select[Any] = select(
        PlanRecord.id,
        PlanRecord.interview_id,
        PlanRecord.created_at,
        situation["intent"].as_string().label("intent"),
        situation["now"].as_string().label("made"),
        situation[("interview", "start")].as_string().label("start"),
        situation[("interview", "position")].as_string().label("position"),
        situation[("interview", "company")].as_string().label("company"),
        replied.label("replied"),
        queued.label("queued"),
    ).where(where)
    return [
        PlanFacts(
            id=row.id,
            intent=row.intent or "",
            made_at=_moment(row.made) or row.created_at,
            interview_id=row.interview_id,
            start=_moment(row.start),
            position=row.position or "",
            company=row.company or "",
            replied=_aware(row.replied) if row.replied else None,
            queued=bool(row.queued),
        )
        for row in session.execute(query)
    ]


def _steps(
    session: Session, workspace_id: int, plans_where: ColumnElement[bool]
) -> list[StepFacts]:
    """Open steps (and the calls that did not reach, which open a voicemail step). A plain
    send step whose plan's emails are queued is left in the database: it is done."""
    queued_send = and_(
        PlanStep.action == "send",
        PlanStep.condition.is_(None),
        exists().where(
            OutboxMessage.plan_id == PlanStep.plan_id,
            OutboxMessage.kind != "reminder",
            OutboxMessage.state.in_(WENT),
        ),
    )
    rows = session.scalars(
        select(PlanStep).where(
            PlanStep.workspace_id == workspace_id,
            PlanStep.plan_id.in_(select(PlanRecord.id).where(plans_where)),
            or_(
                and_(PlanStep.state == "open", not_(queued_send)),
                PlanStep.outcome == "not_reached",
            ),
        )
    )
    return [
        StepFacts(
            id=s.id,
            plan_id=s.plan_id,
            order=s.order,
            due=s.due,
            action=s.action,
            label=s.label,
            condition=s.condition,
            done=s.state == "done",
            outcome=s.outcome,
            reminded=s.reminded_at is not None,
        )
        for s in rows
    ]


def _letters(session: Session, workspace_id: int) -> list[LetterFacts]:
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.state,
            OutboxMessage.kind,
            OutboxMessage.recipient,
            OutboxMessage.recipient_name,
            OutboxMessage.subject,
            OutboxMessage.due,
            OutboxMessage.interview_id,
            OutboxMessage.plan_id,
            OutboxMessage.calendar_method,
            OutboxMessage.interview_sequence,
            OutboxMessage.deadline,
        ).where(
            OutboxMessage.workspace_id == workspace_id,
            OutboxMessage.state.in_(UNDELIVERED),
            OutboxMessage.kind != "reminder",
        )
    )
    return [
        LetterFacts(
            id=r.id,
            state=r.state,
            kind=r.kind,
            recipient=r.recipient_name or r.recipient,
            subject=r.subject,
            due=r.due,
            interview_id=r.interview_id,
            plan_id=r.plan_id,
            calendar_method=r.calendar_method,
            sequence=r.interview_sequence,
            deadline=r.deadline,
        )
        for r in rows
    ]


def _moment(text: str | None) -> datetime | None:
    """An RFC 3339 time kept in a plan's JSON."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _aware(value: Any) -> datetime:
    """A time from a computed column (max, coalesce), UTC-aware on both databases."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
