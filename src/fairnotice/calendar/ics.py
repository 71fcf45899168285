"""iTIP objects (RFC 5546) that the other side's calendar client applies by itself (K2).

Pure: `dtstamp` comes in as an argument. The objects are written out here (icalendar
only for the VTIMEZONE): control characters are removed first, every TEXT value is
escaped, every parameter value quoted without quotes, backslashes or line breaks inside,
so no user-supplied name, summary or location can start a property, a parameter or a
component of its own; lines fold at 75 octets.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone

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


def param_text(value: str) -> str:
    """A parameter value, always quoted: cleaned (no quote, backslash, control or line
    break), and '^' written as RFC 6868's '^^'."""
    return '"' + clean_param(value).replace("^", "^^") + '"'


def text_value(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): cleaned, then backslash, ';', ',' and line breaks
    escaped, so no user text can end the value or start a property of its own."""
    text = clean_text(value)
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character
    and never right after a backslash (some clients unescape before they unfold)."""
    if len(line) <= 75 and (line.isascii() or len(line.encode("utf-8")) <= 75):
        return line
    data = line.encode("utf-8")
    pieces = []
    start, limit = 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: back to the character start
            end -= 1
        if data[end - 1] == 0x5C and end - 1 > start:  # keep '\\' with what it escapes
            end -= 1
        pieces.append(data[start:end])
        start, limit = end, 74  # a continuation line's leading space is one of its 75
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode("utf-8")


def _address(name: str, party: Party, **params: str) -> str:
    """ORGANIZER or ATTENDEE: CN and the given parameters (sorted), then the mailto: URI."""
    parts = [name]
    if party.name:
        parts.append(f"CN={param_text(party.name)}")
    parts.extend(f"{key}={value}" for key, value in sorted(params.items()))
    return ";".join(parts) + f":mailto:{clean_param(party.email)}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(name: str, moment: datetime, zone: str) -> str:
    """DTSTART/DTEND in the event's zone (TZID and its VTIMEZONE), or UTC with 'Z'."""
    if zone == "UTC":
        return f"{name}:{_stamp(moment)}"
    local = moment.astimezone(_zone(zone))
    return f"{name};TZID={zone}:{local.strftime('%Y%m%dT%H%M%S')}"


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=256)
def _vtimezone_text(tzid: str, first_year: int, last_year: int) -> str:
    return str(_vtimezone(tzid, first_year, last_year).to_ical().decode("utf-8"))


def _calendar(method: CalendarMethod, facts: EventFacts | None, lines: list[str]) -> str:
    """The VCALENDAR around one VEVENT of `lines` (unfolded content lines), the VTIMEZONE
    serialized once per zone and years.

    Written out directly: icalendar's writer (a Python loop per character to fold) cost
    most of a plan's time, and these few properties need only escaping and folding."""
    parts = [f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\nMETHOD:{method.value}\r\n"]
    if facts is not None and facts.timezone != "UTC":
        years = (facts.start.year, facts.end.year)
        parts.append(_vtimezone_text(facts.timezone, min(years), max(years)))
    parts.append("BEGIN:VEVENT\r\n")
    parts.extend(fold(line) + "\r\n" for line in lines)
    parts.append("END:VEVENT\r\nEND:VCALENDAR\r\n")
    return "".join(parts)


def _base_event(facts: EventFacts, *, dtstamp: datetime, sequence: int) -> list[str]:
    """The properties every one of these objects has, in the order icalendar wrote them."""
    return [
        f"SUMMARY:{text_value(facts.summary)}",
        _when("DTSTART", facts.start, facts.timezone),
        _when("DTEND", facts.end, facts.timezone),
        f"DTSTAMP:{_stamp(dtstamp)}",
        f"UID:{clean_param(facts.uid)}",
        f"SEQUENCE:{int(sequence)}",
    ]


def _tail(facts: EventFacts, *, comment: str | None = None, status: str | None = None) -> list[str]:
    """The rest, alphabetical as icalendar wrote them: COMMENT, DESCRIPTION, LOCATION,
    ORGANIZER, STATUS, URL."""
    lines = []
    if comment:
        lines.append(f"COMMENT:{text_value(comment)}")
    if facts.description:
        lines.append(f"DESCRIPTION:{text_value(facts.description)}")
    if facts.location:
        lines.append(f"LOCATION:{text_value(facts.location)}")
    lines.append(_address("ORGANIZER", facts.organizer))
    if status:
        lines.append(f"STATUS:{status}")
    if facts.url:
        lines.append(f"URL:{clean_param(facts.url)}")
    return lines


def request(facts: EventFacts, *, dtstamp: datetime) -> str:
    """METHOD:REQUEST: a new or moved interview (the caller raises SEQUENCE for a move)."""
    lines = _base_event(facts, dtstamp=dtstamp, sequence=facts.sequence)
    lines += [
        _address("ATTENDEE", party, PARTSTAT="NEEDS-ACTION", ROLE="REQ-PARTICIPANT", RSVP="TRUE")
        for party in facts.attendees
    ]
    lines += _tail(facts, status="CONFIRMED")
    return _calendar(CalendarMethod.REQUEST, facts, lines)


def cancel(facts: EventFacts, *, dtstamp: datetime) -> str:
    """METHOD:CANCEL for the same UID, SEQUENCE one higher, STATUS:CANCELLED."""
    lines = _base_event(facts, dtstamp=dtstamp, sequence=facts.sequence + 1)
    lines += [_address("ATTENDEE", party) for party in facts.attendees]
    lines += _tail(facts, status="CANCELLED")
    return _calendar(CalendarMethod.CANCEL, facts, lines)


def counter(
    facts: EventFacts,
    *,
    proposed: tuple[datetime, datetime],
    comment: str | None,
    dtstamp: datetime,
) -> str:
    """METHOD:COUNTER: an attendee proposes a new time; SEQUENCE echoes the original's."""
    moved = replace(facts, start=proposed[0], end=proposed[1])
    lines = _base_event(moved, dtstamp=dtstamp, sequence=facts.sequence)
    lines += [_address("ATTENDEE", party) for party in facts.attendees]
    lines += _tail(facts, comment=comment)
    return _calendar(CalendarMethod.COUNTER, moved, lines)


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
    lines = _base_event(facts, dtstamp=dtstamp, sequence=facts.sequence)
    lines.append(_address("ATTENDEE", attendee, PARTSTAT=partstat))
    lines += _tail(replace(facts, description=None, location=None, url=None), comment=comment)
    return _calendar(CalendarMethod.REPLY, facts, lines)


def reply_declined(
    facts: EventFacts, *, attendee: Party, comment: str | None, dtstamp: datetime
) -> str:
    """METHOD:REPLY with the attendee's PARTSTAT=DECLINED (a withdrawal)."""
    return reply(facts, attendee=attendee, partstat="DECLINED", comment=comment, dtstamp=dtstamp)
