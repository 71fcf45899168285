"""Import: an invitation (.ics, or the .eml that carries one) -> the contract's interview.

Pure: bytes in, a validated `ImportedInterview` out. The shapes handled are the ones
Google Calendar, Outlook/Exchange/Office 365, Apple Calendar, Thunderbird and Teams send
(tests/calendar/invitations.py builds each and says where its shape comes from).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component
from pydantic import BaseModel, ConfigDict, Field

from fairnotice.calendar import parse, zones
from fairnotice.calendar.parse import DEFAULT_MAX_BYTES, where
from fairnotice.errors import BadInput
from fairnotice.io import validate
from fairnotice.mailparse import UnusableMail, parse_email
from fairnotice.model import Interview

_CONFERENCE_HOSTS = re.compile(
    r"^https://(?:[\w-]+\.)*(?:meet\.google\.com|teams\.microsoft\.com|teams\.live\.com"
    r"|zoom\.us|zoom\.com|webex\.com|whereby\.com|gotomeeting\.com|meet\.goto\.com"
    r"|meet\.jit\.si|facetime\.apple\.com|join\.skype\.com|chime\.aws|bluejeans\.com)/",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
# Properties where clients put the meeting link (RFC 7986 CONFERENCE, Google, Microsoft).
_CONFERENCE_PROPS = (
    "CONFERENCE",
    "X-GOOGLE-CONFERENCE",
    "X-MICROSOFT-SKYPETEAMSMEETINGURL",
    "X-MICROSOFT-ONLINEMEETINGEXTERNALLINK",
    "URL",
)
_CONFERENCE_LABELS = re.compile(
    r"^(?:microsoft teams(?:[- ](?:meeting|besprechung|möte))?|google meet|zoom(?: meeting)?"
    r"|facetime|webex)$",
    re.IGNORECASE,
)
_INTERVIEW_WORDS = (
    r"(?:job |video |phone |online |first |second |final |telefon|video)?"
    r"(?:interview|vorstellungsgespräch|bewerbungsgespräch|kennenlerngespräch|gespräch"
    r"|anställningsintervju|intervju)"
)
_LEADING = re.compile(
    rf"^\s*(?:(?:updated )?invitation|einladung|inbjudan)?\s*:?\s*{_INTERVIEW_WORDS}"
    r"(?:\s+(?:for(?: the)?(?: position(?: of)?| role(?: of)?)?|für(?: die stelle)?|zum|zur|als"
    r"|för|om|as))?\s*[:\-–—]?\s*",
    re.IGNORECASE,
)
_TRAILING = re.compile(rf"\s*[:\-–—(]?\s*{_INTERVIEW_WORDS}\s*\)?\s*$", re.IGNORECASE)
_AT = re.compile(r"\s+(?:at|bei|hos|@)\s+", re.IGNORECASE)
_DASH = re.compile(r"\s+[–—|\-/]\s+|\s*\|\s*")
_COMPANY_SUFFIX = re.compile(
    r"\b(?:GmbH|AG|KG|SE|AB|HB|Ltd|Limited|Inc|LLC|LLP|plc|Corp|Oy|AS|A/S|ApS|e\.V\.|Co)\b\.?",
    re.IGNORECASE,
)
_ROUND = re.compile(
    r"(?:round|runde|omgång)\s*(\d{1,2})|(\d{1,2})\s*(?:\.|st|nd|rd|th)?\s*(?:round|runde)",
    re.IGNORECASE,
)


_ROUND_NOTE = re.compile(
    r"\s*[(\[,–-]\s*(?:(?:round|runde|omgång)\s*\d{1,2}|\d{1,2}\.?\s*(?:round|runde))\s*[)\]]?",
    re.IGNORECASE,
)


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    email: str


class ImportedInterview(Interview):
    """The contract's `interview`, plus who organised it and who was invited."""

    organizer: Person | None = None
    attendees: list[Person] = Field(default_factory=list)


def import_invitation(
    data: bytes, *, label: str = "INVITE", max_bytes: int = DEFAULT_MAX_BYTES
) -> ImportedInterview:
    """The interview an invitation describes; BadInput names what is wrong with it."""
    parse.check_size(data, label=label, max_bytes=max_bytes)
    ics = data if _looks_like_ics(data) else ics_from_email(data, label=label)
    found = parse.calendars(ics, label=label, max_bytes=max_bytes)
    event = _the_event(found, label)
    return _interview(event, found[0], label)


