"""Every (state, event) pair through the database: `transitions.apply` on an interview
brought into the state by the real operations, its effects checked on the rows against
the table written out by hand (`expected.py`). On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.errors import Conflict, NotFound
from fairnotice.lifecycle import Effect, Event, Guard, OfferState, State
from fairnotice.operations.interviews import transitions
from fairnotice.operations.outbox import commands as outbox
from fairnotice.store.session import transaction
from fairnotice.store.tables import (
    Interview,
    InterviewEvent,
    Offer,
    OfferSlot,
    OutboxEvent,
    OutboxMessage,
)
from tests.lifecycle.expected import Row, expected
from tests.lifecycle.world import (
    CANDIDATE_LANGUAGE,
    INTERVIEWERS,
    LANGUAGE,
    NOW,
    START,
    World,
    into,
    world,
)

NEW_TIME = (NOW + timedelta(days=8, hours=1), NOW + timedelta(days=8, hours=2))


@dataclass(frozen=True)
class Snapshot:
    interview: tuple[Any, ...] | None  # status, sequence, start, end, reschedules
    offers: dict[int, str]
    slots: dict[int, str]
    outbox: dict[int, str]
    audits: int


def snapshot(session: Session, w: World, iid: int) -> Snapshot:
    row = session.get(Interview, iid, populate_existing=True)
    offer_rows = session.execute(select(Offer.id, Offer.state).where(Offer.interview_id == iid))
    offers = {int(i): str(s) for i, s in offer_rows}
    slots = session.execute(
        select(OfferSlot.id, OfferSlot.state).where(OfferSlot.offer_id.in_(list(offers)))
    )
    mail = session.execute(
        select(OutboxMessage.id, OutboxMessage.state).where(
            OutboxMessage.workspace_id == w.workspace_id
        )
    )
    audits = session.scalar(
        select(func.count()).where(InterviewEvent.workspace_id == w.workspace_id)
    )
    return Snapshot(
        None
        if row is None
        else (row.status, row.sequence, row.start, row.end, row.reschedules, row.uid),
        offers,
        {int(i): str(s) for i, s in slots},
        {int(i): str(s) for i, s in mail},
        int(audits or 0),
    )


def _queue_two(session: Session, w: World, iid: int) -> tuple[int, int]:
    """A letter and a CANCEL queued about the interview (as a planner would): which of
    them a change voids."""
    row = session.get(Interview, iid)
    assert row is not None
    ids = []
    for method in (None, "CANCEL"):
        ids.append(
            outbox.queue(
                session,
                workspace_id=w.workspace_id,
                recipient="lena.queued@example.org",
                subject="queued",
                body="queued before the change",
                language="de",
                due=NOW + timedelta(days=1),
                sender=w.sender,
                method=method,
                ics_text=None,
                interview=(row.id, row.sequence),
            )
        )
    return ids[0], ids[1]


def _when(row: Row | None, start: datetime, floor: datetime) -> datetime:
    """When to try the event: during the interview where the expected guard asks for it
    having begun, else before it (never before the interview's last change)."""
    if row is not None and row.guard is Guard.started:
        return max(floor, start + timedelta(minutes=10))
    return floor


def _check_pair(w: World, state: State, event: Event, index: int) -> list[str]:
    """Apply `event` to a fresh interview in `state` (a day of its own, so no two share a
    time); every difference from the expected row, as text."""
    row = expected(state, event)
    tag = f"{state.value}{index}"
    placed = into(w, state, tag=tag, start=START + timedelta(days=index))
    iid = placed.interview_id
    with transaction(w.sessions, write=True) as session:
        letter, cancel = _queue_two(session, w, iid)
    with w.sessions() as session:
        before = snapshot(session, w, iid)
        current = session.get(Interview, iid)
        assert current is not None
        start, end, uid = current.start, current.end, current.uid
    now = _when(row, start, placed.now)
    problems: list[str] = []
    say = problems.append
    try:
        with transaction(w.sessions, write=True) as session:
            transitions.apply(
                session,
                workspace_id=w.workspace_id,
                interview_id=iid,
                event=event,
                actor=f"user:{w.user_id}",
                now=now,
                why="test",
                new_time=NEW_TIME,
                sender=w.sender,
            )
    except Conflict as refused:
        with w.sessions() as session:
            after = snapshot(session, w, iid)
        if row is not None:
            say(f"refused ({refused}) but expected -> {row.target}")
        if after != before:
            say(f"refused but changed: {before} -> {after}")
        return problems
    if row is None:
        return [f"allowed but expected a refusal (now {after_state(w, iid)})"]
    with w.sessions() as session:
        after = snapshot(session, w, iid)
        new_rows = list(
            session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.workspace_id == w.workspace_id,
                    OutboxMessage.id.not_in(list(before.outbox)),
                )
                .order_by(OutboxMessage.id)
            )
        )
        audit = session.scalars(
            select(InterviewEvent)
            .where(InterviewEvent.workspace_id == w.workspace_id)
            .order_by(InterviewEvent.id.desc())
            .limit(1)
        ).one()
        void_events = session.scalar(
            select(func.count()).where(
                OutboxEvent.outbox_id == letter, OutboxEvent.state == "cancelled"
            )
        )
    effects = row.effects
    # the interview: state, time, SEQUENCE
    if row.target is None:
        if after.interview is not None:
            say(f"delete left the interview: {after.interview}")
    else:
        assert before.interview is not None
        if after.interview is None:
            return [*problems, "the interview is gone"]
        status, sequence, a_start, a_end, reschedules, a_uid = after.interview
        if status != row.target.value:
            say(f"state {status}, expected {row.target.value}")
        raised = before.interview[1] + (1 if Effect.raise_sequence in effects else 0)
        if sequence != raised:
            say(f"SEQUENCE {before.interview[1]} -> {sequence}, expected {raised}")
        moved = Effect.move in effects
        if (a_start, a_end) != (NEW_TIME if moved else (start, end)):
            say(f"time {a_start}-{a_end} (moved expected: {moved})")
        if reschedules != before.interview[4] + (1 if moved else 0):
            say(f"reschedules {before.interview[4]} -> {reschedules}")
        if a_uid != uid:
            say(f"UID changed {uid} -> {a_uid}")
    # offers: the open ones closed as the table says, their offered slots released
    for offer_id, was in before.offers.items():
        now_state = after.offers.get(offer_id)
        if row.target is None:
            continue  # gone with the interview (ON DELETE CASCADE)
        if was != OfferState.open.value:
            if now_state != was:
                say(f"offer {offer_id} was {was}, now {now_state}")
        elif Effect.close_offers in effects and now_state != row.offers.value:
            say(f"open offer {offer_id} became {now_state}, expected {row.offers.value}")
        elif Effect.close_offers not in effects and now_state != OfferState.open.value:
            say(f"open offer {offer_id} became {now_state} without close_offers")
    if row.target is not None and Effect.close_offers in effects:
        left = [s for s, st in after.slots.items() if st == "offered"]
        if left:
            say(f"slots still offered after the offers closed: {left}")
    # queued letters: voided (with an event) or kept; a queued CANCEL always kept
    voided = Effect.void_queued in effects
    if after.outbox.get(letter) != ("cancelled" if voided else "pending"):
        say(f"queued letter {after.outbox.get(letter)} (void expected: {voided})")
    if voided and void_events != 1:
        say(f"voided letter has {void_events} cancelled events")
    if after.outbox.get(cancel) != "pending":
        say(f"queued CANCEL became {after.outbox.get(cancel)}")
    for other, was in before.outbox.items():
        kept = other not in (letter, cancel) and was == "pending" and not voided
        if kept and after.outbox.get(other) != "pending":
            say(f"earlier row {other} became {after.outbox.get(other)}")
    # the calendar objects queued: REQUEST to everyone, CANCEL to every interviewer
    want: set[tuple[str, str, str]] = set()
    if Effect.send_request in effects:
        want.add((f"lena.{tag}@example.org", "REQUEST", CANDIDATE_LANGUAGE))
        want |= {(p["email"], "REQUEST", LANGUAGE[p["email"]]) for p in INTERVIEWERS}
    if Effect.send_cancel in effects and end > now:
        want |= {(p["email"], "CANCEL", LANGUAGE[p["email"]]) for p in INTERVIEWERS}
    got = {(m.recipient, m.calendar_method or "", m.language) for m in new_rows}
    if got != want or len(new_rows) != len(want):
        say(f"queued {sorted(got)} ({len(new_rows)} rows), expected {sorted(want)}")
    for message in new_rows:
        sequence = after.interview[1] if after.interview else None
        if message.interview_id != iid or message.interview_sequence != sequence:
            say(f"row {message.id} tied to {message.interview_id}/{message.interview_sequence}")
        ics = message.calendar_ics or ""
        if f"UID:{uid}" not in ics.replace("\r\n ", "") or f"SEQUENCE:{sequence}" not in ics:
            say(f"row {message.id} ics does not name UID {uid} SEQUENCE {sequence}")
        if f"METHOD:{message.calendar_method}" not in ics:
            say(f"row {message.id} ics has no METHOD:{message.calendar_method}")
    # one audit event: who, what, from, to
    if after.audits != before.audits + 1:
        say(f"{after.audits - before.audits} audit events")
    got_audit = (audit.actor, audit.event, audit.from_state, audit.to_state, audit.why)
    want_audit = (
        f"user:{w.user_id}",
        event.value,
        state.value,
        row.target.value if row.target else None,
        "test",
    )
    if got_audit != want_audit:
        say(f"audit {got_audit}, expected {want_audit}")
    if audit.interview_id != (iid if row.target else None) or audit.at != now:
        say(f"audit tied to {audit.interview_id} at {audit.at}")
    return problems


