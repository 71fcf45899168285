"""A position is filled: every remaining candidate is told, in their own language (E4).

However many candidates there are, the web request only starts the fill: it marks the
position `filling`, records who was hired (that candidate's status becomes `hired`, so
nobody tells them) and who fills it (the fill's plan record, whose `me` is the user and
whose messages are a sample, one letter per language). The worker then tells the rest in
batches (`operations/positions/batches.py`); the position becomes `filled` when none are left.
Everything the pages show (the preview, the progress) is counted, never loaded whole.

A letter names an interview of the candidate's (M1): candidates with none on record are
not told here; the pages list them to be told by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, false, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from fairnotice.errors import N_, BadInput, Conflict, NotFound
from fairnotice.io import validate
from fairnotice.lifecycle import ACTIVE, State
from fairnotice.model import Plan, Situation, dump
from fairnotice.operations.common.records import scoped
from fairnotice.operations.plans.commands import interview_contract
from fairnotice.operations.plans.planning import plan_change, system_now
from fairnotice.store import bulk
from fairnotice.store.tables import (
    Candidate,
    Interview,
    OutboxMessage,
    PlanRecord,
    PlanStep,
    Position,
    User,
)

# the interviews a position-filled letter may name (and the fill closes)
NAMED = [s.value for s in (*ACTIVE, State.took_place)]
LISTED = 50  # names a page lists of a longer list (the rest are counted)


def has_interview() -> ColumnElement[bool]:
    """Whether the candidate has an interview a letter may name. A correlated EXISTS: one
    probe of interviews by candidate_id per candidate counted (the IN list it replaces
    was built from every interview of the workspace for each count, 0.5 s at 50,000)."""
    return (
        select(Interview.id)
        .where(Interview.candidate_id == Candidate.id, Interview.status.in_(NAMED))
        .exists()
    )


def named_in(workspace_id: int) -> ColumnElement[bool]:
    """`has_interview` for a pass over many candidates on PostgreSQL: the workspace's
    candidates with such an interview read once into a hash, not probed one by one
    (25,000 probes: 0.2 s of the fill preview at 50,000 candidates). SQLite builds the
    list as a b-tree per statement, which costs more than its index probes."""
    return Candidate.id.in_(
        select(Interview.candidate_id).where(
            Interview.workspace_id == workspace_id,
            Interview.status.in_(NAMED),
            Interview.candidate_id.is_not(None),
        )
    )


def _active(workspace_id: int, position_id: int, hired: int | None) -> list[Any]:
    found: list[Any] = [
        Candidate.workspace_id == workspace_id,
        Candidate.position_id == position_id,
        Candidate.status == "active",
    ]
    if hired is not None:
        found.append(Candidate.id != hired)
    return found


@dataclass
class Tally:
    """A position's candidates counted in one pass: each active one probed once."""

    informed: int = 0
    told: int = 0  # active, with an interview a letter may name
    by_hand: int = 0  # active, with none
    late: int = 0  # told, late round (called first, E4)
    languages: dict[str, int] = field(default_factory=dict)  # told, by language
    firsts: dict[str, int] = field(default_factory=dict)  # told, by language: the first id


def tally(session: Session, workspace_id: int, position_id: int, hired: int | None) -> Tally:
    """The counts the preview and the progress show, from one GROUP BY (five COUNTs with
    their own probes each cost 0.4-0.9 s at 50,000 candidates on a busy SQLite)."""
    where = [Candidate.workspace_id == workspace_id, Candidate.position_id == position_id]
    if hired is not None:
        where.append(Candidate.id != hired)
    sqlite = session.get_bind().dialect.name == "sqlite"
    named = has_interview() if sqlite else named_in(workspace_id)
    rows = (
        select(
            Candidate.id.label("id"),
            Candidate.status.label("status"),
            Candidate.language.label("language"),
            (Candidate.round >= 2).label("late"),
            case((Candidate.status == "active", named), else_=false()).label("named"),
        )
        .where(*where)
        .subquery()
    )
    found = Tally()
    grouped = session.execute(
        select(
            rows.c.status,
            rows.c.language,
            rows.c.late,
            rows.c.named,
            func.count(),
            func.min(rows.c.id),
        ).group_by(rows.c.status, rows.c.language, rows.c.late, rows.c.named)
    )
    for status, language, late, named, n, first in grouped:
        if status == "informed":
            found.informed += n
        elif status == "active" and named:
            found.told += n
            found.late += n if late else 0
            found.languages[str(language)] = found.languages.get(str(language), 0) + n
            known = found.firsts.get(str(language))
            found.firsts[str(language)] = first if known is None else min(known, first)
        elif status == "active":
            found.by_hand += n
    return found


