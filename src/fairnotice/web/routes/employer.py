"""Employer side: positions, candidates (form and CSV), interviews, offers, position filled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from fairnotice.errors import N_, BadInput, NotFound, TooLarge
from fairnotice.io import validate
from fairnotice.model import Language
from fairnotice.operations.busy import refresh, subscriptions, uploads
from fairnotice.operations.busy import stored as busy
from fairnotice.operations.common import listing, records
from fairnotice.operations.common.clock import system_now
from fairnotice.operations.common.schemas import CandidateCreate, Person, PositionCreate
from fairnotice.operations.offers import holds
from fairnotice.operations.outbox import commands as outbox_ops
from fairnotice.operations.outbox import receipts
from fairnotice.operations.positions import commands as filling
from fairnotice.store.tables import (
    Candidate,
    Interview,
    Offer,
    PlanRecord,
    PlanStep,
    Position,
)
from fairnotice.web import refusals
from fairnotice.web.deps import Db, InScope, csrf_protect, redirect, render
from fairnotice.web.paging import MAX_SEARCH, Number, PageNumber, Text, offset_of, one_of
from fairnotice.web.routes import lists
from fairnotice.web.routes.forms import refused, text_fields
from fairnotice.web.routes.scoped import IN_POSITION

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
MAX_UPLOAD = 2 * 1024 * 1024
CANDIDATES_SHOWN = 50
INTERVIEWS_SHOWN = 25
CANDIDATE_STATES = ("active", "hired", "informed")
# What the position page shows of each row: plain rows of these columns, no ORM objects
# (an interview's other twenty columns, its interviewers' JSON among them, go unread).
CANDIDATE_COLUMNS = (
    Candidate.id,
    Candidate.salutation,
    Candidate.name,
    Candidate.email,
    Candidate.language,
    Candidate.round,
    Candidate.status,
)
INTERVIEW_COLUMNS = (Interview.id, Interview.contact, Interview.start, Interview.status)


def _page(scope: InScope, session: Db, **extra: Any) -> dict[str, Any]:
    return {"user": scope.user, "ws": scope.workspace, "session": session, **extra}


@router.post("/w/{ws}/positions")
async def create_position(request: Request, scope: InScope, session: Db) -> Response:
    """A new position; refused, the overview comes back with the form as typed."""
    form = text_fields(await request.form())

    def work() -> Response:
        try:
            raw = {k: form.get(k, "").strip() for k in ("title", "company")}
            data = validate(PositionCreate, raw)
            row = records.create_position(session, workspace_id=scope.id, data=data)
        except BadInput as exc:
            session.rollback()
            context = lists.dashboard_context(request, scope, session)
            context["open_form"] = "position"
            return refused(request, "dashboard.html", context, exc, form=form)
        return redirect(f"/w/{scope.id}/positions/{row.id}")

    return await run_in_threadpool(work)


@dataclass(frozen=True)
class PositionView:
    """What of the position page is asked for: the candidates' search, filters and page,
    the interviews' page and the schedule chooser's search (None: not searched)."""

    q: str = ""
    state: str | None = None
    language: str | None = None
    page: int = 1
    ipage: int = 1
    cq: str | None = None


@router.get("/w/{ws}/positions/{position_id}")
def position_page(
    request: Request,
    scope: InScope,
    session: Db,
    position_id: int,
    page: PageNumber,
    q: Text = "",
    state: Text = "",
    language: Text = "",
    ipage: Number = 1,
    cq: Annotated[str | None, Query(max_length=MAX_SEARCH)] = None,
) -> HTMLResponse:
    """The position with its candidates a page at a time (`q`, `state`, `language`,
    `page`), its interviews (`ipage`) and the schedule form's chooser (`cq`)."""
    view = PositionView(
        q=q,
        state=one_of("state", state, CANDIDATE_STATES),
        language=one_of("language", language, [lang.value for lang in Language]),
        page=page,
        ipage=ipage,
        cq=cq,
    )
    now = request.app.state.clock()
    context = position_context(scope, session, position_id, view, now=now)
    return render(request, "position.html", context)


