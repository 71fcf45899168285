"""Employer side: putting an interview on record from the position page.

Scheduling sends the first invitation (REQUEST) to the candidate and every interviewer,
each in their own language; importing the invitation the employer already sent from
Outlook or Google adopts it instead (its UID, SEQUENCE and ORGANIZER; nothing sent now).
Both check the time first (K1): a clash comes back as the form (HTTP 422) listing who is
busy when, with "schedule anyway"; other bad input as the form with the fields named.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from fairnotice.errors import N_, BadInput, Conflict, TooLarge
from fairnotice.model import Findings, Language
from fairnotice.operations.busy import uploads
from fairnotice.operations.common import records
from fairnotice.operations.interviews import adopt
from fairnotice.operations.interviews import commands as actions
from fairnotice.operations.interviews.clashes import Clash, Clashes
from fairnotice.operations.offers import preview as offer_preview
from fairnotice.operations.plans.followups import Checked
from fairnotice.store.tables import Candidate, Interview, Position
from fairnotice.web import past, refusals
from fairnotice.web.deps import Db, InScope, csrf_protect, redirect, render
from fairnotice.web.deps import language as ui_language
from fairnotice.web.routes.employer import position_context
from fairnotice.web.routes.followups import _titled as titled
from fairnotice.web.routes.forms import interview_from_form, text_fields
from fairnotice.web.routes.scoped import IN_INTERVIEW

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
_LANGUAGES = frozenset(lang.value for lang in Language)


def interviewer_lines(text: str) -> tuple[str, list[Language | None]]:
    """The interviewers field without the language a line may end with ("Name email sv"),
    and each line's language (None: the form's default)."""
    lines: list[str] = []
    chosen: list[Language | None] = []
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        language = None
        if len(words) > 1 and words[-1].lower() in _LANGUAGES:
            language = Language(words.pop().lower())
        lines.append(" ".join(words))
        chosen.append(language)
    return "\n".join(lines), chosen


def _language(value: str, fallback: str) -> Language:
    return Language(value) if value in _LANGUAGES else Language(fallback)


def _again(
    request: Request,
    scope: InScope,
    session: Db,
    position_id: int,
    *,
    form: dict[str, str],
    which: str,
    problems: list[tuple[str, str]] | None = None,
    found: list[Clash] | None = None,
    past_date: bool = False,
) -> HTMLResponse:
    """The position page again (422) with the form as typed, its problems or its clashes;
    nothing of the refused change is kept."""
    session.rollback()
    if which == "import" and any(field == "file" for field, _ in problems or []):
        # the invitation itself was refused: not kept as if it were fine, a new one is asked
        form = {k: v for k, v in form.items() if k != "invitation"}
    context = position_context(scope, session, position_id, chosen=form.get("candidate_id"))
    context.update(
        form=form,
        open_form=which,
        labels=refusals.INVITATION if which == "import" else {},
        problems=problems or [],
        bad={f.split(".")[0] for f, _ in problems or []},
        clashes=found or [],
        past=past_date,  # the box to tick that keeps a time in the past
    )
    return render(request, "position.html", context, status=422)


async def _run(
    request: Request,
    scope: InScope,
    session: Db,
    position_id: int,
    form: dict[str, str],
    which: str,
    work: Callable[[], int],
) -> Response:
    again = partial(_again, request, scope, session, position_id, form=form, which=which)
    try:
        await run_in_threadpool(work)
    except Clashes as exc:
        return await run_in_threadpool(partial(again, found=exc.clashes))
    except BadInput as exc:
        warned = isinstance(exc, past.PastDate)
        return await run_in_threadpool(partial(again, problems=exc.problems, past_date=warned))
    return redirect(f"/w/{scope.id}/positions/{position_id}")


@router.post("/w/{ws}/positions/{position_id}/interviews")
async def schedule_interview(
    request: Request, scope: InScope, session: Db, position_id: int
) -> Response:
    form = text_fields(await request.form())
    shown = {k: v for k, v in form.items() if k != "csrf_token"}
    clock = request.app.state.clock
    user = scope.user

    def work() -> int:
        position = records.scoped(session, Position, scope.id, position_id)
        raw = form.get("candidate_id", "")
        if not raw.strip():  # none chosen: the form again, not a missing page
            raise BadInput([("candidate_id", N_("choose a candidate"))])
        candidate_id = int(raw) if raw.isdigit() and len(raw) < 10 else 0
        candidate = records.scoped(session, Candidate, scope.id, candidate_id)
        lines, languages = interviewer_lines(form.get("interviewers", ""))
        fields = {
            **form,
            "interviewers": lines,
            "position": position.title,
            "company": position.company,
            "contact_name": candidate.name,
            "contact_email": candidate.email,
            "contact_phone": candidate.phone or "",
            "contact_salutation": candidate.salutation or "",
            "position_id": str(position.id),
            "candidate_id": str(candidate.id),
            "round": str(candidate.round),
        }
        data = interview_from_form(fields)
        # an interview already held may be put on record (a later round's history), once
        # confirmed: its invitations then say when it was
        past.check(data.start, clock(), confirmed=past.confirmed(form))
        data.contact.timezone = candidate.timezone
        default = _language(form.get("interviewer_language", ""), user.language)
        for person, language in zip(data.interviewers, languages, strict=True):
            person.language = language or default
        row = records.create_interview(
            session,
            workspace_id=scope.id,
            data=data,
            actor=f"user:{user.id}",
            now=clock(),
            sender=(user.name, user.email),
            confirm_clash=form.get("confirm_clash") == "1",
        )
        return row.id

    return await _run(request, scope, session, position_id, shown, "schedule", work)


@router.post("/w/{ws}/positions/{position_id}/interviews/import")
async def import_interview(
    request: Request, scope: InScope, session: Db, position_id: int
) -> Response:
    """The invitation the employer sent from their own calendar, adopted (nothing sent)."""
    await run_in_threadpool(records.scoped, session, Position, scope.id, position_id)
    parsed = await request.form()
    upload = parsed.get("file")
    try:
        data = await invitation_bytes(upload, text_fields(parsed).get("invitation", ""))
    finally:
        await parsed.close()
    form = text_fields(parsed)
    shown = {k: v for k, v in form.items() if k not in ("csrf_token", "invitation")}
    clock = request.app.state.clock
    user = scope.user

    def work() -> int:
        if data is None:
            raise BadInput([("file", N_("choose an invitation (.ics or .eml)"))])
        raw = form.get("candidate_id", "")
        row = adopt.adopt_invitation(
            session,
            workspace_id=scope.id,
            position_id=position_id,
            data=data,
            actor=f"user:{user.id}",
            now=clock(),
            sender=(user.name, user.email),
            candidate_id=int(raw) if raw.isdigit() and len(raw) < 10 else None,
            language=_language(form.get("interviewer_language", ""), user.language),
            confirm_clash=form.get("confirm_clash") == "1",
        )
        return row.id

    if data is not None:  # kept for "schedule anyway": a file input cannot be filled again
        shown["invitation"] = base64.b64encode(data).decode("ascii")
    return await _run(request, scope, session, position_id, shown, "import", work)


async def invitation_bytes(upload: Any, kept: str) -> bytes | None:
    """The uploaded invitation, or the one kept in the form after a clash; capped."""
    if isinstance(upload, StarletteUpload) and upload.filename:
        data = await upload.read(uploads.MAX_UPLOAD + 1)
    elif kept:
        try:
            data = base64.b64decode(kept, validate=True)
        except (binascii.Error, ValueError):
            raise BadInput([("file", N_("choose an invitation (.ics or .eml)"))]) from None
    else:
        return None
    if len(data) > uploads.MAX_UPLOAD:
        raise TooLarge([("file", N_("larger than 1 MiB"))])
    return data


# --- Offer new times: a preview first, then a confirm that queues (issue 12, item 8) ---


def _offer_page(
    request: Request,
    scope: InScope,
    session: Db,
    interview_id: int,
    *,
    reason: str = "other",
    public_reason: str = "",
    chosen: list[offer_preview.Span] | None = None,
    words: tuple[str, str] | None = None,
    kept: tuple[str, int] | None = None,
    problems: list[tuple[str, Any]] | None = None,
) -> HTMLResponse:
    """The preview: the free times found, the chosen ones ticked, the candidate's letter for
    them with the review's findings. Writes nothing; 422 when `problems` are shown."""
    problems = list(problems or [])
    try:
        reason, public = actions.employer_reason(reason, public_reason)
    except BadInput:  # shown as typed and named; the letter keeps the neutral wording
        reason, public = "other", None
    made = partial(
        offer_preview.preview,
        session,
        workspace_id=scope.id,
        interview_id=interview_id,
        user=scope.user,
        base_url=request.app.state.settings.base_url,
        reason=reason,
        public_reason=public,
        clock=request.app.state.clock,
    )
    try:
        shown = made(chosen=chosen)
    except BadInput as exc:  # a chosen time no longer free: the planner's choice again
        if chosen is None:
            raise
        problems += exc.problems
        shown = made(chosen=None)
    subject, body = words or (shown.letter.subject or "", shown.letter.body)
    text, findings = offer_preview.check_words(shown.situation, subject=subject, body=body)
    checked = offer_preview_findings(request, text, findings)
    status, sequence = kept or (shown.status, shown.sequence)
    interview = records.scoped(session, Interview, scope.id, interview_id)
    chosen_values = [offer_preview.slot_value(s) for s in shown.chosen]
    context = {
        "user": scope.user,
        "ws": scope.workspace,
        "session": session,
        "interview": interview,
        "preview": shown,
        "options": [(offer_preview.slot_value((s.start, s.end)), s) for s in shown.options],
        "chosen": chosen_values,
        "letter_slots": " ".join(chosen_values),
        "subject": subject,
        "body": body,
        "reason": reason,
        "public_reason": public_reason,
        "letter_reason": reason,
        "letter_public": public or "",
        "reasons": REASONS,
        "state": status,
        "sequence": sequence,
        "checked": checked,
        "mid": "letter",
        "problems": problems,
        "bad": {f.split(".")[0] for f, _ in problems},
        "least": offer_preview.MIN_CHOSEN,
        "most": offer_preview.MAX_CHOSEN,
        "labels": refusals.offer_labels(offer_preview.MIN_CHOSEN, offer_preview.MAX_CHOSEN),
    }
    return render(request, "offer_preview.html", context, status=422 if problems else 200)


