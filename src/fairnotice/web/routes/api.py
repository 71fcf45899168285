"""REST API /api/v1: the contract's plan, review, slots and import, and token auth.

The CRUD endpoints live in api_crud.py. Errors: 401 without a valid bearer token, 404 for
ids outside the token's workspace, 409 for state conflicts, 422 naming the field.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime, BaseModel, Field, model_validator
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool

from fairnotice.calendar.invite import ImportedInterview
from fairnotice.calendar.slots import BusyIndex, Hours, free_slots
from fairnotice.errors import BadInput, TooLarge
from fairnotice.model import (
    ClockTime,
    Findings,
    Intent,
    Period,
    Plan,
    Situation,
    Slot,
    Strict,
    ZoneName,
    parse_clock,
    zone,
)
from fairnotice.operations.accounts.queries import TokenReader
from fairnotice.operations.busy.queries import stored_index
from fairnotice.operations.busy.uploads import MAX_UPLOAD, read_invitation, without_server_calendars
from fairnotice.operations.common.schemas import RowId
from fairnotice.operations.plans.planning import plan_change

bearer = HTTPBearer(auto_error=False, description="An API token from the workspace's token page")


class Caller(BaseModel):
    user_id: int
    workspace_id: int


def _tokens(request: Request) -> TokenReader:
    reader: TokenReader | None = getattr(request.app.state, "token_reader", None)
    if reader is None:
        reader = request.app.state.token_reader = TokenReader(request.app.state.engine)
    return reader


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The workspace a bearer token grants; 401 for none or an unknown one.

    Asked of the database on every request: a revoked token or a removed member is
    refused from the very next request on. On SQLite the indexed read runs on the event
    loop (as the slot search's does: a WAL reader never waits for a writer, and the read
    costs less than a hop to the thread pool); a database server's round trip goes to
    the thread pool."""
    if credentials is None or len(credentials.credentials) > 200:
        raise HTTPException(401, "a bearer token is required", {"WWW-Authenticate": "Bearer"})
    tokens = _tokens(request)
    if request.app.state.engine.dialect.name == "sqlite":
        found = tokens(credentials.credentials)
    else:
        found = await run_in_threadpool(tokens, credentials.credentials)
    if found is None:
        raise HTTPException(401, "unknown token", {"WWW-Authenticate": "Bearer"})
    return Caller(user_id=found[0], workspace_id=found[1])


Authed = Annotated[Caller, Depends(caller)]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body could not be read (not UTF-8 JSON)"},
    401: {"description": "No or unknown bearer token"},
    422: {"description": "Bad input; `detail[].field` names the field"},
    429: {"description": "Too many unknown tokens from this client; wait `Retry-After` seconds"},
}
router = APIRouter(prefix="/api/v1", tags=["contract"], responses=ERRORS)
health = APIRouter(prefix="/api/v1", tags=["meta"])


class Health(BaseModel):
    status: str


@health.get("/health", response_model=Health)
async def health_check() -> Health:
    """A trivial endpoint (the load benchmark's baseline)."""
    return Health(status="ok")


@router.post("/plan", response_model=Plan)
async def plan(situation: Situation, request: Request, who: Authed) -> Response:
    """The contract's plan for a situation (same as `fairnotice plan --json`)."""
    return await plan_answer(situation, request, who)


async def plan_answer(situation: Situation, request: Request, who: Caller) -> Response:
    """The plan's JSON."""
    without_server_calendars(situation)
    if situation.intent is Intent.status_inquiry:
        await run_in_threadpool(_inquiry_allowed, request, who, situation)  # W5, 422
    try:
        result = plan_change(situation=situation, clock=request.app.state.clock)
    except (OverflowError, ValueError) as exc:  # dates at the edge of the calendar
        raise BadInput([("interview", str(exc) or "dates out of range")]) from None
    # The planner built a valid Plan already: serialise it once, without re-validating.
    return Response(result.model_dump_json(by_alias=True), media_type="application/json")


def _inquiry_allowed(request: Request, who: Caller, situation: Situation) -> None:
    """A status inquiry about an interview the workspace keeps only where W5 holds."""
    from fairnotice.operations.interviews.inquiry import check_plan_request

    with request.app.state.sessions() as session:
        check_plan_request(
            session,
            workspace_id=who.workspace_id,
            situation=situation,
            now=situation.now or request.app.state.clock(),
        )


class SlotsQuery(Strict):
    """POST /api/v1/slots: the CLI's `slots` options, over stored calendars and given busy."""

    calendars: list[RowId] = Field(
        default_factory=list, max_length=50, description="stored calendar ids"
    )
    busy: list[Period] = Field(default_factory=list, max_length=10_000)
    duration: int = Field(ge=5, le=24 * 60, description="minutes")
    tz: ZoneName
    hours: tuple[ClockTime, ClockTime] = ("09:00", "17:00")
    days: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5], min_length=1, max_length=7)
    from_: AwareDatetime | None = Field(default=None, alias="from")
    until: AwareDatetime | None = None
    step: int = Field(default=30, ge=5, le=24 * 60)
    count: int = Field(default=10, ge=1, le=200)

    @model_validator(mode="after")
    def _check(self) -> SlotsQuery:
        if any(not 1 <= d <= 7 for d in self.days):
            raise ValueError("days are ISO weekdays 1 to 7")
        if parse_clock(self.hours[1]) <= parse_clock(self.hours[0]):
            raise ValueError("hours: end must be after start")
        for moment in (self.from_, self.until):
            if moment is not None and not 1970 <= moment.year <= 2200:
                raise ValueError("from/until must lie between 1970 and 2200")
        return self


