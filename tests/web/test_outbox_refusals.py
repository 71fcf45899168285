"""The outbox's refusals (release, mark as sent, the .eml) on the pages in the viewer's
language, in English for the operations' other callers; on SQLite and PostgreSQL."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.errors import BadInput, NotFound
from fairnotice.operations.outbox import delivery
from fairnotice.store.tables import OutboxMessage
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


def _set(app: FastAPI, row_id: int, **values: object) -> None:
    with app.state.sessions() as session, session.begin():
        stored = session.get(OutboxMessage, row_id)
        assert stored is not None
        for key, value in values.items():
            setattr(stored, key, value)


def _problem(page: str) -> str:
    return " ".join(html.unescape(page).split())


@pytest.mark.parametrize(
    ("language", "released", "marked"),
    [
        (
            "de-DE",
            "Nachricht {id} lässt sich nicht freigeben: sie wartet schon im Postausgang",
            "Nachricht {id} lässt sich nicht als gesendet markieren: sie ist bereits gesendet",
        ),
        (
            "sv-SE",
            "meddelande {id} kan inte godkännas och skickas: det väntar redan i utkorgen",
            "meddelande {id} kan inte markeras som skickat: det är redan skickat",
        ),
        (
            "en",
            "message {id} cannot be released: it is already waiting in the outbox",
            "message {id} cannot be marked as sent: it has been sent already",
        ),
    ],
)
def test_release_and_mark_sent_refusals_in_the_viewers_language(
    app: FastAPI, browser: Browser, language: str, released: str, marked: str
) -> None:
    setup = offered(app, browser)
    row = _row(app, setup.org)
    assert row.state == "pending"
    browser.http.headers["Accept-Language"] = language
    browser.get(f"/w/{setup.org}/outbox")
    refused = browser.post(f"/w/{setup.org}/outbox/{row.id}/release", {})
    assert refused.status_code == 422
    assert released.format(id=row.id) in _problem(refused.text)
    assert _row(app, setup.org).state == "pending"
    assert browser.post(f"/w/{setup.org}/outbox/{row.id}/sent", {}).status_code == 303
    again = browser.post(f"/w/{setup.org}/outbox/{row.id}/sent", {})
    assert again.status_code == 422
    assert marked.format(id=row.id) in _problem(again.text)


def test_an_eml_that_cannot_be_written_is_refused_in_swedish(
    app: FastAPI, browser: Browser
) -> None:
    setup = offered(app, browser)
    row = _row(app, setup.org)
    _set(app, row.id, message_id="not-a-message-id", calendar_ics=None, calendar_method=None)
    browser.http.headers["Accept-Language"] = "sv-SE"
    refused = browser.get(f"/w/{setup.org}/outbox/{row.id}.eml")
    assert refused.status_code == 422
    assert (
        "det går inte att skriva som mejl: dess Message-ID not-a-message-id har inte formen "
        "<id@host>"
    ) in _problem(refused.text)
    _set(app, row.id, message_id=row.message_id, in_reply_to="no id")
    browser.http.headers["Accept-Language"] = "de-DE"
    answered = browser.get(f"/w/{setup.org}/outbox/{row.id}.eml")
    assert answered.status_code == 422
    assert (
        "sie lässt sich nicht als E-Mail schreiben: die Nachricht, auf die sie antwortet, "
        "hat keine gültige Message-ID (no id)"
    ) in _problem(answered.text)


def test_the_operations_keep_english_texts_for_the_cli(app: FastAPI, browser: Browser) -> None:
    setup = offered(app, browser)
    row = _row(app, setup.org)
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    _set(app, row.id, state="expired")
    with app.state.sessions() as session:
        with pytest.raises(BadInput) as released:
            delivery.release(session, row_id=row.id, now=now, workspace_id=None)
        with pytest.raises(BadInput) as marked:
            delivery.mark_sent(session, row_id=row.id, now=now, workspace_id=None)
        with pytest.raises(NotFound) as missing:
            delivery.as_eml(session, row_id=row.id, workspace_id=setup.org + 1000, now=now)
    assert str(released.value) == (
        f"id: message {row.id} cannot be released: it was not sent: too late"
    )
    assert str(marked.value) == (
        f"id: message {row.id} cannot be marked as sent: it was not sent: too late"
    )
    assert str(missing.value) == "outbox message"
