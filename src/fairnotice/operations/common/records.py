"""Create, read, update and delete the stored objects, always through their workspace.

`scoped` is the single lookup every face uses: an id from another workspace is NotFound,
exactly like an id that does not exist, so nothing leaks whether it exists elsewhere.
"""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.calendar.expand import OwnEvent
from fairnotice.errors import N_, BadInput, NotFound, Phrase, Verbatim
from fairnotice.io import problems_of
from fairnotice.lifecycle import Event
from fairnotice.operations.common.schemas import (
    CandidateCreate,
    CandidateUpdate,
    InterviewCreate,
    InterviewUpdate,
    PositionCreate,
    PositionUpdate,
)
from fairnotice.operations.interviews import clashes, transitions
from fairnotice.store.tables import (
    Candidate,
    Interview,
    OutboxMessage,
    PlanRecord,
    PlanStep,
    Position,
)

Row = TypeVar("Row", Interview, Position, Candidate, PlanRecord, PlanStep, OutboxMessage)
MAX_CSV_ROWS = 5000
INTERVIEW_DELETED = transitions.INTERVIEW_DELETED


def new_uid() -> str:
    """A UID of the interview's own (RFC 5545 asks for a globally unique one); never one
    derived from its fields, which two interviews at the same time would share."""
    return f"{secrets.token_hex(16)}@fairnotice"


def scoped(session: Session, model: type[Row], workspace_id: int, row_id: int) -> Row:
    """The row with this id in this workspace, else NotFound."""
    row = session.scalar(
        select(model).where(model.id == row_id, model.workspace_id == workspace_id)
    )
    if row is None:
        raise NotFound(model.__tablename__)
    return row


def create_interview(
    session: Session,
    *,
    workspace_id: int,
    data: InterviewCreate,
    actor: str = "user",
    now: datetime | None = None,
    sender: tuple[str, str] | None = None,
    organizer: dict[str, str] | None = None,
    confirm_clash: bool = False,
) -> Interview:
    """Put an interview on record: the lifecycle's schedule (`transitions.schedule`).

    Without a UID it gets a random one and, in an organisation, the first REQUEST goes to
    the candidate and every interviewer (from `sender`). With one (an invitation already
    sent, and its `organizer`), that event is adopted: nothing goes out now, and every
    later change names its UID, a higher SEQUENCE and its ORGANIZER. An organisation's
    time is checked first (K1): `clashes.Clashes` unless `confirm_clash`."""
    if data.position_id is not None:
        scoped(session, Position, workspace_id, data.position_id)
    if data.candidate_id is not None:
        scoped(session, Candidate, workspace_id, data.candidate_id)
    adopted = data.uid is not None
    row = Interview(
        workspace_id=workspace_id,
        position_id=data.position_id,
        candidate_id=data.candidate_id,
        position=data.position,
        company=data.company,
        start=data.start,
        end=data.end,
        timezone=data.timezone,
        location=data.location,
        video_url=data.video_url,
        round=data.round,
        uid=data.uid or new_uid(),
        sequence=data.sequence,
        contact=data.contact.model_dump(mode="json", exclude_none=True),
        interviewers=[p.model_dump(mode="json", exclude_none=True) for p in data.interviewers],
        history_channel=data.history_channel,
        organizer=organizer,
        reschedules=0,
    )
    transitions.ensure_new_uid(session, workspace_id=workspace_id, uid=row.uid)
    detail: dict[str, object] = {}
    if transitions.organises(session, workspace_id):
        found = clashes.check(
            session,
            workspace_id=workspace_id,
            interview=row,
            start=row.start,
            end=row.end,
            own=OwnEvent(row.uid, row.start, row.end) if adopted else None,
            confirmed=confirm_clash,
            now=now,  # remote calendars age by the caller's clock, as everywhere else
        )
        if found:
            detail["clashes_confirmed"] = clashes.audit(found)
    return transitions.schedule(
        session,
        interview=row,
        actor=actor,
        now=now or datetime.now(UTC),
        sender=sender,
        adopted=adopted,
        detail=detail,
    )


def update_interview(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    data: InterviewUpdate,
    actor: str,
    sender: tuple[str, str] | None,
    now: datetime,
    confirm_clash: bool = False,
) -> Interview:
    """Edit the place, or the time (the lifecycle's edit of time: SEQUENCE + 1, open offers
    closed, the new REQUEST to everyone). The state is not edited here. A new time of an
    organisation's interview is checked first (K1): `clashes.Clashes` unless
    `confirm_clash`; nothing is changed then."""
    row = scoped(session, Interview, workspace_id, interview_id)
    start = data.start or row.start
    end = data.end or row.end
    if end <= start:
        raise BadInput([("end", N_("end must be after start"))])
    if (start, end) != (row.start, row.end):
        transitions.check(row, Event.edit_time, now=now)  # a closed one is refused first
        detail = clashes.check_move(
            session,
            workspace_id=workspace_id,
            interview=row,
            start=start,
            end=end,
            confirmed=confirm_clash,
            now=now,
        )
        transitions.apply(
            session,
            workspace_id=workspace_id,
            interview_id=row.id,
            event=Event.edit_time,
            actor=actor,
            now=now,
            new_time=(start, end),
            sender=sender,
            detail=detail or None,
        )
    changed = _corrected(session, row, data)
    if changed:
        transitions.apply(  # the state stays; the audit trail names what was corrected
            session,
            workspace_id=workspace_id,
            interview_id=row.id,
            event=Event.edit_details,
            actor=actor,
            now=now,
            detail={"changed": sorted(changed)},
        )
        for name, value in changed.items():
            setattr(row, name, value)
    return row


