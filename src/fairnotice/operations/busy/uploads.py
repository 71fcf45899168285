"""Files users upload to the web app: invitations (.ics/.eml) and calendars (busy time).

Uploads arrive as bytes and are parsed in memory with the calendar core; nothing here
opens a path or a URL that a user named (the CLI may read files and CalDAV; the web app
never reads a path, and reaches a CalDAV URL only through `remote_calendars`, which keeps
it off the server's own network).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fairnotice.calendar import expand, parse
from fairnotice.calendar.budget import Budget
from fairnotice.calendar.invite import ImportedInterview, import_invitation
from fairnotice.errors import N_, BadInput
from fairnotice.io import validate
from fairnotice.model import Situation, zone
from fairnotice.operations.common.schemas import InterviewCreate

MAX_UPLOAD = parse.DEFAULT_MAX_BYTES
WINDOW_BEFORE = timedelta(days=1)
WINDOW_AFTER = timedelta(days=92)


def read_invitation(data: bytes, *, label: str = "file") -> ImportedInterview:
    return import_invitation(data, label=label, max_bytes=MAX_UPLOAD)


def interview_from_invitation(
    data: bytes, *, me_email: str, label: str = "file"
) -> InterviewCreate:
    """The stored-interview input for an invitation: its organiser becomes the contact."""
    found = read_invitation(data, label=label)
    contact = found.organizer
    if contact is None or contact.email.lower() == me_email.lower():
        others = [a for a in found.attendees if a.email.lower() != me_email.lower()]
        contact = others[0] if others else contact
    if contact is None:
        raise BadInput([(label, N_("the invitation names no organiser to contact"))])
    raw: dict[str, Any] = found.model_dump(mode="json", exclude={"organizer", "attendees"})
    raw["contact"] = {
        "name": contact.name or contact.email.split("@")[0],
        "email": contact.email,
        "timezone": found.timezone,
    }
    raw["interviewers"] = [
        {"name": a.name or a.email, "email": a.email}
        for a in found.attendees
        if a.email.lower() != me_email.lower()
    ][:20]
    return validate(InterviewCreate, raw)


def window(now: datetime, own: expand.OwnEvent | None) -> tuple[datetime, datetime]:
    """The time a user's calendar is read for: a day ago to three months ahead, and
    around the interview `own` however far (K1 for its own time)."""
    start, end = now - WINDOW_BEFORE, now + WINDOW_AFTER
    if own is not None:
        start, end = min(start, own.start - WINDOW_BEFORE), max(end, own.end + WINDOW_BEFORE)
    return start, end


def busy_from_calendar(
    data: bytes,
    *,
    now: datetime,
    zone_name: str,
    label: str = "calendar",
    own: expand.OwnEvent | None = None,
    budget: Budget | None = None,
) -> list[dict[str, str]]:
    """Busy periods of an uploaded calendar from a day ago to three months ahead, and
    around the interview `own` however far; its own event is left out before merging, so
    it never joins the events beside it into a clash with itself (K1). Read within
    `budget` (by default one file's): a costlier calendar is bad input named `label`."""
    budget = budget or Budget(label)
    found = parse.calendars(data, label=label, max_bytes=MAX_UPLOAD, budget=budget)
    start, end = window(now, own)
    intervals = expand.busy_intervals(
        found,
        start=start,
        end=end,
        floating=zone(zone_name),
        label=label,
        skip_uids=own.uids if own else (),
        skip_spans=own.spans if own else (),
        budget=budget,
    )
    return [{"start": s.isoformat(), "end": e.isoformat()} for s, e in intervals]


def without_server_calendars(situation: Situation) -> Situation:
    """Situations from the web may not name calendars by path or URL: refuse them."""
    if situation.availability is not None and situation.availability.calendars:
        raise BadInput(
            [
                (
                    "availability.calendars",
                    "not accepted over HTTP: send busy periods, or "
                    "store a calendar (POST /api/v1/calendars) and ask /api/v1/slots",
                )
            ]
        )
    return situation