def choose(rows: Iterable[Interview], now: datetime) -> dict[int, tuple[Interview, bool]]:
    """Each candidate's interview that the letter names (M1), and whether it is still ahead.

    The next interview still ahead wins (the letter cancels it with a CANCEL); otherwise the
    latest one that took place or is taking place. `rows` come in order of start.
    """
    found: dict[int, tuple[Interview, bool]] = {}
    for row in rows:
        if row.candidate_id is None:
            continue
        ahead = row.end > now
        known = found.get(row.candidate_id)
        if known is None or not known[1]:
            found[row.candidate_id] = (row, ahead)
    return found


def named(
    session: Session, workspace_id: int, candidate_ids: list[int], *, lock: bool = False
) -> list[Interview]:
    """Every interview of these candidates that a letter may name, in order of start;
    `lock`: locked for the caller's transaction (the fill closes them all).

    Found by candidate and sorted here: with the workspace or the order in the statement,
    SQLite walks the workspace's index by start, every interview of the workspace for
    each batch of a fill (13 s of a fill of 50,000). The workspace is checked on the rows.
    """
    if not candidate_ids:
        return []
    statement = select(Interview).where(
        bulk.in_ids(session, Interview.candidate_id, candidate_ids), Interview.status.in_(NAMED)
    )
    if lock:
        statement = statement.with_for_update(of=Interview).execution_options(
            populate_existing=True
        )
    found = [i for i in session.scalars(statement) if i.workspace_id == workspace_id]
    return sorted(found, key=lambda i: (i.start, i.id))


def on_record(
    session: Session, workspace_id: int, candidate_ids: list[int], now: datetime
) -> dict[int, tuple[Interview, bool]]:
    return choose(named(session, workspace_id, candidate_ids), now)


def filled_situation(
    *,
    me: Mapping[str, Any],
    candidates: list[Candidate],
    record: Mapping[int, tuple[Interview, bool]],
    now: datetime,
) -> Situation:
    """The position_filled situation of `candidates` (each with an interview in `record`),
    written by `me` (the user who fills the position: name, email, timezone)."""
    listed: list[dict[str, Any]] = []
    for c in candidates:
        entry: dict[str, Any] = {
            "name": c.name,
            "email": c.email,
            "phone": c.phone,
            "round": c.round,
            "language": c.language,
            "salutation": c.salutation,
            "timezone": c.timezone,
            "interview": interview_contract(record[c.id][0]),
        }
        listed.append({k: v for k, v in entry.items() if v is not None})
    first = candidates[0]
    raw: dict[str, Any] = {
        "now": now.isoformat(),
        "role": "employer",
        "intent": "position_filled",
        "reason": {"category": "position_filled"},
        "interview": listed[0]["interview"],
        "me": dict(me),
        "counterpart": {"name": first.name, "email": first.email, "timezone": first.timezone},
        "candidates": listed,
    }
    return validate(Situation, raw)


def me_of(user: User) -> dict[str, Any]:
    return {"name": user.name, "email": user.email, "timezone": user.timezone}


@dataclass
class Preview:
    """What filling the position would do, counted, with one sample letter per language."""

    told: int  # candidates who get a letter
    by_hand: int  # remaining candidates with no interview on record
    by_hand_listed: list[Candidate]
    calls: int  # late-round candidates the plan calls first (E4)
    calls_listed: list[Candidate]
    samples: list[Candidate]
    plan: Plan | None
    situation: Situation | None = None
    languages: dict[str, int] = field(default_factory=dict)


def preview(
    session: Session,
    *,
    workspace_id: int,
    position_id: int,
    user: User,
    hired: int | None = None,
    clock: Callable[[], datetime] = system_now,
) -> Preview:
    """Counts, the names of who is told by hand and called first (the first few), and the
    sample letters; nothing stored."""
    position = scoped(session, Position, workspace_id, position_id)
    active = _active(workspace_id, position.id, hired)
    told = has_interview()
    now = clock()
    counted = tally(session, workspace_id, position.id, hired)  # one pass over the candidates
    firsts = list(counted.firsts.values())  # the first to be told in each language
    chosen = list(
        session.scalars(select(Candidate).where(Candidate.id.in_(firsts)).order_by(Candidate.id))
    )
    situation = plan = None
    if chosen:
        record = on_record(session, workspace_id, [c.id for c in chosen], now)
        situation = filled_situation(me=me_of(user), candidates=chosen, record=record, now=now)
        plan = plan_change(situation=situation, clock=clock)
    late = (*active, told, Candidate.round >= 2)
    by_hand = (*active, ~has_interview())
    return Preview(
        told=counted.told,
        by_hand=counted.by_hand,
        by_hand_listed=_first(session, by_hand) if counted.by_hand else [],
        calls=counted.late,
        calls_listed=_first(session, late) if counted.late else [],  # none: no scan for one
        samples=chosen,
        plan=plan,
        situation=situation,
        languages=counted.languages,
    )