def _corrected(session: Session, row: Interview, data: InterviewUpdate) -> dict[str, Any]:
    """The record's details the update changes, as the row's new values. An organisation's
    position and candidate have records of their own: edited there, refused here."""
    wanted: dict[str, Any] = {}
    if data.location is not None:
        wanted["location"] = data.location
    if data.video_url is not None:
        wanted["video_url"] = data.video_url or None
    own = not transitions.organises(session, row.workspace_id)
    if not own:
        refused = [(f, N_("is kept on the position")) for f in ("position", "company")]
        refused += [("contact", N_("is the candidate's record: change it there"))]
        found = [(f, why) for f, why in refused if getattr(data, f) is not None]
        if found:
            raise BadInput(found)
    if data.position is not None:
        wanted["position"] = data.position
    if data.company is not None:
        wanted["company"] = data.company
    if data.contact is not None:
        contact = dict(row.contact or {})
        for key, value in data.contact.model_dump(exclude_none=True).items():
            if value == "" and key in ("salutation", "phone"):
                contact.pop(key, None)
            else:
                contact[key] = value
        wanted["contact"] = contact
    return {k: v for k, v in wanted.items() if v != getattr(row, k)}


def delete(
    session: Session,
    model: type[Row],
    workspace_id: int,
    row_id: int,
    *,
    now: datetime | None = None,
    actor: str = "user",
) -> None:
    """Delete a row of this workspace, in one transaction. An interview's queued messages
    (pending or draft) are voided first, with an event naming why, so nothing about an
    interview that no longer exists goes out; a queued CANCEL still goes (it tells the other
    side the interview is off). Candidates and positions leave their interviews in place."""
    row = scoped(session, model, workspace_id, row_id)
    if isinstance(row, Interview):
        transitions.apply(
            session,
            workspace_id=workspace_id,
            interview_id=row.id,
            event=Event.delete,
            actor=actor,
            now=now or datetime.now(UTC),
        )
        return
    session.delete(row)
    session.flush()


def queued_about(session: Session, *, workspace_id: int, interview_id: int) -> int:
    """How many messages about an interview would be voided by deleting it."""
    return len(_voidable(session, workspace_id=workspace_id, interview_id=interview_id))


def _voidable(session: Session, *, workspace_id: int, interview_id: int) -> list[OutboxMessage]:
    rows = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.workspace_id == workspace_id,
            OutboxMessage.interview_id == interview_id,
            OutboxMessage.state.in_(("pending", "draft")),
        )
    )
    return [r for r in rows if (r.calendar_method or "").upper() != "CANCEL"]


def create_position(session: Session, *, workspace_id: int, data: PositionCreate) -> Position:
    row = Position(workspace_id=workspace_id, title=data.title, company=data.company)
    session.add(row)
    session.flush()
    return row


def update_position(
    session: Session, *, workspace_id: int, position_id: int, data: PositionUpdate
) -> Position:
    row = scoped(session, Position, workspace_id, position_id)
    if data.title is not None:
        row.title = data.title
    return row


def create_candidate(session: Session, *, workspace_id: int, data: CandidateCreate) -> Candidate:
    if data.position_id is not None:
        scoped(session, Position, workspace_id, data.position_id)
    row = Candidate(
        workspace_id=workspace_id,
        position_id=data.position_id,
        name=data.name,
        email=data.email,
        phone=data.phone,
        language=data.language.value,
        salutation=data.salutation,
        timezone=data.timezone,
        round=data.round,
    )
    session.add(row)
    session.flush()
    return row


def update_candidate(
    session: Session, *, workspace_id: int, candidate_id: int, data: CandidateUpdate
) -> Candidate:
    row = scoped(session, Candidate, workspace_id, candidate_id)
    for field in ("name", "phone", "round"):
        value = getattr(data, field)
        if value is not None:
            setattr(row, field, value)
    if data.language is not None:
        row.language = data.language.value
    return row


def import_candidates(
    session: Session, *, workspace_id: int, position_id: int, text: str
) -> list[Candidate]:
    """Candidates from CSV with a header (name, email, phone, language, salutation, timezone,
    round); all rows or none: BadInput names the line and field of every bad row."""
    scoped(session, Position, workspace_id, position_id)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"name", "email"} <= {f.strip() for f in reader.fieldnames}:
        raise BadInput(
            [("file", N_("CSV needs a header with at least the columns name and email"))]
        )
    parsed: list[CandidateCreate] = []
    problems: list[tuple[str, str]] = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_CSV_ROWS:
            raise BadInput([("file", Phrase("more than %(max)s rows", max=MAX_CSV_ROWS))])
        values = {k.strip(): v.strip() for k, v in raw.items() if k and v is not None and v.strip()}
        values["position_id"] = str(position_id)
        try:
            parsed.append(CandidateCreate.model_validate(values))
        except ValidationError as exc:
            problems += [
                (Phrase("line %(number)s: %(field)s", number=number, field=Verbatim(field)), msg)
                for field, msg in problems_of(exc)
            ]
    if problems:
        raise BadInput(problems)
    return [create_candidate(session, workspace_id=workspace_id, data=d) for d in parsed]
