"""The employer's own invitation (sent from Outlook or Google), adopted as the interview.

Its people already hold that event: the interview takes its UID, SEQUENCE and ORGANIZER,
and no first REQUEST goes out. Every later update or cancellation then names that UID
with a higher SEQUENCE and that ORGANIZER, so each client applies it to the event it
holds. The invitation's attendees are mapped onto the position's candidate and the
interviewers; the organiser is an interviewer too (their calendar holds the event).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.errors import N_, BadInput, Phrase, Verbatim
from fairnotice.io import validate
from fairnotice.model import Language
from fairnotice.operations.busy.uploads import read_invitation
from fairnotice.operations.common import records
from fairnotice.operations.common.schemas import InterviewCreate
from fairnotice.store.tables import Candidate, Interview, Position

MAX_INTERVIEWERS = 20


def adopt_invitation(
    session: Session,
    *,
    workspace_id: int,
    position_id: int,
    data: bytes,
    actor: str,
    now: datetime,
    sender: tuple[str, str],
    candidate_id: int | None = None,
    language: Language | None = None,
    confirm_clash: bool = False,
    label: str = "file",
) -> Interview:
    """The interview an invitation (.ics or .eml) describes, for `position_id`, on record.

    The candidate is `candidate_id`, else the one candidate of the position the invitation
    invites; BadInput names the field when that is not clear. Interviewers' notices come in
    `language` (default: the sending user's). K1 as for scheduling (`confirm_clash`)."""
    position = records.scoped(session, Position, workspace_id, position_id)
    found = read_invitation(data, label=label)
    if not found.uid:
        raise BadInput(
            [(label, N_("the invitation lacks the id calendars know it by: not adoptable"))]
        )
    invited = {a.email.lower(): a for a in found.attendees}
    candidate = _candidate(session, position, invited, candidate_id)
    interviewers: list[dict[str, Any]] = []
    seen = {candidate.email.lower()}
    for person in ([found.organizer] if found.organizer else []) + list(found.attendees):
        if person.email.lower() in seen:
            continue
        seen.add(person.email.lower())
        named = person.name if person.name and person.name != person.email else ""
        entry: dict[str, Any] = {"name": named or person.email.split("@")[0], "email": person.email}
        if language is not None:
            entry["language"] = language.value
        interviewers.append(entry)
    raw: dict[str, Any] = {
        "position": position.title,
        "company": position.company,
        "start": found.start.isoformat(),
        "end": found.end.isoformat(),
        "timezone": found.timezone,
        "location": found.location,
        "video_url": found.video_url,
        "round": candidate.round,
        "uid": found.uid,
        "sequence": found.sequence,
        "contact": {
            "name": candidate.name,
            "email": candidate.email,
            "salutation": candidate.salutation,
            "phone": candidate.phone,
            "timezone": candidate.timezone,
        },
        "interviewers": interviewers[:MAX_INTERVIEWERS],
        "position_id": position.id,
        "candidate_id": candidate.id,
    }
    raw["contact"] = {k: v for k, v in raw["contact"].items() if v}
    create = validate(InterviewCreate, raw)
    organizer = (
        {"name": found.organizer.name, "email": found.organizer.email} if found.organizer else None
    )
    return records.create_interview(
        session,
        workspace_id=workspace_id,
        data=create,
        actor=actor,
        now=now,
        sender=sender,
        organizer=organizer,
        confirm_clash=confirm_clash,
    )


def _candidate(
    session: Session, position: Position, invited: dict[str, Any], candidate_id: int | None
) -> Candidate:
    """The candidate the invitation is for: the one chosen (who must be invited), or the
    one of the position's candidates it invites."""
    if candidate_id:
        chosen = records.scoped(session, Candidate, position.workspace_id, candidate_id)
        if chosen.email.lower() not in invited:
            raise BadInput(
                [
                    (
                        "candidate_id",
                        Phrase(
                            "the invitation does not invite %(email)s",
                            email=Verbatim(chosen.email),
                        ),
                    )
                ]
            )
        return chosen
    matches = [
        c
        for c in session.scalars(
            select(Candidate)
            .where(
                Candidate.workspace_id == position.workspace_id,
                Candidate.position_id == position.id,
            )
            .order_by(Candidate.id)
        )
        if c.email.lower() in invited
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        why = N_("the invitation invites none of this position's candidates: add the candidate")
    else:
        why = N_("the invitation invites more than one of this position's candidates: choose one")
    raise BadInput([("candidate_id", why)])