def _looks_like_ics(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    return head.startswith(b"BEGIN:")


def ics_from_email(data: bytes, *, label: str) -> bytes:
    """The calendar an iMIP email carries, at any MIME depth; text/calendar wins."""
    try:
        message = parse_email(data)
    except UnusableMail as exc:
        raise BadInput([(label, exc.what)]) from None
    if not message.keys():
        raise BadInput([(label, "neither an iCalendar file nor an email carrying one")])
    ranked: list[tuple[int, bytes]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        filename = (part.get_filename() or "").lower()
        rank = (
            0
            if kind == "text/calendar"
            else 1
            if kind == "application/ics"
            else (2 if filename.endswith((".ics", ".ical", ".ifb")) else None)
        )
        if rank is None:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload.strip():
            ranked.append((rank, payload))
    if not ranked:
        raise BadInput([(label, "the email carries no calendar (no text/calendar or .ics part)")])
    return min(ranked, key=lambda item: item[0])[1]


def _the_event(found: list[Calendar], label: str) -> Component:
    """The invitation's event: the first VEVENT that is not an override of another."""
    events = [e for cal in found for e in cal.walk("VEVENT")]
    if not events:
        raise BadInput([(label, "holds no event (VEVENT)")])
    masters = [e for e in events if e.get("RECURRENCE-ID") is None]
    return (masters or events)[0]


def _address(raw: object) -> Person | None:
    text = str(raw).strip()
    mail = re.sub(r"^mailto:", "", text, flags=re.IGNORECASE).strip()
    if not mail:
        return None
    params = getattr(raw, "params", {})
    name = str(params.get("CN", "")).strip() if hasattr(params, "get") else ""
    return Person(name=_one_line(name)[:200], email=mail[:320])


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _moment(value: object, zone: str, field: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=ZoneInfo(zone))
    raise BadInput([(field, "is missing or not a date or date-time")])


def _times(event: Component, cal: Calendar, label: str) -> tuple[datetime, datetime, str]:
    start_raw = parse.value(event, "DTSTART", label=label)
    field = where(label, event, "DTSTART")
    if start_raw is None:
        raise BadInput([(field, "is missing")])
    zone = zones.by_name(str(cal.get("X-WR-TIMEZONE", ""))) or "UTC"
    start = _moment(start_raw, zone, field)
    end_raw = parse.value(event, "DTEND", label=label)
    duration = parse.value(event, "DURATION", label=label)
    end_field = where(label, event, "DTEND")
    if end_raw is not None:
        end = _moment(end_raw, zone, end_field)
    elif isinstance(duration, timedelta):
        end = start + duration
    else:
        end = start + (timedelta(days=1) if not isinstance(start_raw, datetime) else timedelta(0))
    if end <= start:
        what = (
            "is not after DTSTART"
            if end_raw is not None or duration is not None
            else ("is missing (nor DURATION): the event has no length")
        )
        raise BadInput([(end_field, what)])
    if isinstance(start_raw, datetime) and start_raw.tzinfo is not None:
        tzid = event["DTSTART"].params.get("TZID")
        zone = parse.zone_name(start_raw.tzinfo, tzid, moments=(start, end), field=field) or zone
    # Present both ends on the invitation's own zone clock (an instant does not change).
    tz = ZoneInfo(zone)
    return start.astimezone(tz), end.astimezone(tz), zone


def _text(event: Component, prop: str, label: str) -> str:
    found = parse.value(event, prop, label=label)
    return str(found).strip() if found is not None else ""


def _video(event: Component, location: str, description: str, label: str) -> str | None:
    for prop in _CONFERENCE_PROPS:
        raw = event.get(prop)
        for item in raw if isinstance(raw, list) else [raw] if raw is not None else []:
            url: str = str(item).strip()
            if _URL.fullmatch(url) and (prop != "URL" or _CONFERENCE_HOSTS.match(url)):
                return url
    if _URL.fullmatch(location):
        return location
    for url in _URL.findall(f"{location} {description}"):
        url = url.rstrip(".,;:!?>")
        if _CONFERENCE_HOSTS.match(url):
            return url
    return None


def split_summary(summary: str) -> tuple[str, str | None]:
    """(position, company or None) from a summary like 'Interview: Paralegal – Muster GmbH'."""
    text = _ROUND_NOTE.sub("", _one_line(summary))
    core = _TRAILING.sub("", _LEADING.sub("", text)).strip(" :-–—|")
    parts = _AT.split(core, maxsplit=1)
    if len(parts) == 2 and all(p.strip() for p in parts):
        return _clean_position(parts[0]), parts[1].strip()
    pieces = [p.strip() for p in _DASH.split(core) if p.strip()]
    if len(pieces) >= 2:
        first, rest = pieces[0], " – ".join(pieces[1:])
        if _COMPANY_SUFFIX.search(first) and not _COMPANY_SUFFIX.search(rest):
            return _clean_position(rest), first
        return _clean_position(first), rest
    return _clean_position(core or text), None


def _clean_position(text: str) -> str:
    return _TRAILING.sub("", _LEADING.sub("", text)).strip(" :-–—|") or text.strip()


def _company_from(organizer: Person | None) -> str:
    if organizer and "@" in organizer.email:
        return organizer.email.rsplit("@", 1)[1].lower()
    return "unknown"


def _interview(event: Component, cal: Calendar, label: str) -> ImportedInterview:
    start, end, zone = _times(event, cal, label)
    summary = _text(event, "SUMMARY", label)
    location = ", ".join(
        _one_line(line) for line in _text(event, "LOCATION", label).splitlines() if line.strip()
    )
    description = _text(event, "DESCRIPTION", label)
    organizer = _address(event["ORGANIZER"]) if event.get("ORGANIZER") is not None else None
    raw_attendees = event.get("ATTENDEE")
    listed = (
        raw_attendees
        if isinstance(raw_attendees, list)
        else ([raw_attendees] if raw_attendees is not None else [])
    )
    attendees = [p for p in (_address(a) for a in listed) if p is not None]
    position, company = split_summary(summary) if summary else ("Interview", None)
    video = _video(event, location, description, label)
    if video and (location == video or _CONFERENCE_LABELS.match(location)):
        location = ""
    rounds = _ROUND.search(summary)
    sequence = parse.value(event, "SEQUENCE", label=label)
    raw = {
        "position": position[:300] or "Interview",
        "company": (company or _company_from(organizer))[:300],
        "start": start,
        "end": end,
        "timezone": zone,
        "location": location[:1000] or None,
        "video_url": video if video and len(video) <= 2000 else None,
        "round": min(int(next(g for g in rounds.groups() if g)), 20) if rounds else 1,
        "uid": _one_line(_text(event, "UID", label))[:500] or None,
        "sequence": int(sequence) if isinstance(sequence, int) and sequence >= 0 else 0,
        "organizer": organizer,
        "attendees": attendees,
    }
    try:
        return validate(ImportedInterview, raw)
    except BadInput as exc:
        raise BadInput((f"{label}: VEVENT {f}", m) for f, m in exc.problems) from None
