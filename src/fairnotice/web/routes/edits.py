"""Change and delete interviews, positions and candidates from the pages, and what the
user does by hand in the outbox (mark as sent, the .eml to open in a mail program).

The same operations as the REST API (`records.update_*`, `records.delete`). Changes are
POSTs with the CSRF token; a delete first shows what it will do and asks. Bad input comes
back as the form (HTTP 422) with the fields named and the typed values kept; nothing of a
refused change is written (the transaction is rolled back before the page is rendered).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fairnotice.errors import BadInput
from fairnotice.io import validate
from fairnotice.model import Language, zone
from fairnotice.operations.common import records
from fairnotice.operations.common.schemas import CandidateUpdate, InterviewUpdate, PositionUpdate
from fairnotice.operations.interviews.clashes import Clashes
from fairnotice.operations.outbox import delivery as delivery_ops
from fairnotice.store.tables import Candidate, Interview, Position
from fairnotice.web import past, refusals
from fairnotice.web.deps import Db, InScope, Scope, csrf_protect, redirect, render
from fairnotice.web.routes.forms import local_moment, text_fields

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _page(scope: Scope, session: Db, **extra: Any) -> dict[str, Any]:
    return {"user": scope.user, "ws": scope.workspace, "session": session, **extra}


def _refused(
    request: Request, scope: Scope, session: Db, name: str, exc: BadInput, **extra: Any
) -> HTMLResponse:
    """The form again, 422, with the problems by field; the refused change is not kept."""
    session.rollback()
    return render(
        request,
        name,
        _page(scope, session, problems=exc.problems, **extra),
        status=422,
    )


# --- interviews -------------------------------------------------------------------------


CONTACT_FIELDS = ("name", "salutation", "email", "phone")


def _interview_form(row: Interview) -> dict[str, str]:
    local_start = row.start.astimezone(zone(row.timezone))
    local_end = row.end.astimezone(zone(row.timezone))
    contact = row.contact or {}
    return {
        "date": local_start.date().isoformat(),
        "start_time": local_start.strftime("%H:%M"),
        "end_time": local_end.strftime("%H:%M"),
        "location": row.location or "",
        "video_url": row.video_url or "",
        "position": row.position,
        "company": row.company,
        **{f"contact_{k}": str(contact.get(k) or "") for k in CONTACT_FIELDS},
    }


def _details(form: dict[str, str], *, own: bool) -> dict[str, Any]:
    """The record's details as the form sends them; an organisation's form has no
    position or contact (they are the position's and the candidate's records)."""
    sent = {k: v.strip() for k, v in form.items()}  # a field not sent stays as it is
    names = ["location", "video_url", *(["position", "company"] if own else [])]
    details: dict[str, Any] = {k: sent[k] for k in names if k in sent}
    contact = {k: sent[f"contact_{k}"] for k in CONTACT_FIELDS if f"contact_{k}" in sent}
    if own and contact:
        details["contact"] = contact
    return details


@router.get("/w/{ws}/interviews/{interview_id}/edit")
def edit_interview_page(
    request: Request, scope: InScope, session: Db, interview_id: int
) -> HTMLResponse:
    row = records.scoped(session, Interview, scope.id, interview_id)
    context = _page(scope, session, interview=row, form=_interview_form(row))
    return render(request, "interview_edit.html", context)


@router.post("/w/{ws}/interviews/{interview_id}/edit")
async def edit_interview(
    request: Request, scope: InScope, session: Db, interview_id: int
) -> Response:
    form = text_fields(await request.form())
    return await run_in_threadpool(_edit_interview, request, scope, session, interview_id, form)


def _edit_interview(
    request: Request, scope: Scope, session: Session, interview_id: int, form: dict[str, str]
) -> Response:
    """The form's work, in the thread pool (a write lock's wait never holds the event loop)."""
    row = records.scoped(session, Interview, scope.id, interview_id)
    shown = {**_interview_form(row), **{k: v for k, v in form.items() if k != "csrf_token"}}
    try:
        day = form.get("date", "")
        data = validate(
            InterviewUpdate,
            {
                "start": local_moment(day, form.get("start_time", ""), row.timezone, "start_time"),
                "end": local_moment(day, form.get("end_time", ""), row.timezone, "end_time"),
                **_details(form, own=scope.workspace.kind == "personal"),
            },
        )
        if data.start is not None and data.start != row.start:  # a correction may be past
            past.check(data.start, request.app.state.clock(), confirmed=past.confirmed(form))
        records.update_interview(
            session,
            workspace_id=scope.id,
            interview_id=row.id,
            data=data,
            actor=f"user:{scope.user.id}",
            sender=(scope.user.name, scope.user.email),
            now=request.app.state.clock(),
            confirm_clash=form.get("confirm_clash") == "1",
        )
        session.flush()
    except Clashes as exc:  # K1: who is busy when, and "schedule anyway"
        session.rollback()
        context = _page(scope, session, interview=row, form=shown, clashes=exc.clashes)
        return render(request, "interview_edit.html", context, status=422)
    except BadInput as exc:
        return _refused(
            request,
            scope,
            session,
            "interview_edit.html",
            _named(exc, {"start": "start_time", "end": "end_time", **CONTACT_NAMES}),
            interview=row,
            form=shown,
            past=isinstance(exc, past.PastDate),
        )
    return redirect(f"/w/{scope.id}/interviews/{row.id}")


CONTACT_NAMES = {f"contact.{k}": f"contact_{k}" for k in CONTACT_FIELDS}


def _named(exc: BadInput, fields: dict[str, str]) -> BadInput:
    """The problems under the form's own field names (the form asks for a date and times)."""
    named = BadInput([(fields.get(f, f), what) for f, what in exc.problems])
    return named


