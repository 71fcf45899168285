"""iMIP emails: Google's nesting, the calendar part's method, and headers that no user text
can break (CR/LF, ;, ,, \\, U+2028, encoded words)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairnotice.calendar import ics
from fairnotice.mail.mime import Invitation, Mailbox, build, one_line
from tests.calendar.realworld import icaljs

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
FACTS = ics.EventFacts(
    uid="a1b2c3@example.com",
    sequence=1,
    start=datetime(2026, 3, 16, 13, tzinfo=UTC),
    end=datetime(2026, 3, 16, 14, tzinfo=UTC),
    timezone="Europe/Berlin",
    summary="Interview: Paralegal – Müller GmbH",
    organizer=ics.Party("Jonas Doe", "j@x.de"),
    attendees=[ics.Party("Alex Weber", "alex@example.org")],
)


def invitation(**changes: object) -> Invitation:
    base = {
        "sender": Mailbox("Jonas Doe", "j@x.de"),
        "to": [Mailbox("Alex Weber", "alex@example.org")],
        "subject": "Neuer Termin: Vorstellungsgespräch",
        "text": "Guten Tag,\nder neue Termin steht im Anhang.",
        "ics": ics.reschedule(FACTS, start=FACTS.start, end=FACTS.end, dtstamp=NOW),
        "method": "REQUEST",
        "date": NOW,
        "message_id": "<m1@fairnotice.example>",
    }
    base.update(changes)
    return Invitation(**base)  # type: ignore[arg-type]


def parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def tree(message: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "COUNTER", "DECLINECOUNTER", "REPLY"])
def test_shape_is_googles_and_the_calendar_part_carries_the_method(method: str) -> None:
    item = invitation(method=method)
    data = build(item)
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    message = parse(data)
    assert tree(message) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    parts = list(message.walk())
    calendar, attachment = parts[4], parts[5]
    assert calendar.get_param("method") == method
    assert str(calendar.get_param("charset")).upper() == "UTF-8"
    assert calendar.get_content_disposition() is None  # inline, for the client to apply
    assert calendar.get_payload(decode=True).decode("utf-8") == item.ics
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True).decode("utf-8") == item.ics
    assert parts[2].get_content().startswith("Guten Tag,\n")
    assert "der neue Termin" in parts[3].get_content()


def test_the_calendar_in_the_email_reads_the_same_in_icaljs() -> None:
    message = parse(build(invitation()))
    text = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    (seen,) = icaljs([text.get_payload(decode=True).decode("utf-8")])
    (event,) = seen["events"]
    assert seen["method"] == "REQUEST" and event["sequence"] == 2
    assert event["start"] == "2026-03-16T13:00:00.000Z"


NASTY = [
    "Jonas\r\nBcc: victim@example.org",
    'Doe, Jonas; \\ "boss"',
    "=?utf-8?q?Mallory?=",
    "line\u2028separator",
    "Tab\tand\x00nul",
    "Müller, Jürgen",
    "x" * 120 + " long name that must be folded " + "y" * 60,
]


@pytest.mark.parametrize("text", NASTY)
def test_hostile_names_and_subjects_reparse_to_exactly_the_intended_headers(text: str) -> None:
    data = build(
        invitation(sender=Mailbox(text, "j@x.de"), to=[Mailbox(text, "a@b.de")], subject=text)
    )
    message = parse(data)
    assert sorted(message.keys()) == sorted(
        ["From", "To", "Subject", "Date", "Message-ID", "Content-Type", "MIME-Version"]
    )
    assert str(message["Subject"]) == one_line(text)
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (one_line(text), "j@x.de")
    (recipient,) = message["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == (one_line(text), "a@b.de")
    assert message["Bcc"] is None
    assert len(tree(message)) == 6


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list(",;:\\\"'<>@=?\r\n\t\u2028 aüé€")) | st.characters(),
        max_size=60,
    )
)
def test_random_header_text_cannot_break_out(text: str) -> None:
    message = parse(build(invitation(sender=Mailbox(text, "j@x.de"), subject=text)))
    assert sorted(message.keys()) == sorted(
        ["From", "To", "Subject", "Date", "Message-ID", "Content-Type", "MIME-Version"]
    )
    assert str(message["Subject"]) == one_line(text)
    (sender,) = message["From"].addresses
    assert sender.display_name == one_line(text) and sender.addr_spec == "j@x.de"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"method": "PUBLISHX"}, "method"),
        ({"to": []}, "to"),
        ({"sender": Mailbox("x", "not an address")}, "email"),
        ({"sender": Mailbox("x", "a@b.de\r\nBcc: c@d.de")}, "email"),
        ({"message_id": "<a b>"}, "message_id"),
    ],
)
def test_bad_values_are_refused_by_name(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        build(invitation(**changes))


def test_ascii_calendars_travel_as_7bit_and_others_as_base64() -> None:
    text = ics.cancel(FACTS, dtstamp=NOW).replace("–", "-").replace("ü", "ue")
    plain = parse(build(invitation(ics=text)))
    part = next(p for p in plain.walk() if p.get_content_type() == "text/calendar")
    assert part["Content-Transfer-Encoding"] == "7bit"
    assert "BEGIN:VCALENDAR" in plain.as_string()  # readable as is, as Google sends it
    accented = parse(build(invitation()))  # the summary holds an en dash and "ü"
    part = next(p for p in accented.walk() if p.get_content_type() == "text/calendar")
    assert part["Content-Transfer-Encoding"] == "base64"
    assert all(p["MIME-Version"] is None for p in list(accented.walk())[1:])
