"""REST actions of an interview (issue 11): each state change has an endpoint of its own.

Status is not settable by PATCH; these go through the lifecycle (`transitions.apply`):
a change the interview's state does not allow is 409 naming why, bad input 422 naming
the field, another workspace's interview 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fairnotice.errors import NotFound
from fairnotice.lifecycle import Event
from fairnotice.model import ReasonCategory, Strict
from fairnotice.operations.common import listing, records
from fairnotice.operations.common.schemas import InterviewPublic, RowId
from fairnotice.operations.interviews import commands as actions
from fairnotice.store.tables import Interview, User
from fairnotice.web.deps import Db
from fairnotice.web.paging import LIST_HEADERS, Paged, with_links
from fairnotice.web.routes.api import ERRORS, Authed

REFUSED: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found"},
    409: {"description": "The interview's state does not allow it; `detail` says why"},
}
router = APIRouter(prefix="/api/v1", tags=["interview actions"], responses={**ERRORS, **REFUSED})
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _found(item: Id, session: Db, who: Authed) -> None:
    """The interview in the token's workspace, before the body is read (404, then 422)."""
    records.scoped(session, Interview, who.workspace_id, item)


IN_WORKSPACE = [Depends(_found)]


def _user(session: Db, who: Authed) -> User:
    user = session.get(User, who.user_id)
    if user is None:
        raise NotFound("user")
    return user


class CancelBody(Strict):
    reason: ReasonCategory = Field(
        default=ReasonCategory.other,
        description="why: said in general words in the letter to the candidate; the default "
        "(other) gives no reason, only that the interview must be cancelled. An organisation "
        "may give other, interviewer_unavailable, illness, emergency or schedule_conflict",
    )
    public_reason: str | None = Field(
        default=None,
        max_length=1000,
        description="one sentence the letter quotes as given (at most 300 characters); "
        "kept with the interview's audit event",
    )


class NoteBody(Strict):
    why: str | None = Field(default=None, max_length=1000, description="kept in the audit trail")


class BookBody(Strict):
    start: AwareDatetime
    end: AwareDatetime
    offer_id: RowId | None = Field(default=None, description="the declined offer answered")
    confirm_clash: bool = Field(
        default=False, description="book even where the time clashes (K1; 409 lists them)"
    )


class Cancelled(InterviewPublic):
    plan_id: int | None = Field(description="the plan whose letter tells the candidate")


class EventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    at: datetime
    actor: str
    event: str
    from_state: str | None
    to_state: str | None
    why: str | None
    detail: dict[str, Any] | None


@router.post("/interviews/{item}/cancel", response_model=Cancelled, dependencies=IN_WORKSPACE)
def cancel(
    item: Id,
    request: Request,
    session: Db,
    who: Authed,
    body: Annotated[CancelBody | None, Body()] = None,
) -> Cancelled:
    """An organisation cancels: the letter to the candidate (with its CANCEL) and a CANCEL to
    every interviewer are queued. In a candidate's workspace: the employer cancelled."""
    plan_id = actions.cancel(
        session,
        workspace_id=who.workspace_id,
        interview_id=item,
        user=_user(session, who),
        reason=(body or CancelBody()).reason.value,
        public_reason=(body or CancelBody()).public_reason,
        clock=request.app.state.clock,
    )
    row = records.scoped(session, Interview, who.workspace_id, item)
    return Cancelled(**InterviewPublic.model_validate(row).model_dump(), plan_id=plan_id)


def _record(
    item: int, request: Request, session: Db, who: Authed, event: Event, why: str | None
) -> Interview:
    return actions.record(
        session,
        workspace_id=who.workspace_id,
        interview_id=item,
        event=event,
        user=_user(session, who),
        now=request.app.state.clock(),
        why=why,
    )


@router.post(
    "/interviews/{item}/withdraw", response_model=InterviewPublic, dependencies=IN_WORKSPACE
)
def withdraw(
    item: Id,
    request: Request,
    session: Db,
    who: Authed,
    body: Annotated[NoteBody | None, Body()] = None,
) -> Interview:
    """The candidate withdrew (the employer records it, or the candidate's own record)."""
    return _record(item, request, session, who, Event.withdraw, body.why if body else None)


@router.post(
    "/interviews/{item}/took-place", response_model=InterviewPublic, dependencies=IN_WORKSPACE
)
def took_place(
    item: Id,
    request: Request,
    session: Db,
    who: Authed,
    body: Annotated[NoteBody | None, Body()] = None,
) -> Interview:
    """The interview took place (not before its start)."""
    return _record(item, request, session, who, Event.took_place, body.why if body else None)


@router.post(
    "/interviews/{item}/no-show", response_model=InterviewPublic, dependencies=IN_WORKSPACE
)
def no_show(
    item: Id,
    request: Request,
    session: Db,
    who: Authed,
    body: Annotated[NoteBody | None, Body()] = None,
) -> Interview:
    """The candidate did not come (not before the start)."""
    return _record(item, request, session, who, Event.no_show, body.why if body else None)


@router.post("/interviews/{item}/book", response_model=InterviewPublic, dependencies=IN_WORKSPACE)
def book(item: Id, data: BookBody, request: Request, session: Db, who: Authed) -> Interview:
    """Book a time directly (say, the candidate's suggestion): the interview moves, SEQUENCE
    + 1, open offers close, the REQUEST goes to everyone in it. 409 listing the clashes
    (K1) unless `confirm_clash`."""
    return actions.book(
        session,
        workspace_id=who.workspace_id,
        interview_id=item,
        user=_user(session, who),
        start=data.start,
        end=data.end,
        now=request.app.state.clock(),
        offer_id=data.offer_id,
        confirm_clash=data.confirm_clash,
    )


@router.get(
    "/interviews/{item}/events",
    response_model=list[EventPublic],
    dependencies=IN_WORKSPACE,
    responses=LIST_HEADERS,
)
def events(
    item: Id, request: Request, response: Response, session: Db, who: Authed, paged: Paged
) -> list[Any]:
    """The audit trail: every change, who made it, when, from which state to which, why
    (oldest first, a page at a time)."""
    query = listing.events(workspace_id=who.workspace_id, interview_id=item)
    return with_links(
        request, response, listing.fetch(session, query, offset=paged.offset, limit=paged.limit)
    )
