"""Replies matched to what was sent: uploaded .eml and a real Dovecot IMAP mailbox.

A reply closes "call if no reply", its proposed times are checked against the user's
busy time, and the same reply seen twice is kept once.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.errors import BadInput
from fairnotice.io import validate
from fairnotice.mail.replies import ImapAccount
from fairnotice.mail.transport import MemoryTransport
from fairnotice.model import Situation
from fairnotice.operations.outbox.delivery import fire_followups
from fairnotice.operations.outbox.loop import Deliverer
from fairnotice.operations.plans.sending import local_workspace, send_plan
from fairnotice.operations.replies.commands import connect_mailbox, poll_mailboxes, record_reply
from fairnotice.store.session import transaction
from fairnotice.store.tables import Mailbox, OutboxMessage, PlanStep, ReplyRecord
from tests.conftest import BASE
from tests.mail.imap_server import Imap, dovecot
from tests.mail.outbox_rows import Clock

SENT_AT = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, the situation's now


def _sent(sessions: sessionmaker[Session], clock: Clock) -> tuple[int, str]:
    """A candidate's reschedule email, planned, queued and delivered: (plan id, Message-ID)."""
    clock.now = SENT_AT
    situation = validate(Situation, BASE)
    with transaction(sessions, write=True) as session:
        queued = send_plan(
            session, situation=situation, workspace_id=local_workspace(session), clock=clock
        )
    transport = MemoryTransport()
    Deliverer(sessions, lambda: transport, sender="noreply@fairnotice.test", clock=clock).drain()
    (envelope,) = transport.sent
    return queued.plan_id, envelope.message_id


def _reply(to_id: str, text: str, own: str = "<r1@muster.example>") -> bytes:
    return (
        "From: Jonas Doe <j.doe@example.com>\r\nTo: alex@example.org\r\n"
        f"Subject: AW: Termin\r\nDate: Tue, 10 Mar 2026 11:00:00 +0100\r\nMessage-ID: {own}\r\n"
        f"In-Reply-To: {to_id}\r\nReferences: {to_id}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{text}\r\n"
    ).encode()


def _steps(sessions: sessionmaker[Session], plan_id: int) -> dict[str, tuple[str, Any]]:
    with sessions() as session:
        rows = session.scalars(select(PlanStep).where(PlanStep.plan_id == plan_id))
        return {str(s.condition): (s.state, s.outcome) for s in rows}


def test_an_uploaded_reply_is_matched_read_checked_and_closes_the_call_step(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    plan_id, message_id = _sent(sessions, clock)
    text = (
        "Sehr geehrter Herr Weber,\n\nwie wäre es mit Donnerstag um 15 Uhr? Alternativ ginge "
        "Montag, 16. März, um 10 Uhr.\n\nAm 10.03.2026 schrieb Alex Weber:\n> Freitag um 9 Uhr?"
    )
    with transaction(sessions, write=True) as session:
        found = record_reply(session, raw=_reply(message_id, text), source="upload", now=clock())
        assert found is not None
        reply, new = found
        assert new and reply.plan_id == plan_id and reply.language == "de"
        proposals = reply.proposals
    assert [p["start"] for p in proposals] == [
        "2026-03-12T15:00:00+01:00",
        "2026-03-16T10:00:00+01:00",
    ]
    assert [p["free"] for p in proposals] == [True, False]
    assert proposals[1]["clashes"] == [
        {"start": "2026-03-16T09:00:00+01:00", "end": "2026-03-16T12:00:00+01:00"}
    ]
    assert proposals[0]["end"] == "2026-03-12T16:00:00+01:00"  # the interview's length
    assert _steps(sessions, plan_id)["no_reply"] == ("done", "replied")
    with transaction(sessions, write=True) as session:
        again = record_reply(session, raw=_reply(message_id, text), source="upload", now=clock())
        assert again is not None and again[1] is False
        assert session.scalar(select(ReplyRecord.id).where(ReplyRecord.id > reply.id)) is None
        stray = _reply("<unknown@elsewhere.example>", "Hallo", own="<r2@x.example>")
        assert record_reply(session, raw=stray, source="upload", now=clock()) is None


def test_no_reply_by_the_due_time_sends_the_user_a_reminder_once(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    plan_id, _ = _sent(sessions, clock)
    with transaction(sessions, write=True) as session:
        assert fire_followups(session, now=clock())["reminded"] == 0  # not due yet
    clock.advance(days=1, minutes=1)
    with transaction(sessions, write=True) as session:
        assert fire_followups(session, now=clock()) == {"replied": 0, "expired": 0, "reminded": 1}
    with transaction(sessions, write=True) as session:
        assert fire_followups(session, now=clock())["reminded"] == 0  # once only
    with sessions() as session:
        reminder = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "reminder")
        ).one()
    assert reminder.recipient == "alex@example.org" and reminder.language == "de"
    assert reminder.subject == "Erinnerung: Jonas Doe anrufen"
    assert "+49 30 000000" in reminder.body and "Paralegal" in reminder.body
    transport = MemoryTransport()
    Deliverer(sessions, lambda: transport, sender="noreply@fairnotice.test", clock=clock).drain()
    assert [e.recipients for e in transport.sent] == [("alex@example.org",)]
    assert b"Auto-Submitted: auto-generated" in transport.sent[0].data
    assert _steps(sessions, plan_id)["no_reply"] == ("open", None)  # the call is still to do