def offer_preview_findings(request: Request, text: str, findings: Findings) -> dict[str, Any]:
    """The review's findings as `_findings.html` shows them, rule titles in the UI language."""
    marked = Checked(text=text, findings=findings).marked()
    ui = ui_language(request)
    return {
        "message": "letter",
        "ok": findings.ok,
        "findings": [{**f, "title": titled(f["rule"], ui)} for f in marked],
    }


REASONS = tuple(r.value for r in actions.EMPLOYER_REASONS)
STALE_LETTER = N_(
    "the letter was written for other times or another reason; it is written again for "
    "these: read it and confirm again"
)


@router.get("/w/{ws}/interviews/{interview_id}/offer", dependencies=[IN_INTERVIEW])
def offer_preview_page(
    request: Request, scope: InScope, session: Db, interview_id: int
) -> HTMLResponse:
    """Step one of *Offer new times*: what the candidate would get. Nothing is queued."""
    return _offer_page(request, scope, session, interview_id)


@router.post("/w/{ws}/interviews/{interview_id}/offer", dependencies=[IN_INTERVIEW])
async def offer_step(request: Request, scope: InScope, session: Db, interview_id: int) -> Response:
    """The preview's form: `update` writes the letter again for the ticked times and the
    reason (nothing queued); `check` reviews the words as typed; `confirm` queues the offer
    exactly as shown, refused (409) if the interview changed since the preview."""
    parsed = await request.form()
    form = text_fields(parsed)
    slots = [v for v in parsed.getlist("slots") if isinstance(v, str)]
    return await run_in_threadpool(_offer_step, request, scope, session, interview_id, form, slots)


