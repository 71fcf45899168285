"""Candidate side: interviews, "I need to change this", the plan page, the dashboard."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from fairnotice.errors import N_, BadInput, NotFound, TooLarge
from fairnotice.lifecycle import State, inquiry_allowed
from fairnotice.model import Certainty, Intent, ReasonCategory
from fairnotice.operations.busy import caldav, refresh, subscriptions, uploads
from fairnotice.operations.busy import own as own_calendars
from fairnotice.operations.busy import remote as remote_calendars
from fairnotice.operations.busy.stored import CalendarNotReady
from fairnotice.operations.common import links, records
from fairnotice.operations.interviews import commands as actions
from fairnotice.operations.interviews import inquiry
from fairnotice.operations.outbox import commands as outbox_ops
from fairnotice.operations.outbox import receipts
from fairnotice.operations.plans import commands as changes
from fairnotice.operations.replies import commands as replies_ops
from fairnotice.rules.catalog import rules
from fairnotice.store.tables import Interview
from fairnotice.web import i18n, past, refusals
from fairnotice.web.deps import Db, InScope, csrf_protect, redirect, render
from fairnotice.web.deps import language as ui_language
from fairnotice.web.routes import followups
from fairnotice.web.routes.forms import interview_from_form, refused, text_fields
from fairnotice.web.routes.scheduling import invitation_bytes
from fairnotice.web.routes.scoped import IN_PLAN, IN_STEP, ScopedInterview

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
CANDIDATE_INTENTS = (Intent.reschedule, Intent.withdraw, Intent.status_inquiry)


def _page(scope: InScope, session: Db, **extra: Any) -> dict[str, Any]:
    return {"user": scope.user, "ws": scope.workspace, "session": session, **extra}


@router.get("/w/{ws}/interviews/new")
def new_interview(request: Request, scope: InScope, session: Db) -> HTMLResponse:
    return render(request, "interview_new.html", _page(scope, session, can_import=True))


async def _upload(upload: UploadFile | None, field: str) -> bytes | None:
    """The bytes of an uploaded file (None when none was chosen), capped in size."""
    if upload is None or not upload.filename:
        return None
    try:
        data = await upload.read(uploads.MAX_UPLOAD + 1)
    finally:
        await upload.close()
    if len(data) > uploads.MAX_UPLOAD:
        raise TooLarge([(field, N_("larger than 1 MiB"))])
    return data


PAST_INVITATION = N_(
    "its interview is in the past: check the file, or tick the box below to add it anyway"
)


@router.post("/w/{ws}/interviews/import")
async def import_interview(
    request: Request,
    scope: InScope,
    session: Db,
    file: Annotated[UploadFile | None, File()] = None,
    invitation: Annotated[str, Form(max_length=2 * uploads.MAX_UPLOAD)] = "",
    confirm_past: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """An invitation file; a refused one comes back as the page, its problem by the file.
    An interview already past is kept only once confirmed (the file kept for that)."""
    data: bytes | None = None
    try:
        data = await invitation_bytes(file, invitation)
        if data is None:
            raise BadInput([("file", N_("choose an invitation (.ics or .eml)"))])
        created = await run_in_threadpool(
            uploads.interview_from_invitation, data, me_email=scope.user.email
        )
        now = request.app.state.clock()
        if created.start < now and confirm_past != "1":
            raise past.PastDate([("file", PAST_INVITATION)])
        row = await run_in_threadpool(
            records.create_interview, session, workspace_id=scope.id, data=created
        )
    except BadInput as exc:
        warned = isinstance(exc, past.PastDate) and data is not None
        kept_file = base64.b64encode(data).decode("ascii") if warned and data else ""
        page = _page(scope, session, can_import=True, open_form="import", invitation=kept_file)
        return refused(
            request,
            "interview_new.html",
            page,
            _in_file(exc),
            form={},
            labels=refusals.INTERVIEW_IMPORT,
            session=session,
        )
    return redirect(f"/w/{scope.id}/interviews/{row.id}")


def _in_file(exc: BadInput) -> BadInput:
    """Whatever an imported file lacks is a problem of the file field (the form has no other)."""
    problems = [(name if str(name) == "file" else "file", what) for name, what in exc.problems]
    return TooLarge(problems) if isinstance(exc, TooLarge) else BadInput(problems)


@router.post("/w/{ws}/interviews")
async def create_interview(request: Request, scope: InScope, session: Db) -> Response:
    form = text_fields(await request.form())
    try:
        data = interview_from_form(form)
        # an interview that already happened may be put on record, once confirmed
        past.check(data.start, request.app.state.clock(), confirmed=past.confirmed(form))
        row = await run_in_threadpool(
            records.create_interview, session, workspace_id=scope.id, data=data
        )
    except BadInput as exc:
        page = _page(scope, session, can_import=True, open_form="new")
        page["past"] = isinstance(exc, past.PastDate)
        return refused(request, "interview_new.html", page, exc, form=form, session=session)
    return redirect(f"/w/{scope.id}/interviews/{row.id}")


@router.get("/w/{ws}/interviews/{interview_id}")
def interview_page(
    request: Request, scope: InScope, session: Db, interview_id: int
) -> HTMLResponse:
    row = records.scoped(session, Interview, scope.id, interview_id)
    return interview_view(request, scope, session, row)


def interview_view(
    request: Request,
    scope: InScope,
    session: Db,
    row: Interview,
    *,
    form: dict[str, Any] | None = None,
    refusal: str | None = None,
    status: int = 200,
    clashes: list[Any] | None = None,
    problems: list[Any] | None = None,
    refused: str = "plan",
) -> HTMLResponse:
    """The interview page: its facts, the actions its state allows, a candidate's
    suggestion to answer; after a refused plan, the form as sent with the reason (or the
    subscription form's, `refused="subscription"`)."""
    now = request.app.state.clock()
    days = changes.week_days(now, scope.user.timezone)
    suggested = actions.suggestion(session, interview=row)
    mine = [scope.user.email]  # the user's stored calendars (subscription links)
    marks, unchecked = own_calendars.week_marks(
        session,
        workspace_id=scope.id,
        email=scope.user.email,
        days=days,
        blocks=changes.BLOCKS,
        block_hours=changes.BLOCK_HOURS,
        zone_name=scope.user.timezone,
        now=now,
        own=changes.own_event(row),
    )
    return render(
        request,
        "interview.html",
        _page(
            scope,
            session,
            interview=row,
            intents=CANDIDATE_INTENTS,
            reasons=list(ReasonCategory),
            certainties=list(Certainty),
            week=days,
            blocks=changes.BLOCKS,
            buttons=actions.buttons(row.status),
            suggestion=suggested,
            booking=actions.booking_fields(row, suggested, zone_name=scope.user.timezone),
            inquiry_why=inquiry_allowed(State(row.status), start=row.start, end=row.end, now=now),
            started=row.start <= now,
            form=form or {},
            refusal=refusal,
            problems=problems or [],
            open_form=refused,
            labels=refusals.SUBSCRIPTION if refused == "subscription" else refusals.PLAN,
            clashes=clashes or [],
            busy_blocks=marks,
            # each reason a Phrase: translated one by one (joined, they were English)
            unchecked=[i18n.translate(why, ui_language(request)) for why in unchecked],
            subs=refresh.listed(
                session, workspace_id=scope.id, now=now, kind=subscriptions.KIND, emails=mine
            ),
            sub_owner=False,
            sub_back=f"/w/{scope.id}/interviews/{row.id}",
            notices=receipts.of_interview(session, workspace_id=scope.id, interview_id=row.id),
        ),
        status=status,
    )


@router.post("/w/{ws}/interviews/{interview_id}/plan")
async def make_plan(
    request: Request,
    scope: InScope,
    session: Db,
    row: ScopedInterview,  # 404 for another workspace's interview before the form is read
    intent: Annotated[Intent, Form()],
    reason: Annotated[ReasonCategory, Form()],
    certainty: Annotated[Certainty, Form()] = Certainty.sure,
    note: Annotated[str, Form(max_length=4000)] = "",
    language_choice: Annotated[str, Form(alias="message_language", max_length=5)] = "",
    hours_start: Annotated[str, Form(max_length=5)] = "09:00",
    hours_end: Annotated[str, Form(max_length=5)] = "17:00",
    days: Annotated[list[int] | None, Form()] = None,
    calendar: Annotated[UploadFile | None, File()] = None,
    free: Annotated[list[str] | None, Form(max_length=200)] = None,
    caldav_url: Annotated[str, Form(max_length=2000)] = "",
    caldav_username: Annotated[str, Form(max_length=256)] = "",
    caldav_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    if intent is Intent.status_inquiry:  # W5: refused with the form as sent and why
        try:
            inquiry.check_interview(row, now=request.app.state.clock())
        except BadInput as refused:
            kept = {
                "intent": intent.value,
                "reason": reason.value,
                "certainty": certainty.value,
                "note": note,
                "message_language": language_choice,
                "hours_start": hours_start,
                "hours_end": hours_end,
                "days": days or [],
            }
            why = refused.problems[0][1]
            return interview_view(request, scope, session, row, form=kept, refusal=why, status=422)
    typed = {
        "intent": intent.value,
        "reason": reason.value,
        "certainty": certainty.value,
        "note": note,
        "message_language": language_choice,
        "hours_start": hours_start,
        "hours_end": hours_end,
        "days": days or [],
        "caldav_url": caldav_url,
        "caldav_username": caldav_username,
    }
    shown = {**typed, "caldav_url": caldav.without_login(caldav_url)}  # never a password back
    try:
        return await _plan(
            request, scope, session, row, typed, calendar=calendar, free=free,
            caldav_password=caldav_password,
        )  # fmt: skip
    except BadInput as exc:  # the form again, as sent, each problem by its field
        session.rollback()
        return interview_view(
            request, scope, session, row, form=shown, problems=exc.problems, status=422
        )


async def _plan(
    request: Request,
    scope: InScope,
    session: Db,
    row: Interview,
    typed: dict[str, Any],
    *,
    calendar: UploadFile | None,
    free: list[str] | None,
    caldav_password: str,
) -> Response:
    """The plan from the form's fields (`typed`); BadInput names the field at fault."""
    intent, note, days = Intent(typed["intent"]), typed["note"], typed["days"]
    reason, certainty = typed["reason"], typed["certainty"]
    language_choice, caldav_url = typed["message_language"], typed["caldav_url"]
    caldav_username = typed["caldav_username"]
    hours_start, hours_end = typed["hours_start"], typed["hours_end"]
    data = await _upload(calendar, "calendar")
    # No server is reached for an interview that is not ours (`row` is looked up first);
    # its own event and time are no clash with it in the calendars read and the week
    # view's marks (K1).
    own = changes.own_event(row)
    stored: list[dict[str, str]] = []
    if intent is Intent.reschedule:  # the user's stored calendars count, under one rule
        try:
            stored = own_calendars.plan_busy(
                session,
                workspace_id=scope.id,
                email=scope.user.email,
                now=request.app.state.clock(),
                own=own,
            )
        except CalendarNotReady as exc:  # never taken as free: the page says why
            why = exc.args[0]
            shown = {**typed, "caldav_url": caldav.without_login(caldav_url)}
            return interview_view(request, scope, session, row, form=shown, refusal=why, status=409)
    # Calendars are fetched and expanded with no transaction open: on SQLite a writing one
    # locks the whole database, and the plan below is one short write of its own.
    session.commit()
    remote = (  # the user's own login, for this one fetch only
        await run_in_threadpool(
            remote_calendars.busy_from_caldav,
            caldav_url,
            username=caldav_username,
            password=caldav_password,
            now=request.app.state.clock(),
            zone_name=scope.user.timezone,
            allow_private=request.app.state.settings.calendars.caldav_allow_private,
            own=own,
        )
        if caldav_url.strip()
        else []
    )
    marked = (
        changes.busy_outside(
            free,
            days=changes.week_days(request.app.state.clock(), scope.user.timezone),
            zone_name=scope.user.timezone,
            interview=own,
        )
        if free
        else []
    )
    busy = (
        await run_in_threadpool(
            uploads.busy_from_calendar,
            data,
            now=request.app.state.clock(),
            zone_name=scope.user.timezone,
            own=own,
        )
        if data
        else []
    )
    record = await run_in_threadpool(
        changes.plan_for_interview,
        session,
        workspace_id=scope.id,
        interview_id=row.id,
        user=scope.user,
        clock=request.app.state.clock,
        intent=intent.value,
        reason=reason,
        note=note,
        certainty=certainty,
        language=language_choice or None,
        working_days=days or [1, 2, 3, 4, 5],
        hours=(hours_start, hours_end),
        busy=busy + remote + marked + stored,
    )
    return redirect(f"/w/{scope.id}/plans/{record.id}")


@router.get("/w/{ws}/plans/{plan_id}")
def plan_page(request: Request, scope: InScope, session: Db, plan_id: int) -> HTMLResponse:
    record = changes.get_plan(session, workspace_id=scope.id, plan_id=plan_id)
    return followups.plan_view(request, scope, session, record)


@router.post("/w/{ws}/plans/{plan_id}/messages/{message_id}", dependencies=[IN_PLAN])
def edit_message(
    request: Request,
    scope: InScope,
    session: Db,
    plan_id: int,
    message_id: str,
    body: Annotated[str, Form(max_length=20000)] = "",
    subject: Annotated[str | None, Form(max_length=300)] = None,
) -> Response:
    """The message's new words; refused (empty, a subject of two lines), the plan page
    again with the words as typed in its editor."""
    try:
        changes.edit_message(
            session,
            workspace_id=scope.id,
            plan_id=plan_id,
            message_id=message_id,
            subject=subject,
            body=links.conceal(session, workspace_id=scope.id, text=body),  # no token at rest
        )
    except BadInput as exc:
        session.rollback()
        record = changes.get_plan(session, workspace_id=scope.id, plan_id=plan_id)
        typed = {"message": message_id, "subject": subject, "body": body}
        return followups.plan_view(
            request,
            scope,
            session,
            record,
            status=422,
            problems=exc.problems,
            kept=typed,
            open_form=f"message-{message_id}",
        )
    return redirect(f"/w/{scope.id}/plans/{plan_id}#{message_id}")


def _message(session: Db, scope: InScope, plan_id: int, message_id: str) -> dict[str, Any]:
    record = changes.get_plan(session, workspace_id=scope.id, plan_id=plan_id)
    for message in record.plan["messages"]:
        if message["id"] == message_id:
            return dict(message)
    raise NotFound("message")


@router.get("/w/{ws}/plans/{plan_id}/messages/{message_id}.eml")
def download_eml(
    request: Request, scope: InScope, session: Db, plan_id: int, message_id: str
) -> Response:
    """The message as a draft to open and send: written by the outbox's email writer."""
    stored = _message(session, scope, plan_id, message_id)
    [message] = links.reveal_plan(
        session,
        workspace_id=scope.id,
        plan={"messages": [stored]},
        secret=request.app.state.settings.secret,
    )["messages"]
    data = outbox_ops.draft_eml(
        message,
        sender=(scope.user.name, scope.user.email),
        now=request.app.state.clock(),
        in_reply_to=replies_ops.thread_id(session, workspace_id=scope.id, plan_id=plan_id),
    )
    return Response(
        data,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="{message_id}.eml"'},
    )


@router.get("/w/{ws}/plans/{plan_id}/messages/{message_id}.ics")
def download_ics(scope: InScope, session: Db, plan_id: int, message_id: str) -> Response:
    calendar = _message(session, scope, plan_id, message_id).get("calendar") or {}
    if not calendar.get("ics"):
        raise NotFound("calendar")
    return Response(
        calendar["ics"].encode("utf-8"),
        media_type=f"text/calendar; charset=utf-8; method={calendar['method']}",
        headers={"Content-Disposition": f'attachment; filename="{message_id}.ics"'},
    )


@router.post("/w/{ws}/steps/{step_id}", dependencies=[IN_STEP])
def mark_step(
    request: Request,
    scope: InScope,
    session: Db,
    step_id: int,
    outcome: Annotated[str, Form(max_length=30)],
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    step = changes.mark_step(
        session,
        workspace_id=scope.id,
        step_id=step_id,
        outcome=outcome,
        clock=request.app.state.clock,
    )
    target = back if back.startswith(f"/w/{scope.id}/") else f"/w/{scope.id}/plans/{step.plan_id}"
    return redirect(target)


@router.get("/rules")
def rulebook(request: Request) -> HTMLResponse:
    return render(request, "rules.html", {"rules": list(rules().values())})
