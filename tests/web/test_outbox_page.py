"""The outbox page by hand (no relay): the .eml and mailto: beside each waiting message,
"Mark as sent" and "Release" as CSRF-protected POSTs, on SQLite and PostgreSQL."""

from __future__ import annotations

from email import message_from_bytes, policy

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.store.tables import OutboxEvent, OutboxMessage
from tests.web.conftest import Browser
from tests.web.employer_setup import offered


def _row(app: FastAPI, org: int) -> OutboxMessage:
    with app.state.sessions() as session:
        row = session.scalar(  # the offer's letter (the first invitations it voided aside)
            select(OutboxMessage).where(
                OutboxMessage.workspace_id == org, OutboxMessage.calendar_method.is_(None)
            )
        )
        assert row is not None
        session.expunge(row)
        return row


def test_a_waiting_message_is_opened_and_marked_sent_by_hand(
    app: FastAPI, browser: Browser
) -> None:
    setup = offered(app, browser)
    row = _row(app, setup.org)
    assert row.state == "pending"
    page = browser.get(f"/w/{setup.org}/outbox")
    assert f'href="/w/{setup.org}/outbox/{row.id}.eml"' in page.text
    assert 'href="mailto:lena@example.org?subject=' in page.text
    assert f'action="/w/{setup.org}/outbox/{row.id}/sent"' in page.text
    eml = browser.get(f"/w/{setup.org}/outbox/{row.id}.eml")
    assert eml.status_code == 200 and eml.headers["content-type"] == "message/rfc822"
    parsed = message_from_bytes(eml.content, policy=policy.default)
    assert parsed["Message-ID"] == row.message_id and parsed["To"].addresses[0].username == "lena"
    assert browser.http.post(f"/w/{setup.org}/outbox/{row.id}/sent").status_code == 403
    done = browser.post(f"/w/{setup.org}/outbox/{row.id}/sent", {})
    assert done.status_code == 303
    after = _row(app, setup.org)
    assert after.state == "sent" and after.sent_at is not None
    with app.state.sessions() as session:
        details = session.scalars(
            select(OutboxEvent.detail).where(OutboxEvent.outbox_id == row.id)
        ).all()
    assert "sent by the user" in details
    page = browser.get(f"/w/{setup.org}/outbox")
    assert f'action="/w/{setup.org}/outbox/{row.id}/sent"' not in page.text
    again = browser.post(f"/w/{setup.org}/outbox/{row.id}/sent", {})
    assert again.status_code == 422  # already sent: refused, named


def test_a_draft_is_released_from_the_outbox(app: FastAPI, browser: Browser) -> None:
    setup = offered(app, browser)
    row = _row(app, setup.org)
    with app.state.sessions() as session, session.begin():
        stored = session.get(OutboxMessage, row.id)
        assert stored is not None
        stored.state = "draft"
    page = browser.get(f"/w/{setup.org}/outbox")
    assert f'action="/w/{setup.org}/outbox/{row.id}/release"' in page.text
    released = browser.post(
        f"/w/{setup.org}/outbox/{row.id}/release", {"back": f"/w/{setup.org}/outbox"}
    )
    assert released.status_code == 303
    assert released.headers["location"] == f"/w/{setup.org}/outbox"
    assert _row(app, setup.org).state == "pending"


def test_with_a_relay_only_failed_messages_can_be_marked(app: FastAPI, browser: Browser) -> None:
    setup = offered(app, browser)
    row = _row(app, setup.org)
    app.state.settings = app.state.settings.changed(smtp={"host": "relay.example"})
    page = browser.get(f"/w/{setup.org}/outbox")
    assert f"/outbox/{row.id}/sent" not in page.text and "No mail relay" not in page.text
    assert f"/outbox/{row.id}.eml" in page.text
