"""Text PostgreSQL cannot keep (NUL) and mail nested beyond reason are bad input, named,
on every form and API body; never a 500 (issue 14, item 9). On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from fairnotice.store.tables import PlanRecord, Position
from fairnotice.web import i18n
from tests.web.conftest import Browser
from tests.web.helpers import add_interview, make_plan
from tests.web.test_api import api_token


def deep_mime(levels: int = 1000) -> bytes:
    """68 KiB: an email of `levels` nested multiparts around one text part."""
    parts = [b"From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"]
    for i in range(levels):
        parts.append(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i))
    parts.append(b"Content-Type: text/plain\r\n\r\nhello\r\n")
    parts.extend(b"--b%d--\r\n" % i for i in reversed(range(levels)))
    return b"".join(parts)


def refused(response: object, field: str) -> None:
    status = getattr(response, "status_code", None)
    body = getattr(response, "text", "")
    assert status == 422, (status, body[:300])
    assert field in body, body[:2000]


def test_a_nul_in_a_position_title_is_refused_by_name(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("hr@example.org")
    browser.get(f"/w/{ws}")
    response = browser.post(f"/w/{ws}/positions", {"title": "Dev\x00ops", "company": "ACME"})
    refused(response, "title")
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Position)) == 0


def test_a_nul_in_a_plan_note_is_refused_by_name(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("alex@example.org")
    interview = add_interview(browser, ws)
    browser.get(f"/w/{ws}/interviews/{interview}")
    form = {"intent": "reschedule", "reason": "family", "certainty": "sure", "note": "a\x00b"}
    browser.http.headers["accept-language"] = "de"
    response = browser.post(f"/w/{ws}/interviews/{interview}/plan", form)
    refused(response, i18n.translate("Private note (only for you, never sent)", "de"))
    assert "nicht gespeichert werden kann" in response.text
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PlanRecord)) == 0


def test_a_nul_in_a_pasted_reply_is_refused_by_name(browser: Browser) -> None:
    ws = browser.sign_up("alex@example.org")
    interview = add_interview(browser, ws)
    plan = make_plan(browser, ws, interview)
    browser.get(f"/w/{ws}/plans/{plan}")
    response = browser.post(f"/w/{ws}/plans/{plan}/replies", {"text": "Gern am Montag\x00"})
    refused(response, "Or paste their reply")  # the field's label, not its key


def test_a_nul_in_an_api_body_is_refused_by_name(browser: Browser) -> None:
    auth = api_token(browser, "api@example.org", organisation="ACME")
    response = browser.http.post(
        "/api/v1/positions", json={"title": "Dev\x00ops", "company": "ACME"}, headers=auth
    )
    assert response.status_code == 422, response.text
    assert "title" in response.text


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "the email is nested too deeply"),
        ("de", "die E-Mail ist zu verschachtelt"),
        ("sv", "mejlet är för djupt nästlat"),
    ],
)
def test_deeply_nested_mail_is_refused_on_invitation_import(
    browser: Browser, language: str, words: str
) -> None:
    ws = browser.sign_up("alex@example.org")
    browser.http.headers["accept-language"] = language
    browser.get(f"/w/{ws}/interviews/new")
    response = browser.post(
        f"/w/{ws}/interviews/import", files={"file": ("invite.eml", deep_mime(), "message/rfc822")}
    )
    refused(response, "file")
    assert words in response.text


def test_deeply_nested_mail_is_refused_as_a_reply(browser: Browser) -> None:
    ws = browser.sign_up("alex@example.org")
    interview = add_interview(browser, ws)
    plan = make_plan(browser, ws, interview)
    browser.get(f"/w/{ws}/plans/{plan}")
    response = browser.post(
        f"/w/{ws}/plans/{plan}/replies", files={"file": ("r.eml", deep_mime(), "message/rfc822")}
    )
    refused(response, "message")
