"""An interview's own actions (issue 11): cancel, withdraw, took place, no-show, book a
time, and the audit trail; the candidate's suggestion as the employer sees it; the agreed
time as a calendar file.

Status is never set by an edit: each action is one lifecycle event through
`transitions.apply`, so a refused one is a Conflict naming why, whatever face asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from fairnotice.calendar import ics
from fairnotice.errors import N_, BadInput, Phrase
from fairnotice.lifecycle import Event, OfferState, State, allowed
from fairnotice.model import ReasonCategory, zone
from fairnotice.operations.common import records
from fairnotice.operations.interviews import clashes, invitations, transitions
from fairnotice.operations.offers import commands as offers
from fairnotice.operations.outbox.commands import queue_plan_emails
from fairnotice.operations.plans.commands import store_plan
from fairnotice.operations.plans.planning import plan_change, system_now
from fairnotice.review.proposals import read_proposals
from fairnotice.store.tables import Candidate, Interview, InterviewEvent, Offer, User

# the events a person starts by a button or an endpoint of its own (the rest come from
# offers, picks, plans, fills, edits of time and deletes)
BUTTONS = (Event.book, Event.took_place, Event.no_show, Event.withdraw, Event.cancel)
# events that only record what happened: no letter is planned for them here
RECORDED = frozenset({Event.withdraw, Event.took_place, Event.no_show})
MAX_LENGTH = timedelta(hours=24)
# What an employer may give as the reason to cancel or move an interview: each is said in
# general words in the letter; `other` (the default) says none, only that it must move.
EMPLOYER_REASONS = (
    ReasonCategory.other,
    ReasonCategory.interviewer_unavailable,
    ReasonCategory.illness,
    ReasonCategory.emergency,
    ReasonCategory.schedule_conflict,
)
MAX_PUBLIC_REASON = 300


def actor_of(user: User) -> str:
    return f"user:{user.id}"


def buttons(state: str) -> list[str]:
    """The actions the interview page offers in `state` (the lifecycle's own table)."""
    permitted = set(allowed(State(state)))
    return [event.value for event in BUTTONS if event in permitted]


def record(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    event: Event,
    user: User,
    now: datetime,
    why: str | None = None,
) -> Interview:
    """Withdrawn, took place or no-show, as the user records it. An organisation's
    withdrawal tells the interviewers' calendars (CANCEL); the rest changes no calendar."""
    if event not in RECORDED:
        raise ValueError(f"{event.value} is not recorded by hand")
    applied = transitions.apply(
        session,
        workspace_id=workspace_id,
        interview_id=interview_id,
        event=event,
        actor=actor_of(user),
        now=now,
        why=why,
        sender=(user.name, user.email),
    )
    return applied.interview


def employer_reason(category: str, public: str | None) -> tuple[str, str | None]:
    """An employer's reason as given (form or API), checked: a category of
    `EMPLOYER_REASONS` and at most one plain sentence to share. Bad input names the field
    (`reason`, `public_reason`)."""
    if category not in {r.value for r in EMPLOYER_REASONS}:
        names = ", ".join(r.value for r in EMPLOYER_REASONS)
        raise BadInput([("reason", Phrase("must be one of %(names)s", names=names))])
    sentence = " ".join((public or "").split()) or None
    if sentence is not None and (
        len(sentence) > MAX_PUBLIC_REASON or re.search(r"[\x00-\x1f\x7f]", sentence)
    ):
        raise BadInput(
            [
                (
                    "public_reason",
                    Phrase(
                        "one plain sentence of at most %(max)s characters", max=MAX_PUBLIC_REASON
                    ),
                )
            ]
        )
    return category, sentence


def cancel(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    user: User,
    reason: str,
    clock: Callable[[], datetime] = system_now,
    public_reason: str | None = None,
) -> int | None:
    """An organisation cancels: the letter with its CANCEL is planned and queued (the plan's
    id is returned); its reason (category and an optional sentence the letter quotes) is
    checked and kept with the audit event. A candidate records that the employer
    cancelled (no letter)."""
    if transitions.organises(session, workspace_id):
        reason, public_reason = employer_reason(reason, public_reason)
        return _cancel_with_letter(
            session,
            workspace_id=workspace_id,
            interview_id=interview_id,
            user=user,
            reason=reason,
            public_reason=public_reason,
            clock=clock,
        )
    transitions.apply(
        session,
        workspace_id=workspace_id,
        interview_id=interview_id,
        event=Event.cancel,
        actor=actor_of(user),
        now=clock(),
        why=reason,
    )
    return None


def book(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    user: User,
    start: datetime,
    end: datetime,
    now: datetime,
    offer_id: int | None = None,
    confirm_clash: bool = False,
) -> Interview:
    """The employer books a time directly (a candidate's suggestion): the interview moves,
    SEQUENCE + 1, open offers close, and the REQUEST goes to everyone in it. The time is
    checked first as at scheduling (K1): `clashes.Clashes` (409, nothing written) when a
    person in it is busy or in another interview then, unless `confirm_clash`."""
    if end <= start:
        raise BadInput([("end", N_("end must be after start"))])
    if end - start > MAX_LENGTH:
        raise BadInput([("end", N_("an interview cannot last longer than 24 hours"))])
    if start <= now:
        raise BadInput([("start", N_("lies in the past"))])
    row = transitions.lock(session, workspace_id=workspace_id, interview_id=interview_id)
    transitions.check(row, Event.book, now=now)  # a closed one is refused before K1
    detail: dict[str, object] = {"offer": offer_id} if offer_id else {}
    detail |= clashes.check_move(
        session,
        workspace_id=workspace_id,
        interview=row,
        start=start,
        end=end,
        confirmed=confirm_clash,
        now=now,
    )
    applied = transitions.apply(
        session,
        workspace_id=workspace_id,
        interview_id=interview_id,
        event=Event.book,
        actor=actor_of(user),
        now=now,
        new_time=(start, end),
        sender=(user.name, user.email),
        detail=detail or None,
    )
    return applied.interview


def history(session: Session, *, workspace_id: int, interview_id: int) -> list[InterviewEvent]:
    """The interview's audit trail, oldest first (NotFound outside the workspace)."""
    records.scoped(session, Interview, workspace_id, interview_id)
    return list(
        session.scalars(
            select(InterviewEvent)
            .where(
                InterviewEvent.workspace_id == workspace_id,
                InterviewEvent.interview_id == interview_id,
            )
            .order_by(InterviewEvent.at, InterviewEvent.id)
        )
    )


# --- the candidate's suggestion ("None of these work") -------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A declined offer's suggestion while the interview still waits for a time, with a
    time read from its words where one can be found (the booking form's default)."""

    offer_id: int
    text: str
    start: datetime | None
    end: datetime | None


def suggestion(session: Session, *, interview: Interview) -> Suggestion | None:
    """The candidate's suggestion the employer still has to answer: the interview is in
    `offered` and its newest offer was declined."""
    if interview.status != State.offered.value:
        return None
    latest = session.scalar(
        select(Offer)
        .where(Offer.interview_id == interview.id)
        .order_by(Offer.created_at.desc(), Offer.id.desc())
        .limit(1)
    )
    if latest is None or latest.state != OfferState.declined.value or not latest.suggestion:
        return None
    declined = session.scalar(  # when the candidate wrote it: "next Tuesday" counts from there
        select(InterviewEvent.at)
        .where(
            InterviewEvent.interview_id == interview.id,
            InterviewEvent.event == Event.decline.value,
        )
        .order_by(InterviewEvent.id.desc())
        .limit(1)
    )
    return _read(latest, interview, declined or latest.created_at)


def _read(offer: Offer, interview: Interview, written: datetime) -> Suggestion:
    text = offer.suggestion or ""
    found = read_proposals(text, language=offer.language, zone=offer.timezone, written=written)
    start = found[0].start if found else None
    length = interview.end - interview.start
    return Suggestion(offer.id, text, start, start + length if start else None)


SUGGESTIONS_SHOWN = 10  # the overview's section; the to-dos count and list them all


def suggestions(
    session: Session, *, workspace_id: int, limit: int = SUGGESTIONS_SHOWN
) -> list[tuple[Interview, Suggestion]]:
    """The interviews of the workspace whose candidate suggested a time (the overview),
    soonest first, at most `limit`: one statement, whatever the workspace holds. As
    `suggestion` reads it: waiting for a time (`offered`), its newest offer declined with
    words, read from the moment of the decline (else the offer's own)."""
    newer = aliased(Offer)
    declined = (  # when the candidate wrote it: "next Tuesday" counts from there
        select(InterviewEvent.at)
        .where(
            InterviewEvent.interview_id == Interview.id,
            InterviewEvent.event == Event.decline.value,
        )
        .order_by(InterviewEvent.id.desc())
        .limit(1)
        .correlate(Interview)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Interview, Offer, declined.label("declined"))
        .select_from(Offer)
        .join(Interview, Interview.id == Offer.interview_id)
        .where(
            Offer.workspace_id == workspace_id,  # declined offers are few: read from them
            Offer.state == OfferState.declined.value,
            Interview.workspace_id == workspace_id,
            Interview.status == State.offered.value,
            Offer.suggestion.is_not(None),
            Offer.suggestion != "",
            ~exists().where(  # the newest offer, as `suggestion` orders them
                newer.interview_id == Interview.id,
                or_(
                    newer.created_at > Offer.created_at,
                    and_(newer.created_at == Offer.created_at, newer.id > Offer.id),
                ),
            ),
        )
        .order_by(Interview.start, Interview.id)
        .limit(limit)
    )
    return [
        (row.Interview, _read(row.Offer, row.Interview, row.declined or row.Offer.created_at))
        for row in rows
    ]


# --- the agreed time as a calendar file ----------------------------------------------


def calendar_file(interview: Interview, *, user: User, now: datetime) -> str:
    """The interview as it stands, as a REQUEST the user imports into their own calendar:
    the invitation's UID and current SEQUENCE (raised by the move), organised by the
    invitation's organizer (else the contact), the user an attendee; so a client that
    holds the old event replaces its time instead of adding a second one."""
    adopted = interview.organizer or {}
    contact = interview.contact or {}
    if adopted.get("email"):
        organizer = ics.Party(adopted.get("name", ""), adopted["email"])
    else:
        organizer = ics.Party(contact.get("name", ""), contact.get("email", user.email))
    facts = ics.EventFacts(
        uid=interview.uid,
        sequence=interview.sequence,
        start=interview.start,
        end=interview.end,
        timezone=interview.timezone,
        summary=f"{interview.position} – {interview.company}",
        organizer=organizer,
        attendees=[ics.Party(user.name, user.email)],
        location=interview.location,
        url=interview.video_url,
    )
    return ics.request(facts, dtstamp=now)


def agreement(session: Session, *, interview_id: int, plan_id: int) -> InterviewEvent | None:
    """The audit event of the time agreed on a plan's page, if any."""
    for event in session.scalars(
        select(InterviewEvent)
        .where(
            InterviewEvent.interview_id == interview_id,
            InterviewEvent.event == Event.agree.value,
        )
        .order_by(InterviewEvent.id.desc())
    ):
        if (event.detail or {}).get("plan") == plan_id:
            return event
    return None


def booking_fields(
    interview: Interview, found: Suggestion | None, *, zone_name: str
) -> dict[str, str]:
    """The booking form's start and end ("YYYY-MM-DDTHH:MM" in the viewer's zone): the
    time read from the suggestion, else the interview's own."""
    start = found.start if found and found.start else interview.start
    end = found.end if found and found.end else interview.end
    tz = zone(zone_name)
    return {
        "start": start.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "end": end.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
    }


def _cancel_with_letter(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    user: User,
    reason: str = "other",
    public_reason: str | None = None,
    clock: Callable[[], datetime] = system_now,
) -> int:
    """An organisation cancels: the letter with its CANCEL goes to the outbox (written by
    the adopted invitation's ORGANIZER where there is one); returns the plan id."""
    now = clock()
    interview = transitions.lock(session, workspace_id=workspace_id, interview_id=interview_id)
    transitions.check(interview, Event.cancel, now=now)
    candidate = session.get(Candidate, interview.candidate_id) if interview.candidate_id else None
    situation = offers.employer_situation(
        interview=interview,
        user=user,
        intent="cancel",
        reason=reason,
        public_reason=public_reason,
        busy=[],
        now=now,
        language=candidate.language if candidate else None,
    )
    plan = plan_change(situation=situation, clock=clock)
    plan = invitations.organised(
        session, plan, [interview], sender=(user.name, user.email), now=now
    )
    record = store_plan(
        session,
        workspace_id=workspace_id,
        interview_id=interview.id,
        situation=situation,
        plan=plan,
    )
    transitions.apply(
        session,
        workspace_id=workspace_id,
        interview_id=interview.id,
        event=Event.cancel,
        actor=f"user:{user.id}",
        now=now,
        why=reason,
        sender=(user.name, user.email),
        detail={"reason": offers.reason_record(reason, public_reason)},
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
    return record.id