def after_state(w: World, iid: int) -> str | None:
    with w.sessions() as session:
        row = session.get(Interview, iid)
        return row.status if row else None


@pytest.mark.parametrize("state", list(State), ids=[s.value for s in State])
def test_every_event_on_an_interview_in_this_state(
    sessions: sessionmaker[Session], state: State
) -> None:
    w = world(sessions)
    problems = {
        event.value: found
        for index, event in enumerate(Event)
        if (found := _check_pair(w, state, event, index))
    }
    assert problems == {}


def test_no_event_finds_an_interview_not_on_record(sessions: sessionmaker[Session]) -> None:
    w = world(sessions)
    for event in Event:
        with pytest.raises(NotFound), transaction(sessions, write=True) as session:
            transitions.apply(
                session,
                workspace_id=w.workspace_id,
                interview_id=999_999,
                event=event,
                actor="test",
                now=NOW,
                new_time=NEW_TIME,
                sender=w.sender,
            )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(InterviewEvent)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_candidates_own_interview_sends_no_calendar_object(
    sessions: sessionmaker[Session],
) -> None:
    """A personal workspace's interview is someone else's invitation: an edit of its time
    or its cancellation is recorded, but only its organizer may send REQUEST or CANCEL."""
    w = world(sessions, kind="personal")
    placed = into(w, State.scheduled, tag="own")
    for event in (Event.edit_time, Event.cancel):
        with transaction(sessions, write=True) as session:
            transitions.apply(
                session,
                workspace_id=w.workspace_id,
                interview_id=placed.interview_id,
                event=event,
                actor=f"user:{w.user_id}",
                now=NOW,
                new_time=NEW_TIME,
                sender=w.sender,
            )
    with sessions() as session:
        row = session.get(Interview, placed.interview_id)
        assert row is not None and (row.status, row.sequence) == ("cancelled", 2)
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        trail = session.execute(
            select(InterviewEvent.from_state, InterviewEvent.to_state).order_by(InterviewEvent.id)
        ).all()
        assert [tuple(t) for t in trail][-2:] == [
            ("scheduled", "rescheduled"),
            ("rescheduled", "cancelled"),
        ]
