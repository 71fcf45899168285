"""The worker's part of filling a position: the remaining candidates, told in batches.

Each batch is one transaction: it claims up to `BATCH` candidates still `active` with an
interview on record (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers never share a
candidate; SQLite's write lock does the same), plans their letters, closes every
interview of theirs a letter may name (`Event.fill`: ahead, cancelled with a CANCEL; under
way or past, closed, and the letter still goes), queues the letters and marks the
candidates `informed`. A crash loses the batch in flight, never half of it: the next
run claims the same candidates again, and nobody is told twice. When no candidate is
left to claim, or locked by another worker, the position is `filled`.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.lifecycle import Event
from fairnotice.model import Action, ChannelKind, Plan
from fairnotice.operations.interviews import bulk as bulk_transitions
from fairnotice.operations.interviews import invitations
from fairnotice.operations.outbox.commands import BULK, enqueue, plan_rows
from fairnotice.operations.plans.planning import plan_change, system_now
from fairnotice.operations.positions.commands import (
    choose,
    filled_situation,
    has_interview,
    named,
)
from fairnotice.store import bulk
from fairnotice.store.session import transaction
from fairnotice.store.tables import Candidate, PlanRecord, PlanStep, Position, User

BATCH = 500


@dataclass
class Filled:
    """What one pass over the positions being filled did."""

    told: int = 0
    batches: int = 0
    positions_filled: int = 0
    problems: list[str] = field(default_factory=list)


def run(
    sessions: sessionmaker[Session],
    *,
    clock: Callable[[], datetime] = system_now,
    stop: threading.Event | None = None,
    size: int = BATCH,
    secret: str | None = None,
) -> Filled:
    """Every position being filled, batch after batch until none is left (or `stop`);
    the letters' "Got it" receipts sealed with `secret` (by default the configured key).

    A batch that fails is rolled back and its position left for the next pass; the other
    positions go on (a problem is reported, the worker keeps delivering).
    """
    done = Filled()
    with transaction(sessions) as session:
        waiting = session.execute(
            select(Position.workspace_id, Position.id)
            .where(Position.status == "filling")
            .order_by(Position.id)
        ).all()
    if waiting and _postgresql(sessions):
        with transaction(sessions) as session:
            # candidates and interviews are often imported just before a fill; with no
            # statistics PostgreSQL joins them row by row (50,000 x 50,000)
            session.execute(text("ANALYZE candidates, interviews"))
    queued, analysed = 0, BULK
    for workspace_id, position_id in waiting:
        try:
            while stop is None or not stop.is_set():
                with transaction(sessions, write=True) as session:
                    told = one_batch(
                        session,
                        workspace_id=workspace_id,
                        position_id=position_id,
                        clock=clock,
                        size=size,
                        secret=secret,
                    )
                    if told is None:
                        filled = session.get(Position, position_id)
                        done.positions_filled += bool(filled and filled.status == "filled")
                        break
                    done.told += told
                    done.batches += 1
                    queued += told
                    if queued >= analysed and _postgresql(sessions):
                        # delivery claims due rows from an index only while PostgreSQL
                        # knows how many are due (see outbox.enqueue); each time the
                        # rows queued double (every 1,000 cost 7 s of a fill of 50,000)
                        session.execute(text("ANALYZE outbox (state, due, kind)"))
                        analysed = 2 * queued
        except Exception as exc:  # one position's failure stops no other
            done.problems.append(f"position {position_id}: {type(exc).__name__}: {exc}")
            sys.stderr.write(f"fairnotice worker: filling position {position_id} failed: {exc}\n")
    return done


def _postgresql(sessions: sessionmaker[Session]) -> bool:
    bind = sessions.kw.get("bind")
    return bind is not None and bind.dialect.name == "postgresql"


def finish(
    session: Session,
    *,
    workspace_id: int,
    position_id: int,
    clock: Callable[[], datetime] = system_now,
    size: int = BATCH,
) -> int:
    """Tell every remaining candidate in the caller's transaction (a small position, a
    test, the CLI); how many were told."""
    total = 0
    while (told := one_batch(
        session, workspace_id=workspace_id, position_id=position_id, clock=clock, size=size
    )) is not None:  # fmt: skip
        total += told
    return total


def claim(session: Session, *, workspace_id: int, position_id: int, size: int) -> list[Candidate]:
    """Up to `size` candidates still to be told, locked for this transaction; rows another
    worker holds are skipped."""
    return list(
        session.scalars(
            select(Candidate)
            .where(*_remaining(workspace_id, position_id))
            .order_by(Candidate.id)
            .limit(size)
            .with_for_update(skip_locked=True, of=Candidate)
            .execution_options(populate_existing=True)
        )
    )


def _remaining(workspace_id: int, position_id: int) -> tuple[Any, ...]:
    return (
        Candidate.workspace_id == workspace_id,
        Candidate.position_id == position_id,
        Candidate.status == "active",
        has_interview(),
    )


def one_batch(
    session: Session,
    *,
    workspace_id: int,
    position_id: int,
    clock: Callable[[], datetime] = system_now,
    size: int = BATCH,
    secret: str | None = None,
) -> int | None:
    """Tell one batch; how many were told, or None when there is nothing to claim (the
    position is then `filled`, unless another worker still holds candidates)."""
    position = session.scalar(
        select(Position)
        .where(Position.id == position_id, Position.workspace_id == workspace_id)
        .execution_options(populate_existing=True)
    )
    if position is None or position.status != "filling" or position.fill_plan_id is None:
        return None
    batch = claim(session, workspace_id=workspace_id, position_id=position_id, size=size)
    if not batch:
        left = session.scalar(
            select(func.count())
            .select_from(Candidate)
            .where(*_remaining(workspace_id, position_id))
        )
        if not left:  # rows held by another worker still count: it finishes the position
            position.status = "filled"
            session.flush()
        return None
    now = clock()
    kept = session.scalar(
        select(PlanRecord.situation).where(PlanRecord.id == position.fill_plan_id)
    )
    me: dict[str, Any] = dict((kept or {}).get("me") or {})
    interviews = named(session, workspace_id, [c.id for c in batch], lock=True)
    record = choose(interviews, now)
    told = [c for c in batch if c.id in record]
    if not told:
        return 0
    situation = filled_situation(me=me, candidates=told, record=record, now=now)
    plan = plan_change(situation=situation, clock=clock)
    plan = invitations.organised(
        session,
        plan,
        (i for i, _ in record.values()),
        sender=(str(me.get("name", "")), str(me.get("email", ""))),
        now=now,
    )
    _keep_steps(session, workspace_id, position.fill_plan_id, plan, situation.counterpart.name)
    user_id = session.scalar(select(User.id).where(User.email == me.get("email", "")))
    bulk_transitions.apply_many(
        session,
        workspace_id=workspace_id,
        interview_ids=[i.id for i in interviews],
        event=Event.fill,
        actor=f"user:{user_id}" if user_id is not None else "worker",
        now=now,
        why="position filled",
        sender=(str(me.get("name", "")), str(me.get("email", ""))),
        detail={"plan": position.fill_plan_id},
        locked=interviews,
    )
    # queued after the CANCELs' SEQUENCE bump, so delivery knows these rows are current
    rows = plan_rows(
        workspace_id=workspace_id,
        situation=situation,
        plan=plan,
        plan_id=position.fill_plan_id,
        now=now,
        interviews={i.uid: (i.id, i.sequence) for i, _ in record.values()},
    )
    enqueue(session, rows, now=now, secret=secret)  # with their receipts, in bulk
    session.execute(
        update(Candidate)
        .where(bulk.in_ids(session, Candidate.id, [c.id for c in told]))
        .values(status="informed")
        .execution_options(synchronize_session="fetch")
    )
    return len(told)


def _keep_steps(
    session: Session, workspace_id: int, plan_id: int, plan: Plan, fallback: str
) -> None:
    """The steps a person takes (calls first, for late rounds), as rows of the fill's
    plan: the dashboard and the progress page list them. Letters are the outbox's."""
    steps = [
        {
            "plan_id": plan_id,
            "workspace_id": workspace_id,
            "order": step.order,
            "due": step.due,
            "action": step.action.value,
            "condition": step.condition.value if step.condition else None,
            "label": (step.to.name if step.to and step.to.name else fallback)[:300],
            "state": "open",
        }
        for step in plan.steps
        if not (
            step.action is Action.send
            and step.channel is ChannelKind.email
            and step.condition is None
        )
    ]
    if steps:
        bulk.insert_many(session, cast(Table, PlanStep.__table__), steps)
