"""Who is free when: what a pick checks so nothing double-books, and the holds of offers.

A person is an email address, lower-cased: each interviewer of an interview and its
candidate. A pick checks, in its own transaction, that every person of the interview is
free for the slot: their stored calendars (one not read for that time is never free) and
every other booked interview of the workspace they are in. Picks of two different
offers that share a person are serialised first: on PostgreSQL by transaction-scoped
advisory locks on each person (taken in one order, so two picks never wait on each
other in a circle), on SQLite by the pick's BEGIN IMMEDIATE. Under READ COMMITTED each
statement after the lock sees what the pick before it committed.

An open offer that has not expired holds its offered slots: the slot search of every
other offer with a person in common counts them as busy, until the offer is picked,
declined, withdrawn, replaced or expires (expiry is read off `expires_at`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, or_, select, text
from sqlalchemy.orm import Session

from fairnotice.calendar.expand import Interval, OwnEvent
from fairnotice.errors import N_, Conflict, Phrase
from fairnotice.lifecycle import BOOKED, OfferState, SlotState
from fairnotice.operations.busy.stored import PLANNING_WINDOW, owners_busy
from fairnotice.store.tables import Interview, Offer, OfferSlot

# why a slot cannot be picked (the pick page and the API name it)
SOON = "soon"  # it starts sooner than the organisation's notice allows
TAKEN = "taken"  # a person of the interview is busy then
UNKNOWN = "unknown"  # a stored calendar is not read for that time: not known to be free


def people(interview: Interview) -> frozenset[str]:
    """The interview's interviewers and its candidate, as lower-cased email addresses."""
    found = {str(p.get("email", "")).strip().lower() for p in interview.interviewers or []}
    found.add(str((interview.contact or {}).get("email", "")).strip().lower())
    return frozenset(e for e in found if e)


def _shares(
    mine: frozenset[str],
    candidate_id: int | None,
    interviewers: Any,
    contact: Any,
    other_candidate: int | None,
) -> bool:
    if candidate_id is not None and candidate_id == other_candidate:
        return True
    theirs = {str(p.get("email", "")).strip().lower() for p in interviewers or []}
    theirs.add(str((contact or {}).get("email", "")).strip().lower())
    return bool(mine & theirs)


