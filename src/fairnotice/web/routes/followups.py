"""The plan page and what follows a plan: "Check this message" in the editor (issue 6),
its emails into the outbox, a reply uploaded or pasted, "new time agreed" and the draft
it causes, released by the user (issue 5).

Every action works as a plain form POST (the page is rendered again, or a redirect), and
the message check also as an htmx request that swaps in just the findings.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from fairnotice.errors import N_, BadInput, TooLarge
from fairnotice.operations.busy import uploads
from fairnotice.operations.common import links
from fairnotice.operations.interviews import commands as actions
from fairnotice.operations.outbox import commands as outbox_ops
from fairnotice.operations.outbox import delivery as delivery_ops
from fairnotice.operations.outbox import receipts
from fairnotice.operations.plans import commands as changes
from fairnotice.operations.plans import followups
from fairnotice.operations.positions import commands as filling
from fairnotice.rules.catalog import rules
from fairnotice.store.tables import Interview, PlanRecord
from fairnotice.web import refusals
from fairnotice.web.deps import Db, InScope, csrf_protect, language, redirect, render
from fairnotice.web.refusals import kept
from fairnotice.web.routes.scoped import IN_OUTBOX, IN_PLAN, ScopedPlan

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
SHOWN = 100  # a plan's outbox rows its page lists (a fill has one per candidate)


def _titled(rule: str, ui: str) -> str:
    catalog = rules()
    return catalog[rule].title.get(ui, rule) if rule in catalog else rule  # type: ignore[call-overload]


def plan_view(
    request: Request,
    scope: InScope,
    session: Db,
    record: PlanRecord,
    *,
    checked: dict[str, Any] | None = None,
    status: int = 200,
    **refusal: Any,
) -> HTMLResponse:
    """The plan page; `checked` carries one message's review and the words it reviewed,
    shown in the editor in place of the stored ones; `refusal` a refused form's
    `problems`, `labels`, `kept` and `open_form` (web.refusals)."""
    plan = links.reveal_plan(  # the pick links written out for the user to send
        session, workspace_id=scope.id, plan=record.plan, secret=request.app.state.settings.secret
    )
    ui = language(request)
    notes = [
        {**n, "kind": kind, "title": _titled(n["rule"], ui)}
        for kind in ("warnings", "advice")
        for n in plan[kind]
    ]
    rows = outbox_ops.of_plan(session, workspace_id=scope.id, plan_id=record.id, limit=SHOWN)
    more = 0
    if len(rows) == SHOWN:  # a fill's letters: the page lists the first, counts the rest
        counts = filling.message_counts(session, workspace_id=scope.id, plan_id=record.id)
        more = sum(counts.values()) - SHOWN
    agreed = (
        actions.agreement(session, interview_id=record.interview_id, plan_id=record.id)
        if record.interview_id is not None
        else None
    )
    context = {
        "user": scope.user,
        "ws": scope.workspace,
        "session": session,
        "record": record,
        "plan": plan,
        "notes": notes,
        "messages": {m["id"]: m for m in plan["messages"]},
        "outcomes": changes.OUTCOMES,
        "checked": checked,
        "queued": [r for r in rows if r.kind != "reminder" and r.state != "draft"],
        "more": more,
        "receipt_of": receipts.of_rows(session, [r.id for r in rows]),
        # its emails end with a "Got it" link when they leave through the outbox
        "got_it_letters": receipts.in_letters(plan.get("role", ""), plan.get("intent", "")),
        "drafts": [r for r in rows if r.state == "draft"],
        "replies": followups.replies_of(session, workspace_id=scope.id, plan_id=record.id),
        "can_queue": not any(r.kind != "reminder" and r.state != "draft" for r in rows)
        and any(
            s["action"] == "send" and s["channel"] == "email" and not s["condition"]
            for s in plan["steps"]
        ),
        "has_after_agreement": any(s["condition"] == "after_agreement" for s in plan["steps"]),
        # the time agreed on this page, as the interview took it (the confirmation)
        "agreed": agreed.detail if agreed is not None else None,
        # the heading names whom and what the plan is about
        "interview": session.get(Interview, record.interview_id)
        if record.interview_id is not None
        else None,
        **refusal,
    }
    return render(request, "plan.html", context, status=status)


def _plan_again(
    request: Request,
    scope: InScope,
    session: Db,
    plan_id: int,
    exc: BadInput,
    *,
    which: str,
    form: dict[str, str],
    labels: dict[str, str],
) -> HTMLResponse:
    """The plan page again (422) with the refused form as typed, its problems by field."""
    session.rollback()
    record = changes.get_plan(session, workspace_id=scope.id, plan_id=plan_id)
    return plan_view(
        request,
        scope,
        session,
        record,
        status=413 if isinstance(exc, TooLarge) else 422,
        problems=exc.problems,
        labels=labels,
        kept=kept(form),
        open_form=which,
    )


# Each route below takes its plan or outbox row from `scoped` (a dependency): another
# workspace's id is a 404 before the form's fields are validated (422).


@router.post("/w/{ws}/plans/{plan_id}/messages/{message_id}/check")
def check_message(
    request: Request,
    scope: InScope,
    session: Db,
    record: ScopedPlan,
    message_id: str,
    body: Annotated[str, Form(max_length=20000)],
    subject: Annotated[str | None, Form(max_length=300)] = None,
) -> HTMLResponse:
    """Review the words in the editor (not saved): the findings under the editor."""
    result = followups.check_message(
        record,
        message_id=message_id,
        subject=subject,
        body=body,
        now=request.app.state.clock(),
    )
    ui = language(request)
    checked = {
        "message": message_id,
        "subject": subject,
        "body": body,
        "ok": result.findings.ok,
        "findings": [{**f, "title": _titled(f["rule"], ui)} for f in result.marked()],
    }
    if request.headers.get("hx-request"):
        return render(
            request,
            "_findings.html",
            {
                "user": scope.user,
                "ws": scope.workspace,
                "checked": checked,
                "mid": message_id,
            },
        )
    return plan_view(request, scope, session, record, checked=checked)


@router.post("/w/{ws}/plans/{plan_id}/queue", dependencies=[IN_PLAN])
def queue_emails(request: Request, scope: InScope, session: Db, plan_id: int) -> Response:
    followups.queue_emails(
        session, workspace_id=scope.id, plan_id=plan_id, now=request.app.state.clock()
    )
    return redirect(f"/w/{scope.id}/plans/{plan_id}#delivery")


@router.post("/w/{ws}/plans/{plan_id}/replies", dependencies=[IN_PLAN])
async def add_reply(
    request: Request,
    scope: InScope,
    session: Db,
    plan_id: int,
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    """A reply as an uploaded .eml or pasted text; matched, read, shown on its plan.
    Refused, the plan page again with the pasted text kept."""
    try:
        reply = await _take_reply(request, scope, session, plan_id, file, text)
    except BadInput as exc:
        again = partial(_plan_again, request, scope, session, plan_id, exc)
        form = {"text": text}
        return await run_in_threadpool(again, which="reply", form=form, labels=refusals.REPLY)
    return redirect(f"/w/{scope.id}/plans/{reply.plan_id or plan_id}#replies")


async def _take_reply(
    request: Request,
    scope: InScope,
    session: Db,
    plan_id: int,
    file: UploadFile | None,
    text: str,
) -> Any:
    raw: bytes | None = None
    source = "upload"
    if file is not None and file.filename:
        try:
            raw = await file.read(uploads.MAX_UPLOAD + 1)
        finally:
            await file.close()
        if len(raw) > uploads.MAX_UPLOAD:
            raise TooLarge([("file", N_("larger than 1 MiB"))])
    elif text.strip():
        raw = await run_in_threadpool(
            followups.pasted_reply, session, workspace_id=scope.id, plan_id=plan_id, text=text
        )
        source = "paste"
    if not raw:
        raise BadInput([("reply", N_("choose an .eml file or paste the reply"))])
    reply = await run_in_threadpool(
        followups.take_reply,
        session,
        workspace_id=scope.id,
        raw=raw,
        source=source,
        now=request.app.state.clock(),
        plan_id=plan_id,
    )
    return reply


@router.post("/w/{ws}/plans/{plan_id}/agreed", dependencies=[IN_PLAN])
def agreed(
    request: Request,
    scope: InScope,
    session: Db,
    plan_id: int,
    agreed: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """ "New time agreed": the after-agreement note becomes a draft on this page.
    Refused (no time, not a time, in the past), the page again with the time typed."""
    try:
        followups.agree(
            session,
            workspace_id=scope.id,
            plan_id=plan_id,
            agreed=followups.parse_agreed(agreed, scope.user.timezone),
            now=request.app.state.clock(),
        )
    except BadInput as exc:
        form = {"agreed": agreed}
        return _plan_again(
            request, scope, session, plan_id, exc, which="agreed", form=form, labels=refusals.AGREED
        )
    return redirect(f"/w/{scope.id}/plans/{plan_id}#drafts")


@router.post("/w/{ws}/outbox/{row_id}/release", dependencies=[IN_OUTBOX])
def release(
    request: Request,
    scope: InScope,
    session: Db,
    row_id: int,
    back: Annotated[str, Form(max_length=300)] = "",
    subject: Annotated[str | None, Form(max_length=300)] = None,
    body: Annotated[str | None, Form(max_length=20000)] = None,
) -> Response:
    """A draft the user checked (and perhaps reworded) goes out with the next round."""
    followups.reword_draft(
        session, workspace_id=scope.id, row_id=row_id, subject=subject, body=body
    )
    delivery_ops.release(
        session, row_id=row_id, now=request.app.state.clock(), workspace_id=scope.id
    )
    target = back if back.startswith(f"/w/{scope.id}/") else f"/w/{scope.id}/outbox"
    return redirect(target)
