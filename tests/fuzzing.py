"""Fuzzing the importers: invitations (.ics, .eml), calendars, replies (.eml).

hypothesis, not atheris: the inputs that reach deep code are structured (content lines,
RRULE parts, MIME trees), which hypothesis builds from strategies and shrinks to a small
example; byte-level coverage-guided mutation rarely gets past the first parser. It runs
in pytest on any Python (tests/test_fuzz_importers.py, a few thousand inputs) and as a
long run with counts (bench/fuzz_importers.py, 100,000 inputs).

Each target takes bytes and either returns or raises the importer's documented bad-input
error (`BadInput`; `ValueError` from `read_message`, which the reply operation names).
Anything else is an unexpected exception.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from fairnotice.calendar import expand, parse
from fairnotice.calendar.budget import Budget
from fairnotice.calendar.invite import import_invitation
from fairnotice.errors import BadInput
from fairnotice.mail.replies import read_message
from fairnotice.review.proposals import read_proposals
from tests.calendar import invitations

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")

PROPS = [
    b"DTSTART",
    b"DTEND",
    b"DURATION",
    b"RRULE",
    b"RDATE",
    b"EXDATE",
    b"RECURRENCE-ID",
    b"UID",
    b"SUMMARY",
    b"ORGANIZER",
    b"ATTENDEE",
    b"TRANSP",
    b"STATUS",
    b"FREEBUSY",
    b"SEQUENCE",
    b"X-FOO",
]
PARAMS = [b"", b";TZID=Europe/Berlin", b";TZID=Nowhere", b";VALUE=DATE", b";VALUE=PERIOD"]
PARAMS += [b";RANGE=THISANDFUTURE", b';CN="A\\"B"', b";FBTYPE=FREE", b';TZID="W. Europe"']
VALUES = [
    b"20260310T090000Z",
    b"20260310T090000",
    b"20260310",
    b"20261301T250000",
    b"P1D",
    b"-PT1H",
    b"PT0S",
    b"20260310T090000Z/PT1H",
    b"FREQ=DAILY;COUNT=3",
    b"FREQ=SECONDLY;BYHOUR=23",
    b"FREQ=MINUTELY",
    b"FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO",
    b"FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU",
    b"FREQ=WEEKLY;INTERVAL=0",
    b"FREQ=DAILY;UNTIL=20260101",
    b"FREQ=DAILY;BYMONTH=13",
    b"mailto:a@example.org",
    b"TRANSPARENT",
    b"CANCELLED",
    b"\x00",
    b"\xff\xfe",
    b"",
    b"a,b;c\\n",
]
SOURCES = [
    invitations.google_ics(),
    invitations.google_eml(),
    invitations.outlook_ics(teams=True),
    invitations.outlook_eml(),
    invitations.apple_ics(),
    invitations.apple_eml(),
    invitations.thunderbird_eml(),
]


def reply_eml(text: str = "Gern am Montag, 16. März um 10 Uhr.") -> bytes:
    return (
        "From: Jana <jana@example.org>\r\nTo: alex@example.org\r\nSubject: Re: Termin\r\n"
        "Message-ID: <r1@example.org>\r\nIn-Reply-To: <m1@fairnotice>\r\n"
        "Date: Tue, 10 Mar 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
        f"\r\n\r\n{text}\r\n\r\nAm 9. M=C3=A4rz schrieb Alex:\r\n> alt\r\n--b\r\n"
        "Content-Type: text/html\r\n\r\n<p>Gern <b>Montag</b> 10:00</p>\r\n--b--\r\n"
    ).encode()


MIME_LINES = [
    b'Content-Type: multipart/mixed; boundary="x"',
    b"Content-Type: message/rfc822",
    b"Content-Type: text/calendar; method=REQUEST; charset=utf-8",
    b"Content-Transfer-Encoding: base64",
    b"Content-Transfer-Encoding: quoted-printable",
    b"Content-Type: text/plain; charset=x-unknown",
    b"Subject: =?utf-8?b?w6TDtsO8?= =?utf-8?q?Bcc=3A_x=0D=0A?=",
    b"--x",
    b"--x--",
    b"--b",
    b"Date: Mon, 99 Foo 2026 25:61:61 +9999",
    b"In-Reply-To: <m1@fairnotice>",
    b"=C3=",
    b"\x00",
]


@st.composite
def content_line(draw: st.DrawFn) -> bytes:
    name = draw(st.sampled_from(PROPS))
    return name + draw(st.sampled_from(PARAMS)) + b":" + draw(st.sampled_from(VALUES))


@st.composite
def built_calendar(draw: st.DrawFn) -> bytes:
    """A calendar written from parts: events of random content lines, some nesting."""
    lines = [b"BEGIN:VCALENDAR", b"VERSION:2.0", b"PRODID:-//fuzz//x//EN"]
    for index in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from([b"VEVENT", b"VEVENT", b"VFREEBUSY", b"VTIMEZONE", b"VALARM"]))
        lines += [b"BEGIN:" + kind, b"UID:u%d" % draw(st.integers(0, 2))]
        lines += draw(st.lists(content_line(), max_size=8))
        if index and draw(st.booleans()):
            lines.append(b"END:" + kind)  # an event closed twice, or never
        lines.append(b"END:" + kind)
    if draw(st.booleans()):
        lines.append(b"END:VCALENDAR")
    return b"\r\n".join(lines) + draw(st.sampled_from([b"\r\n", b"\n", b""]))


@st.composite
def mangled(draw: st.DrawFn, sources: tuple[bytes, ...], extra: tuple[bytes, ...]) -> bytes:
    """A real file with a few lines dropped, doubled, cut, replaced or changed a byte."""
    lines = draw(st.sampled_from(sources)).split(b"\r\n")
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "dup", "insert", "line", "cut", "byte", "nest"]))
        if action == "drop":
            del lines[at]
        elif action == "dup":
            lines.insert(at, lines[at])
        elif action == "insert":
            lines.insert(at, draw(st.sampled_from(extra)))
        elif action == "line":
            lines.insert(at, draw(content_line()))
        elif action == "cut":
            lines[at] = lines[at][: draw(st.integers(0, max(len(lines[at]) - 1, 0)))]
        elif action == "nest":  # a run of nested parts (MIME) or components (iCalendar)
            depth = draw(st.integers(2, 150))
            opener = draw(st.sampled_from([b"BEGIN:VEVENT", MIME_LINES[0], MIME_LINES[1]]))
            lines[at:at] = [opener, b"", b"--x"] * depth
        else:
            line = bytearray(lines[at] or b"x")
            line[draw(st.integers(0, len(line) - 1))] = draw(st.integers(0, 255))
            lines[at] = bytes(line)
    return b"\r\n".join(lines)


def invitation_inputs() -> st.SearchStrategy[bytes]:
    extra = tuple(MIME_LINES)
    return st.one_of(mangled(tuple(SOURCES), extra), built_calendar(), st.binary(max_size=300))


def calendar_inputs() -> st.SearchStrategy[bytes]:
    ics = tuple(s for s in SOURCES if s.lstrip().startswith(b"BEGIN:"))
    return st.one_of(built_calendar(), mangled(ics, (b"END:VEVENT", b"BEGIN:VEVENT")))


def reply_inputs() -> st.SearchStrategy[bytes]:
    texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200)
    made = texts.map(lambda t: reply_eml(t.replace("\r", " ")))
    return st.one_of(mangled((reply_eml(),), tuple(MIME_LINES)), made, st.binary(max_size=300))


# --- the targets: each returns normally on any input, or raises its bad-input error -----


def import_invitation_target(data: bytes) -> None:
    try:
        interview = import_invitation(data, label="file")
    except BadInput as exc:
        assert exc.problems and all(field and what for field, what in exc.problems)
    else:
        assert interview.end > interview.start


def calendar_target(data: bytes) -> None:
    budget = Budget("cal.ics")
    try:
        found = parse.calendars(data, label="cal.ics", budget=budget)
        busy = expand.busy_intervals(
            found,
            start=NOW - timedelta(days=30),
            end=NOW + timedelta(days=365),
            floating=BERLIN,
            label="cal.ics",
            budget=budget,
        )
    except BadInput as exc:
        assert exc.problems and exc.field.startswith("cal.ics")
    else:
        assert all(s < e for s, e in busy)


def reply_target(data: bytes) -> None:
    try:
        incoming = read_message(data)
    except ValueError as exc:
        assert str(exc)
        return
    found = read_proposals(incoming.text[:2000], language="de", zone="Europe/Berlin", written=NOW)
    assert all(p.start.tzinfo is not None for p in found)


TARGETS: dict[str, tuple[Callable[[bytes], None], Callable[[], st.SearchStrategy[bytes]]]] = {
    "invitation": (import_invitation_target, invitation_inputs),
    "calendar": (calendar_target, calendar_inputs),
    "reply": (reply_target, reply_inputs),
}