def _offer_step(
    request: Request,
    scope: InScope,
    session: Db,
    interview_id: int,
    form: dict[str, str],
    slots: list[str],
) -> Response:
    action = form.get("action", "update")
    reason = form.get("reason", "other")
    public_reason = form.get("public_reason", "")
    words = (form.get("subject", ""), form.get("body", ""))
    kept = _kept(form)
    page = partial(
        _offer_page, request, scope, session, interview_id, kept=kept, public_reason=public_reason
    )
    try:  # bad input is named first (422), then a stale preview refused (409)
        reason, public = actions.employer_reason(reason, public_reason)
        chosen = offer_preview.read_slots(slots)
    except BadInput as exc:
        return page(reason=reason, words=words, problems=exc.problems)
    row = records.scoped(session, Interview, scope.id, interview_id)
    if (row.status, row.sequence) != kept:
        raise Conflict(
            N_("interview: it changed since the preview; look at the times and the letter again")
        )
    written_for = " ".join(offer_preview.slot_value(s) for s in chosen)
    same_letter = (written_for, reason, public or "") == (
        form.get("letter_slots", ""),
        form.get("letter_reason", ""),
        " ".join(form.get("letter_public", "").split()),
    )
    if action == "update" or not same_letter:  # the letter written again for these times
        again = [("slots", STALE_LETTER)] if action == "confirm" else []
        return page(reason=reason, chosen=chosen, problems=again)
    if action != "confirm":  # check the words as typed
        return page(reason=reason, chosen=chosen, words=words)
    try:
        made = offer_preview.confirm(
            session,
            workspace_id=scope.id,
            interview_id=interview_id,
            user=scope.user,
            base_url=request.app.state.settings.base_url,
            status=kept[0],
            sequence=kept[1],
            chosen=chosen,
            subject=words[0],
            body=words[1],
            reason=reason,
            public_reason=public,
            clock=request.app.state.clock,
            secret=request.app.state.settings.secret,
        )
    except BadInput as exc:
        session.rollback()
        return page(reason=reason, chosen=chosen, words=words, problems=exc.problems)
    return redirect(f"/w/{scope.id}/offers/{made.offer.id}")


def _kept(form: dict[str, str]) -> tuple[str, int]:
    """The interview's state and SEQUENCE the preview was made for (a form that lost them
    is as stale as one that changed)."""
    raw = form.get("sequence", "")
    return form.get("state", ""), int(raw) if raw.isdigit() and len(raw) < 10 else -1
