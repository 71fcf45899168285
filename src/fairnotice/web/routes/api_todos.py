"""GET /api/v1/todos: the overview's "Due now" and "Next" for the token's workspace, a
page at a time like the other lists (`limit`/`offset`, `X-Total-Count`, `Link`). The body
stays an object of two lists: a page holds the items due now first, then the next ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from fairnotice.operations.overview import todos as todo_ops
from fairnotice.todos import Kind, Todo
from fairnotice.web.deps import Db
from fairnotice.web.paging import LIST_HEADERS, Paged, with_links
from fairnotice.web.routes.api import ERRORS, Authed

router = APIRouter(prefix="/api/v1", responses=ERRORS, tags=["todos"])
PAGED: dict[int | str, dict[str, Any]] = {
    200: {
        **LIST_HEADERS[200],
        "description": (
            "One page of the to-dos (`limit` items, from `offset`) over the list due now, "
            "then next: a page holds the rest of `now` first, then `next`. "
            "Follow the `Link` header's `next` until it is absent."
        ),
    }
}


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


@router.get("/todos", response_model=TodosPublic, responses=PAGED)
def todos(
    request: Request, response: Response, session: Db, who: Authed, paged: Paged
) -> dict[str, Any]:
    """What is due now and what comes next (a week ahead), derived from each interview's
    state; the same list the overview shows, a page at a time."""
    shown = todo_ops.page(
        session,
        workspace_id=who.workspace_id,
        now=request.app.state.clock(),
        offset=paged.offset,
        limit=paged.limit,
    )
    with_links(request, response, shown.page)
    return {
        "now": [_public(t, who.workspace_id) for t in shown.items.now],
        "next": [_public(t, who.workspace_id) for t in shown.items.next],
    }
