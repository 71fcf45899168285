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

from fairnotice.errors import N_, BadInput, TooLarge
from fairnotice.model import Language
from fairnotice.operations import adopt, records, uploads
from fairnotice.operations.clashes import Clash, Clashes
from fairnotice.store.tables import Candidate, Position
from fairnotice.web.deps import Db, InScope, csrf_protect, redirect, render
from fairnotice.web.routes.employer import position_context
from fairnotice.web.routes.forms import interview_from_form, text_fields

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
) -> HTMLResponse:
    """The position page again (422) with the form as typed, its problems or its clashes;
    nothing of the refused change is kept."""
    session.rollback()
    context = position_context(scope, session, position_id, chosen=form.get("candidate_id"))
    context.update(
        form=form,
        open_form=which,
        problems=problems or [],
        bad={f.split(".")[0] for f, _ in problems or []},
        clashes=found or [],
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
        return await run_in_threadpool(partial(again, problems=exc.problems))
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
        data = await _bytes(upload, text_fields(parsed).get("invitation", ""))
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


async def _bytes(upload: Any, kept: str) -> bytes | None:
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
