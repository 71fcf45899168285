"""K1 before an interview takes a time: whom the time clashes for, shown and confirmed.

An employer's interview is checked when it is put on record (scheduled or adopted) and
whenever its time changes (edit, PATCH, booking a time): against every interviewer's
stored calendar, and against the workspace's other interviews in a booked state that
share a person with it (an interviewer or the candidate). A stored calendar that cannot
answer for the time (not read yet, failed, read for other months) is reported as unknown,
never taken as free. A clash does not forbid the time: the person scheduling sees the
list and confirms ("schedule anyway"); until then `Clashes` (a Conflict) stops the change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.calendar.expand import OwnEvent
from fairnotice.errors import Conflict, Phrase, Verbatim, joined
from fairnotice.lifecycle import BOOKED
from fairnotice.operations.busy.stored import owners_busy
from fairnotice.operations.interviews import transitions
from fairnotice.operations.offers import holds
from fairnotice.store.tables import Candidate, Interview

Kind = Literal["busy", "interview", "held", "unknown"]


@dataclass(frozen=True)
class Clash:
    """One person the time clashes for: busy in their calendar, in another interview, or
    with a calendar that cannot say (`why`, translatable)."""

    kind: Kind
    email: str
    name: str
    start: datetime | None = None
    end: datetime | None = None
    interview_id: int | None = None  # the other interview (kind "interview")
    with_name: str | None = None  # the other interview's candidate
    position: str | None = None  # the other interview's position
    why: str | None = None  # kind "unknown"

    def text(self) -> str:
        """In English (the API's and the CLI's words); a Phrase the pages translate."""
        who = Verbatim(f"{self.name} <{self.email}>" if self.name else self.email)
        if self.kind == "unknown":
            return Phrase("%(who)s: busy time unknown (%(why)s)", who=who, why=self.why or "")
        span = Verbatim(f"{_iso(self.start)} – {_iso(self.end)}")
        if self.kind == "held":
            return Phrase(
                "%(span)s is held for %(name)s by an open offer",
                span=span,
                name=Verbatim(self.with_name or ""),
            )
        if self.kind == "interview":
            return Phrase(
                "%(who)s has another interview at %(span)s (interview %(id)s)",
                who=who,
                span=span,
                id=self.interview_id,
            )
        return Phrase("%(who)s is busy at %(span)s", who=who, span=span)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "email": self.email,
            "name": self.name,
            "start": _iso(self.start) or None,
            "end": _iso(self.end) or None,
            "interview_id": self.interview_id,
            "with": self.with_name,
            "position": self.position,
            "why": str(self.why) if self.why is not None else None,
        }


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


class Clashes(Conflict):
    """The time clashes (K1) and the change was not confirmed: nothing was written."""

    def __init__(self, found: list[Clash]) -> None:
        self.clashes = found
        super().__init__(
            Phrase(
                "the time clashes (K1): %(list)s; confirm to schedule anyway",
                list=joined([c.text() for c in found]),
            )
        )


def people(session: Session, interview: Interview) -> dict[str, str]:
    """Everyone in the interview by lower-cased email: the candidate and each interviewer
    (email -> name). Works on an interview not stored yet."""
    found: dict[str, str] = {}
    candidate = session.get(Candidate, interview.candidate_id) if interview.candidate_id else None
    contact = interview.contact or {}
    email = candidate.email if candidate else contact.get("email", "")
    if email:
        found[email.lower()] = candidate.name if candidate else contact.get("name", "")
    for person in interview.interviewers or []:
        found.setdefault(person["email"].lower(), person.get("name", ""))
    return found


def find(
    session: Session,
    *,
    workspace_id: int,
    interview: Interview,
    start: datetime,
    end: datetime,
    own: OwnEvent | None = None,
    now: datetime | None = None,
) -> list[Clash]:
    """Every clash of [start, end) for the interview's people. `own` is the interview as
    its people's calendars already hold it (same UID), which is no clash with itself.
    With `now`, the times other candidates' open offers hold count too (holds.py)."""
    found: list[Clash] = []
    names = {p["email"].lower(): p.get("name", "") for p in interview.interviewers or []}
    for email, name in names.items():
        busy, unread = owners_busy(
            session,
            workspace_id=workspace_id,
            emails=[email],
            start=start,
            end=end,
            own=own,
            now=now,
        )
        found += [Clash("unknown", email, name, why=why) for why in unread]
        found += [
            Clash("busy", email, name, s, e) for s, e in sorted(busy) if s < end and e > start
        ]
    everyone = people(session, interview)
    query = select(Interview).where(
        Interview.workspace_id == workspace_id,
        Interview.status.in_([s.value for s in BOOKED]),
        Interview.start < end,
        Interview.end > start,
    )
    if interview.id is not None:
        query = query.where(Interview.id != interview.id)
    for other in session.scalars(query.order_by(Interview.start, Interview.id)):
        theirs = people(session, other)
        for email in sorted(everyone.keys() & theirs.keys()):
            found.append(
                Clash(
                    "interview",
                    email,
                    everyone[email],
                    other.start,
                    other.end,
                    interview_id=other.id,
                    with_name=(other.contact or {}).get("name", ""),
                    position=other.position,
                )
            )
    if now is not None and interview.id is not None:
        shared = frozenset(everyone)
        for hold in holds.holds(
            session, interview=interview, now=now, start=start, end=end, emails=shared
        ):
            found.append(
                Clash(
                    "held",
                    "",
                    "",
                    hold.start,
                    hold.end,
                    interview_id=hold.interview_id,
                    with_name=hold.candidate,
                )
            )
    return found


def check(
    session: Session,
    *,
    workspace_id: int,
    interview: Interview,
    start: datetime,
    end: datetime,
    own: OwnEvent | None = None,
    confirmed: bool = False,
    now: datetime | None = None,
) -> list[Clash]:
    """The clashes of the time; `Clashes` when there are some and they are not confirmed.
    The confirmed ones are returned for the audit event."""
    found = find(
        session,
        workspace_id=workspace_id,
        interview=interview,
        start=start,
        end=end,
        own=own,
        now=now,
    )
    if found and not confirmed:
        raise Clashes(found)
    return found


def check_move(
    session: Session,
    *,
    workspace_id: int,
    interview: Interview,
    start: datetime,
    end: datetime,
    confirmed: bool,
    now: datetime,
) -> dict[str, object]:
    """K1 for a stored interview taking a new time (booked or edited), in an organisation:
    `Clashes` unless confirmed; the audit detail of the confirmed ones ({} when none). Its
    people's calendars hold it at the old time, which is no clash with itself."""
    if not transitions.organises(session, workspace_id):
        return {}
    found = check(
        session,
        workspace_id=workspace_id,
        interview=interview,
        start=start,
        end=end,
        own=OwnEvent(interview.uid or None, interview.start, interview.end),
        confirmed=confirmed,
        now=now,
    )
    return {"clashes_confirmed": audit(found)} if found else {}


def audit(found: Iterable[Clash]) -> list[dict[str, Any]]:
    """The confirmed clashes as the audit event keeps them."""
    return [c.as_json() for c in found]