@router.get("/w/{ws}/interviews/{interview_id}/delete")
def delete_interview_page(
    request: Request, scope: InScope, session: Db, interview_id: int
) -> HTMLResponse:
    row = records.scoped(session, Interview, scope.id, interview_id)
    queued = records.queued_about(session, workspace_id=scope.id, interview_id=row.id)
    context = _page(
        scope,
        session,
        kind="interview",
        name=f"{row.position} · {row.company}",
        action=f"/w/{scope.id}/interviews/{row.id}/delete",
        back=f"/w/{scope.id}/interviews/{row.id}",
        queued=queued,
        start=row.start,
    )
    return render(request, "confirm_delete.html", context)


@router.post("/w/{ws}/interviews/{interview_id}/delete")
def delete_interview(request: Request, scope: InScope, session: Db, interview_id: int) -> Response:
    row = records.scoped(session, Interview, scope.id, interview_id)
    position_id = row.position_id
    records.delete(
        session,
        Interview,
        scope.id,
        row.id,
        now=request.app.state.clock(),
        actor=f"user:{scope.user.id}",
    )
    if position_id is not None and session.get(Position, position_id) is not None:
        return redirect(f"/w/{scope.id}/positions/{position_id}")
    return redirect(f"/w/{scope.id}")


# --- positions --------------------------------------------------------------------------


@router.get("/w/{ws}/positions/{position_id}/edit")
def edit_position_page(
    request: Request, scope: InScope, session: Db, position_id: int
) -> HTMLResponse:
    row = records.scoped(session, Position, scope.id, position_id)
    form = {"title": row.title}
    context = _page(scope, session, position=row, form=form)
    return render(request, "position_edit.html", context)


@router.post("/w/{ws}/positions/{position_id}/edit")
async def edit_position(
    request: Request, scope: InScope, session: Db, position_id: int
) -> Response:
    form = text_fields(await request.form())
    return await run_in_threadpool(_edit_position, request, scope, session, position_id, form)


def _edit_position(
    request: Request, scope: Scope, session: Session, position_id: int, form: dict[str, str]
) -> Response:
    """The form's work, in the thread pool (a write lock's wait never holds the event loop)."""
    row = records.scoped(session, Position, scope.id, position_id)
    shown = {"title": form.get("title", "")}
    try:
        data = validate(PositionUpdate, {"title": form.get("title", "").strip()})
        records.update_position(session, workspace_id=scope.id, position_id=row.id, data=data)
        session.flush()
    except BadInput as exc:
        return _refused(
            request,
            scope,
            session,
            "position_edit.html",
            exc,
            position=row,
            form=shown,
        )
    return redirect(f"/w/{scope.id}/positions/{row.id}")


@router.get("/w/{ws}/positions/{position_id}/delete")
def delete_position_page(
    request: Request, scope: InScope, session: Db, position_id: int
) -> HTMLResponse:
    row = records.scoped(session, Position, scope.id, position_id)

    def count(model: type[Candidate] | type[Interview]) -> int:
        return int(
            session.scalar(
                select(func.count()).where(
                    model.workspace_id == scope.id, model.position_id == row.id
                )
            )
            or 0
        )

    context = _page(
        scope,
        session,
        kind="position",
        name=f"{row.title} · {row.company}",
        action=f"/w/{scope.id}/positions/{row.id}/delete",
        back=f"/w/{scope.id}/positions/{row.id}",
        candidates=count(Candidate),
        interviews=count(Interview),
    )
    return render(request, "confirm_delete.html", context)


@router.post("/w/{ws}/positions/{position_id}/delete")
def delete_position(scope: InScope, session: Db, position_id: int) -> Response:
    records.delete(session, Position, scope.id, position_id)
    return redirect(f"/w/{scope.id}")


# --- candidates -------------------------------------------------------------------------


def _candidate_form(row: Candidate) -> dict[str, str]:
    return {
        "name": row.name,
        "phone": row.phone or "",
        "language": row.language,
        "round": str(row.round),
    }


