"""Header injection: whatever a name or subject holds, the server receives exactly the
intended headers and recipients (real SMTP to aiosmtpd, parsed back at the server)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.mail.transport import SmtpConfig, SmtpTransport
from fairnotice.operations.outbox.loop import Deliverer, Policy
from tests.mail.outbox_rows import Clock, by_recipient, seed
from tests.mail.servers import smtp_server

NASTY = [
    "Jonas\r\nBcc: victim@evil.test",
    "Jonas\nTo: victim@evil.test",
    "Jonas\rCc: victim@evil.test",
    "Jonas\u2028Bcc: victim@evil.test",
    "Jonas\u2029X-Evil: 1",
    "Jonas\u0085Bcc: victim@evil.test",
    "=?utf-8?q?Eve=0D=0ABcc=3A_victim=40evil.test?=",
    "=?utf-8?b?RXZlDQpCY2M6IHZpY3RpbUBldmlsLnRlc3Q=?=",
    'Doe, "Jonas" <victim@evil.test>',
    "Jörg Müller-Lüdenscheidt \t\x00\x1b",
    "Ärende: " + "x" * 300,
]
ICS = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n"


def _one_line(text: str) -> str:
    for bad in "\r\n\u2028\u2029\u0085\t\x00\x1b":
        text = text.replace(bad, " ")
    return " ".join(text.split())


@pytest.mark.parametrize("calendar", [False, True], ids=["plain", "imip"])
def test_names_and_subjects_never_become_headers_or_recipients(
    sqlite_sessions: sessionmaker[Session], clock: Clock, calendar: bool
) -> None:
    extra = {"calendar_method": "CANCEL", "calendar_ics": ICS} if calendar else {}
    seed(sqlite_sessions, 1, **extra)  # the clean baseline: c0@example0.com
    for nasty in NASTY:
        seed(
            sqlite_sessions,
            1,
            recipient=f"r{NASTY.index(nasty)}@example.com",
            recipient_name=nasty,
            sender_name=nasty,
            subject=nasty,
            **extra,
        )
    with smtp_server() as (port, recorder):
        worker = Deliverer(
            sqlite_sessions,
            lambda: SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none")),
            sender="noreply@fairnotice.test",
            policy=Policy(retry_base=timedelta(minutes=1)),
            clock=clock,
        )
        stats = worker.drain()
    assert stats.sent == len(NASTY) + 1
    received = {r.rcpt_tos[0]: r for r in recorder.received}
    assert all(len(r.rcpt_tos) == 1 for r in recorder.received)
    assert all(r.mail_from == "noreply@fairnotice.test" for r in recorder.received)
    baseline = received["c0@example0.com"].parsed()
    expected_names = Counter(k.lower() for k in baseline)
    for index, nasty in enumerate(NASTY):
        message = received[f"r{index}@example.com"].parsed()
        assert Counter(k.lower() for k in message) == expected_names, nasty
        assert message["Subject"] == _one_line(nasty)
        (to,) = message["To"].addresses
        assert (to.display_name, to.addr_spec) == (_one_line(nasty), f"r{index}@example.com")
        (sender,) = message["From"].addresses
        assert (sender.display_name, sender.addr_spec) == (
            _one_line(nasty),
            "noreply@fairnotice.test",
        )
        assert message["Bcc"] is None and message["Cc"] is None and message["X-Evil"] is None


def test_a_reply_to_with_a_line_break_is_refused_not_sent(
    sqlite_sessions: sessionmaker[Session], clock: Clock
) -> None:
    seed(sqlite_sessions, 1, reply_to="alex@example.org\r\nBcc: victim@evil.test")
    with smtp_server() as (port, recorder):
        stats = Deliverer(
            sqlite_sessions,
            lambda: SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none")),
            sender="noreply@fairnotice.test",
            clock=clock,
        ).drain()
    assert stats.failed == 1 and recorder.received == []
    (row,) = by_recipient(sqlite_sessions).values()
    assert row.state == "failed" and row.attempts == 1