MAX_WINDOW = timedelta(days=92)


async def _calendar_busy(
    request: Request,
    workspace_id: int,
    ids: set[int],
    start: datetime,
    end: datetime,
    also: list[tuple[datetime, datetime]],
) -> BusyIndex:
    """Stored busy intervals of the calendars (read once by a worker) with `also`, as the
    search's index; 409 until read.

    No ORM session (busy_read.py). On SQLite it runs on the event loop (a WAL reader never
    waits for a writer, and the read costs less than a hop to the thread pool); a
    database server's round trip goes to the thread pool."""
    read = partial(
        stored_index,
        request.app.state.engine,
        workspace_id=workspace_id,
        ids=ids,
        start=start,
        end=end,
        also=also,
        now=request.app.state.clock(),  # ages remote sources (sources.STALE_AFTER)
    )
    if request.app.state.engine.dialect.name == "sqlite":
        return read()
    return await run_in_threadpool(read)


@lru_cache(maxsize=1024)
def _hours(tz: str, start: str, end: str, days: tuple[int, ...]) -> Hours:
    """The same Hours for the same query (the search's caches then find it by identity,
    without comparing field by field)."""
    return Hours(
        zone=zone(tz), start=parse_clock(start), end=parse_clock(end), days=frozenset(days)
    )


@router.post("/slots", response_model=list[Slot])
async def slots(query: SlotsQuery, request: Request, who: Authed) -> Response:
    """Common free slots of the stored calendars named and the busy periods given."""
    return await slots_answer(query, request, who)


async def slots_answer(query: SlotsQuery, request: Request, who: Caller) -> Response:
    """The free slots' JSON.

    CPU-only work runs on the event loop (a thread hop costs more than the search), and
    so does the read of the stored intervals on SQLite (409 while a calendar is unread).
    """
    busy = [(p.start, p.end) for p in query.busy]
    earliest = query.from_ or request.app.state.clock()
    latest = query.until or earliest + timedelta(days=14)
    if latest <= earliest:
        raise BadInput([("until", "must be after from")])
    if latest - earliest > MAX_WINDOW:
        raise BadInput([("until", "the window may span at most 92 days")])
    # In UTC from here: pydantic's own tzinfo makes every comparison ask it for its offset.
    earliest, latest = earliest.astimezone(UTC), latest.astimezone(UTC)
    index = (
        await _calendar_busy(
            request, who.workspace_id, set(query.calendars), earliest, latest, busy
        )
        if query.calendars
        else BusyIndex(busy)
    )
    hours = _hours(query.tz, *query.hours, tuple(query.days))
    tz = hours.zone
    found = free_slots(
        busy=index,
        hours=[hours],
        duration=timedelta(minutes=query.duration),
        earliest=earliest,
        latest=latest,
        grid_zone=tz,
        step=timedelta(minutes=query.step),
        count=query.count,
    )
    # The contract's list[Slot], serialised as pydantic serialises Slot's two datetimes
    # (the same bytes; tested), without building a model per slot: found are in `tz`.
    body = to_json([{"start": s, "end": e, "why": None, "label": None} for s, e in found])
    return Response(body, media_type="application/json")


class ReviewRequest(Strict):
    """POST /api/v1/review: a draft the user wrote, optionally with its situation."""

    draft: str = Field(min_length=1, max_length=100_000)
    situation: Situation | None = None
    intent: Intent | None = None


@router.post("/review", response_model=Findings)
def review(body: ReviewRequest, request: Request, _: Authed) -> Findings:
    """The contract's findings on a draft (same as `fairnotice review --json`)."""
    from fairnotice.operations.plans.reviewing import draft_text, review_draft

    if body.situation is not None:
        without_server_calendars(body.situation)
    return review_draft(
        text=draft_text(body.draft),
        situation=body.situation,
        intent=body.intent.value if body.intent else None,
        clock=request.app.state.clock,
    )


INVITATION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The invitation itself: an .ics file, or an .eml that carries one.",
        "content": {
            "text/calendar": {"schema": {"type": "string"}},
            "message/rfc822": {"schema": {"type": "string"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post("/import", response_model=ImportedInterview, openapi_extra=INVITATION_BODY)
async def import_invitation(request: Request, _: Authed) -> ImportedInterview:
    """The contract's interview for an invitation (same as `fairnotice import --json`)."""
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > MAX_UPLOAD:
            raise TooLarge([("body", "larger than 1 MiB")])
    if not data:
        raise BadInput([("body", "send the invitation (.ics or .eml) as the request body")])
    return await run_in_threadpool(read_invitation, bytes(data), label="body")