def test_a_reply_before_the_due_time_means_no_reminder(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    _, message_id = _sent(sessions, clock)
    with transaction(sessions, write=True) as session:
        record_reply(session, raw=_reply(message_id, "Danke, passt."), source="upload", now=clock())
    clock.advance(days=2)
    with transaction(sessions, write=True) as session:
        assert fire_followups(session, now=clock())["reminded"] == 0
    with sessions() as session:
        kinds = session.scalars(select(OutboxMessage.kind)).all()
    assert kinds == ["email"]


SECRET = "test-secret-key-0123456789abcdef"  # seals the stored mailbox password


def _account(imap: Imap, password: str | None = None) -> Any:
    def make(box: Mailbox, stored: str) -> ImapAccount:  # stored: the password, decrypted
        return ImapAccount("127.0.0.1", imap.port, box.username, password or stored,
                           tls="none", folder=box.folder, timeout=10)  # fmt: skip

    return make


def test_replies_are_polled_from_a_real_imap_mailbox(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    plan_id, message_id = _sent(sessions, clock)
    with dovecot() as imap:
        imap.append(_reply(message_id, "Passt Ihnen Freitag um 11 Uhr?"))
        imap.append(_reply("<newsletter@shop.example>", "Rabatt!", own="<n1@shop.example>"))
        with transaction(sessions, write=True) as session:
            ws = session.scalar(select(OutboxMessage.workspace_id))
            assert ws is not None
            box_id = connect_mailbox(session, workspace_id=ws, host="127.0.0.1", port=imap.port,
                                     username=imap.user, password=imap.password,
                                     tls="none", secret=SECRET).id  # fmt: skip
        every = timedelta(minutes=1)
        poll = functools.partial(poll_mailboxes, sessions, clock=clock, every=every, secret=SECRET)
        assert poll(account=_account(imap)) == 1
        assert poll(account=_account(imap)) == 0
        clock.advance(minutes=2)
        imap.append(_reply(message_id, "Oder Montag um 9 Uhr?", own="<r3@muster.example>"))
        assert poll(account=_account(imap)) == 1
        clock.advance(minutes=2)
        wrong = _account(imap, password="wrong")
        assert poll(account=wrong) == 0
    with sessions() as session:
        box = session.get(Mailbox, box_id)
        replies = session.scalars(select(ReplyRecord).order_by(ReplyRecord.id)).all()
        assert box is not None and box.last_uid == 3 and box.uidvalidity
        assert box.last_error is not None and "auth" in box.last_error.lower()
        assert [r.source for r in replies] == ["imap", "imap"]
        assert [p["start"] for r in replies for p in r.proposals] == [
            "2026-03-13T11:00:00+01:00",
            "2026-03-16T09:00:00+01:00",
        ]
        assert replies[1].proposals[0]["free"] is False  # busy 09:00-12:00 that Monday
    assert _steps(sessions, plan_id)["no_reply"] == ("done", "replied")


def test_agreement_drafts_the_follow_up_note_which_goes_out_once_released(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    from fairnotice.operations.outbox.delivery import draft_after_agreement, release

    plan_id, _ = _sent(sessions, clock)
    agreed = datetime(2026, 3, 12, 14, 0, tzinfo=UTC)
    with transaction(sessions, write=True) as session:
        ws = session.scalar(select(OutboxMessage.workspace_id))
        assert ws is not None
        (draft,) = draft_after_agreement(
            session, workspace_id=ws, plan_id=plan_id, agreed=agreed, now=clock()
        )
        draft_id = draft.id
    with sessions() as session:
        row = session.get(OutboxMessage, draft_id)
        assert row is not None and row.state == "draft" and row.kind == "follow_up_email"
        assert row.recipient == "j.doe@example.com" and row.deadline == agreed
    assert _steps(sessions, plan_id)["no_reply"] == ("done", "replied")
    transport = MemoryTransport()
    worker = Deliverer(sessions, lambda: transport, sender="noreply@fairnotice.test", clock=clock)
    assert worker.drain().claimed == 0  # a draft waits for the user
    with transaction(sessions, write=True) as session:
        release(session, row_id=draft_id, now=clock(), workspace_id=ws)
    assert worker.drain().sent == 1
    assert transport.sent[0].recipients == ("j.doe@example.com",)
    with transaction(sessions, write=True) as session, pytest.raises(BadInput) as refused:
        release(session, row_id=draft_id, now=clock(), workspace_id=ws)
    assert refused.value.field == "id"


def test_a_reply_without_message_id_is_still_kept_once(
    sqlite_sessions: sessionmaker[Session], clock: Clock
) -> None:
    _, message_id = _sent(sqlite_sessions, clock)
    raw = _reply(message_id, "Gerne am Freitag um 9 Uhr.").replace(
        b"Message-ID: <r1@muster.example>\r\n", b""
    )
    assert b"Message-ID" not in raw
    with transaction(sqlite_sessions, write=True) as session:
        first = record_reply(session, raw=raw, source="upload", now=clock())
        second = record_reply(session, raw=raw, source="upload", now=clock())
    assert first is not None and first[1] is True
    assert second is not None and second[1] is False and second[0].id == first[0].id
    assert first[0].message_id.startswith("<sha256-")
