"""A position is filled: every remaining candidate is told, in their own language (E4).

One plan holds a message set per candidate; their scheduled interviews are cancelled with
a CANCEL on the same transaction as the outbox rows; late-round candidates get a call
step first, which the dashboard lists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.errors import N_, BadInput, Conflict
from fairnotice.io import validate
from fairnotice.lifecycle import ACTIVE, Event, State
from fairnotice.model import Plan, Situation
from fairnotice.operations import transitions
from fairnotice.operations.changes import interview_contract, store_plan
from fairnotice.operations.outbox import queue_plan_emails
from fairnotice.operations.planning import plan_change, system_now
from fairnotice.operations.records import scoped
from fairnotice.store.tables import Candidate, Interview, PlanRecord, Position, User

MAX_CANDIDATES = 2000
# the interviews a position-filled letter may name
NAMED = [s.value for s in (*ACTIVE, State.took_place)]


def remaining(
    session: Session, *, workspace_id: int, position_id: int, hired: int | None
) -> list[Candidate]:
    return list(
        session.scalars(
            select(Candidate)
            .where(
                Candidate.workspace_id == workspace_id,
                Candidate.position_id == position_id,
                Candidate.status == "active",
                Candidate.id != (hired or 0),
            )
            .order_by(Candidate.id)
            .limit(MAX_CANDIDATES)
        )
    )


def on_record(
    session: Session, workspace_id: int, candidate_ids: list[int], now: datetime
) -> dict[int, tuple[Interview, bool]]:
    """Each candidate's interview that the letter names (M1), and whether it is still ahead.

    The next interview still ahead wins (the letter cancels it with a CANCEL); otherwise the
    latest one that took place or is taking place. Closed interviews (cancelled, withdrawn,
    no-show) are never named.
    """
    found: dict[int, tuple[Interview, bool]] = {}
    if not candidate_ids:
        return found
    for row in session.scalars(
        select(Interview)
        .where(
            Interview.workspace_id == workspace_id,
            Interview.candidate_id.in_(candidate_ids),
            Interview.status.in_(NAMED),
        )
        .order_by(Interview.start)
    ):
        if row.candidate_id is None:
            continue
        ahead = row.end > now
        known = found.get(row.candidate_id)
        if known is None or not known[1]:
            found[row.candidate_id] = (row, ahead)
    return found


def filled_situation(
    session: Session,
    *,
    workspace_id: int,
    position: Position,
    user: User,
    candidates: list[Candidate],
    now: datetime,
) -> tuple[Situation, dict[int, tuple[Interview, bool]]]:
    """The position_filled situation of the candidates who have an interview on record."""
    record = on_record(session, workspace_id, [c.id for c in candidates], now)
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
        "me": {"name": user.name, "email": user.email, "timezone": user.timezone},
        "counterpart": {"name": first.name, "email": first.email, "timezone": first.timezone},
        "candidates": listed,
    }
    return validate(Situation, raw), record


def split(
    session: Session, *, workspace_id: int, candidates: list[Candidate], now: datetime
) -> tuple[list[Candidate], list[Candidate]]:
    """(told by the plan, to be told by hand): a letter needs an interview to name (M1)."""
    record = on_record(session, workspace_id, [c.id for c in candidates], now)
    return [c for c in candidates if c.id in record], [c for c in candidates if c.id not in record]


def preview(
    session: Session,
    *,
    workspace_id: int,
    position_id: int,
    user: User,
    hired: int | None = None,
    clock: Callable[[], datetime] = system_now,
) -> tuple[list[Candidate], Plan]:
    """The plan (one message set per remaining candidate) without storing anything."""
    position = scoped(session, Position, workspace_id, position_id)
    everyone = remaining(session, workspace_id=workspace_id, position_id=position.id, hired=hired)
    candidates, _ = split(session, workspace_id=workspace_id, candidates=everyone, now=clock())
    if not candidates:
        raise BadInput([("candidates", N_("no remaining candidate with an interview on record"))])
    situation, _ = filled_situation(
        session,
        workspace_id=workspace_id,
        position=position,
        user=user,
        candidates=candidates,
        now=clock(),
    )
    return candidates, plan_change(situation=situation, clock=clock)


def fill(
    session: Session,
    *,
    workspace_id: int,
    position_id: int,
    user: User,
    hired: int | None = None,
    clock: Callable[[], datetime] = system_now,
) -> PlanRecord:
    """Mark the position filled, queue every email, cancel every interview still ahead."""
    position = scoped(session, Position, workspace_id, position_id)
    if position.status == "filled":
        raise Conflict(N_("position: already filled"))
    if hired is not None:
        scoped(session, Candidate, workspace_id, hired)
    now = clock()
    everyone = remaining(session, workspace_id=workspace_id, position_id=position.id, hired=hired)
    candidates, _ = split(session, workspace_id=workspace_id, candidates=everyone, now=now)
    if not candidates:
        raise BadInput([("candidates", N_("no remaining candidate with an interview on record"))])
    situation, record_of = filled_situation(
        session,
        workspace_id=workspace_id,
        position=position,
        user=user,
        candidates=candidates,
        now=now,
    )
    plan = plan_change(situation=situation, clock=clock)
    record = store_plan(
        session, workspace_id=workspace_id, interview_id=None, situation=situation, plan=plan
    )
    for interview, _ahead in record_of.values():
        # ahead: cancelled with a CANCEL; in progress or past: closed, the letter still goes
        transitions.apply(
            session,
            workspace_id=workspace_id,
            interview_id=interview.id,
            event=Event.fill,
            actor=f"user:{user.id}",
            now=now,
            why="position filled",
            sender=(user.name, user.email),
        )
    # queued after the CANCELs' SEQUENCE bump, so delivery knows these rows are current
    queue_plan_emails(
        session,
        workspace_id=workspace_id,
        situation=situation,
        plan=plan,
        plan_id=record.id,
        now=now,
        interviews={i.uid: (i.id, i.sequence) for i, _ in record_of.values()},
    )
    for candidate in candidates:
        candidate.status = "informed"
    position.status = "filled"
    return record
