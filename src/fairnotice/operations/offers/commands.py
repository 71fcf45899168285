"""Employer reschedules: offer new times through a link, and the candidate's pick.

The link's token (256 bits from `secrets`) is shown once and stored as its SHA-256. A
pick is one conditional UPDATE (`state = 'open'` and not expired): of any number of
concurrent picks exactly one changes the row, the rest get Conflict. The messages the
change causes go to the outbox in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.calendar.expand import Interval
from fairnotice.compose.notes import render_note
from fairnotice.errors import N_, BadInput, Conflict, NotFound, Phrase, joined
from fairnotice.io import validate
from fairnotice.lifecycle import Event, OfferState, SlotState
from fairnotice.model import Language, Plan, Situation
from fairnotice.operations.accounts.commands import digest
from fairnotice.operations.busy.stored import PLANNING_WINDOW, CalendarNotReady, owners_busy
from fairnotice.operations.common import links
from fairnotice.operations.interviews import transitions
from fairnotice.operations.offers import holds
from fairnotice.operations.offers.policy import read_policy
from fairnotice.operations.outbox.commands import queue, queue_plan_emails
from fairnotice.operations.plans.commands import interview_contract, own_event, store_plan
from fairnotice.operations.plans.planning import plan_change, system_now
from fairnotice.store.tables import Candidate, Interview, Offer, OfferSlot, User, Workspace

TOKEN_BYTES = 32
MAX_SUGGESTION = 2000
_LANGUAGES = frozenset(lang.value for lang in Language)
# How far ahead an interview is still checked against its interviewers' stored calendars
# (K1): less than the REFRESH_WHEN_LEFT every stored calendar is kept read for, with room
# for a worker that falls behind. An interview further out gets no K1 check.
K1_AHEAD = timedelta(days=180)


@dataclass(frozen=True)
class NewOffer:
    offer: Offer
    token: str
    pick_url: str
    plan: Plan


def interviewer_busy(
    session: Session,
    *,
    interview: Interview,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> tuple[list[Interval], list[str]]:
    """Busy time of the interview's interviewers in [start, end): their stored calendars'
    intervals (as read by a worker) and their other booked interviews in the workspace
    that overlap it (K1), the interview itself left out; and why any stored calendar
    could not be used. An offer's plan refers to this instead of keeping a copy."""
    emails = frozenset(p["email"].lower() for p in interview.interviewers or [])
    if not emails:
        return [], []
    found, unread = owners_busy(
        session,
        workspace_id=interview.workspace_id,
        emails=emails,
        start=start,
        end=end,
        own=own_event(interview),  # no clash with itself (K1)
        now=now,
    )
    found += holds.booked(session, interview=interview, emails=emails, start=start, end=end)
    return found, unread


def offer_window(interview: Interview, now: datetime) -> Interval:
    """What an offer looks at: the planner's weeks ahead and, for K1, the interview's own
    time however far within the months a stored calendar is always read for ahead."""
    end = max(now + PLANNING_WINDOW, min(interview.end + timedelta(days=1), now + K1_AHEAD))
    return (now - timedelta(days=1), end)


def employer_situation(
    *,
    interview: Interview,
    user: User,
    intent: str,
    reason: str,
    busy: list[dict[str, str]],
    slot_count: int = 3,
    pick_url: str | None = None,
    now: datetime,
    language: str | None,
    public_reason: str | None = None,
) -> Situation:
    contact = interview.contact
    raw: dict[str, Any] = {
        "now": now.isoformat(),
        "role": "employer",
        "intent": intent,
        "language": language,
        "reason": {"category": reason, "public": public_reason},
        "interview": interview_contract(interview),
        "me": {"name": user.name, "email": user.email, "timezone": interview.timezone},
        "counterpart": {k: v for k, v in contact.items() if k != "language"},
        "history": {"channel": interview.history_channel},
        "availability": {"busy": busy, "timezone": interview.timezone},
        "options": {"slot_count": slot_count, "pick_url": pick_url},
    }
    return validate(Situation, raw)


def without_busy(situation: Situation) -> Situation:
    """The situation as an offer's plan keeps it: the busy time is not copied (it is the
    interviewers' stored calendars and interviews, which the plan's interview refers to;
    replies.py reads them again for the times a reply proposes)."""
    if situation.availability is None:
        return situation
    kept = situation.availability.model_copy(update={"busy": []})
    return situation.model_copy(update={"availability": kept})


