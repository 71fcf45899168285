"""The calendar objects an organisation sends for its own interviews: the REQUEST when an
interview is put on record or moves (same UID, the stored SEQUENCE), and the CANCEL when
it ends, to the candidate and every interviewer, each in their own language and zone.

The interview's UID is its own (random, or the adopted invitation's), and the ORGANIZER
is the adopted invitation's where there is one, so every client applies the update to
the event it already holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.calendar import ics
from fairnotice.compose import dates
from fairnotice.compose.notes import NoteName, render_note
from fairnotice.model import CalendarMethod, Language, Plan
from fairnotice.operations.outbox.commands import queue
from fairnotice.store.tables import Candidate, Interview, User

_LANGUAGES = frozenset(lang.value for lang in Language)


@dataclass(frozen=True)
class Recipient:
    party: ics.Party
    language: Language
    timezone: str
    candidate: bool = False


def language_or(value: object, fallback: Language) -> Language:
    """`value` as a supported language, else `fallback`."""
    return Language(value) if isinstance(value, str) and value in _LANGUAGES else fallback


def house_language(session: Session, sender_email: str) -> Language:
    """The sending user's language: an interviewer's unless they have their own."""
    found = session.scalar(select(User.language).where(User.email == sender_email))
    return language_or(found, Language.en)


def recipients(session: Session, interview: Interview, sender_email: str) -> list[Recipient]:
    """The candidate and every interviewer, each with their own language and zone: the
    candidate's as stored for them; an interviewer's own, else the sending user's."""
    candidate = session.get(Candidate, interview.candidate_id) if interview.candidate_id else None
    return people_of(interview, candidate, house_language(session, sender_email))


def people_of(
    interview: Interview, candidate: Candidate | None, house: Language
) -> list[Recipient]:
    """`recipients` with the candidate and the house language at hand (a batch reads them
    once for all its interviews)."""
    contact = interview.contact or {}
    found: list[Recipient] = []
    email = candidate.email if candidate else contact.get("email", "")
    if email:
        found.append(
            Recipient(
                ics.Party(candidate.name if candidate else contact.get("name", ""), email),
                language_or(candidate.language if candidate else contact.get("language"), house),
                candidate.timezone if candidate else contact.get("timezone", interview.timezone),
                candidate=True,
            )
        )
    for person in interview.interviewers:
        found.append(
            Recipient(
                ics.Party(person.get("name", ""), person["email"]),
                language_or(person.get("language"), house),
                person.get("timezone") or interview.timezone,
            )
        )
    return found


def facts(interview: Interview, people: list[Recipient], sender: tuple[str, str]) -> ics.EventFacts:
    """The interview as an iTIP event, organised by the adopted invitation's ORGANIZER,
    else its first interviewer, else the sender."""
    adopted = interview.organizer or {}
    interviewers = [ics.Party(p["name"], p["email"]) for p in interview.interviewers]
    if adopted.get("email"):
        organizer = ics.Party(adopted.get("name", ""), adopted["email"])
    elif interviewers:
        organizer = interviewers[0]
    else:
        organizer = ics.Party(sender[0] or sender[1], sender[1])
    return ics.EventFacts(
        uid=interview.uid,
        sequence=interview.sequence,
        start=interview.start,
        end=interview.end,
        timezone=interview.timezone,
        summary=f"{interview.position} – {interview.company}",
        organizer=organizer,
        attendees=[p.party for p in people],
        location=interview.location,
        url=interview.video_url,
    )


def _send(
    session: Session,
    *,
    interview: Interview,
    sender: tuple[str, str],
    now: datetime,
    note: NoteName,
    method: str,
    text: str,
    people: list[Recipient],
    deadline: datetime | None,
) -> int:
    name, address = sender
    candidate = next((p.party.name or p.party.email for p in people if p.candidate), "")
    for person in people:
        subject, body = render_note(
            note,
            person.language,
            recipient=person.party.name,
            position=interview.position,
            company=interview.company,
            when=dates.span(interview.start, interview.end, person.timezone, person.language),
            sender=name,
            # an interviewer is told whom they meet; the candidate is invited
            candidate="" if person.candidate else candidate,
            location=interview.location or "",
            video_url=interview.video_url or "",
        )
        queue(
            session,
            workspace_id=interview.workspace_id,
            recipient=person.party.email,
            subject=subject,
            body=body,
            language=person.language.value,
            method=method,
            ics_text=text,
            due=now,
            sender=(name, address),
            recipient_name=person.party.name or None,
            deadline=deadline,
            reference=f"interview:{interview.id}",
            # the agreed new time changes the interview: its note asks for a "Got it"
            receipt_form="formal" if note == "time_confirmed" else None,
            interview=(interview.id, interview.sequence),
        )
    return len(people)


def queue_request(
    session: Session, *, interview: Interview, sender: tuple[str, str], now: datetime
) -> int:
    """The REQUEST of the interview as it stands now, to everyone in it: an invitation the
    first time (SEQUENCE 0 and never moved), else the new time confirmed."""
    people = recipients(session, interview, sender[1])
    text = ics.request(facts(interview, people, sender), dtstamp=now)
    note: NoteName = "time_confirmed" if interview.reschedules else "interview_invitation"
    return _send(
        session,
        interview=interview,
        sender=sender,
        now=now,
        note=note,
        method="REQUEST",
        text=text,
        people=people,
        deadline=interview.start,
    )


def queue_cancel(
    session: Session, *, interview: Interview, sender: tuple[str, str], now: datetime
) -> int:
    """The CANCEL (the stored SEQUENCE, already raised) to every interviewer, with a short
    note in their language; the candidate's CANCEL rides on the planner's letter."""
    everyone = recipients(session, interview, sender[1])
    people = [p for p in everyone if not p.candidate]
    if not people:
        return 0
    event = facts(interview, everyone, sender)
    # ics.cancel writes SEQUENCE + 1 of the facts it is given: give it the one before
    text = ics.cancel(replace(event, sequence=interview.sequence - 1), dtstamp=now)
    return _send(
        session,
        interview=interview,
        sender=sender,
        now=now,
        note="interview_cancelled",
        method="CANCEL",
        text=text,
        people=people,
        deadline=None,
    )


_UID = re.compile(r"^UID:(.+)$", re.M)


def organised(
    session: Session,
    plan: Plan,
    interviews: Iterable[Interview],
    *,
    sender: tuple[str, str],
    now: datetime,
) -> Plan:
    """The plan with each CANCEL about an adopted invitation written again by its own
    ORGANIZER. The planner signs a CANCEL as the acting user; for an event the employer
    sent from Outlook or Google, clients apply a CANCEL only from the organizer they
    hold. Call before the change raises the SEQUENCE (the CANCEL carries the next one)."""
    adopted = {i.uid: i for i in interviews if (i.organizer or {}).get("email")}
    if not adopted:
        return plan
    messages = []
    for message in plan.messages:
        calendar = message.calendar
        unfolded = re.sub(r"\r?\n[ \t]", "", calendar.ics or "") if calendar else ""
        found = _UID.search(unfolded)
        interview = adopted.get(found.group(1).strip()) if found else None
        if calendar is None or interview is None or calendar.method is not CalendarMethod.CANCEL:
            messages.append(message)
            continue
        event = facts(interview, recipients(session, interview, sender[1]), sender)
        text = ics.cancel(event, dtstamp=now)
        messages.append(
            message.model_copy(update={"calendar": calendar.model_copy(update={"ics": text})})
        )
    return plan.model_copy(update={"messages": messages})
