"""REST CRUD for interviews, positions, candidates, offers and stored calendars.

Every handler works inside the token's workspace; another workspace's id is a 404.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import select

from fairnotice.errors import NotFound
from fairnotice.lifecycle import OfferState, State
from fairnotice.model import Email, Language, Period, Strict, ZoneName
from fairnotice.operations.busy import stored as busy
from fairnotice.operations.busy import uploads
from fairnotice.operations.common import listing, records
from fairnotice.operations.common.schemas import (
    CandidateCreate,
    CandidatePublic,
    CandidateUpdate,
    InterviewCreate,
    InterviewPublic,
    InterviewUpdate,
    OfferCreate,
    OfferCreated,
    OfferPublic,
    PositionCreate,
    PositionPublic,
    PositionUpdate,
    ReceiptPublic,
    RowId,
)
from fairnotice.operations.interviews import adopt
from fairnotice.operations.interviews import commands as actions
from fairnotice.operations.interviews.clashes import Clashes
from fairnotice.operations.offers import commands as offers
from fairnotice.operations.outbox import receipts
from fairnotice.store.tables import BusyCalendar, Candidate, Interview, Offer, Position, User
from fairnotice.web.deps import Db
from fairnotice.web.paging import LIST_HEADERS, Paged, Search, with_links
from fairnotice.web.routes.api import ERRORS, Authed

router = APIRouter(prefix="/api/v1", responses={**ERRORS, 404: {"description": "Not found"}})
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
IdFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def _found(model: type[records.Row]) -> Any:
    """The record in the token's workspace, looked up before the body is validated: another
    workspace's id is a 404 whatever the body holds (then 422 for a bad body)."""

    def lookup(item: Id, session: Db, who: Authed) -> None:
        records.scoped(session, model, who.workspace_id, item)

    return Depends(lookup)


# --- interviews -------------------------------------------------------------------


@router.get(
    "/interviews",
    response_model=list[InterviewPublic],
    tags=["interviews"],
    responses=LIST_HEADERS,
)
def list_interviews(
    request: Request,
    response: Response,
    session: Db,
    who: Authed,
    paged: Paged,
    q: Search = None,
    position_id: IdFilter = None,
    state: State | None = None,
    due: Annotated[
        listing.Due | None,
        Query(description="upcoming (not ended yet, next first) or past (latest first)"),
    ] = None,
) -> list[Interview]:
    """The workspace's interviews by start (earliest first), a page at a time; `q` matches
    the position, the company or the candidate's name or email."""
    query = listing.interviews(
        workspace_id=who.workspace_id,
        position_id=position_id,
        text=q,
        state=state,
        due=due,
        now=request.app.state.clock(),
    )
    page = listing.fetch(session, query, offset=paged.offset, limit=paged.limit)
    return with_links(request, response, page)


class InterviewSchedule(InterviewCreate):
    """An interview to put on record. In an organisation the candidate and every
    interviewer get the invitation (REQUEST) unless `uid` names an event they already hold
    (then adopted: nothing is sent now, later changes update it). The time is checked
    against the interviewers' stored calendars and the workspace's booked interviews (K1):
    409 with the clashes unless `confirm_clash` is true."""

    confirm_clash: bool = False


class InterviewChange(InterviewUpdate):
    """Place and time; a new time is checked as at scheduling (K1, `confirm_clash`)."""

    confirm_clash: bool = False


class InvitationAdopt(Strict):
    """The invitation the employer sent from Outlook or Google, to adopt as the interview."""

    position_id: RowId
    invitation: str = Field(
        min_length=1,
        max_length=uploads.MAX_UPLOAD,
        description="the invitation itself: the .ics text, or the whole email (.eml) that "
        "carries it",
    )
    candidate_id: RowId | None = Field(
        default=None,
        description="the candidate it invites (default: the one candidate of the position "
        "among its attendees)",
    )
    interviewer_language: Language | None = Field(
        default=None, description="the interviewers' notices' language (default: yours)"
    )
    confirm_clash: bool = False


CLASHES: dict[int | str, dict[str, Any]] = {
    409: {"description": "The time clashes (K1): `clashes` lists who is busy when"}
}