def offer_times(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    user: User,
    base_url: str,
    reason: str = "other",
    slot_count: int = 3,
    valid_days: int = 7,
    clock: Callable[[], datetime] = system_now,
    secret: str | None = None,
    public_reason: str | None = None,
) -> NewOffer:
    """Propose at least three free times (E2) and queue the message with the pick link.

    The plan and the outbox keep a reference in place of the link's token (links.py);
    the token is sealed with `secret` (the app's key, by default the configured one)."""
    now = clock()
    interview = transitions.lock(session, workspace_id=workspace_id, interview_id=interview_id)
    transitions.check(interview, Event.offer, now=now)
    policy = read_policy(session, workspace_id=workspace_id)
    if interview.reschedules >= policy.max_reschedules:
        raise Conflict(
            Phrase(
                "interview: the organisation's limit of moves per interview (%(max)s) is reached",
                max=policy.max_reschedules,
            )
        )
    holds.lock_people(session, holds.people(interview))  # two offers never hold one slot
    token = secrets.token_urlsafe(TOKEN_BYTES)
    stored_url = f"{base_url.rstrip('/')}/pick/{links.reference(token)}"
    situation = offer_situation(
        session,
        interview=interview,
        user=user,
        reason=reason,
        public_reason=public_reason,
        slot_count=max(3, slot_count),
        pick_url=stored_url,
        now=now,
    )
    plan = plan_change(situation=situation, clock=clock)
    if len(plan.proposed_slots) < 3:
        raise BadInput([("slots", N_("fewer than three free times in the next four weeks"))])
    return record_offer(
        session,
        interview=interview,
        user=user,
        situation=situation,
        plan=plan,
        token=token,
        base_url=base_url,
        valid_days=valid_days,
        secret=secret,
    )


def offer_situation(
    session: Session,
    *,
    interview: Interview,
    user: User,
    reason: str,
    slot_count: int,
    pick_url: str,
    now: datetime,
    public_reason: str | None = None,
) -> Situation:
    """The employer's reschedule as the planner reads it, with everything new times must
    avoid (K1): the interviewers' busy time, the notice, other interviews, held slots."""
    policy = read_policy(session, workspace_id=interview.workspace_id)
    candidate = session.get(Candidate, interview.candidate_id) if interview.candidate_id else None
    start, end = offer_window(interview, now)
    found, unread = interviewer_busy(session, interview=interview, start=start, end=end, now=now)
    if unread:  # a calendar not read yet is never taken as free time
        raise CalendarNotReady(joined(unread))
    busy = [{"start": s.isoformat(), "end": e.isoformat()} for s, e in found]
    busy.extend(holds.avoid(session, interview=interview, now=now, notice=policy.notice))
    return employer_situation(
        interview=interview,
        user=user,
        intent="reschedule",
        reason=reason,
        public_reason=public_reason,
        busy=busy,
        slot_count=slot_count,
        pick_url=pick_url,
        now=now,
        language=candidate.language if candidate else None,
    )


def record_offer(
    session: Session,
    *,
    interview: Interview,
    user: User,
    situation: Situation,
    plan: Plan,
    token: str,
    base_url: str,
    valid_days: int,
    secret: str | None,
) -> NewOffer:
    """The offer, its slots and its plan written and the plan's emails queued, through the
    lifecycle (Event.offer); the reason goes into the audit event only."""
    now = situation.now or system_now()
    workspace_id = interview.workspace_id
    reason = situation.reason
    # Earlier open offers for this interview stop working: one live link per interview.
    transitions.apply(
        session,
        workspace_id=workspace_id,
        interview_id=interview.id,
        event=Event.offer,
        actor=f"user:{user.id}",
        now=now,
        why=reason.category.value,
        detail={"reason": reason_record(reason.category.value, reason.public)},
    )
    offer = Offer(
        workspace_id=workspace_id,
        interview_id=interview.id,
        token_hash=digest(token),
        sealed_token=links.sealed(token, links.secret_key(secret)),
        expires_at=now + timedelta(days=valid_days),
        language=plan.language.value,
        timezone=situation.counterpart.timezone,
        reply_to=user.email,
        address_form=plan.address.form if plan.address else None,
    )
    session.add(offer)
    session.flush()
    for slot in plan.proposed_slots:
        session.add(OfferSlot(offer_id=offer.id, start=slot.start, end=slot.end))
    record = store_plan(
        session,
        workspace_id=workspace_id,
        interview_id=interview.id,
        situation=without_busy(situation),
        plan=plan,
    )
    queue_plan_emails(
        session,
        workspace_id=workspace_id,
        situation=situation,
        plan=plan,
        plan_id=record.id,
        now=now,
        interviews={interview.uid: (interview.id, interview.sequence)},
        secret=secret,
    )
    session.flush()
    session.refresh(offer)
    pick_url = f"{base_url.rstrip('/')}/pick/{token}"
    return NewOffer(offer=offer, token=token, pick_url=pick_url, plan=plan)


