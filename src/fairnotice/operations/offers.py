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

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fairnotice.calendar import ics
from fairnotice.compose import dates
from fairnotice.compose.notes import render_note
from fairnotice.errors import N_, BadInput, Conflict, NotFound, Phrase, joined
from fairnotice.io import validate
from fairnotice.model import Language, Plan, Situation
from fairnotice.operations.accounts import digest
from fairnotice.operations.busy import PLANNING_WINDOW, CalendarNotReady, owners_busy
from fairnotice.operations.changes import interview_contract, own_event, store_plan
from fairnotice.operations.outbox import queue, queue_plan_emails
from fairnotice.operations.planning import plan_change, system_now
from fairnotice.operations.records import scoped
from fairnotice.store.tables import Candidate, Interview, Offer, OfferSlot, User

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
    session: Session, *, workspace_id: int, interview: Interview, now: datetime
) -> list[dict[str, str]]:
    """Busy periods of the interview's interviewers: their stored calendars (as read by a
    worker; one not read yet stops the offer) and their other scheduled interviews in this
    workspace (K1)."""
    emails = {p["email"].lower() for p in interview.interviewers}
    busy: list[dict[str, str]] = []
    if emails:
        found, unread = owners_busy(
            session,
            workspace_id=workspace_id,
            emails=emails,
            start=now - timedelta(days=1),
            # up to the interview itself (K1 for its time), however far within the months
            # a stored calendar is always read for ahead
            end=max(now + PLANNING_WINDOW, min(interview.end + timedelta(days=1), now + K1_AHEAD)),
            own=own_event(interview),  # no clash with itself (K1)
        )
        if unread:
            raise CalendarNotReady(joined(unread))
        busy.extend({"start": s.isoformat(), "end": e.isoformat()} for s, e in found)
        for other in session.scalars(
            select(Interview).where(
                Interview.workspace_id == workspace_id,
                Interview.status == "scheduled",
                Interview.id != interview.id,
            )
        ):
            if emails & {p["email"].lower() for p in other.interviewers}:
                busy.append({"start": other.start.isoformat(), "end": other.end.isoformat()})
    return busy


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
) -> Situation:
    contact = interview.contact
    raw: dict[str, Any] = {
        "now": now.isoformat(),
        "role": "employer",
        "intent": intent,
        "language": language,
        "reason": {"category": reason},
        "interview": interview_contract(interview),
        "me": {"name": user.name, "email": user.email, "timezone": interview.timezone},
        "counterpart": {k: v for k, v in contact.items() if k != "language"},
        "history": {"channel": interview.history_channel},
        "availability": {"busy": busy, "timezone": interview.timezone},
        "options": {"slot_count": slot_count, "pick_url": pick_url},
    }
    return validate(Situation, raw)


def offer_times(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    user: User,
    base_url: str,
    reason: str = "interviewer_unavailable",
    slot_count: int = 3,
    valid_days: int = 7,
    clock: Callable[[], datetime] = system_now,
) -> NewOffer:
    """Propose at least three free times (E2) and queue the message with the pick link."""
    interview = scoped(session, Interview, workspace_id, interview_id)
    if interview.status == "cancelled":
        raise Conflict(N_("interview: it is cancelled"))
    now = clock()
    candidate = session.get(Candidate, interview.candidate_id) if interview.candidate_id else None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    pick_url = f"{base_url.rstrip('/')}/pick/{token}"
    situation = employer_situation(
        interview=interview,
        user=user,
        intent="reschedule",
        reason=reason,
        busy=interviewer_busy(session, workspace_id=workspace_id, interview=interview, now=now),
        slot_count=max(3, slot_count),
        pick_url=pick_url,
        now=now,
        language=candidate.language if candidate else None,
    )
    plan = plan_change(situation=situation, clock=clock)
    if len(plan.proposed_slots) < 3:
        raise BadInput([("slots", N_("fewer than three free times in the next four weeks"))])
    # Earlier open offers for this interview stop working: one live link per interview.
    session.execute(
        update(Offer)
        .where(Offer.interview_id == interview.id, Offer.state == "open")
        .values(state="replaced")
    )
    offer = Offer(
        workspace_id=workspace_id,
        interview_id=interview.id,
        token_hash=digest(token),
        expires_at=now + timedelta(days=valid_days),
        language=plan.language.value,
        timezone=situation.counterpart.timezone,
        reply_to=user.email,
    )
    session.add(offer)
    session.flush()
    for slot in plan.proposed_slots:
        session.add(OfferSlot(offer_id=offer.id, start=slot.start, end=slot.end))
    interview.status = "rescheduling"
    record = store_plan(
        session,
        workspace_id=workspace_id,
        interview_id=interview.id,
        situation=situation,
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
    )
    session.flush()
    session.refresh(offer)
    return NewOffer(offer=offer, token=token, pick_url=pick_url, plan=plan)


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
            )
            .join(Interview, Interview.id == Offer.interview_id)
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
    return OfferView(**row, slots=[dict(s) for s in slots])


