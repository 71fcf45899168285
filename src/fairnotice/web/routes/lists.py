"""The list pages: the overview (interviews, positions, candidates without a position) and
the outbox, each a page at a time with search and filters as plain GET parameters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from fairnotice.lifecycle import State
from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.common import listing
from fairnotice.operations.interviews import commands as actions
from fairnotice.operations.outbox import delivery as delivery_ops
from fairnotice.operations.outbox import receipts
from fairnotice.operations.overview import todos as todo_ops
from fairnotice.store.tables import POSITION_STATES
from fairnotice.web.deps import Db, InScope, csrf_protect, render
from fairnotice.web.paging import Number, PageNumber, Text, offset_of, one_of

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
INTERVIEWS_SHOWN = 25
POSITIONS_SHOWN = 25
UNPLACED_SHOWN = 25
TODOS_SHOWN = 25
OUTBOX_SHOWN = 50
OUTBOX_STATES = ("draft", "pending", "sending", "failed", "sent", "expired", "cancelled")
INTERVIEW_STATES = tuple(s.value for s in State)


def _page(scope: InScope, session: Db, **extra: Any) -> dict[str, Any]:
    return {"user": scope.user, "ws": scope.workspace, "session": session, **extra}


@router.get("/w/{ws}")
def dashboard(
    request: Request,
    scope: InScope,
    session: Db,
    page: PageNumber,
    q: Text = "",
    state: Text = "",
    due: Text = "",
    pq: Text = "",
    ppage: Number = 1,
    upage: Number = 1,
    tpage: Number = 1,
) -> HTMLResponse:
    """The overview: to-dos, then each list a page at a time (to-dos: `tpage`; interviews:
    `q`, `state`, `due`, `page`; positions: `pq`, `ppage`; candidates without a position:
    `upage`)."""
    context = dashboard_context(
        request, scope, session, page=page, q=q, state=state, due=due, pq=pq, ppage=ppage,
        upage=upage, tpage=tpage,
    )  # fmt: skip
    return render(request, "dashboard.html", context)


def dashboard_context(
    request: Request,
    scope: InScope,
    session: Db,
    *,
    page: int = 1,
    q: str = "",
    state: str = "",
    due: str = "",
    pq: str = "",
    ppage: int = 1,
    upage: int = 1,
    tpage: int = 1,
) -> dict[str, Any]:
    """What the overview shows (the new-position form refused shows it again)."""
    now = request.app.state.clock()
    shown = {
        "state": one_of("state", state, INTERVIEW_STATES),
        "due": one_of("due", due, ("upcoming", "past")),
    }
    query = listing.interviews(
        workspace_id=scope.id, text=q, state=shown["state"], due=shown["due"], now=now
    )
    context = _page(
        scope,
        session,
        todos=todo_ops.page(
            session,
            workspace_id=scope.id,
            now=now,
            offset=offset_of(tpage, TODOS_SHOWN),
            limit=TODOS_SHOWN,
        ),
        interviews=listing.fetch(
            session, query, offset=offset_of(page, INTERVIEWS_SHOWN), limit=INTERVIEWS_SHOWN
        ),
        filters={"q": q, **shown},
        interview_states=INTERVIEW_STATES,
        now=now,
    )
    if scope.workspace.kind == "organisation":
        positions = listing.positions(workspace_id=scope.id, text=pq)
        unplaced = listing.candidates(workspace_id=scope.id, unplaced=True, by_name=True)
        context.update(
            positions=listing.fetch(
                session,
                positions,
                offset=offset_of(ppage, POSITIONS_SHOWN),
                limit=POSITIONS_SHOWN,
            ),
            pq=pq,
            position_states=POSITION_STATES,
            unplaced=listing.fetch(
                session, unplaced, offset=offset_of(upage, UNPLACED_SHOWN), limit=UNPLACED_SHOWN
            ),
            suggestions=actions.suggestions(session, workspace_id=scope.id),
        )
    return context


@router.get("/w/{ws}/outbox")
def outbox(
    request: Request,
    scope: InScope,
    session: Db,
    page: PageNumber,
    state: Text = "",
    q: Text = "",
    order: Text = "",
) -> HTMLResponse:
    """The outbox a page at a time: newest first, or by a state (waiting ones due first)."""
    chosen = one_of("state", state, OUTBOX_STATES)
    ordered = one_of("order", order, ("due", "newest"))
    query = listing.outbox(workspace_id=scope.id, state=chosen, text=q, order=ordered)
    rows = listing.fetch(session, query, offset=offset_of(page, OUTBOX_SHOWN), limit=OUTBOX_SHOWN)
    relay = bool(request.app.state.settings.smtp.host)
    context = _page(
        scope,
        session,
        rows=rows,
        relay=relay,
        mailto=delivery_ops.mailto_writer(  # the pick links written out
            session, workspace_id=scope.id, secret=request.app.state.settings.secret
        ),
        filters={"state": chosen or "", "q": q, "order": ordered or ""},
        outbox_states=OUTBOX_STATES,
        receipt_of=receipts.of_rows(session, [r.id for r in rows.rows]),
        role=accounts.role_in(session, user_id=scope.user.id, workspace_id=scope.id),
    )
    return render(request, "outbox.html", context)