def position_context(
    scope: InScope,
    session: Db,
    position_id: int,
    view: PositionView | None = None,
    *,
    chosen: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What the position page shows (scheduling.py shows it again after a refused form,
    `chosen` the candidate its form named): one page of candidates and of interviews, a
    chooser's few matches, the calendars' names and states (never their sources)."""
    view = view or PositionView()
    position = records.scoped(session, Position, scope.id, position_id)
    subs = refresh.listed(
        session, workspace_id=scope.id, now=now or system_now(), kind=subscriptions.KIND
    )
    remote = {s.id for s in subs}  # listed apart, with their link's host and last reading
    candidates = listing.candidates(
        workspace_id=scope.id,
        position_id=position.id,
        text=view.q,
        state=view.state,
        language=view.language,
    ).with_only_columns(*CANDIDATE_COLUMNS)
    interviews = listing.interviews(workspace_id=scope.id, position_id=position.id)
    interviews = interviews.with_only_columns(*INTERVIEW_COLUMNS)
    selected = int(chosen) if chosen and chosen.isdigit() and len(chosen) < 10 else None
    return _page(
        scope,
        session,
        position=position,
        view=view,
        candidates=listing.fetch(
            session,
            candidates,
            offset=offset_of(view.page, CANDIDATES_SHOWN),
            limit=CANDIDATES_SHOWN,
        ),
        interviews=listing.fetch(
            session,
            interviews,
            offset=offset_of(view.ipage, INTERVIEWS_SHOWN),
            limit=INTERVIEWS_SHOWN,
        ),
        choices=listing.choose_candidate(
            session,
            workspace_id=scope.id,
            position_id=position.id,
            text=view.cq,
            selected=selected,
        ),
        candidate_states=CANDIDATE_STATES,
        languages_list=[lang.value for lang in Language],
        calendars=[
            c
            for c in session.execute(listing.calendars(workspace_id=scope.id))
            if c.id not in remote
        ],
        subs=subs,
        sub_owner=True,
        sub_back=f"/w/{scope.id}/positions/{position.id}",
    )


@router.post("/w/{ws}/positions/{position_id}/candidates")
async def add_candidate(
    request: Request, scope: InScope, session: Db, position_id: int
) -> Response:
    form = text_fields(await request.form())
    fields = ("name", "email", "phone", "language", "salutation", "timezone", "round")
    raw: dict[str, Any] = {k: form[k] for k in fields if form.get(k)}
    raw["position_id"] = position_id

    def work() -> None:
        data = validate(CandidateCreate, raw)
        records.create_candidate(session, workspace_id=scope.id, data=data)

    await run_in_threadpool(records.scoped, session, Position, scope.id, position_id)
    try:
        await run_in_threadpool(work)
    except BadInput as exc:
        return await again(request, scope, session, position_id, exc, form, "candidate")
    return redirect(f"/w/{scope.id}/positions/{position_id}")


_LABELS = {
    "candidate": refusals.CANDIDATE,
    "csv": refusals.CSV_IMPORT,
    "subscription": refusals.SUBSCRIPTION,
}


async def again(
    request: Request,
    scope: InScope,
    session: Db,
    position_id: int,
    exc: BadInput,
    form: dict[str, str],
    which: str,
) -> HTMLResponse:
    """The position page again (422) with the refused form open, as typed, its problems
    by field (scheduling.py does the same for its two forms)."""

    def page() -> HTMLResponse:
        session.rollback()
        context = position_context(scope, session, position_id)
        context["open_form"] = which
        labels = _LABELS.get(which, refusals.CALENDAR)
        return refused(request, "position.html", context, exc, form=form, labels=labels)

    return await run_in_threadpool(page)


@router.post("/w/{ws}/positions/{position_id}/candidates/import")
async def import_candidates(
    request: Request, scope: InScope, session: Db, position_id: int
) -> Response:
    await run_in_threadpool(records.scoped, session, Position, scope.id, position_id)
    form = await request.form()
    try:
        text = await _csv_text(form)
        await run_in_threadpool(
            records.import_candidates,
            session,
            workspace_id=scope.id,
            position_id=position_id,
            text=text,
        )
    except BadInput as exc:
        return await again(request, scope, session, position_id, exc, {}, "csv")
    return redirect(f"/w/{scope.id}/positions/{position_id}")


async def _csv_text(form: Any) -> str:
    """The uploaded CSV as text (UTF-8, a BOM allowed), capped in size."""
    upload = form.get("file")
    if not isinstance(upload, StarletteUpload) or not upload.filename:
        raise BadInput([("file", N_("choose a CSV file"))])
    try:
        data = await upload.read(MAX_UPLOAD + 1)
    finally:
        await form.close()
    if len(data) > MAX_UPLOAD:
        raise TooLarge([("file", N_("larger than 2 MiB"))])
    try:
        return str(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BadInput([("file", N_("not UTF-8 text"))]) from None


@router.post("/w/{ws}/calendars")
async def upload_calendar(
    request: Request,
    scope: InScope,
    session: Db,
    owner_email: Annotated[str, Form(max_length=320)] = "",
    back: Annotated[str, Form(max_length=300)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """An interviewer's calendar: stored as it came, read by a worker in the background.
    Refused, the position page it was sent from comes back with the form as typed."""
    try:
        email = interviewer_email(owner_email)
        if file is None or not file.filename:
            raise BadInput([("file", N_("choose a calendar (.ics)"))])
        try:
            data = await file.read(uploads.MAX_UPLOAD + 1)
        finally:
            await file.close()
        if len(data) > uploads.MAX_UPLOAD:
            raise TooLarge([("file", N_("larger than 1 MiB"))])

        def work() -> None:
            busy.add_calendar(
                session,
                workspace_id=scope.id,
                owner_email=email,
                ics=data,
                zone_name=scope.user.timezone,
                field="file",
            )

        await run_in_threadpool(work)
    except BadInput as exc:
        position_id = _position_of(back, scope.id)
        if position_id is None:
            raise
        form = {"owner_email": owner_email}
        return await again(request, scope, session, position_id, exc, form, "calendar")
    target = back if back.startswith(f"/w/{scope.id}/") else f"/w/{scope.id}"
    return redirect(target)


def interviewer_email(text: str) -> str:
    """The interviewer's address, refused under the form's field name."""
    if not text.strip():
        raise BadInput([("owner_email", N_("please fill this in"))])
    try:
        return validate(Person, {"name": text, "email": text.strip()}).email
    except BadInput:
        plain = N_("this is not an email address (like name@example.com)")
        raise BadInput([("owner_email", plain)]) from None


def _position_of(back: str, workspace_id: int) -> int | None:
    """The position whose page sent the form (its `back`), or None."""
    rest = back.removeprefix(f"/w/{workspace_id}/positions/")
    if rest == back or not rest.isdigit() or len(rest) > 9:
        return None
    return int(rest)


# The routes below take form fields: their object is looked up first (404), as a
# dependency, and only then is the form validated (422).
@router.get("/w/{ws}/offers/{offer_id}")
def offer_page(request: Request, scope: InScope, session: Db, offer_id: int) -> HTMLResponse:
    offer = session.scalar(
        select(Offer).where(Offer.id == offer_id, Offer.workspace_id == scope.id)
    )
    if offer is None:
        from fairnotice.errors import NotFound

        raise NotFound("offer")
    interview = records.scoped(session, Interview, scope.id, offer.interview_id)
    held = holds.for_offer(session, offer=offer, interview=interview, now=request.app.state.clock())
    page = _page(scope, session, offer=offer, interview=interview, holds=held)
    return render(request, "offer.html", page)


@router.get("/w/{ws}/positions/{position_id}/fill")
def fill_preview(
    request: Request,
    scope: InScope,
    session: Db,
    position_id: int,
    hired_raw: Annotated[str, Query(alias="hired", max_length=10)] = "",
    hq: Annotated[str | None, Query(max_length=MAX_SEARCH)] = None,
) -> HTMLResponse:
    """Counts and one sample letter per language: never a plan for every candidate. Who
    was hired is chosen from a search (`hq`), never from a list of every candidate."""
    hired = _row_id("hired", hired_raw)
    position = records.scoped(session, Position, scope.id, position_id)
    shown = filling.preview(
        session,
        workspace_id=scope.id,
        position_id=position.id,
        user=scope.user,
        hired=hired,
        clock=request.app.state.clock,
    )
    by_email: dict[str, list[Any]] = {}
    for message in shown.plan.messages if shown.plan else []:
        by_email.setdefault(message.to, []).append(message)
    choices = listing.choose_candidate(
        session,
        workspace_id=scope.id,
        position_id=position.id,
        text=hq,
        selected=hired,
        active_only=hired is None,
    )
    return render(
        request,
        "fill.html",
        _page(
            scope,
            session,
            position=position,
            shown=shown,
            choices=choices,
            hq=hq,
            by_email=by_email,
            hired=hired,
        ),
    )


def _row_id(field: str, raw: str) -> int | None:
    """An optional id from a GET form ("" = none); anything but a whole number is BadInput."""
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 2**31 - 1:
        raise BadInput([(field, N_("a whole number is needed here"))])
    return int(raw)


@router.post("/w/{ws}/positions/{position_id}/fill", dependencies=[IN_POSITION])
def fill(
    request: Request,
    scope: InScope,
    session: Db,
    position_id: int,
    hired: Annotated[int | None, Form()] = None,
) -> Response:
    """Starts the fill; the worker tells the candidates in batches (the progress page)."""
    record = filling.fill(
        session,
        workspace_id=scope.id,
        position_id=position_id,
        user=scope.user,
        hired=hired or None,
        clock=request.app.state.clock,
    )
    return redirect(f"/w/{scope.id}/plans/{record.id}/progress")


@router.get("/w/{ws}/plans/{plan_id}/progress")
def progress(request: Request, scope: InScope, session: Db, plan_id: int) -> HTMLResponse:
    """How far the plan's letters (a fill: its candidates) are, from COUNT queries."""
    found = session.scalar(
        select(PlanRecord.id).where(PlanRecord.id == plan_id, PlanRecord.workspace_id == scope.id)
    )
    if found is None:
        raise NotFound("plan")
    position = filling.filling_position(session, workspace_id=scope.id, plan_id=plan_id)
    if position is not None:
        done = filling.progress(session, workspace_id=scope.id, position=position)
        counts, calls, failed = done.messages, done.calls_listed, done.failed
    else:
        done = None
        counts = filling.message_counts(session, workspace_id=scope.id, plan_id=plan_id)
        calls = list(
            session.scalars(
                select(PlanStep)
                .where(PlanStep.plan_id == plan_id, PlanStep.action == "call")
                .order_by(PlanStep.due, PlanStep.id)
                .limit(filling.LISTED)
            )
        )
        failed = (
            outbox_ops.failures(session, workspace_id=scope.id, reference=f"plan:{plan_id}")
            if counts.get("failed")
            else []
        )
    name = "progress_fragment.html" if request.headers.get("hx-request") else "progress.html"
    return render(
        request,
        name,
        _page(
            scope,
            session,
            plan_id=plan_id,
            position=position,
            done=done,
            counts=counts,
            total=sum(counts.values()),
            calls=calls,
            failed=failed,
            receipt_counts=receipts.counts(session, workspace_id=scope.id, plan_id=plan_id),
        ),
    )
