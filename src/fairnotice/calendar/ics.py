"""iTIP objects (RFC 5546) that the other side's calendar client applies by itself (K2).

Pure: `dtstamp` comes in as an argument. Every text and parameter value passes through
icalendar's escaping, and control characters are removed first, so no user-supplied name,
summary or location can start a property, a parameter or a component of its own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from fairnotice.model import CalendarMethod

PRODID = "-//fairnotice//fairnotice 0.1//EN"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029\u0085\ud800-\udfff]")
_LINEBREAKS = re.compile(r"\r\n|\r|\n")


def clean_text(value: str) -> str:
    """Text for a TEXT property: line breaks kept as '\\n' (escaped by icalendar), no controls."""
    return _CONTROL.sub("", _LINEBREAKS.sub("\n", value))


def clean_param(value: str) -> str:
    """A parameter value (CN): one line, no controls, no double quotes, no backslashes
    (parameter values have no escapes, yet parsers read a backslash before ';' as one)."""
    text = _CONTROL.sub("", _LINEBREAKS.sub(" ", value))
    return text.replace('"', "'").replace("\\", "/").strip()


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What an iTIP message says about one interview."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    timezone: str
    summary: str
    organizer: Party
    attendees: Sequence[Party]
    location: str | None = None
    description: str | None = None
    url: str | None = None


def make_uid(*parts: str) -> str:
    """A stable UID for an interview that had none: the same facts give the same UID."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"{digest}@fairnotice"


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    return Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )


def _address(party: Party) -> vCalAddress:
    address = vCalAddress(f"mailto:{clean_param(party.email)}")
    if party.name:
        address.params["CN"] = clean_param(party.name)
    return address


@lru_cache(maxsize=256)
def _vtimezone_text(tzid: str, first_year: int, last_year: int) -> str:
    return str(_vtimezone(tzid, first_year, last_year).to_ical().decode("utf-8"))


def _calendar(method: CalendarMethod, facts: EventFacts, event: Event) -> str:
    """The VCALENDAR around one event, the VTIMEZONE serialized once per zone and years.

    Assembling the envelope as text is what icalendar would emit for these three fixed
    properties; it spares re-serializing the same VTIMEZONE for every message.
    """
    parts = [f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\nMETHOD:{method.value}\r\n"]
    if facts.timezone != "UTC":
        years = (facts.start.year, facts.end.year)
        parts.append(_vtimezone_text(facts.timezone, min(years), max(years)))
    parts.append(str(event.to_ical().decode("utf-8")))
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts)


def _base_event(facts: EventFacts, *, dtstamp: datetime, sequence: int) -> Event:
    tz = ZoneInfo(facts.timezone)
    event = Event()
    event.add("uid", clean_param(facts.uid))
    event.add("dtstamp", dtstamp.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("dtstart", facts.start.astimezone(tz))
    event.add("dtend", facts.end.astimezone(tz))
    event.add("summary", vText(clean_text(facts.summary)))
    event.add("organizer", _address(facts.organizer))
    return event


def _add_optional(event: Event, facts: EventFacts) -> None:
    if facts.location:
        event.add("location", vText(clean_text(facts.location)))
    if facts.url:
        event.add("url", clean_param(facts.url))
    if facts.description:
        event.add("description", vText(clean_text(facts.description)))


def request(facts: EventFacts, *, dtstamp: datetime) -> str:
    """METHOD:REQUEST: a new or moved interview (the caller raises SEQUENCE for a move)."""
    event = _base_event(facts, dtstamp=dtstamp, sequence=facts.sequence)
    for party in facts.attendees:
        attendee = _address(party)
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = "NEEDS-ACTION"
        attendee.params["RSVP"] = "TRUE"
        event.add("attendee", attendee)
    event.add("status", "CONFIRMED")
    _add_optional(event, facts)
    return _calendar(CalendarMethod.REQUEST, facts, event)


def cancel(facts: EventFacts, *, dtstamp: datetime) -> str:
    """METHOD:CANCEL for the same UID, SEQUENCE one higher, STATUS:CANCELLED."""
    event = _base_event(facts, dtstamp=dtstamp, sequence=facts.sequence + 1)
    for party in facts.attendees:
        event.add("attendee", _address(party))
    event.add("status", "CANCELLED")
    _add_optional(event, facts)
    return _calendar(CalendarMethod.CANCEL, facts, event)


def counter(
    facts: EventFacts,
    *,
    proposed: tuple[datetime, datetime],
    comment: str | None,
    dtstamp: datetime,
) -> str:
    """METHOD:COUNTER: an attendee proposes a new time; SEQUENCE echoes the original's."""
    moved = replace(facts, start=proposed[0], end=proposed[1])
    event = _base_event(moved, dtstamp=dtstamp, sequence=facts.sequence)
    for party in facts.attendees:
        event.add("attendee", _address(party))
    if comment:
        event.add("comment", vText(clean_text(comment)))
    _add_optional(event, facts)
    return _calendar(CalendarMethod.COUNTER, moved, event)


def reschedule(facts: EventFacts, *, start: datetime, end: datetime, dtstamp: datetime) -> str:
    """METHOD:REQUEST moving the interview: same UID, SEQUENCE one higher (RFC 5546 2.1.4),
    so every client replaces the old time instead of adding a second event (K2)."""
    moved = replace(facts, start=start, end=end, sequence=facts.sequence + 1)
    return request(moved, dtstamp=dtstamp)


def reply(
    facts: EventFacts,
    *,
    attendee: Party,
    partstat: str,
    comment: str | None,
    dtstamp: datetime,
) -> str:
    """METHOD:REPLY: exactly one ATTENDEE, the one answering, with its PARTSTAT."""
    if partstat not in ("ACCEPTED", "DECLINED", "TENTATIVE"):
        raise ValueError(f"partstat: {partstat!r} is not ACCEPTED, DECLINED or TENTATIVE")
    event = _base_event(facts, dtstamp=dtstamp, sequence=facts.sequence)
    address = _address(attendee)
    address.params["PARTSTAT"] = partstat
    event.add("attendee", address)
    if comment:
        event.add("comment", vText(clean_text(comment)))
    return _calendar(CalendarMethod.REPLY, facts, event)


def reply_declined(
    facts: EventFacts, *, attendee: Party, comment: str | None, dtstamp: datetime
) -> str:
    """METHOD:REPLY with the attendee's PARTSTAT=DECLINED (a withdrawal)."""
    return reply(facts, attendee=attendee, partstat="DECLINED", comment=comment, dtstamp=dtstamp)


def decline_counter(facts: EventFacts, *, comment: str | None, dtstamp: datetime) -> str:
    """METHOD:DECLINECOUNTER: the organizer keeps the time an attendee's COUNTER proposed.

    Only UID, DTSTAMP, ORGANIZER and COMMENT: libical's iTIP restriction table (which
    Evolution and other libical clients enforce) allows no ATTENDEE, DTSTART, SEQUENCE or
    SUMMARY here, and the UID alone tells every client which event the answer is about.
    """
    event = Event()
    event.add("uid", clean_param(facts.uid))
    event.add("dtstamp", dtstamp.astimezone(UTC))
    event.add("organizer", _address(facts.organizer))
    if comment:
        event.add("comment", vText(clean_text(comment)))
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", CalendarMethod.DECLINECOUNTER.value)
    cal.add_component(event)
    return str(cal.to_ical().decode("utf-8"))