def _first(session: Session, where: tuple[Any, ...]) -> list[Candidate]:
    return list(
        session.scalars(select(Candidate).where(*where).order_by(Candidate.id).limit(LISTED))
    )


def fill(
    session: Session,
    *,
    workspace_id: int,
    position_id: int,
    user: User,
    hired: int | None = None,
    clock: Callable[[], datetime] = system_now,
) -> PlanRecord:
    """Start filling the position: mark it `filling`, mark who was hired, keep the fill's
    plan record (the user, sample letters); the worker tells everyone else in batches.

    Only an open position is filled (Conflict while it is being filled or once filled).
    """
    position = session.scalar(
        select(Position)
        .where(Position.id == position_id, Position.workspace_id == workspace_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if position is None:
        raise NotFound("positions")
    if position.status == "filled":
        raise Conflict(N_("position: already filled"))
    if position.status != "open":
        raise Conflict(N_("position: already being filled"))
    chosen: Candidate | None = None
    if hired is not None:
        chosen = scoped(session, Candidate, workspace_id, hired)
        if chosen.position_id != position.id:
            raise BadInput([("hired", N_("not a candidate for this position"))])
    shown = preview(
        session,
        workspace_id=workspace_id,
        position_id=position.id,
        user=user,
        hired=hired,
        clock=clock,
    )
    if shown.plan is None or shown.situation is None:
        raise BadInput([("candidates", N_("no remaining candidate with an interview on record"))])
    plan = dump(shown.plan)
    plan["steps"] = []  # each batch keeps the steps a person takes (calls) as rows
    record = PlanRecord(
        workspace_id=workspace_id,
        interview_id=None,
        situation=dump(shown.situation),
        plan=plan,
        private_note=None,
    )
    session.add(record)
    session.flush()
    if chosen is not None:
        chosen.status = "hired"
    position.status = "filling"
    position.fill_plan_id = record.id
    session.flush()
    return record


@dataclass
class Progress:
    """A fill as counts: candidates told and still to tell, and its messages by state."""

    status: str  # the position's: filling | filled
    told: int
    remaining: int
    by_hand: int
    messages: dict[str, int]
    calls: int
    calls_listed: list[PlanStep]
    failed: list[OutboxMessage]

    @property
    def candidates(self) -> int:
        return self.told + self.remaining


def filling_position(session: Session, *, workspace_id: int, plan_id: int) -> Position | None:
    """The position this plan fills, if it is a fill's plan."""
    return session.scalar(
        select(Position).where(
            Position.workspace_id == workspace_id, Position.fill_plan_id == plan_id
        )
    )


def message_counts(session: Session, *, workspace_id: int, plan_id: int) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.workspace_id == workspace_id, OutboxMessage.plan_id == plan_id)
        .group_by(OutboxMessage.state)
    )
    return {str(state): int(n) for state, n in rows}


def progress(session: Session, *, workspace_id: int, position: Position) -> Progress:
    """How far the fill is: COUNT queries and the first few calls and failures."""
    plan_id = position.fill_plan_id or 0
    ws, pid = workspace_id, position.id
    counted = tally(session, ws, pid, None)
    messages = message_counts(session, workspace_id=ws, plan_id=plan_id)
    calls = (PlanStep.plan_id == plan_id, PlanStep.action == "call")
    return Progress(
        status=position.status,
        told=counted.informed,
        remaining=counted.told,
        by_hand=counted.by_hand,
        messages=messages,
        calls=int(session.scalar(select(func.count()).select_from(PlanStep).where(*calls)) or 0),
        calls_listed=list(
            session.scalars(
                select(PlanStep).where(*calls).order_by(PlanStep.due, PlanStep.id).limit(LISTED)
            )
        ),
        failed=list(
            session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.workspace_id == ws,
                    OutboxMessage.plan_id == plan_id,
                    OutboxMessage.state == "failed",
                )
                .order_by(OutboxMessage.id)
                .limit(20)
            )
        )
        if messages.get("failed")
        else [],
    )
