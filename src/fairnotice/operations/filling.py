"""A position is filled: every remaining candidate is told, in their own language (E4).

One plan holds a message set per candidate; their scheduled interviews are cancelled with
a CANCEL on the same transaction as the outbox rows; late-round candidates get a call
step first, which the dashboard lists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.errors import BadInput, Conflict
from fairnotice.io import validate
from fairnotice.model import Plan, Situation
from fairnotice.operations.changes import interview_contract, store_plan
from fairnotice.operations.outbox import queue_plan_emails
from fairnotice.operations.planning import plan_change, system_now
from fairnotice.operations.records import scoped
from fairnotice.store.tables import Candidate, Interview, PlanRecord, Position, User

MAX_CANDIDATES = 2000


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


def _interviews(
    session: Session, workspace_id: int, candidate_ids: list[int], now: datetime
) -> dict[int, Interview]:
    """Each candidate's next scheduled interview (the one a CANCEL applies to)."""
    found: dict[int, Interview] = {}
    if not candidate_ids:
        return found
    for row in session.scalars(
        select(Interview)
        .where(
            Interview.workspace_id == workspace_id,
            Interview.candidate_id.in_(candidate_ids),
            Interview.status.in_(("scheduled", "rescheduling")),
            Interview.end > now,
        )
        .order_by(Interview.start)
    ):
        if row.candidate_id is not None:
            found.setdefault(row.candidate_id, row)
    return found


def filled_situation(
    session: Session,
    *,
    workspace_id: int,
    position: Position,
    user: User,
    candidates: list[Candidate],
    now: datetime,
) -> tuple[Situation, dict[int, Interview]]:
    upcoming = _interviews(session, workspace_id, [c.id for c in candidates], now)
    general: dict[str, Any] = {
        "position": position.title,
        "company": position.company,
        "start": (now - timedelta(days=1)).isoformat(),
        "end": (now - timedelta(days=1) + timedelta(hours=1)).isoformat(),
        "timezone": user.timezone,
    }
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
        }
        if c.id in upcoming:
            entry["interview"] = interview_contract(upcoming[c.id])
        listed.append({k: v for k, v in entry.items() if v is not None})
    first = candidates[0]
    raw: dict[str, Any] = {
        "now": now.isoformat(),
        "role": "employer",
        "intent": "position_filled",
        "reason": {"category": "position_filled"},
        "interview": general,
        "me": {"name": user.name, "email": user.email, "timezone": user.timezone},
        "counterpart": {"name": first.name, "email": first.email, "timezone": first.timezone},
        "candidates": listed,
    }
    return validate(Situation, raw), upcoming


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
    candidates = remaining(session, workspace_id=workspace_id, position_id=position.id, hired=hired)
    if not candidates:
        raise BadInput([("candidates", "no remaining candidate to tell")])
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
        raise Conflict("position: already filled")
    if hired is not None:
        scoped(session, Candidate, workspace_id, hired)
    now = clock()
    candidates = remaining(session, workspace_id=workspace_id, position_id=position.id, hired=hired)
    if not candidates:
        raise BadInput([("candidates", "no remaining candidate to tell")])
    situation, upcoming = filled_situation(
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
    queue_plan_emails(session, workspace_id=workspace_id, plan=plan, reference=f"plan:{record.id}")
    for interview in upcoming.values():
        interview.status = "cancelled"
        interview.sequence += 1
    for candidate in candidates:
        candidate.status = "informed"
    position.status = "filled"
    return record
