"""Emails the user sends themselves (issue 19): downloads open as threaded drafts, and a
reply is recordable however the email went (outbox, mail program, mailto: or copied text).

Every .eml is read back with the standard library's parser, as a mail program would."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.mail.transport import MemoryTransport
from fairnotice.operations.outbox.loop import Deliverer
from fairnotice.store.tables import OutboxMessage, PlanStep, ReplyRecord
from tests.web.conftest import Browser, Clock
from tests.web.helpers import add_interview, make_plan

BERLIN = ZoneInfo("Europe/Berlin")


def _parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _plan(browser: Browser) -> tuple[int, int]:
    ws = browser.sign_up("cand@example.org")
    return ws, make_plan(browser, ws, add_interview(browser, ws))


def _send_step(app: FastAPI, plan: int) -> PlanStep:
    with app.state.sessions() as session:
        step: PlanStep = session.scalars(
            select(PlanStep).where(PlanStep.plan_id == plan, PlanStep.action == "send")
        ).first()
        session.expunge(step)
    return step


def _reply(own: str, text: str, to_id: str | None = None) -> bytes:
    thread = f"In-Reply-To: {to_id}\r\nReferences: {to_id}\r\n" if to_id else ""
    return (
        "From: Jonas Doe <j.doe@example.com>\r\nTo: cand@example.org\r\n"
        f"Subject: AW: Termin\r\nDate: Tue, 10 Mar 2026 11:00:00 +0100\r\nMessage-ID: {own}\r\n"
        f"{thread}Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"{text}\r\n"
    ).encode()


def test_a_reply_to_an_email_sent_by_hand_is_recorded_once_marked_sent(
    app: FastAPI, browser: Browser
) -> None:
    ws, plan = _plan(browser)
    page = browser.get(f"/w/{ws}/plans/{plan}").text
    assert "I sent it myself" in page
    raw = _reply("<hand-1@muster.example>", "Passt Freitag um 10 Uhr?")
    upload = {"file": ("reply.eml", raw, "message/rfc822")}
    before = browser.post(f"/w/{ws}/plans/{plan}/replies", files=upload)
    assert before.status_code == 422 and "mark its step as sent" in before.text
    pasted = browser.post(f"/w/{ws}/plans/{plan}/replies", {"text": "Passt Freitag um 10 Uhr?"})
    assert pasted.status_code == 422 and "if you sent one yourself" in pasted.text
    step = _send_step(app, plan)
    marked = browser.post(f"/w/{ws}/steps/{step.id}", {"outcome": "sent"})
    assert marked.status_code == 303
    page = browser.get(f"/w/{ws}/plans/{plan}").text
    assert "✓ Sent on " in page
    added = browser.post(f"/w/{ws}/plans/{plan}/replies", files=upload)
    assert added.status_code == 303 and added.headers["location"].endswith(f"/{plan}#replies")
    again = browser.post(f"/w/{ws}/plans/{plan}/replies", files=upload)
    assert again.status_code == 303
    pasted = browser.post(f"/w/{ws}/plans/{plan}/replies", {"text": "Oder Donnerstag um 9 Uhr?"})
    assert pasted.status_code == 303
    with app.state.sessions() as session:
        replies = session.scalars(select(ReplyRecord).order_by(ReplyRecord.id)).all()
        assert [(r.plan_id, r.outbox_id, r.source) for r in replies] == [
            (plan, None, "upload"),
            (plan, None, "paste"),
        ]
        starts = [datetime.fromisoformat(p["start"]) for p in replies[0].proposals]
        assert starts == [datetime(2026, 3, 13, 10, 0, tzinfo=BERLIN)]
        pasted_from = replies[1].sender
        open_no_reply = session.scalars(
            select(PlanStep).where(
                PlanStep.plan_id == plan,
                PlanStep.condition == "no_reply",
                PlanStep.state == "open",
            )
        ).all()
    assert "@" in pasted_from  # the pasted reply is from whom the email went to
    assert open_no_reply == []  # the reply closed "call if no reply"
    page = browser.get(f"/w/{ws}/plans/{plan}").text
    assert "Passt Freitag um 10 Uhr?" in page.split('id="replies"')[1]


def test_a_reply_is_not_filed_under_a_plan_of_another_workspace(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    ws, plan = _plan(browser)
    browser.post(f"/w/{ws}/steps/{_send_step(app, plan).id}", {"outcome": "sent"})
    other_ws = other_browser.sign_up("intruder@example.org", name="Intruder")
    other_browser.get(f"/w/{other_ws}")
    raw = _reply("<x-1@muster.example>", "Hallo")
    refused = other_browser.post(
        f"/w/{other_ws}/plans/{plan}/replies", files={"file": ("r.eml", raw, "message/rfc822")}
    )
    assert refused.status_code == 404
    with app.state.sessions() as session:
        assert session.scalars(select(ReplyRecord)).all() == []


def test_the_plans_eml_is_a_draft_threaded_with_the_reply_it_answers(
    app: FastAPI, browser: Browser
) -> None:
    ws, plan = _plan(browser)
    first = _parsed(browser.get(f"/w/{ws}/plans/{plan}/messages/m1.eml").content)
    assert first["X-Unsent"] == "1"
    assert first["In-Reply-To"] is None and first["References"] is None  # nothing to answer
    browser.post(f"/w/{ws}/steps/{_send_step(app, plan).id}", {"outcome": "sent"})
    raw = _reply("<their-7@muster.example>", "Geht Freitag um 10 Uhr?")
    browser.get(f"/w/{ws}/plans/{plan}")
    browser.post(f"/w/{ws}/plans/{plan}/replies", files={"file": ("r.eml", raw, "message/rfc822")})
    answer = _parsed(browser.get(f"/w/{ws}/plans/{plan}/messages/m1.eml").content)
    assert answer["X-Unsent"] == "1"
    assert answer["In-Reply-To"] == "<their-7@muster.example>"
    assert answer["References"] == "<their-7@muster.example>"
    assert answer["To"].addresses[0].addr_spec != ""


def test_a_hostile_message_id_of_a_reply_adds_no_header(app: FastAPI, browser: Browser) -> None:
    ws, plan = _plan(browser)
    browser.post(f"/w/{ws}/steps/{_send_step(app, plan).id}", {"outcome": "sent"})
    browser.get(f"/w/{ws}/plans/{plan}")
    raw = _reply("<a,b(c)@x.example>\r\nBcc: evil@attacker.example", "Hallo")
    browser.post(f"/w/{ws}/plans/{plan}/replies", files={"file": ("r.eml", raw, "message/rfc822")})
    data = browser.get(f"/w/{ws}/plans/{plan}/messages/m1.eml").content
    message = _parsed(data)
    assert message["Bcc"] is None and b"attacker" not in data
    assert message["In-Reply-To"] is None  # an id no mail program could thread with


def test_the_outbox_eml_is_a_draft_and_the_agreement_note_answers_the_reply(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    ws, plan = _plan(browser)
    browser.get(f"/w/{ws}/plans/{plan}")
    assert browser.post(f"/w/{ws}/plans/{plan}/queue").status_code == 303
    with app.state.sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.plan_id == plan)).first()
        assert row is not None
        row_id = row.id
    queued = _parsed(browser.get(f"/w/{ws}/outbox/{row_id}.eml").content)
    assert queued["X-Unsent"] == "1"
    with app.state.sessions() as session:
        kept = session.get(OutboxMessage, row_id)
        assert kept is not None
        assert queued["Message-ID"] == kept.message_id  # what replies are matched by
    transport = MemoryTransport()
    Deliverer(
        app.state.sessions, lambda: transport, sender="noreply@fairnotice.test", clock=clock
    ).drain()
    (sent,) = transport.sent
    relayed = _parsed(sent.data)
    assert relayed["X-Unsent"] is None  # what a relay sends is no draft
    browser.get(f"/w/{ws}/plans/{plan}")
    raw = _reply("<their-9@muster.example>", "Passt Freitag um 10 Uhr?", to_id=sent.message_id)
    browser.post(f"/w/{ws}/plans/{plan}/replies", files={"file": ("r.eml", raw, "message/rfc822")})
    agreed = browser.post(f"/w/{ws}/plans/{plan}/agreed", {"agreed": "2026-03-13T10:00"})
    assert agreed.status_code == 303
    with app.state.sessions() as session:
        draft = session.scalars(select(OutboxMessage).where(OutboxMessage.state == "draft")).one()
        assert draft.in_reply_to == "<their-9@muster.example>"
        draft_id = draft.id
    note = _parsed(browser.get(f"/w/{ws}/outbox/{draft_id}.eml").content)
    assert note["X-Unsent"] == "1"
    assert note["In-Reply-To"] == "<their-9@muster.example>"
    assert note["References"] == "<their-9@muster.example>"