def _clashed(session: Db, exc: Clashes) -> JSONResponse:
    """409 naming every clash; nothing of the refused change is kept."""
    session.rollback()
    body = {"detail": str(exc), "clashes": [c.as_json() for c in exc.clashes]}
    return JSONResponse(body, status_code=409)


def _sender(session: Db, who: Authed) -> tuple[str, str]:
    user = session.get(User, who.user_id)
    if user is None:
        raise NotFound("user")
    return (user.name, user.email)


@router.post(
    "/interviews",
    response_model=InterviewPublic,
    status_code=201,
    tags=["interviews"],
    responses=CLASHES,
)
def create_interview(
    data: InterviewSchedule, request: Request, session: Db, who: Authed
) -> Interview | JSONResponse:
    try:
        return records.create_interview(
            session,
            workspace_id=who.workspace_id,
            data=data,
            actor=f"user:{who.user_id}",
            now=request.app.state.clock(),
            sender=_sender(session, who),
            confirm_clash=data.confirm_clash,
        )
    except Clashes as exc:
        return _clashed(session, exc)


@router.post(
    "/interviews/import",
    response_model=InterviewPublic,
    status_code=201,
    tags=["interviews"],
    responses=CLASHES,
)
def adopt_invitation(
    data: InvitationAdopt, request: Request, session: Db, who: Authed
) -> Interview | JSONResponse:
    """Adopt the invitation the employer already sent (its UID, SEQUENCE and ORGANIZER):
    nothing is sent now; every later update or cancellation names that event."""
    sender = _sender(session, who)
    try:
        return adopt.adopt_invitation(
            session,
            workspace_id=who.workspace_id,
            position_id=data.position_id,
            data=data.invitation.encode("utf-8"),
            actor=f"user:{who.user_id}",
            now=request.app.state.clock(),
            sender=sender,
            candidate_id=data.candidate_id,
            language=data.interviewer_language,
            confirm_clash=data.confirm_clash,
            label="invitation",
        )
    except Clashes as exc:
        return _clashed(session, exc)


@router.get("/interviews/{item:int}", response_model=InterviewPublic, tags=["interviews"])
def get_interview(item: Id, session: Db, who: Authed) -> InterviewPublic:
    row = records.scoped(session, Interview, who.workspace_id, item)
    public = InterviewPublic.model_validate(row)
    notices = receipts.of_interview(session, workspace_id=who.workspace_id, interview_id=row.id)
    public.receipts = [
        ReceiptPublic(
            outbox_id=n.outbox_id,
            recipient=n.recipient,
            subject=n.subject,
            state=n.status.state,
            sent_at=n.status.sent_at,
            opened_at=n.status.opened_at,
            confirmed_at=n.status.confirmed_at,
            call_due=n.status.call_due,
        )
        for n in notices
    ]
    return public


@router.patch(
    "/interviews/{item:int}",
    response_model=InterviewPublic,
    tags=["interviews"],
    dependencies=[_found(Interview)],
    responses=CLASHES,
)
def update_interview(
    item: Id, data: InterviewChange, request: Request, session: Db, who: Authed
) -> Interview | JSONResponse:
    """Place and time (a new time goes out as a REQUEST with SEQUENCE + 1). The status is
    not settable here: cancel, withdraw, took-place and no-show have their own endpoints."""
    user = session.get(User, who.user_id)
    try:
        return records.update_interview(
            session,
            workspace_id=who.workspace_id,
            interview_id=item,
            data=data,
            actor=f"user:{who.user_id}",
            sender=(user.name, user.email) if user else None,
            now=request.app.state.clock(),
            confirm_clash=data.confirm_clash,
        )
    except Clashes as exc:
        return _clashed(session, exc)


@router.delete("/interviews/{item:int}", status_code=204, tags=["interviews"])
def delete_interview(item: Id, request: Request, session: Db, who: Authed) -> Response:
    """Its queued messages (a CANCEL excepted) are voided in the same transaction."""
    records.delete(
        session,
        Interview,
        who.workspace_id,
        item,
        now=request.app.state.clock(),
        actor=f"user:{who.user_id}",
    )
    return Response(status_code=204)


# --- positions --------------------------------------------------------------------


