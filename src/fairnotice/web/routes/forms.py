"""Turning HTML form fields into contract shapes (local date + time + zone -> instant)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from fairnotice.errors import N_, BadInput, TooLarge
from fairnotice.io import validate
from fairnotice.model import zone
from fairnotice.operations.common.schemas import InterviewCreate
from fairnotice.web.deps import render
from fairnotice.web.refusals import kept


def local_moment(day: str, clock: str, zone_name: str, field: str) -> str:
    """ISO text of a wall time in a zone; the contract's validators catch DST gaps."""
    try:
        tz = zone(zone_name)
    except ValueError as exc:
        raise BadInput([("timezone", str(exc))]) from None
    try:
        moment = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
    except ValueError:
        raise BadInput([(field, N_("expected a date (YYYY-MM-DD) and a time (HH:MM)"))]) from None
    return moment.replace(tzinfo=tz).isoformat()


def interview_from_form(form: dict[str, str]) -> InterviewCreate:
    """An InterviewCreate from the add-interview form; BadInput names the form's fields."""
    tz = form.get("timezone", "").strip() or "UTC"
    day = form.get("date", "")
    raw: dict[str, Any] = {
        "position": form.get("position", ""),
        "company": form.get("company", ""),
        "start": local_moment(day, form.get("start_time", ""), tz, "start_time"),
        "end": local_moment(day, form.get("end_time", ""), tz, "end_time"),
        "timezone": tz,
        "location": form.get("location") or None,
        "video_url": form.get("video_url") or None,
        "round": form.get("round") or 1,
        "history_channel": form.get("channel") or "email",
        "contact": {
            "name": form.get("contact_name", ""),
            "email": form.get("contact_email", ""),
            "salutation": form.get("contact_salutation") or None,
            "phone": form.get("contact_phone") or None,
            "timezone": tz,
        },
    }
    interviewers = []
    for line in form.get("interviewers", "").splitlines():
        name, _, email = line.strip().rpartition(" ")
        if line.strip():
            interviewers.append({"name": name.strip() or email, "email": email.strip("<>")})
    raw["interviewers"] = interviewers
    for key in ("position_id", "candidate_id"):
        if form.get(key):
            raw[key] = form[key]
    return validate(InterviewCreate, raw)


def text_fields(form: Any) -> dict[str, str]:
    """The string fields of a parsed form (uploads left out)."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def refused(
    request: Request,
    name: str,
    context: dict[str, Any],
    exc: BadInput,
    *,
    form: dict[str, Any],
    labels: dict[str, str] | None = None,
    session: Session | None = None,
) -> HTMLResponse:
    """The same form again (422; 413 for a file too large) with what was typed (`kept`)
    and its problems by field and label (web.refusals); nothing of it is written."""
    if session is not None:
        session.rollback()
    status = 413 if isinstance(exc, TooLarge) else 422
    page = {**context, "problems": exc.problems, "kept": kept(form), "labels": labels or {}}
    return render(request, name, page, status=status)
