"""The one way an interview changes: lock it, ask the lifecycle, apply every effect.

Every writer (web forms, the REST API, the CLI, the worker, picks, declines, agreements,
cancellations, fills, edits of time, deletes) calls `apply`. In the caller's transaction
it locks the interview row (`FOR UPDATE` on PostgreSQL; on SQLite the caller's
`writing()` transaction already holds the database's write lock), checks the
(state, event) pair and its guard in `fairnotice.lifecycle`, and applies the effects:
the new time, SEQUENCE + 1 where RFC 5546 asks for it, open offers closed, letters
queued before the change voided (a CANCEL excepted), the REQUEST or CANCEL to everyone
who holds the event in their calendar (employer side), and an audit event. Letters the
planner writes for the change (a cancellation, a filled position) are queued by the
caller after `apply`, in the same transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fairnotice.errors import N_, BadInput, Conflict, NotFound, Phrase, Verbatim
from fairnotice.lifecycle import (
    CLOSED,
    Effect,
    Event,
    OfferState,
    Refused,
    SlotState,
    State,
    Transition,
    decide,
)
from fairnotice.operations.interviews.invitations import queue_cancel, queue_request
from fairnotice.store.tables import (
    Interview,
    InterviewEvent,
    Offer,
    OfferSlot,
    OutboxEvent,
    OutboxMessage,
    Workspace,
)

INTERVIEW_DELETED = "the interview was deleted since this message was queued"
__all__ = ["Applied", "apply", "check", "ensure_new_uid", "lock", "organises", "record", "schedule"]


@dataclass(frozen=True)
class Applied:
    interview: Interview  # after the change (deleted from the session for Event.delete)
    source: State
    transition: Transition
    voided: int  # letters queued before that will never go


def lock(session: Session, *, workspace_id: int, interview_id: int) -> Interview:
    """The interview, locked for this transaction and read afresh; NotFound outside the
    workspace."""
    row = session.scalar(
        select(Interview)
        .where(Interview.id == interview_id, Interview.workspace_id == workspace_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound("interview")
    return row


def check(interview: Interview, event: Event, *, now: datetime) -> Transition:
    """The transition `event` would make now; Conflict naming why it is not allowed (before
    a caller does work, such as planning letters, for a change that cannot happen)."""
    try:
        return decide(
            State(interview.status), event, start=interview.start, end=interview.end, now=now
        )
    except Refused as refused:
        raise Conflict(Phrase("interview: %(why)s", why=Phrase(refused.reason))) from None


def record(
    session: Session,
    *,
    interview: Interview,
    event: Event,
    source: State | None,
    target: State | None,
    actor: str,
    now: datetime,
    why: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """The audit event of one change (who, when, from, to, why)."""
    session.add(
        InterviewEvent(
            workspace_id=interview.workspace_id,
            interview_id=interview.id,
            at=now,
            actor=actor[:320],
            event=event.value,
            from_state=source.value if source else None,
            to_state=target.value if target else None,
            why=why,
            detail=detail,
        )
    )


def apply(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    event: Event,
    actor: str,
    now: datetime,
    why: str | None = None,
    new_time: tuple[datetime, datetime] | None = None,
    sender: tuple[str, str] | None = None,
    detail: dict[str, Any] | None = None,
) -> Applied:
    """Change the interview by `event`, with every effect, in the caller's transaction.

    `new_time` is the time a move takes (pick, book, agree, edit of time); `sender` the
    (name, email) the REQUEST or CANCEL goes out from (the acting user, or the offer's
    reply-to address). Refused (Conflict naming why) when the lifecycle does not allow it.
    """
    interview = lock(session, workspace_id=workspace_id, interview_id=interview_id)
    source = State(interview.status)
    transition = check(interview, event, now=now)
    effects = transition.effects
    if Effect.move in effects:
        if new_time is None:
            raise BadInput([("start", N_("a new time is needed"))])
        start, end = new_time
        if end <= start:
            raise BadInput([("end", N_("end must be after start"))])
        interview.previous_start, interview.previous_end = interview.start, interview.end
        interview.start, interview.end = start, end
        interview.reschedules += 1
    if Effect.raise_sequence in effects:
        interview.sequence += 1
    if Effect.close_offers in effects:
        close_offers(session, interview_ids=[interview.id], to=transition.offers_become)
    voided = 0
    if Effect.void_queued in effects:
        if transition.target is None:
            why_void = INTERVIEW_DELETED
        elif transition.target in CLOSED:
            why_void = "interview ended"
        else:
            why_void = f"interview changed ({event.value})"
        voided = sum(
            void_queued(session, interview_ids=[interview.id], now=now, why=why_void).values()
        )
    target = transition.target
    record(
        session,
        interview=interview,
        event=event,
        source=source,
        target=target,
        actor=actor,
        now=now,
        why=why,
        detail=detail,
    )
    if target is None:
        session.flush()
        session.delete(interview)
        session.flush()
        return Applied(interview, source, transition, voided)
    interview.status = target.value
    session.flush()
    if sender is not None and organises(session, workspace_id):
        if Effect.send_request in effects:
            queue_request(session, interview=interview, sender=sender, now=now)
        if Effect.send_cancel in effects and interview.end > now:
            queue_cancel(session, interview=interview, sender=sender, now=now)
    return Applied(interview, source, transition, voided)


def organises(session: Session, workspace_id: int) -> bool:
    """An organisation's interviews are its own events: it sends their REQUEST and CANCEL.
    A candidate's are someone else's invitation, which only its organizer may change."""
    kind = session.scalar(select(Workspace.kind).where(Workspace.id == workspace_id))
    return kind == "organisation"


def ensure_new_uid(session: Session, *, workspace_id: int, uid: str) -> None:
    """Conflict when the workspace already holds an interview with this UID (the same
    invitation adopted twice): one event, one interview."""
    taken = session.execute(
        select(Interview.position, Interview.start).where(
            Interview.workspace_id == workspace_id, Interview.uid == uid
        )
    ).first()
    if taken is not None:  # named as a person knows it, not by its UID
        raise Conflict(
            Phrase(
                "interview: this invitation is already on record: %(position)s, %(when)s",
                position=Verbatim(taken.position),
                when=taken.start,  # a moment: each page shows it in its viewer's zone
            )
        )


def schedule(
    session: Session,
    *,
    interview: Interview,
    actor: str,
    now: datetime,
    sender: tuple[str, str] | None = None,
    adopted: bool = False,
    why: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Interview:
    """Put a new interview on record (`Event.schedule`) in the caller's transaction.

    `interview` is a row not stored yet, with its UID (random, or an adopted invitation's).
    For an organisation the first REQUEST goes to the candidate and every interviewer,
    each in their own language and zone, unless the event is `adopted`: its people already
    hold it (the employer's own invitation), and only later changes go out, under its UID,
    a higher SEQUENCE and its ORGANIZER. A candidate's interview is someone else's
    invitation: stored and audited, nothing sent. Conflict when the workspace already
    holds an interview with that UID.
    """
    if interview.id is not None:
        raise ValueError("schedule takes an interview that is not on record yet")
    if not interview.uid:
        raise ValueError("an interview is put on record with a UID of its own")
    ensure_new_uid(session, workspace_id=interview.workspace_id, uid=interview.uid)
    try:
        transition = decide(None, Event.schedule, start=interview.start, end=interview.end, now=now)
    except Refused as refused:  # the table allows it from nothing; kept honest all the same
        raise Conflict(Phrase("interview: %(why)s", why=Phrase(refused.reason))) from None
    target = transition.target
    assert target is not None
    interview.status = target.value
    session.add(interview)
    session.flush()
    facts: dict[str, Any] = {"uid": interview.uid, "sequence": interview.sequence}
    if adopted:
        facts["adopted"] = True
    record(
        session,
        interview=interview,
        event=Event.schedule,
        source=None,
        target=target,
        actor=actor,
        now=now,
        why=why,
        detail={**facts, **(detail or {})},
    )
    session.flush()
    if (
        Effect.send_request in transition.effects
        and not adopted
        and sender is not None
        and organises(session, interview.workspace_id)
    ):
        queue_request(session, interview=interview, sender=sender, now=now)
    return interview


def close_offers(session: Session, *, interview_ids: Sequence[int], to: OfferState) -> list[int]:
    """Every open offer of the interviews becomes `to`; their offered slots are released
    (a pick books its own slot afterwards). Returns the closed offers' ids."""
    ids = list(
        session.scalars(
            select(Offer.id).where(
                Offer.interview_id.in_(interview_ids), Offer.state == OfferState.open.value
            )
        )
    )
    if ids:
        session.execute(
            update(Offer)
            .where(Offer.id.in_(ids))
            .values(state=to.value)
            .execution_options(synchronize_session="fetch")
        )
        session.execute(
            update(OfferSlot)
            .where(OfferSlot.offer_id.in_(ids), OfferSlot.state == SlotState.offered.value)
            .values(state=SlotState.released.value)
            .execution_options(synchronize_session="fetch")
        )
    return ids


def void_queued(
    session: Session, *, interview_ids: Sequence[int], now: datetime, why: str
) -> dict[int, int]:
    """Letters about the interviews still waiting (pending or draft) never go: they were
    written for the interview as it was. A CANCEL already queued still goes (it tells the
    other side the interview is off). Rows a worker holds are checked again before they
    go (operations/outbox/loop.py reads the interview's state and SEQUENCE). Returns
    {interview id: letters voided}.

    The state is checked on the rows found by interview: with it in the statement,
    SQLite reads every pending row of the outbox by its (state, due) index, and a fill
    that queues 50,000 letters read them all again for each batch."""
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.interview_id,
            OutboxMessage.calendar_method,
            OutboxMessage.state,
        ).where(OutboxMessage.interview_id.in_(interview_ids))
    ).all()
    chosen = [
        (int(i), int(about or 0))
        for i, about, method, state in rows
        if state in ("pending", "draft") and (method or "").upper() != "CANCEL"
    ]
    if not chosen:
        return {}
    ids = [i for i, _ in chosen]
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(state="cancelled", last_error=why, lease_until=None)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        insert(OutboxEvent),
        [{"outbox_id": i, "at": now, "state": "cancelled", "detail": why} for i in ids],
    )
    return dict(Counter(about for _, about in chosen))
