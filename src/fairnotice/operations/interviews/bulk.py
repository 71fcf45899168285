"""`transitions.apply` for many interviews at once (a position filled for thousands).

The same lifecycle (`lifecycle.decide` per row) and the same effects as `apply`, in the
caller's transaction, with one statement where `apply` issues one per interview: the
rows are locked in one SELECT ... FOR UPDATE, open offers closed, queued letters voided,
audit events and the interviewers' CANCELs written in bulk. Events that move an
interview or delete it take `transitions.apply`, one at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from fairnotice.calendar import ics
from fairnotice.compose import dates
from fairnotice.compose.notes import render_note
from fairnotice.errors import NotFound
from fairnotice.lifecycle import CLOSED, Effect, Event, OfferState, State
from fairnotice.model import Language
from fairnotice.operations.interviews import invitations, transitions
from fairnotice.operations.interviews.invitations import facts
from fairnotice.operations.interviews.transitions import Applied, check
from fairnotice.operations.outbox.commands import enqueue
from fairnotice.store import bulk
from fairnotice.store.tables import (
    Candidate,
    Interview,
    InterviewEvent,
    Workspace,
)

LANGUAGES = frozenset(lang.value for lang in Language)
EVENTS = cast(Table, InterviewEvent.__table__)

__all__ = ["apply_many", "lock_many"]


def lock_many(session: Session, *, workspace_id: int, interview_ids: list[int]) -> list[Interview]:
    """The interviews, locked for this transaction in one statement and read afresh (in
    order of id, so two callers lock in the same order); NotFound if one is missing."""
    wanted = sorted(set(interview_ids))
    rows = list(
        session.scalars(
            select(Interview)
            .where(Interview.id.in_(wanted), Interview.workspace_id == workspace_id)
            .order_by(Interview.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    if len(rows) != len(wanted):
        raise NotFound("interview")
    return rows


def apply_many(
    session: Session,
    *,
    workspace_id: int,
    interview_ids: list[int],
    event: Event,
    actor: str,
    now: datetime,
    why: str | None = None,
    sender: tuple[str, str] | None = None,
    detail: dict[str, Any] | None = None,
    locked: Sequence[Interview] | None = None,
) -> list[Applied]:
    """Change every interview by `event`, as `transitions.apply` would one by one; all or
    none (Conflict naming why when the lifecycle refuses one of them). `locked`: these
    interviews, already locked and read afresh in this transaction (a fill's batch reads
    them so to choose its letters; reading them again cost a second a fill of 50,000)."""
    if (
        locked is not None
        and sorted(i.id for i in locked) == sorted(set(interview_ids))
        and all(i.workspace_id == workspace_id for i in locked)
    ):
        rows = sorted(locked, key=lambda i: i.id)
    else:
        rows = lock_many(session, workspace_id=workspace_id, interview_ids=interview_ids)
    decided = [(row, State(row.status), check(row, event, now=now)) for row in rows]
    for _, _, transition in decided:
        if transition.target is None or Effect.move in transition.effects:
            raise ValueError(f"{event.value} moves or deletes: use transitions.apply")
    closing: dict[OfferState, list[int]] = defaultdict(list)
    voiding: dict[str, list[int]] = defaultdict(list)
    changed: dict[tuple[str, int], list[int]] = defaultdict(list)
    for row, _, transition in decided:
        effects = transition.effects
        assert transition.target is not None
        raised = 1 if Effect.raise_sequence in effects else 0
        changed[(transition.target.value, raised)].append(row.id)
        if Effect.close_offers in effects:
            closing[transition.offers_become].append(row.id)
        if Effect.void_queued in effects:
            target = transition.target
            voiding[
                "interview ended" if target in CLOSED else f"interview changed ({event.value})"
            ].append(row.id)
    for to, ids in closing.items():
        transitions.close_offers(session, interview_ids=ids, to=to)
    voided: dict[int, int] = defaultdict(int)
    for why_void, ids in voiding.items():
        found = transitions.void_queued(session, interview_ids=ids, now=now, why=why_void)
        for interview_id, count in found.items():
            voided[interview_id] += count
    bulk.insert_many(
        session,
        EVENTS,
        [
            {
                "workspace_id": row.workspace_id,
                "interview_id": row.id,
                "at": now,
                "actor": actor[:320],
                "event": event.value,
                "from_state": source.value,
                "to_state": transition.target.value if transition.target else None,
                "why": why,
                "detail": detail,
            }
            for row, source, transition in decided
        ],
    )
    for (state_value, raised), ids in changed.items():  # a few statements, not one a row
        session.execute(
            update(Interview)
            .where(bulk.in_ids(session, Interview.id, ids))
            .values(status=state_value, sequence=Interview.sequence + raised)
            .execution_options(synchronize_session="fetch")
        )
    if sender is not None and _organises(session, workspace_id):
        requested = [r for r, _, t in decided if Effect.send_request in t.effects]
        if requested:
            raise ValueError(f"{event.value} sends a REQUEST: use transitions.apply")
        ending = [r for r, _, t in decided if Effect.send_cancel in t.effects and r.end > now]
        enqueue(session, _cancel_rows(session, ending, sender, now), now=now)
    return [Applied(row, source, t, voided.get(row.id, 0)) for row, source, t in decided]


def _organises(session: Session, workspace_id: int) -> bool:
    kind = session.scalar(select(Workspace.kind).where(Workspace.id == workspace_id))
    return kind == "organisation"


def _cancel_rows(
    session: Session, interviews: list[Interview], sender: tuple[str, str], now: datetime
) -> list[dict[str, Any]]:
    """The rows `invitations.queue_cancel` queues, for many interviews: the CANCEL (the
    stored SEQUENCE, already raised) to every interviewer, in their own language."""
    if not interviews:
        return []
    house = invitations.house_language(session, sender[1])
    ids = {i.candidate_id for i in interviews if i.candidate_id is not None}
    candidates = {c.id: c for c in session.scalars(select(Candidate).where(Candidate.id.in_(ids)))}
    name, address = sender
    rows: list[dict[str, Any]] = []
    for interview in interviews:
        candidate = candidates.get(interview.candidate_id or 0)
        everyone = invitations.people_of(interview, candidate, house)
        people = [p for p in everyone if not p.candidate]
        if not people:
            continue
        event = facts(interview, everyone, sender)
        # ics.cancel writes SEQUENCE + 1 of the facts it is given: give it the one before
        text = ics.cancel(replace(event, sequence=interview.sequence - 1), dtstamp=now)
        for person in people:
            subject, body = render_note(
                "interview_cancelled",
                person.language,
                recipient=person.party.name,
                position=interview.position,
                company=interview.company,
                when=dates.span(interview.start, interview.end, person.timezone, person.language),
                sender=name,
            )
            rows.append(
                {
                    "workspace_id": interview.workspace_id,
                    "kind": "email",
                    "recipient": person.party.email,
                    "recipient_name": person.party.name or None,
                    "sender_name": name or None,
                    "reply_to": address or None,
                    "subject": subject,
                    "body": body,
                    "language": person.language.value,
                    "calendar_method": "CANCEL",
                    "calendar_ics": text,
                    "due": now,
                    "reference": f"interview:{interview.id}",
                    "deadline": None,
                    "interview_id": interview.id,
                    "interview_sequence": interview.sequence,
                }
            )
    return rows
