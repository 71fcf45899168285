"""The plan page's .eml download is written by the outbox's email writer (mail/outgoing.py):
no header injection through an imported SUMMARY, no 500 for odd characters in a subject,
and a draft marker (X-Unsent: 1) so mail programs open it for editing."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.web.conftest import Browser
from tests.web.helpers import add_interview, make_plan

INVITE = Path(__file__).parents[1] / "web" / "fixtures" / "invite-outlook-de.ics"
SUMMARY = "SUMMARY;LANGUAGE=de-DE:Vorstellungsgespräch Paralegal – Muster & Partner GmbH"
INJECTIONS = (
    "=?utf-8?q?Paralegal=0D=0ABcc:_evil@attacker.example?=",
    "=?utf-8?b?UGFyYWxlZ2FsDQpCY2M6IGV2aWxAYXR0YWNrZXIuZXhhbXBsZQ==?=",
    "Paralegal =?us-ascii?Q?=0D=0ABcc=3A_evil=40attacker=2Eexample?= x",
)
ODD = ("\x0b", "\x0c", "\u2028", "\x85", "\u2029", "\x1b")


def parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def imported_plan(browser: Browser, ws: int, summary: str) -> int:
    ics = INVITE.read_text(encoding="utf-8").replace(SUMMARY, f"SUMMARY:{summary}")
    browser.get(f"/w/{ws}/interviews/new")
    response = browser.post(
        f"/w/{ws}/interviews/import", files={"file": ("invite.ics", ics.encode(), "text/calendar")}
    )
    assert response.status_code == 303, response.text
    interview = int(response.headers["location"].rsplit("/", 1)[1])
    return make_plan(browser, ws, interview, message_language="en")


@pytest.mark.parametrize("summary", INJECTIONS)
def test_an_encoded_word_in_the_summary_adds_no_header(
    app: FastAPI, browser: Browser, summary: str, tally: Counter[str]
) -> None:
    ws = browser.sign_up("eml@example.org")
    plan = imported_plan(browser, ws, summary)
    response = browser.get(f"/w/{ws}/plans/{plan}/messages/m1.eml")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("message/rfc822")
    head = response.content.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in head and b"\nbcc:" not in head.lower()
    message = parsed(response.content)
    assert message["Bcc"] is None and message.get_all("Bcc") is None
    assert message["X-Unsent"] == "1"
    assert [str(a.addr_spec) for a in message["To"].addresses] == ["j.doe@muster-partner.example"]
    assert message["From"].addresses[0].addr_spec == "eml@example.org"
    # what the user sees is the SUMMARY's text as typed, not a decoded line break
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
    assert message.defects == []
    tally["header injections through an imported SUMMARY (.eml)"] += 1


@pytest.mark.parametrize("char", ODD)
def test_control_and_separator_characters_in_a_subject_are_no_500(
    app: FastAPI, browser: Browser, char: str, tally: Counter[str]
) -> None:
    ws = browser.sign_up("odd@example.org")
    interview = add_interview(browser, ws)
    plan = make_plan(browser, ws, interview)
    subject = f"Termin{char}verschieben{char}Bcc: evil@attacker.example"
    edited = browser.post(
        f"/w/{ws}/plans/{plan}/messages/m1", {"subject": subject, "body": f"Hallo{char}Welt"}
    )
    assert edited.status_code == 303, edited.text
    response = browser.get(f"/w/{ws}/plans/{plan}/messages/m1.eml")
    assert response.status_code == 200, response.text
    message = parsed(response.content)
    assert message["Bcc"] is None
    assert str(message["Subject"]) == "Termin verschieben Bcc: evil@attacker.example"
    assert message["X-Unsent"] == "1"
    text = message.get_body(("plain",))
    assert text is not None and "Hallo" in text.get_content()
    tally["odd characters in a subject (.eml)"] += 1


def test_the_download_carries_the_calendar_like_the_outbox(app: FastAPI, browser: Browser) -> None:
    """The same iMIP shape as what the outbox sends: text, HTML and the calendar part."""
    ws = browser.sign_up("cal@example.org")
    plan = imported_plan(browser, ws, "Paralegal interview")
    message = parsed(browser.get(f"/w/{ws}/plans/{plan}/messages/m1.eml").content)
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types
    assert message["Message-ID"].endswith("@example.org>")
