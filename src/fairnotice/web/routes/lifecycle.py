"""The interview page's own actions (issue 11): withdrawn, took place, no-show, a time
booked (a candidate's suggestion), the organisation's cancellation with its reason, the
employer's cancellation as a candidate records it, and the interview as a calendar file.
Each is a form POST with the CSRF token; a change the interview's state refuses is 409
naming why (operations/interviews/transitions.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from fairnotice.errors import N_, BadInput, Phrase
from fairnotice.lifecycle import Event
from fairnotice.model import ReasonCategory, zone
from fairnotice.operations.common import records
from fairnotice.operations.interviews import clashes
from fairnotice.operations.interviews import commands as actions
from fairnotice.store.tables import Interview
from fairnotice.web import past
from fairnotice.web.deps import Db, InScope, csrf_protect, redirect
from fairnotice.web.routes.candidate import interview_view
from fairnotice.web.routes.scoped import IN_INTERVIEW, ScopedInterview

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def local_moment(value: str, field: str, zone_name: str) -> datetime:
    """A form's "YYYY-MM-DDTHH:MM" in the viewer's zone (or RFC 3339 with its offset)."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadInput([(field, N_("a date and time like 2026-03-17T15:00"))]) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone(zone_name))


def _page(scope: InScope, interview_id: int) -> str:
    return f"/w/{scope.id}/interviews/{interview_id}"


def _record(
    request: Request, scope: InScope, session: Db, row: ScopedInterview, event: Event, why: str
) -> Response:
    actions.record(
        session,
        workspace_id=scope.id,
        interview_id=row.id,
        event=event,
        user=scope.user,
        now=request.app.state.clock(),
        why=why.strip() or None,
    )
    return redirect(_page(scope, row.id))


Why = Annotated[str, Form(max_length=1000)]


@router.post("/w/{ws}/interviews/{interview_id}/withdraw")
def withdraw(
    request: Request, scope: InScope, session: Db, row: ScopedInterview, why: Why = ""
) -> Response:
    """The candidate withdrew (recorded; an organisation's interviewers get a CANCEL)."""
    return _record(request, scope, session, row, Event.withdraw, why)


@router.post("/w/{ws}/interviews/{interview_id}/took-place")
def took_place(
    request: Request, scope: InScope, session: Db, row: ScopedInterview, why: Why = ""
) -> Response:
    """The interview took place (not before its start)."""
    return _record(request, scope, session, row, Event.took_place, why)


@router.post("/w/{ws}/interviews/{interview_id}/no-show")
def no_show(
    request: Request, scope: InScope, session: Db, row: ScopedInterview, why: Why = ""
) -> Response:
    """The candidate did not come (not before the start)."""
    return _record(request, scope, session, row, Event.no_show, why)


@router.post("/w/{ws}/interviews/{interview_id}/book", dependencies=[IN_INTERVIEW])
def book(
    request: Request,
    scope: InScope,
    session: Db,
    interview_id: int,
    start: Annotated[str, Form(max_length=40)],
    end: Annotated[str, Form(max_length=40)],
    offer_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    confirm_clash: Annotated[bool, Form()] = False,
) -> Response:
    """Book a time directly: the interview moves and the REQUEST goes to everyone in it."""
    tz = scope.user.timezone
    now = request.app.state.clock()
    begins = local_moment(start, "start", tz)
    past.refuse(begins, now, field="start")  # everyone would get a time already gone
    try:
        actions.book(
            session,
            workspace_id=scope.id,
            interview_id=interview_id,
            user=scope.user,
            start=begins,
            end=local_moment(end, "end", tz),
            now=now,
            offer_id=offer_id,
            confirm_clash=confirm_clash,
        )
    except clashes.Clashes as refused:  # K1: the page again, the clashes listed (409)
        session.rollback()
        row = records.scoped(session, Interview, scope.id, interview_id)
        return interview_view(request, scope, session, row, status=409, clashes=refused.clashes)
    return redirect(_page(scope, interview_id))


# The cancel form's labels: a refused field is named by them on the error page, and a
# reason that is none of the form's choices is not answered with the list of their keys.
_CANCEL_LABELS = {
    "reason": N_("Why? (kept general in every message)"),
    "public_reason": N_("A sentence for the candidate (optional, quoted as you write it)"),
}


def _cancel_refused(exc: BadInput) -> BadInput:
    named = []
    for name, text in exc.problems:
        label = _CANCEL_LABELS.get(str(name))
        if label is None:
            named.append((name, text))
        else:
            shown = N_("this is not in the expected form") if name == "reason" else text
            named.append((Phrase(label), shown))
    return BadInput(named)


@router.post("/w/{ws}/interviews/{interview_id}/cancel", dependencies=[IN_INTERVIEW])
def cancel(
    request: Request,
    scope: InScope,
    session: Db,
    interview_id: int,
    reason: Annotated[str, Form(max_length=40)] = "other",
    public_reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """An organisation cancels with a reason: a category said in general words (the
    default, `other`, gives none) and an optional sentence the letter quotes as given;
    both kept with the audit event. The plan's page follows, its letter queued."""
    try:
        plan_id = actions.cancel(
            session,
            workspace_id=scope.id,
            interview_id=interview_id,
            user=scope.user,
            reason=reason,
            public_reason=public_reason,
            clock=request.app.state.clock,
        )
    except BadInput as exc:
        raise _cancel_refused(exc) from None
    if plan_id is None:  # a candidate's record of the employer's cancellation: no letter
        return redirect(_page(scope, interview_id))
    return redirect(f"/w/{scope.id}/plans/{plan_id}")


@router.post("/w/{ws}/interviews/{interview_id}/cancelled", dependencies=[IN_INTERVIEW])
def employer_cancelled(
    request: Request,
    scope: InScope,
    session: Db,
    interview_id: int,
    reason: Annotated[ReasonCategory, Form()] = ReasonCategory.other,
) -> Response:
    """The candidate records that the employer cancelled (a status inquiry may follow, W5);
    in an organisation this cancels, with the letter to the candidate."""
    plan_id = actions.cancel(
        session,
        workspace_id=scope.id,
        interview_id=interview_id,
        user=scope.user,
        reason=reason.value,
        clock=request.app.state.clock,
    )
    if plan_id is not None:
        return redirect(f"/w/{scope.id}/plans/{plan_id}")
    return redirect(_page(scope, interview_id))


@router.get("/w/{ws}/interviews/{interview_id}/calendar.ics")
def calendar_file(request: Request, scope: InScope, row: ScopedInterview) -> Response:
    """The interview as it stands (the agreed time after an agreement), to import into the
    user's own calendar: the invitation's UID and the raised SEQUENCE."""
    text = actions.calendar_file(row, user=scope.user, now=request.app.state.clock())
    return Response(
        text.encode("utf-8"),
        media_type="text/calendar; charset=utf-8; method=REQUEST",
        headers={"Content-Disposition": f'attachment; filename="interview-{row.id}.ics"'},
    )