@router.get(
    "/positions", response_model=list[PositionPublic], tags=["positions"], responses=LIST_HEADERS
)
def list_positions(
    request: Request,
    response: Response,
    session: Db,
    who: Authed,
    paged: Paged,
    q: Search = None,
    state: Literal["open", "filling", "filled"] | None = None,
) -> list[Position]:
    """The workspace's positions, oldest first; `q` matches the title or the company."""
    query = listing.positions(workspace_id=who.workspace_id, text=q, state=state)
    page = listing.fetch(session, query, offset=paged.offset, limit=paged.limit)
    return with_links(request, response, page)


@router.post("/positions", response_model=PositionPublic, status_code=201, tags=["positions"])
def create_position(data: PositionCreate, session: Db, who: Authed) -> Position:
    return records.create_position(session, workspace_id=who.workspace_id, data=data)


@router.get("/positions/{item}", response_model=PositionPublic, tags=["positions"])
def get_position(item: Id, session: Db, who: Authed) -> Position:
    return records.scoped(session, Position, who.workspace_id, item)


@router.patch(
    "/positions/{item}",
    response_model=PositionPublic,
    tags=["positions"],
    dependencies=[_found(Position)],
)
def update_position(item: Id, data: PositionUpdate, session: Db, who: Authed) -> Position:
    return records.update_position(
        session, workspace_id=who.workspace_id, position_id=item, data=data
    )


@router.delete("/positions/{item}", status_code=204, tags=["positions"])
def delete_position(item: Id, session: Db, who: Authed) -> Response:
    records.delete(session, Position, who.workspace_id, item)
    return Response(status_code=204)


# --- candidates -------------------------------------------------------------------


@router.get(
    "/candidates",
    response_model=list[CandidatePublic],
    tags=["candidates"],
    responses=LIST_HEADERS,
)
def list_candidates(
    request: Request,
    response: Response,
    session: Db,
    who: Authed,
    paged: Paged,
    q: Search = None,
    position_id: IdFilter = None,
    state: Literal["active", "hired", "informed"] | None = None,
    language: Language | None = None,
) -> list[Candidate]:
    """The workspace's candidates, oldest first, a page at a time; `q` matches the name or
    the email."""
    query = listing.candidates(
        workspace_id=who.workspace_id,
        position_id=position_id,
        text=q,
        state=state,
        language=language,
    )
    page = listing.fetch(session, query, offset=paged.offset, limit=paged.limit)
    return with_links(request, response, page)


@router.post("/candidates", response_model=CandidatePublic, status_code=201, tags=["candidates"])
def create_candidate(data: CandidateCreate, session: Db, who: Authed) -> Candidate:
    return records.create_candidate(session, workspace_id=who.workspace_id, data=data)


@router.get("/candidates/{item}", response_model=CandidatePublic, tags=["candidates"])
def get_candidate(item: Id, session: Db, who: Authed) -> Candidate:
    return records.scoped(session, Candidate, who.workspace_id, item)


@router.patch(
    "/candidates/{item}",
    response_model=CandidatePublic,
    tags=["candidates"],
    dependencies=[_found(Candidate)],
)
def update_candidate(item: Id, data: CandidateUpdate, session: Db, who: Authed) -> Candidate:
    return records.update_candidate(
        session, workspace_id=who.workspace_id, candidate_id=item, data=data
    )


@router.delete("/candidates/{item}", status_code=204, tags=["candidates"])
def delete_candidate(item: Id, session: Db, who: Authed) -> Response:
    records.delete(session, Candidate, who.workspace_id, item)
    return Response(status_code=204)


# --- offers -----------------------------------------------------------------------


def _offer(session: Db, who: Authed, item: int) -> Offer:
    offer = session.scalar(
        select(Offer).where(Offer.id == item, Offer.workspace_id == who.workspace_id)
    )
    if offer is None:
        raise NotFound("offer")
    return offer


@router.get("/offers", response_model=list[OfferPublic], tags=["offers"], responses=LIST_HEADERS)
def list_offers(
    request: Request,
    response: Response,
    session: Db,
    who: Authed,
    paged: Paged,
    interview_id: IdFilter = None,
    state: OfferState | None = None,
) -> list[Offer]:
    """The workspace's offers, oldest first, a page at a time."""
    query = listing.offers(workspace_id=who.workspace_id, interview_id=interview_id, state=state)
    page = listing.fetch(session, query, offset=paged.offset, limit=paged.limit)
    return with_links(request, response, page)