def person_key(email: str) -> int:
    """A person's advisory-lock key: the first 8 bytes of the SHA-256 of the lower-cased
    address, as PostgreSQL's signed bigint."""
    digest = hashlib.sha256(email.strip().lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_people(session: Session, emails: Iterable[str]) -> None:
    """Serialise every transaction that books or holds time of these people, until this
    transaction ends. PostgreSQL: one advisory lock per person, in ascending key order;
    SQLite: the writing transaction already holds the database's one write lock."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted({person_key(e) for e in emails}):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def booked(
    session: Session,
    *,
    interview: Interview,
    emails: frozenset[str],
    start: datetime,
    end: datetime,
) -> list[Interval]:
    """The times of the workspace's other booked interviews in [start, end) that share a
    person with `interview` (read as plain columns: always what is committed now)."""
    rows = session.execute(
        select(
            Interview.start,
            Interview.end,
            Interview.interviewers,
            Interview.contact,
            Interview.candidate_id,
        ).where(
            Interview.workspace_id == interview.workspace_id,
            Interview.status.in_([s.value for s in BOOKED]),
            Interview.id != interview.id,
            Interview.start < end,
            Interview.end > start,
            *_naming(emails, interview.candidate_id),
        )
    )
    return [
        (s, e)
        for s, e, interviewers, contact, cand in rows
        if _shares(emails, interview.candidate_id, interviewers, contact, cand)
    ]


def _naming(emails: frozenset[str], candidate_id: int | None) -> list[Any]:
    """A first sieve in SQL: interviews whose people's JSON text names one of `emails` (or
    the same candidate), so the thousands of others booked in a busy month are never
    parsed; `_shares` decides. Addresses JSON would escape (non-ASCII, quotes) sift
    nothing out."""
    if not emails or any(not e.isascii() or '"' in e or "\\" in e for e in emails):
        return []
    texts = [
        func.lower(cast(Interview.interviewers, Text)),
        func.lower(cast(Interview.contact, Text)),
    ]
    named = [t.contains(e, autoescape=True) for t in texts for e in sorted(emails)]
    if candidate_id is not None:
        named.append(Interview.candidate_id == candidate_id)
    return [or_(*named)]


@dataclass(frozen=True)
class Hold:
    """An offered slot of another open offer, held for its candidate until it expires."""

    offer_id: int
    interview_id: int
    candidate: str
    start: datetime
    end: datetime
    until: datetime


def holds(
    session: Session,
    *,
    interview: Interview,
    now: datetime,
    start: datetime,
    end: datetime,
    emails: frozenset[str] | None = None,
) -> list[Hold]:
    """Slots in [start, end) held by other interviews' open offers that share a person
    with `interview` (`emails`: its people, when the caller has them already)."""
    mine = people(interview) if emails is None else emails
    rows = session.execute(
        select(
            Offer.id,
            Offer.interview_id,
            Offer.expires_at,
            OfferSlot.start,
            OfferSlot.end,
            Interview.interviewers,
            Interview.contact,
            Interview.candidate_id,
        )
        .join(Offer, Offer.id == OfferSlot.offer_id)
        .join(Interview, Interview.id == Offer.interview_id)
        .where(
            Offer.workspace_id == interview.workspace_id,
            Offer.state == OfferState.open.value,
            Offer.expires_at > now,
            Offer.interview_id != interview.id,
            OfferSlot.state == SlotState.offered.value,
            OfferSlot.start < end,
            OfferSlot.end > start,
        )
        .order_by(OfferSlot.start, Offer.id)
    )
    return [
        Hold(offer_id, interview_id, str((contact or {}).get("name", "")), s, e, until)
        for offer_id, interview_id, until, s, e, interviewers, contact, cand in rows
        if _shares(mine, interview.candidate_id, interviewers, contact, cand)
    ]


def held_by(session: Session, *, offer: Offer, now: datetime) -> list[Hold]:
    """This offer's own slots, held while it is open and unexpired (the recruiter's view)."""
    if offer.state != OfferState.open.value or offer.expires_at <= now:
        return []
    contact = session.scalar(select(Interview.contact).where(Interview.id == offer.interview_id))
    name = str((contact or {}).get("name", ""))
    return [
        Hold(offer.id, offer.interview_id, name, s.start, s.end, offer.expires_at)
        for s in offer.slots
        if s.state == SlotState.offered.value
    ]


@dataclass(frozen=True)
class OfferHolds:
    """What the recruiter sees on an offer: the times it holds itself (until it expires)
    and the times other open offers hold for the same people."""

    own: list[Hold]
    others: list[Hold]


def for_offer(session: Session, *, offer: Offer, interview: Interview, now: datetime) -> OfferHolds:
    """The holds an offer's page lists: its own, and the other offers' over the weeks
    a new offer may reach."""
    others = holds(session, interview=interview, now=now, start=now, end=now + PLANNING_WINDOW)
    return OfferHolds(own=held_by(session, offer=offer, now=now), others=others)


def verdicts(
    session: Session,
    *,
    interview: Interview,
    slots: Sequence[tuple[int, datetime, datetime]],
    now: datetime,
    notice: timedelta,
) -> dict[int, str | None]:
    """For each (id, start, end) slot: None when every person of the interview is free
    then and it starts with the notice the policy asks, else why not (SOON, TAKEN,
    UNKNOWN). The caller holds the locks (`lock_people`)."""
    if not slots:
        return {}
    emails = people(interview)
    first = min(s for _, s, _ in slots)
    last = max(e for _, _, e in slots)
    calendars, unread = owners_busy(
        session,
        workspace_id=interview.workspace_id,
        emails=emails,
        start=first,
        end=last,
        # the interview's own event is no clash with itself (changes.own_event; not imported:
        # changes -> records -> clashes -> holds would be a cycle)
        own=OwnEvent(interview.uid or None, interview.start, interview.end),
        now=now,
    )
    busy = calendars + booked(session, interview=interview, emails=emails, start=first, end=last)
    found: dict[int, str | None] = {}
    for slot_id, start, end in slots:
        if start < now + notice:
            found[slot_id] = SOON
        elif any(s < end and e > start for s, e in busy):
            found[slot_id] = TAKEN
        elif unread:
            found[slot_id] = UNKNOWN
        else:
            found[slot_id] = None
    return found


# the pick's refusal for each reason, in words the candidate reads
WHY = {
    SOON: N_("offer: this time starts too soon to be picked"),
    TAKEN: N_("offer: this time is no longer free"),
    UNKNOWN: N_("offer: this time cannot be confirmed just now; please try again later"),
}


class SlotTaken(Conflict):
    """The slot picked cannot be booked (`reason`: SOON, TAKEN or UNKNOWN); `free` lists
    the offer's slots that still can, as plain dicts (id, start, end) that outlive the
    transaction rolled back."""

    def __init__(self, reason: str, free: list[dict[str, Any]]) -> None:
        super().__init__(Phrase(WHY[reason]))
        self.reason = reason
        self.free = free


def check_pick(
    session: Session,
    *,
    interview: Interview,
    slots: Sequence[OfferSlot],
    slot_id: int,
    now: datetime,
    notice: timedelta,
) -> None:
    """SlotTaken unless the slot `slot_id` of an offer can be booked now, with the offer's
    slots that still can be. Locks the people of the interview first."""
    lock_people(session, people(interview))
    found = verdicts(
        session,
        interview=interview,
        slots=[(s.id, s.start, s.end) for s in slots],
        now=now,
        notice=notice,
    )
    reason = found.get(slot_id)
    if reason is not None:
        free = [{"id": s.id, "start": s.start, "end": s.end} for s in slots if found[s.id] is None]
        raise SlotTaken(reason, free)


def avoid(
    session: Session, *, interview: Interview, now: datetime, notice: timedelta
) -> list[dict[str, str]]:
    """What new times for `interview` must avoid besides its interviewers' busy time: the
    time within the organisation's notice, the candidate's other booked interviews and
    the slots other open offers hold for the same people (outside the interview's own
    time, which is never proposed anyway)."""
    emails = people(interview)
    end = now + PLANNING_WINDOW
    periods = [(now, now + notice)] if notice else []
    periods += booked(session, interview=interview, emails=emails, start=now, end=end)
    periods += [
        (h.start, h.end)
        for h in holds(session, interview=interview, now=now, start=now, end=end, emails=emails)
    ]
    own = (interview.start, interview.end)
    return [{"start": s.isoformat(), "end": e.isoformat()} for s, e in outside(periods, own)]


def outside(periods: Iterable[Interval], around: Interval) -> list[Interval]:
    """The parts of `periods` outside `around` (the interview's own time: busy for new
    times anyway, and a period over it would read as a clash with the interview, K1)."""
    parts: list[Interval] = []
    for s, e in periods:
        parts.extend(p for p in ((s, min(e, around[0])), (max(s, around[1]), e)) if p[0] < p[1])
    return parts
