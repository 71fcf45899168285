"""GET /api/v1/todos: the overview's "Due now" and "Next" for the token's workspace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from fairnotice.operations import todos as todo_ops
from fairnotice.todos import Kind, Todo
from fairnotice.web.deps import Db
from fairnotice.web.routes.api import ERRORS, Authed

router = APIRouter(prefix="/api/v1", responses=ERRORS, tags=["todos"])


class TodoPublic(BaseModel):
    kind: Kind
    due: datetime
    href: str  # the page where it is done
    ref: int  # the row it is about: interview, offer, plan step or outbox message
    person: str
    position: str
    company: str
    interview_id: int | None
    start: datetime | None
    action: str | None
    condition: str | None
    reminded: bool
    detail: str | None
    deadline: datetime | None


class TodosPublic(BaseModel):
    now: list[TodoPublic]
    next: list[TodoPublic]


def _public(item: Todo, workspace_id: int) -> dict[str, Any]:
    fields = {name: getattr(item, name) for name in TodoPublic.model_fields if name != "href"}
    return {**fields, "href": f"/w/{workspace_id}/{item.target}"}


@router.get("/todos", response_model=TodosPublic)
def todos(request: Request, session: Db, who: Authed) -> dict[str, Any]:
    """What is due now and what comes next (a week ahead), derived from each interview's
    state; the same list the overview shows."""
    found = todo_ops.todos(session, workspace_id=who.workspace_id, now=request.app.state.clock())
    return {
        "now": [_public(t, who.workspace_id) for t in found.now],
        "next": [_public(t, who.workspace_id) for t in found.next],
    }