@router.post(
    "/offers",
    response_model=OfferCreated,
    status_code=201,
    tags=["offers"],
    responses={409: {"description": "The interview is cancelled"}},
)
def create_offer(data: OfferCreate, request: Request, session: Db, who: Authed) -> OfferCreated:
    """Offer at least three new times; the pick link (with its token) is returned only here."""
    user = session.get(User, who.user_id)
    if user is None:
        raise NotFound("user")
    reason, public_reason = actions.employer_reason(data.reason, data.public_reason)
    made = offers.offer_times(
        session,
        workspace_id=who.workspace_id,
        interview_id=data.interview_id,
        user=user,
        base_url=request.app.state.settings.base_url,
        reason=reason,
        public_reason=public_reason,
        slot_count=data.slot_count,
        valid_days=data.valid_days,
        clock=request.app.state.clock,
        secret=request.app.state.settings.secret,
    )
    public = OfferPublic.model_validate(made.offer)
    return OfferCreated(**public.model_dump(), pick_url=made.pick_url)


@router.get("/offers/{item}", response_model=OfferPublic, tags=["offers"])
def get_offer(item: Id, session: Db, who: Authed) -> Offer:
    return _offer(session, who, item)


@router.delete("/offers/{item}", status_code=204, tags=["offers"])
def withdraw_offer(item: Id, request: Request, session: Db, who: Authed) -> Response:
    """The link stops working and its times stop being held (the offer is kept, marked
    withdrawn; the interview keeps its time). An offer no longer open stays as it is."""
    offer = _offer(session, who, item)
    user = session.get(User, who.user_id)
    if offer.state == "open" and user is not None:
        offers.withdraw_offer(
            session,
            workspace_id=who.workspace_id,
            offer_id=offer.id,
            user=user,
            clock=request.app.state.clock,
        )
    return Response(status_code=204)


# --- stored calendars (busy time of interviewers, for offers and /slots) -----------


class CalendarCreate(Strict):
    """Busy time of one person: periods, and/or an iCalendar text a worker reads."""

    owner_email: Email
    busy: list[Period] = Field(default_factory=list, max_length=10_000)
    ics: str | None = Field(default=None, max_length=1_000_000)
    timezone: ZoneName = "UTC"


class CalendarPublic(Strict):
    id: int
    owner_email: str
    busy: list[Period] = Field(description="the busy periods given directly")
    state: str = Field(
        default="ready",
        description="pending (the iCalendar text waits for a worker), ready or failed; "
        "/api/v1/slots answers 409 for a calendar that is not ready",
    )
    error: str | None = Field(default=None, description="why it could not be read (failed)")


def _calendar_public(row: BusyCalendar) -> CalendarPublic:
    return CalendarPublic(
        id=row.id,
        owner_email=row.owner_email,
        busy=[Period.model_validate(b) for b in row.busy],
        state=row.state,
        error=row.error,
    )


@router.post("/calendars", response_model=CalendarPublic, status_code=201, tags=["calendars"])
def store_calendar(data: CalendarCreate, session: Db, who: Authed) -> CalendarPublic:
    """Store busy time for offers and /api/v1/slots. Periods alone are ready at once; an
    iCalendar text is read by a worker in the background (state `pending` until then)."""
    row = busy.add_calendar(
        session,
        workspace_id=who.workspace_id,
        owner_email=data.owner_email,
        ics=data.ics.encode("utf-8") if data.ics else None,
        busy=[(p.start, p.end) for p in data.busy],
        zone_name=data.timezone,
    )
    return _calendar_public(row)


@router.get("/calendars/{item}", response_model=CalendarPublic, tags=["calendars"])
def get_calendar(item: Id, session: Db, who: Authed) -> CalendarPublic:
    """A stored calendar and whether it has been read (poll until `ready`)."""
    row = session.scalar(
        select(BusyCalendar).where(
            BusyCalendar.id == item, BusyCalendar.workspace_id == who.workspace_id
        )
    )
    if row is None:
        raise NotFound("calendar")
    return _calendar_public(row)
