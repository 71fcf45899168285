"""A plan without an account (issue 17): the landing page's "I need to change an
interview". The visitor uploads, pastes or types the interview, chooses as a signed-in
candidate would, and gets the plan page: every letter to copy, open in a mail program,
download (.eml, .ics) and check. Nothing is stored: the plan's inputs travel sealed in
the page's forms (operations/plans/anonymous.py), and "Keep this plan" carries them to the
sign-up or sign-in form, which stores them in the visitor's workspace.

Counted per client (throttle.ANON_PLAN, ANON_USE): 429 with Retry-After when spent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from fairnotice.errors import N_, BadInput, NotFound, TooLarge
from fairnotice.io import validate
from fairnotice.model import Certainty, Intent, Me, ReasonCategory
from fairnotice.operations.accounts.commands import personal_workspace
from fairnotice.operations.busy import uploads
from fairnotice.operations.outbox import commands as outbox_ops
from fairnotice.operations.plans import anonymous, followups
from fairnotice.web import i18n, throttle
from fairnotice.web.deps import Db, OptionalUser, csrf_protect, language, render
from fairnotice.web.routes.candidate import CANDIDATE_INTENTS
from fairnotice.web.routes.followups import _titled
from fairnotice.web.routes.forms import interview_from_form, refused, text_fields

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

LABELS = {
    "file": N_("Invitation file (.ics or .eml)"),
    "invitation_text": N_("Or paste the invitation"),
    "my_name": N_("Your name"),
    "my_email": N_("Your email"),
    "my_timezone": N_("Your time zone"),
    "intent": N_("What do you need?"),
    "reason": N_("Why? (kept general in every message)"),
    "hours_start": N_("From"),
    "hours_end": N_("To"),
    "days": N_("When are you free? (for new times)"),
    "hours": N_("When are you free? (for new times)"),
    "calendar": N_("Your calendar (.ics, optional): busy times are left out"),
    "note": N_("Private note (only for you, never sent)"),
    "message_language": N_("Language of the messages"),
    "language": N_("Language of the messages"),
    "body": N_("Text"),
    "subject": N_("Subject"),
    "carried": N_("Your plan"),
}
# What the planner names that this form asks as another field.
_ON_FORM = {"interview.end": "intent", "interview.start": "intent"}
MAX_PASTE = uploads.MAX_UPLOAD


def _secret(request: Request) -> str:
    secret: str = request.app.state.settings.secret
    return secret


def _count(request: Request, limit: Any) -> None:
    """One more use by this client; TooMany (the app's 429 page, Retry-After) when spent."""
    limits: throttle.Throttle = request.app.state.throttle
    limits.attempt((limit, f"anon:{throttle.client(request)}"))


@router.get("/plan")
def plan_form(request: Request, session: Db, user: OptionalUser) -> Response:
    if user is not None:  # signed in: the same form inside their own workspace
        home = personal_workspace(session, user.id).id
        return RedirectResponse(f"/w/{home}/interviews/new", status_code=303)
    return render(request, "anon_new.html", _form_page(request))


def _form_page(request: Request, **extra: Any) -> dict[str, Any]:
    return {
        "intents": CANDIDATE_INTENTS,
        "reasons": list(ReasonCategory),
        "labels": LABELS,
        **extra,
    }


@router.post("/plan")
async def make_plan(request: Request) -> Response:
    """The plan page for what the visitor sent; refused, the form again as typed (422,
    413 for a file too large), each problem by its field."""
    _count(request, throttle.ANON_PLAN)
    form = await request.form()
    try:
        return await _answer(request, form)
    finally:  # the uploads' spooled files, read or not
        await form.close()


async def _answer(request: Request, form: FormData) -> Response:
    typed = text_fields(form)
    typed["days"] = ",".join(str(v) for v in form.getlist("days") if isinstance(v, str))
    invitation = form.get("file")
    calendar = form.get("calendar")
    try:
        draft = await _draft(
            request,
            typed,
            invitation if isinstance(invitation, UploadFile) else None,
            calendar if isinstance(calendar, UploadFile) else None,
        )
        try:
            situation, plan = await run_in_threadpool(anonymous.plan, draft)
        except BadInput as exc:  # W5 names the interview's end: here the choice is at fault
            raise BadInput([(_ON_FORM.get(str(n), n), w) for n, w in exc.problems]) from None
        sealed = anonymous.carry(draft, _secret(request))
    except BadInput as exc:
        kept = {k: v for k, v in typed.items() if k != "invitation_text" or len(v) < 20_000}
        page = _form_page(request, chosen_days=_days(typed.get("days", "")))
        return refused(request, "anon_new.html", page, exc, form=kept, labels=LABELS)
    return _plan_page(request, draft, situation, plan, sealed)


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


def _days(text: str) -> list[int]:
    return [int(d) for d in text.split(",") if d.isdigit() and 1 <= int(d) <= 7]


async def _draft(
    request: Request,
    typed: dict[str, str],
    invitation: UploadFile | None,
    calendar: UploadFile | None,
) -> anonymous.Draft:
    """The visitor's inputs as a Draft; BadInput names the form's field at fault."""
    now: datetime = request.app.state.clock()
    me_raw = {
        "name": typed.get("my_name", "").strip(),
        "email": typed.get("my_email", "").strip(),
        "timezone": typed.get("my_timezone", "").strip() or "UTC",
    }
    try:
        me = validate(Me, me_raw).model_dump(mode="json", exclude_none=True)
    except BadInput as exc:
        raise BadInput([(f"my_{name}", what) for name, what in exc.problems]) from None
    data = await _upload(invitation, "file")
    pasted = typed.get("invitation_text", "")
    if data is None and pasted.strip():
        data, label = pasted.encode("utf-8"), "invitation_text"
        if len(data) > MAX_PASTE:
            raise BadInput([(label, N_("larger than 1 MiB"))])
    else:
        label = "file"
    if data is not None:
        found = await run_in_threadpool(
            uploads.interview_from_invitation, data, me_email=me["email"], label=label
        )
        interview = found.model_dump(mode="json")
    else:
        interview = interview_from_form(typed).model_dump(mode="json")
    choices = _choices(typed)
    busy_file = await _upload(calendar, "calendar")
    if busy_file:
        zone_name = me["timezone"]
        choices["busy"] = await run_in_threadpool(
            uploads.busy_from_calendar, busy_file, now=now, zone_name=zone_name
        )
    return anonymous.Draft(interview=interview, me=me, choices=choices, now=now.isoformat())


def _choices(typed: dict[str, str]) -> dict[str, Any]:
    """What the visitor chose, each checked against the values the form offers."""
    problems: list[tuple[str, str]] = []
    intent = typed.get("intent", Intent.reschedule.value)
    if intent not in {i.value for i in CANDIDATE_INTENTS}:
        problems.append(("intent", N_("choose one of the options")))
    reason = typed.get("reason", "")
    if reason not in {r.value for r in ReasonCategory}:
        problems.append(("reason", N_("choose one of the options")))
    certainty = typed.get("certainty", Certainty.sure.value)
    if certainty not in {c.value for c in Certainty}:
        problems.append(("certainty", N_("choose one of the options")))
    spoken = typed.get("message_language", "")
    if spoken and spoken not in i18n.LANGUAGES:
        problems.append(("message_language", N_("choose one of the options")))
    note = typed.get("note", "")
    if len(note) > 4000:
        problems.append(("note", N_("must be 1 to 4000 characters")))
    if problems:
        raise BadInput(problems)
    return {
        "intent": intent,
        "reason": reason,
        "certainty": certainty,
        "language": spoken or None,
        "note": note.strip() or None,
        "days": _days(typed.get("days", "")) or [1, 2, 3, 4, 5],
        "hours_start": typed.get("hours_start", "")[:5] or "09:00",
        "hours_end": typed.get("hours_end", "")[:5] or "17:00",
        "busy": [],
    }


def _plan_page(
    request: Request,
    draft: anonymous.Draft,
    situation: dict[str, Any],
    plan: dict[str, Any],
    sealed: str,
    *,
    checked: dict[str, Any] | None = None,
    status: int = 200,
    **refusal: Any,
) -> HTMLResponse:
    ui = language(request)
    notes = [
        {**n, "kind": kind, "title": _titled(n["rule"], ui)}
        for kind in ("warnings", "advice")
        for n in plan[kind]
    ]
    context = {
        "plan": plan,
        "notes": notes,
        "messages": {m["id"]: m for m in plan["messages"]},
        "interview": situation["interview"],
        "counterpart": situation["counterpart"],
        "note": draft.choices.get("note"),
        "carried": sealed,
        "checked": checked,
        "labels": LABELS,
        "viewer_zone": draft.me.get("timezone") or "UTC",
        **refusal,
    }
    return render(request, "anon_plan.html", context, status=status)


def _again(
    request: Request, carried: str
) -> tuple[anonymous.Draft, dict[str, Any], dict[str, Any]]:
    draft = anonymous.carried(carried, _secret(request))
    situation, plan = anonymous.plan(draft)
    return draft, situation, plan


def _message(plan: dict[str, Any], message_id: str) -> dict[str, Any]:
    for message in plan["messages"]:
        if message["id"] == message_id:
            return dict(message)
    raise NotFound("message")


Carried = Annotated[str, Form(max_length=anonymous.MAX_CARRIED)]
MessageId = Annotated[str, Form(max_length=40)]
Body = Annotated[str, Form(max_length=20000)]
Subject = Annotated[str | None, Form(max_length=300)]


@router.post("/plan/check")
def check_message(
    request: Request, carried: Carried, message: MessageId, body: Body = "", subject: Subject = None
) -> HTMLResponse:
    """The reviewer on the words in the editor: the plan page again with its findings
    (or just the findings, for htmx); an empty text is refused by the field (422)."""
    _count(request, throttle.ANON_USE)
    draft, situation, plan = _again(request, carried)
    typed = {"message": message, "subject": subject, "body": body}
    try:
        result = followups.check_words(
            plan, situation, message_id=message, subject=subject, body=body,
            now=request.app.state.clock(),
        )  # fmt: skip
    except BadInput as exc:
        return _plan_page(
            request, draft, situation, plan, carried, status=422,
            problems=exc.problems, kept=typed, open_form=f"message-{message}",
        )  # fmt: skip
    ui = language(request)
    checked = {
        **typed,
        "ok": result.findings.ok,
        "findings": [{**f, "title": _titled(f["rule"], ui)} for f in result.marked()],
    }
    if request.headers.get("hx-request"):
        fragment = {"checked": checked, "mid": message, "unsaved_hint_off": True}
        return render(request, "_findings.html", fragment)
    return _plan_page(request, draft, situation, plan, carried, checked=checked)


def _one_line(subject: str | None) -> str | None:
    if subject is not None and ("\n" in subject or "\r" in subject):
        raise BadInput([("subject", N_("must be one line"))])
    return subject


@router.post("/plan/eml")
def download_eml(
    request: Request, carried: Carried, message: MessageId, body: Body = "", subject: Subject = None
) -> Response:
    """The message, with the words in its editor, as a draft to open and send."""
    _count(request, throttle.ANON_USE)
    draft, _, plan = _again(request, carried)
    found = _message(plan, message)
    if body.strip():
        found["body"] = body.replace("\r\n", "\n")
    if subject is not None and found.get("subject") is not None and subject.strip():
        found["subject"] = _one_line(subject.strip())
    data = outbox_ops.draft_eml(
        found, sender=(draft.me["name"], draft.me["email"]), now=request.app.state.clock()
    )
    return Response(
        data,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="{found["id"]}.eml"'},
    )


@router.post("/plan/ics")
def download_ics(request: Request, carried: Carried, message: MessageId) -> Response:
    _count(request, throttle.ANON_USE)
    _, _, plan = _again(request, carried)
    found = _message(plan, message)
    calendar = found.get("calendar") or {}
    if not calendar.get("ics"):
        raise NotFound("calendar")
    return Response(
        calendar["ics"].encode("utf-8"),
        media_type=f"text/calendar; charset=utf-8; method={calendar['method']}",
        headers={"Content-Disposition": f'attachment; filename="{found["id"]}.ics"'},
    )


@router.post("/plan/keep")
def keep_page(request: Request, carried: Carried) -> HTMLResponse:
    """Sign up or sign in to keep the plan: both forms carry its inputs."""
    _count(request, throttle.ANON_USE)
    draft = anonymous.carried(carried, _secret(request))
    kept = {"name": draft.me.get("name", ""), "email": draft.me.get("email", "")}
    context = {"carried": carried, "kept": kept, "timezone": draft.me.get("timezone", "")}
    return render(request, "anon_keep.html", context)