def _after_candidate(scope: Scope, row: Candidate) -> str:
    if row.position_id is not None:
        return f"/w/{scope.id}/positions/{row.position_id}"
    return f"/w/{scope.id}"


@router.get("/w/{ws}/candidates/{candidate_id}/edit")
def edit_candidate_page(
    request: Request, scope: InScope, session: Db, candidate_id: int
) -> HTMLResponse:
    row = records.scoped(session, Candidate, scope.id, candidate_id)
    context = _page(
        scope,
        session,
        candidate=row,
        form=_candidate_form(row),
        languages_list=[lang.value for lang in Language],
        back=_after_candidate(scope, row),
    )
    return render(request, "candidate_edit.html", context)


@router.post("/w/{ws}/candidates/{candidate_id}/edit")
async def edit_candidate(
    request: Request, scope: InScope, session: Db, candidate_id: int
) -> Response:
    form = text_fields(await request.form())
    return await run_in_threadpool(_edit_candidate, request, scope, session, candidate_id, form)


def _edit_candidate(
    request: Request, scope: Scope, session: Session, candidate_id: int, form: dict[str, str]
) -> Response:
    """The form's work, in the thread pool (a write lock's wait never holds the event loop)."""
    row = records.scoped(session, Candidate, scope.id, candidate_id)
    shown = {**_candidate_form(row), **{k: v for k, v in form.items() if k != "csrf_token"}}
    raw: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "language": form.get("language") or None,
        "round": form.get("round", "").strip() or None,
    }
    if form.get("phone", "").strip():
        raw["phone"] = form["phone"].strip()
    try:
        data = validate(CandidateUpdate, raw)
        records.update_candidate(session, workspace_id=scope.id, candidate_id=row.id, data=data)
        if "phone" not in raw and "phone" in form:
            row.phone = None  # the field emptied: no phone on record any more
        session.flush()
    except BadInput as exc:
        return _refused(
            request,
            scope,
            session,
            "candidate_edit.html",
            exc,
            labels=refusals.CANDIDATE,
            candidate=row,
            form=shown,
            languages_list=[lang.value for lang in Language],
            back=_after_candidate(scope, row),
        )
    return redirect(_after_candidate(scope, row))


@router.get("/w/{ws}/candidates/{candidate_id}/delete")
def delete_candidate_page(
    request: Request, scope: InScope, session: Db, candidate_id: int
) -> HTMLResponse:
    row = records.scoped(session, Candidate, scope.id, candidate_id)
    interviews = int(
        session.scalar(
            select(func.count()).where(
                Interview.workspace_id == scope.id, Interview.candidate_id == row.id
            )
        )
        or 0
    )
    context = _page(
        scope,
        session,
        kind="candidate",
        name=f"{row.name} <{row.email}>",
        action=f"/w/{scope.id}/candidates/{row.id}/delete",
        back=_after_candidate(scope, row),
        interviews=interviews,
    )
    return render(request, "confirm_delete.html", context)


@router.post("/w/{ws}/candidates/{candidate_id}/delete")
def delete_candidate(scope: InScope, session: Db, candidate_id: int) -> Response:
    row = records.scoped(session, Candidate, scope.id, candidate_id)
    target = _after_candidate(scope, row)
    records.delete(session, Candidate, scope.id, row.id)
    return redirect(target)


# --- the outbox by hand -----------------------------------------------------------------


@router.post("/w/{ws}/outbox/{row_id}/sent")
def mark_sent(
    request: Request,
    scope: InScope,
    session: Db,
    row_id: int,
    back: Annotated[str, Form()] = "",
) -> Response:
    """The user sent it from their own mail program: it is never sent again. Back to the
    outbox page it was marked on (`back`: its filters and page; anything else, or longer
    than a page's address, is ignored: the row's lookup answers first, 404 before 422)."""
    delivery_ops.mark_sent(  # its refusal is translated on the error page
        session, row_id=row_id, now=request.app.state.clock(), workspace_id=scope.id
    )
    outbox = f"/w/{scope.id}/outbox"
    fits = len(back) <= 300 and (back.startswith(f"{outbox}?") or back == outbox)
    target = back if fits else outbox
    return redirect(f"{target}#row-{row_id}")


@router.get("/w/{ws}/outbox/{row_id}.eml")
def outbox_eml(request: Request, scope: InScope, session: Db, row_id: int) -> Response:
    """The message as the user's mail program opens it (the Message-ID it keeps)."""
    data = delivery_ops.as_eml(
        session,
        row_id=row_id,
        workspace_id=scope.id,
        now=request.app.state.clock(),
        secret=request.app.state.settings.secret,
    )
    session.rollback()  # a GET writes nothing (a row without a Message-ID keeps none)
    return Response(
        data,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="message-{row_id}.eml"'},
    )