def reason_record(category: str, public: str | None) -> dict[str, str]:
    """The reason as the audit event keeps it (and nowhere else)."""
    return {"category": category, **({"public": public} if public else {})}


def offer_by_token(session: Session, token: str) -> Offer:
    """The offer a link token opens; NotFound for any token that is not one."""
    if not token or len(token) > 100:
        raise NotFound("offer")
    offer = session.scalar(select(Offer).where(Offer.token_hash == digest(token)))
    if offer is None:
        raise NotFound("offer")
    return offer


@dataclass(frozen=True)
class OfferView:
    """What the pick page shows, read in two plain queries (the page is the hot path)."""

    id: int
    state: str
    expires_at: datetime
    picked_slot_id: int | None
    language: str
    timezone: str
    position: str
    company: str
    slots: list[dict[str, Any]]
    notice_minutes: int = 720  # the organisation's policy: the shortest notice of a pick
    interview_status: str = "offered"  # why a closed link no longer works (filled, ...)
    interview_start: datetime | None = None  # the time the new times would replace
    interview_end: datetime | None = None
    location: str | None = None  # where it takes place (an address, a room)
    video_url: str | None = None  # or the link of a video call
    formal: bool = True  # the offer's letter said "Sie" (or nothing said): the page does too


def offer_view(session: Session, token: str) -> OfferView:
    """The pick page's facts for a link token; NotFound for any token that is not one."""
    if not token or len(token) > 100:
        raise NotFound("offer")
    row = (
        session.execute(
            select(
                Offer.id,
                Offer.state,
                Offer.expires_at,
                Offer.picked_slot_id,
                Offer.language,
                Offer.timezone,
                Interview.position,
                Interview.company,
                Workspace.pick_notice_minutes.label("notice_minutes"),
                Interview.status.label("interview_status"),
                Interview.start.label("interview_start"),
                Interview.end.label("interview_end"),
                Interview.location,
                Interview.video_url,
                Offer.address_form,
            )
            .join(Interview, Interview.id == Offer.interview_id)
            .join(Workspace, Workspace.id == Offer.workspace_id)
            .where(Offer.token_hash == digest(token))
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("offer")
    slots = session.execute(
        select(OfferSlot.id, OfferSlot.start, OfferSlot.end, OfferSlot.state)
        .where(OfferSlot.offer_id == row["id"])
        .order_by(OfferSlot.start)
    ).mappings()
    facts = dict(row)
    formal = facts.pop("address_form") != "informal"
    return OfferView(**facts, slots=[dict(s) for s in slots], formal=formal)


def _usable(offer: Offer, now: datetime) -> None:
    if offer.state != OfferState.open.value:
        raise Conflict(N_("offer: this link has been used"))
    if offer.expires_at <= now:
        raise Conflict(N_("offer: this link has expired"))


def _locked_offer(session: Session, token: str) -> tuple[Offer, Interview]:
    """The offer of a link and its interview, the interview locked first (the order every
    transition locks in) and the offer read again under that lock."""
    offer = offer_by_token(session, token)
    interview = transitions.lock(
        session, workspace_id=offer.workspace_id, interview_id=offer.interview_id
    )
    session.refresh(offer)
    return offer, interview


def _sender(session: Session, offer: Offer) -> tuple[str, str]:
    """The employer who made the offer, as (name, address)."""
    name = session.scalar(select(User.name).where(User.email == offer.reply_to))
    return (name or "", offer.reply_to)


def pick(
    session: Session, *, token: str, slot_id: int, clock: Callable[[], datetime] = system_now
) -> OfferSlot:
    """Book one offered slot. The session must be a writing one (see store.session.writing).

    The interview row is locked first, so of any number of concurrent picks exactly one
    finds the offer open; the rest get Conflict. Then the people of the interview are
    locked and checked free for the slot (operations/offers/holds.py): a pick through another
    offer that took the time meanwhile, a stored calendar's busy time, or a slot within
    the organisation's notice is `holds.SlotTaken` (409) with the slots still free."""
    now = clock()
    offer, interview = _locked_offer(session, token)
    slot = next((s for s in offer.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFound("slot")
    _usable(offer, now)
    holds.check_pick(
        session,
        interview=interview,
        slots=offer.slots,
        slot_id=slot.id,
        now=now,
        notice=read_policy(session, workspace_id=offer.workspace_id).notice,
    )
    transitions.apply(
        session,
        workspace_id=offer.workspace_id,
        interview_id=interview.id,
        event=Event.pick,
        actor="candidate",
        now=now,
        new_time=(slot.start, slot.end),
        sender=_sender(session, offer),
        detail={"offer": offer.id, "slot": slot.id},
    )
    session.refresh(offer)
    offer.picked_slot_id = slot.id
    for other in offer.slots:
        session.refresh(other)
        other.state = (SlotState.booked if other.id == slot.id else SlotState.released).value
    session.flush()
    return slot


def withdraw_offer(
    session: Session,
    *,
    workspace_id: int,
    offer_id: int,
    user: User,
    clock: Callable[[], datetime] = system_now,
) -> Offer:
    """The employer takes an open offer back: its link stops working and its slots stop
    being held; the interview keeps its time (Event.withdraw_offer)."""
    offer = session.scalar(
        select(Offer).where(Offer.id == offer_id, Offer.workspace_id == workspace_id)
    )
    if offer is None:
        raise NotFound("offer")
    transitions.lock(session, workspace_id=workspace_id, interview_id=offer.interview_id)
    session.refresh(offer)
    if offer.state != OfferState.open.value:
        raise Conflict(N_("offer: this offer is no longer open"))
    transitions.apply(
        session,
        workspace_id=workspace_id,
        interview_id=offer.interview_id,
        event=Event.withdraw_offer,
        actor=f"user:{user.id}",
        now=clock(),
        why="offer withdrawn",
        detail={"offer": offer.id},
    )
    session.refresh(offer)
    return offer


def decline(
    session: Session, *, token: str, suggestion: str, clock: Callable[[], datetime] = system_now
) -> Offer:
    """None of the times work: keep the candidate's own suggestion and tell the employer."""
    now = clock()
    text = suggestion.strip()
    if not text or len(text) > MAX_SUGGESTION or "\x00" in text:
        raise BadInput(
            [("suggestion", Phrase("must be 1 to %(max)s characters", max=MAX_SUGGESTION))]
        )
    offer, interview = _locked_offer(session, token)
    _usable(offer, now)
    transitions.apply(
        session,
        workspace_id=offer.workspace_id,
        interview_id=interview.id,
        event=Event.decline,
        actor="candidate",
        now=now,
        why=text,
        detail={"offer": offer.id},
    )
    session.refresh(offer)
    offer.suggestion = text
    name = interview.contact.get("name", "") if interview else ""
    employer = session.scalar(select(User).where(User.email == offer.reply_to))
    language = Language(employer.language) if employer and employer.language in _LANGUAGES else None
    subject, body = render_note(
        "times_declined",
        language or Language.en,
        candidate=name,
        position=interview.position if interview else "",
        company=interview.company if interview else "",
        suggestion=text,
    )
    queue(
        session,
        workspace_id=offer.workspace_id,
        recipient=offer.reply_to,
        subject=subject,
        body=body,
        language=(language or Language.en).value,
        due=now,
        sender=(name, interview.contact.get("email", "") if interview else ""),
        reference=f"offer:{offer.id}",
    )
    session.refresh(offer)
    return offer
