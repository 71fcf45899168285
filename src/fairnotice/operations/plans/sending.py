"""send_plan: a situation planned, kept, and its emails queued in one transaction.

Every email step without a condition becomes an outbox row due when its step is (`now`
for the first with `--now`), with a Message-ID fixed when it is queued, a deadline
after which it must not go out, and the interview it is about, so a later change to
that interview voids it. Conditional steps stay plan steps: the worker turns "call if no
reply" into a reminder (operations/outbox/delivery.py), and the after-agreement note is
drafted on agreement. Rows are written in bulk by outbox.enqueue with a progress
callback: thousands of candidates in one go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fairnotice.lifecycle import ACTIVE, Event, State
from fairnotice.model import (
    Intent,
    Plan,
    Situation,
    dump,
)
from fairnotice.model import Interview as InterviewFacts
from fairnotice.operations.interviews import transitions
from fairnotice.operations.outbox.commands import (
    CHUNK,
    MISSED_GRACE,
    Progress,
    deadline_for,
    enqueue,
    plan_rows,
)
from fairnotice.operations.plans.planning import plan_change, system_now
from fairnotice.store.tables import (
    Interview,
    InterviewEvent,
    PlanRecord,
    PlanStep,
    Workspace,
)

CLI_WORKSPACE = "fairnotice CLI"
# the lifecycle event an ending intent is, and the state an interview first seen ends in
ENDING = {
    Intent.withdraw: Event.withdraw,
    Intent.cancel: Event.cancel,
    Intent.position_filled: Event.fill,
}
ENDS_IN = {
    Event.withdraw: State.withdrawn,
    Event.cancel: State.cancelled,
    Event.fill: State.filled,
}
__all__ = [
    "MISSED_GRACE",
    "Progress",
    "Queued",
    "deadline_for",
    "local_workspace",
    "send_plan",
]


@dataclass(frozen=True)
class Queued:
    plan_id: int
    messages: int
    first_due: datetime | None


def local_workspace(session: Session) -> int:
    """The workspace the CLI works in (created on first use)."""
    found = session.scalar(select(Workspace.id).where(Workspace.name == CLI_WORKSPACE).limit(1))
    if found is not None:
        return int(found)
    row = Workspace(kind="personal", name=CLI_WORKSPACE)
    session.add(row)
    session.flush()
    return row.id


@dataclass
class _Known:
    id: int
    sequence: int


def _interviews(
    session: Session,
    workspace_id: int,
    facts: list[InterviewFacts],
    ending: Event | None,
    now: datetime,
    actor: str = "cli",
) -> dict[str, _Known]:
    """The stored interviews with these UIDs (created on first sight), by UID, in a few
    statements whatever their number. An ending intent (withdraw, cancel, position filled)
    ends each through the lifecycle, which raises its SEQUENCE and voids every row queued
    for it before."""
    wanted = {f.uid: f for f in facts if f.uid}
    known: dict[str, _Known] = {}
    existing: list[tuple[int, str, int, str]] = []
    uids = list(wanted)
    for start in range(0, len(uids), CHUNK):
        existing += [
            (int(i), str(u), int(q), str(st))
            for i, u, q, st in session.execute(
                select(Interview.id, Interview.uid, Interview.sequence, Interview.status).where(
                    Interview.workspace_id == workspace_id,
                    Interview.uid.in_(uids[start : start + CHUNK]),
                )
            )
        ]
    for row_id, uid, sequence, status in existing:
        if uid in known:
            continue
        if ending is not None and State(status) in (*ACTIVE, State.took_place):
            # the situation may know a later SEQUENCE than the record (the organizer's)
            session.execute(
                update(Interview)
                .where(Interview.id == row_id)
                .values(sequence=max(sequence, wanted[uid].sequence))
            )
            applied = transitions.apply(
                session,
                workspace_id=workspace_id,
                interview_id=row_id,
                event=ending,
                actor=actor,
                now=now,
                why=f"fairnotice send: {ending.value}",
            )
            sequence = applied.interview.sequence
        known[uid] = _Known(row_id, sequence)
    new = [f for uid, f in wanted.items() if uid not in known]
    rows: list[dict[str, Any]] = [
        {
            "workspace_id": workspace_id,
            "position": f.position,
            "company": f.company,
            "start": f.start,
            "end": f.end,
            "timezone": f.timezone,
            "location": f.location,
            "video_url": f.video_url,
            "round": f.round,
            "uid": f.uid,
            "sequence": f.sequence + 1 if ending else f.sequence,
            "status": ENDS_IN[ending].value if ending else State.scheduled.value,
            "contact": {},
            "interviewers": [],
            "history_channel": "email",
            "created_at": system_now(),
        }
        for f in new
    ]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        statement = insert(Interview).returning(Interview.id, sort_by_parameter_order=True)
        ids = session.scalars(statement, chunk).all()
        for row_id, row in zip(ids, chunk, strict=True):
            known[str(row["uid"])] = _Known(int(row_id), int(row["sequence"]))
        session.execute(
            insert(InterviewEvent),
            [
                {
                    "workspace_id": workspace_id,
                    "interview_id": int(row_id),
                    "at": now,
                    "actor": actor,
                    "event": (ending or Event.schedule).value,
                    "from_state": None,
                    "to_state": row["status"],
                    "why": "fairnotice send: first seen",
                }
                for row_id, row in zip(ids, chunk, strict=True)
            ],
        )
    return known


def _store(session: Session, *, workspace_id: int, situation: Situation, plan: Plan) -> int:
    """The plan and its steps, as operations.changes.store_plan keeps them, in bulk."""
    record = PlanRecord(
        workspace_id=workspace_id,
        interview_id=None,
        situation=dump(situation),
        plan=dump(plan),
        private_note=situation.reason.detail,
    )
    session.add(record)
    session.flush()
    steps = [
        {
            "plan_id": record.id,
            "workspace_id": workspace_id,
            "order": step.order,
            "due": step.due,
            "action": step.action.value,
            "condition": step.condition.value if step.condition else None,
            "label": (step.to.name if step.to else situation.counterpart.name)[:300],
            "state": "open",
        }
        for step in plan.steps
    ]
    for start in range(0, len(steps), CHUNK):
        session.execute(insert(PlanStep), steps[start : start + CHUNK])
    return record.id


def _rows(
    session: Session,
    *,
    workspace_id: int,
    situation: Situation,
    plan: Plan,
    plan_id: int,
    now: datetime,
    first_now: bool,
) -> list[dict[str, Any]]:
    ending = ENDING.get(situation.intent)
    facts = [c.interview for c in situation.candidates if c.interview is not None]
    known = _interviews(session, workspace_id, facts or [situation.interview], ending, now)
    return plan_rows(
        workspace_id=workspace_id,
        situation=situation,
        plan=plan,
        plan_id=plan_id,
        now=now,
        interviews={uid: (k.id, k.sequence) for uid, k in known.items()},
        first_now=first_now,
    )


def send_plan(
    session: Session,
    *,
    situation: Situation,
    workspace_id: int,
    first_now: bool = False,
    clock: Callable[[], datetime] = system_now,
    progress: Progress | None = None,
    plan: Plan | None = None,
    secret: str | None = None,
) -> Queued:
    """Plan `situation` (unless its `plan` is given), keep the plan and its steps, queue
    its emails (their "Got it" receipts sealed with `secret`: receipts.key); all in the
    caller's one transaction."""
    now = clock()
    plan = plan or plan_change(situation=situation, clock=clock)
    plan_id = _store(session, workspace_id=workspace_id, situation=situation, plan=plan)
    rows = _rows(
        session,
        workspace_id=workspace_id,
        situation=situation,
        plan=plan,
        plan_id=plan_id,
        now=now,
        first_now=first_now,
    )
    enqueue(session, rows, now=now, progress=progress, secret=secret)
    first = min((r["due"] for r in rows), default=None)
    return Queued(plan_id=plan_id, messages=len(rows), first_due=first)