def _usable(offer: Offer, now: datetime) -> None:
    if offer.state != "open":
        raise Conflict(N_("offer: this link has been used"))
    if offer.expires_at <= now:
        raise Conflict(N_("offer: this link has expired"))


def pick(
    session: Session, *, token: str, slot_id: int, clock: Callable[[], datetime] = system_now
) -> OfferSlot:
    """Book one offered slot. The session must be a writing one (see store.session.writing)."""
    now = clock()
    offer = offer_by_token(session, token)
    slot = next((s for s in offer.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFound("slot")
    _usable(offer, now)
    won = session.execute(
        update(Offer)
        .where(Offer.id == offer.id, Offer.state == "open", Offer.expires_at > now)
        .values(state="picked", picked_slot_id=slot.id)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(N_("offer: this link has been used"))
    for other in offer.slots:
        other.state = "booked" if other.id == slot.id else "released"
    interview = session.get(Interview, offer.interview_id)
    if interview is None:
        raise NotFound("interview")
    interview.start, interview.end = slot.start, slot.end
    interview.sequence += 1
    interview.status = "scheduled"
    _queue_request(session, offer=offer, interview=interview, now=now)
    return slot


def _queue_request(session: Session, *, offer: Offer, interview: Interview, now: datetime) -> None:
    """The REQUEST (same UID, SEQUENCE + 1) for the candidate and every interviewer."""
    contact = interview.contact
    candidate = ics.Party(contact.get("name", ""), contact.get("email", ""))
    interviewers = [ics.Party(p["name"], p["email"]) for p in interview.interviewers]
    organizer = interviewers[0] if interviewers else ics.Party(offer.reply_to, offer.reply_to)
    facts = ics.EventFacts(
        uid=interview.uid,
        sequence=interview.sequence,
        start=interview.start,
        end=interview.end,
        timezone=interview.timezone,
        summary=f"{interview.position} – {interview.company}",
        organizer=organizer,
        attendees=[candidate, *interviewers],
        location=interview.location,
        url=interview.video_url,
    )
    text = ics.request(facts, dtstamp=now)
    sender_name = organizer.name if organizer.email == offer.reply_to else ""
    people = [(candidate, offer.language, offer.timezone)] + [
        (p, offer.language, interview.timezone) for p in interviewers
    ]
    for party, language, tz in people:
        subject, body = render_note(
            "time_confirmed",
            Language(language),
            recipient=party.name,
            position=interview.position,
            company=interview.company,
            when=dates.span(interview.start, interview.end, tz, Language(language)),
            sender=sender_name,
        )
        queue(
            session,
            workspace_id=offer.workspace_id,
            recipient=party.email,
            subject=subject,
            body=body,
            language=language,
            method="REQUEST",
            ics_text=text,
            due=now,
            sender=(sender_name, offer.reply_to),
            recipient_name=party.name or None,
            deadline=interview.start,
            reference=f"offer:{offer.id}",
            interview=(interview.id, interview.sequence),
        )


def decline(
    session: Session, *, token: str, suggestion: str, clock: Callable[[], datetime] = system_now
) -> Offer:
    """None of the times work: keep the candidate's own suggestion and tell the employer."""
    now = clock()
    offer = offer_by_token(session, token)
    text = suggestion.strip()
    if not text or len(text) > MAX_SUGGESTION or "\x00" in text:
        raise BadInput(
            [("suggestion", Phrase("must be 1 to %(max)s characters", max=MAX_SUGGESTION))]
        )
    _usable(offer, now)
    won = session.execute(
        update(Offer)
        .where(Offer.id == offer.id, Offer.state == "open", Offer.expires_at > now)
        .values(state="declined", suggestion=text)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(N_("offer: this link has been used"))
    for slot in offer.slots:
        slot.state = "released"
    interview = session.get(Interview, offer.interview_id)
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


def cancel_interview(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    user: User,
    reason: str = "interviewer_unavailable",
    clock: Callable[[], datetime] = system_now,
) -> int:
    """Employer cancels: the email with its CANCEL goes to the outbox; returns the plan id."""
    interview = scoped(session, Interview, workspace_id, interview_id)
    if interview.status == "cancelled":
        raise Conflict(N_("interview: already cancelled"))
    candidate = session.get(Candidate, interview.candidate_id) if interview.candidate_id else None
    situation = employer_situation(
        interview=interview,
        user=user,
        intent="cancel",
        reason=reason,
        busy=[],
        now=clock(),
        language=candidate.language if candidate else None,
    )
    plan = plan_change(situation=situation, clock=clock)
    record = store_plan(
        session,
        workspace_id=workspace_id,
        interview_id=interview.id,
        situation=situation,
        plan=plan,
    )
    session.execute(
        update(Offer)
        .where(Offer.interview_id == interview.id, Offer.state == "open")
        .values(state="replaced")
    )
    interview.status = "cancelled"
    interview.sequence += 1
    queue_plan_emails(
        session,
        workspace_id=workspace_id,
        situation=situation,
        plan=plan,
        plan_id=record.id,
        now=situation.now or clock(),
        interviews={interview.uid: (interview.id, interview.sequence)},
    )
    return record.id
