"""REST: fill a position (issue 11, point 9) and follow it by counts.

`POST /api/v1/positions/{id}/fill` only starts the fill (the position becomes `filling`,
the hired candidate `hired`); the worker tells every other remaining candidate in batches.
`GET /api/v1/positions/{id}/fill` reads its progress from counts, however many there are.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request
from pydantic import BaseModel

from fairnotice.errors import NotFound
from fairnotice.model import Strict
from fairnotice.operations.common import records
from fairnotice.operations.common.schemas import RowId
from fairnotice.operations.outbox import receipts
from fairnotice.operations.positions import commands as filling
from fairnotice.store.tables import Position, User
from fairnotice.web.deps import Db
from fairnotice.web.routes.api import ERRORS, Authed

REFUSED: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found"},
    409: {"description": "The position is already being filled, or filled"},
}
router = APIRouter(prefix="/api/v1", tags=["positions"], responses={**ERRORS, **REFUSED})
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class FillStart(Strict):
    hired: RowId | None = None  # the candidate who got the position: never told


class FillProgress(BaseModel):
    status: str  # open | filling | filled
    plan_id: int | None
    told: int
    remaining: int
    by_hand: int  # candidates with no interview on record: to be told by a person
    messages: dict[str, int]  # outbox rows of the fill by state
    calls: int  # late-round candidates to call first
    confirmed: int = 0  # letters whose recipient confirmed them by their "Got it" link
    links_sent: int = 0  # letters that went with a "Got it" link


def _progress(session: Db, workspace_id: int, position: Position) -> FillProgress:
    found = filling.progress(session, workspace_id=workspace_id, position=position)
    confirmed, links_sent = (
        receipts.counts(session, workspace_id=workspace_id, plan_id=position.fill_plan_id)
        if position.fill_plan_id is not None
        else (0, 0)
    )
    return FillProgress(
        status=found.status,
        plan_id=position.fill_plan_id,
        told=found.told,
        remaining=found.remaining,
        by_hand=found.by_hand,
        messages=found.messages,
        calls=found.calls,
        confirmed=confirmed,
        links_sent=links_sent,
    )


@router.post("/positions/{item}/fill", response_model=FillProgress, status_code=202)
def fill(
    item: Id,
    request: Request,
    session: Db,
    who: Authed,
    body: Annotated[FillStart | None, Body()] = None,
) -> FillProgress:
    """Start filling the position: every remaining candidate is told in their own language
    by the worker, their interviews ahead cancelled (202: follow it with GET)."""
    user = session.get(User, who.user_id)
    if user is None:
        raise NotFound("user")
    filling.fill(
        session,
        workspace_id=who.workspace_id,
        position_id=item,
        user=user,
        hired=body.hired if body else None,
        clock=request.app.state.clock,
    )
    session.flush()
    position = records.scoped(session, Position, who.workspace_id, item)
    return _progress(session, who.workspace_id, position)


@router.get("/positions/{item}/fill", response_model=FillProgress)
def fill_progress(item: Id, session: Db, who: Authed) -> FillProgress:
    """How far the fill is, from counts."""
    position = records.scoped(session, Position, who.workspace_id, item)
    return _progress(session, who.workspace_id, position)
