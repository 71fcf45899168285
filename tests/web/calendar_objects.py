"""What the outbox holds as calendar objects, read the way calendar software reads them.

Every queued `.ics` is parsed by icalendar, checked by libical's RFC 5546 restrictions and
read by ical.js (tests/calendar/realworld.py); `Sent` is one object as a recipient's
client sees it. `identity_problems` states the calendar-identity invariant of issue 11:
every object a recipient gets names a UID they were sent a REQUEST for before (or one
adopted from an invitation they already hold), with SEQUENCE strictly rising per UID.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.store.tables import OutboxMessage
from tests.calendar.realworld import icaljs, libical_errors


@dataclass(frozen=True)
class Sent:
    row: int
    recipient: str
    language: str
    method: str
    uid: str
    sequence: int
    organizer: str
    attendees: frozenset[str]
    state: str
    body: str
    subject: str


def calendar_objects(session: Session, workspace_id: int) -> list[Sent]:
    """The workspace's queued calendar objects in the order they were queued, each one
    parsed by icalendar, libical and ical.js (all three must agree on UID and SEQUENCE)."""
    rows = list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.workspace_id == workspace_id,
                OutboxMessage.calendar_ics.is_not(None),
            )
            .order_by(OutboxMessage.id)
        )
    )
    texts = [r.calendar_ics or "" for r in rows]
    read = icaljs(texts) if texts else []
    found: list[Sent] = []
    for row, text, js in zip(rows, texts, read, strict=True):
        assert libical_errors(text) == [], (row.id, text)
        assert js["ok"], js
        calendar = Calendar.from_ical(text)
        events = list(calendar.walk("VEVENT"))
        assert len(events) == 1 and len(js["events"]) == 1, text
        event = events[0]
        method = str(calendar["METHOD"])
        assert method == js["method"] == (row.calendar_method or "").upper()
        uid, sequence = str(event["UID"]), int(event.get("SEQUENCE", 0))
        assert (js["events"][0]["uid"], js["events"][0]["sequence"]) == (uid, sequence)
        attendees = event.get("ATTENDEE") or []
        if not isinstance(attendees, list):
            attendees = [attendees]
        found.append(
            Sent(
                row=row.id,
                recipient=row.recipient.lower(),
                language=row.language,
                method=method,
                uid=uid,
                sequence=sequence,
                organizer=str(event["ORGANIZER"]).lower().removeprefix("mailto:"),
                attendees=frozenset(str(a).lower().removeprefix("mailto:") for a in attendees),
                state=row.state,
                body=row.body,
                subject=row.subject,
            )
        )
    return found


def identity_problems(sent: Iterable[Sent], adopted: Iterable[str] = ()) -> list[str]:
    """Where the invariant breaks: an object for a UID its recipient never got a REQUEST
    for (and did not hold already), or a SEQUENCE that does not rise."""
    held = set(adopted)
    last: dict[tuple[str, str], int] = {}
    problems: list[str] = []
    for item in sent:
        key = (item.recipient, item.uid)
        if key not in last and item.uid not in held and item.method != "REQUEST":
            problems.append(f"{item.method} to {item.recipient} for {item.uid}, never invited")
        if key in last and item.sequence <= last[key]:
            problems.append(
                f"{item.method} to {item.recipient}: SEQUENCE {item.sequence} after {last[key]}"
            )
        last[key] = item.sequence
    return problems
