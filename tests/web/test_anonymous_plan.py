"""A plan without an account (issue 17), through the ASGI client on both databases: the
landing page's first action, the plan from an uploaded, pasted or typed invitation, its
check, .eml and .ics downloads and keep page, and not one row written by any of it;
refusals in the viewer's language (422 by field, 413, 429); keeping the plan stores it in
the new account's workspace, once."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from limits import parse
from sqlalchemy import func, select

from fairnotice.store.tables import Base, Interview, PlanRecord
from fairnotice.web import throttle
from tests.web.conftest import PASSWORD, Browser

INVITE = (Path(__file__).parent / "fixtures" / "invite-outlook-de.ics").read_bytes()
DE = {"Accept-Language": "de-DE,de;q=0.9"}
ME = {"my_name": "Alex Weber", "my_email": "alex@example.org", "my_timezone": "Europe/Berlin"}
CHOICES = {
    "intent": "reschedule",
    "reason": "illness",
    "certainty": "sure",
    "hours_start": "09:00",
    "hours_end": "17:00",
    "days": ["1", "2", "3", "4", "5"],
    "message_language": "de",
}
TYPED = {
    "position": "Backend-Entwicklerin",
    "company": "Beispiel GmbH",
    "date": "2026-03-13",
    "start_time": "10:00",
    "end_time": "11:00",
    "timezone": "Europe/Berlin",
    "contact_name": "Maria Schmidt",
    "contact_salutation": "Frau",
    "contact_email": "maria.schmidt@beispiel.example",
    "channel": "email",
}
CARRIED = re.compile(r'name="carried" value="([^"]+)"')
MESSAGE = re.compile(r'name="message" value="([^"]+)"')


def counts(app: FastAPI) -> dict[str, int]:
    with app.state.sessions() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def plan_page(browser: Browser, data: dict[str, Any], **files: Any) -> Any:
    browser.get("/plan", headers=DE)
    return browser.post("/plan", {**ME, **CHOICES, **data}, headers=DE, files=files or None)


def test_the_whole_journey_writes_no_row(app: FastAPI, browser: Browser) -> None:
    before = counts(app)
    landing = browser.get("/", headers=DE)
    first = re.search(r'<main id="main">.*?<a[^>]*href="([^"]+)"', landing.text, re.S)
    assert first is not None and first.group(1) == "/plan"  # the first action
    assert "Ich muss ein Vorstellungsgespräch ändern" in landing.text
    page = plan_page(browser, {}, file=("invite.ics", INVITE, "text/calendar"))
    assert page.status_code == 200, page.text[:2000]
    assert '<html lang="de">' in page.text
    assert "Paralegal" in page.text and "Jonas Doe" in page.text
    assert "mailto:j.doe%40muster-partner.example?subject=" in page.text
    assert "Kopieren" in page.text or "Text kopieren" in page.text
    [carried] = set(CARRIED.findall(page.text))
    ids = MESSAGE.findall(page.text)
    assert ids
    eml = browser.post("/plan/eml", {"carried": carried, "message": ids[0]}, headers=DE)
    assert eml.status_code == 200
    assert eml.headers["content-disposition"] == f'attachment; filename="{ids[0]}.eml"'
    parsed = email.message_from_bytes(eml.content, policy=email.policy.default)
    assert parsed["To"].addresses[0].addr_spec == "j.doe@muster-partner.example"
    assert parsed["From"].addresses[0].addr_spec == "alex@example.org"
    assert parsed["Content-Language"] == "de"
    assert "Paralegal" in parsed["Subject"]
    # the words in the editor are the .eml's: the visitor's edit goes into the download
    edited = {"carried": carried, "message": ids[0], "subject": "Neuer Termin", "body": "Hallo"}
    again = email.message_from_bytes(
        browser.post("/plan/eml", edited, headers=DE).content, policy=email.policy.default
    )
    assert again["Subject"] == "Neuer Termin"
    assert again.get_body(("plain",)).get_content().strip() == "Hallo"  # type: ignore[union-attr]
    checked = browser.post("/plan/check", edited, headers=DE)
    assert checked.status_code == 200 and 'class="findings"' in checked.text
    assert "Die Prüfung hat" in checked.text  # findings in du-German
    fragment = browser.post("/plan/check", edited, headers={**DE, "HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="check-')
    ics = browser.post("/plan/ics", {"carried": carried, "message": ids[0]}, headers=DE)
    assert ics.status_code in (200, 404)  # a reschedule's email may carry no calendar
    keep = browser.post("/plan/keep", {"carried": carried}, headers=DE)
    assert keep.status_code == 200 and keep.text.count(f'value="{carried}"') == 2
    typed = plan_page(browser, TYPED)
    assert typed.status_code == 200 and "Maria Schmidt" in typed.text
    pasted = plan_page(browser, {"intent": "withdraw", "invitation_text": INVITE.decode()})
    assert pasted.status_code == 200 and "Paralegal" in pasted.text
    assert counts(app) == before


def test_a_calendar_download_is_the_plan_messages_own(app: FastAPI, browser: Browser) -> None:
    """A message the page offers a calendar for downloads it as it is; one it does not
    is a 404; neither writes a row."""
    before = counts(app)
    for intent in ("reschedule", "withdraw"):
        page = plan_page(browser, {"intent": intent}, file=("i.ics", INVITE, "text/calendar"))
        [carried] = set(CARRIED.findall(page.text))
        for article in page.text.split('<article id="')[1:]:
            found = MESSAGE.search(article)
            if found is None:  # a phone script: read out, nothing to download
                continue
            mid = found.group(1)
            got = browser.post("/plan/ics", {"carried": carried, "message": mid}, headers=DE)
            offered = 'formaction="/plan/ics"' in article
            assert got.status_code == (200 if offered else 404)
            if offered:
                assert got.text.startswith("BEGIN:VCALENDAR")
                assert got.headers["content-disposition"] == f'attachment; filename="{mid}.ics"'
    assert counts(app) == before


def test_bad_input_is_named_in_german_and_the_form_keeps_its_values(
    app: FastAPI, browser: Browser
) -> None:
    before = counts(app)
    refused = plan_page(browser, {**TYPED, "position": "", "my_email": "keine-adresse"})
    assert refused.status_code == 422
    assert '<html lang="de">' in refused.text
    summary = refused.text.split('id="problems"', 1)[1].split("</div>", 1)[0]
    assert "Deine E-Mail-Adresse" in summary  # the field by its label
    assert "keine E-Mail-Adresse" in summary  # what is wrong, in German
    assert 'value="keine-adresse"' in refused.text and 'value="Alex Weber"' in refused.text
    assert 'id="my_email"' in refused.text and 'aria-invalid="true"' in refused.text
    typed = plan_page(browser, {**TYPED, "position": ""})
    assert typed.status_code == 422
    assert "Stelle" in typed.text.split('id="problems"', 1)[1].split("</div>", 1)[0]
    assert 'value="Maria Schmidt"' in typed.text
    junk = plan_page(browser, {"invitation_text": "kein Kalender"})
    assert junk.status_code == 422
    assert "Oder füge die Einladung ein" in junk.text.split('id="problems"', 1)[1][:2000]
    empty = browser.post(
        "/plan/check",
        {"carried": CARRIED.findall(plan_page(browser, TYPED).text)[0], "message": "m1"},
        headers=DE,
    )
    assert empty.status_code == 422 and "Text" in empty.text
    spoiled = browser.post(
        "/plan/eml", {"carried": "anon1:fernet1:xyz", "message": "m1"}, headers=DE
    )
    assert spoiled.status_code == 422 and "erstelle ihn neu" in spoiled.text
    assert counts(app) == before


def test_too_large_is_413(app: FastAPI, browser: Browser) -> None:
    before = counts(app)
    big = b"BEGIN:VCALENDAR\r\n" + b"X" * (1024 * 1024)
    file_too_big = plan_page(browser, TYPED, file=("big.ics", big, "text/calendar"))
    assert file_too_big.status_code == 413
    assert "Einladungsdatei" in file_too_big.text and 'value="Maria Schmidt"' in file_too_big.text
    body_too_big = plan_page(browser, {"invitation_text": "x" * (3 * 1024 * 1024)})
    assert body_too_big.status_code == 413 and '<html lang="de">' in body_too_big.text
    assert counts(app) == before


def test_plans_are_counted_per_client(
    app: FastAPI, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "ANON_PLAN", parse("2 per 10 minutes"))
    for _ in range(2):
        assert plan_page(browser, TYPED).status_code == 200
    refused = plan_page(browser, TYPED)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 600
    assert "Zu viele Versuche" in refused.text


def test_keeping_the_plan_stores_it_in_the_new_workspace_once(
    app: FastAPI, browser: Browser
) -> None:
    page = plan_page(browser, {**TYPED, "note": "Arzttermin"})
    [carried] = set(CARRIED.findall(page.text))
    keep = browser.post("/plan/keep", {"carried": carried}, headers=DE)
    assert 'value="Alex Weber"' in keep.text  # the sign-up form filled from the plan
    assert counts(app)["interviews"] == 0
    signup = {"email": "alex@example.org", "name": "Alex Weber", "password": PASSWORD}
    form = {**signup, "timezone": "Europe/Berlin", "carried": carried}
    signed_up = browser.post("/signup", form, headers=DE)
    assert signed_up.status_code == 200 and f'value="{carried}"' in signed_up.text
    assert counts(app)["plans"] == 0  # an account, nothing of the plan yet
    login = {"email": "alex@example.org", "password": PASSWORD, "carried": carried}
    signed_in = browser.post("/signin", login, headers=DE)
    assert signed_in.status_code == 303
    where = signed_in.headers["location"]
    match = re.fullmatch(r"/w/(\d+)/plans/(\d+)", where)
    assert match is not None
    shown = browser.get(where, headers=DE)
    assert shown.status_code == 200 and "Maria Schmidt" in shown.text and "Arzttermin" in shown.text
    # signing in again with the same plan finds it: kept once
    browser.post("/signout")
    browser.get("/signin")
    assert browser.post("/signin", login, headers=DE).headers["location"] == where
    with app.state.sessions() as session:
        ws = int(match.group(1))
        interviews = session.scalars(select(Interview).where(Interview.workspace_id == ws)).all()
        plans = session.scalars(select(PlanRecord).where(PlanRecord.workspace_id == ws)).all()
    assert [i.position for i in interviews] == ["Backend-Entwicklerin"]
    assert [p.interview_id for p in plans] == [interviews[0].id]
    assert plans[0].private_note == "Arzttermin"


def test_a_signed_in_user_plans_in_their_workspace(browser: Browser) -> None:
    ws = browser.sign_up("someone@example.org")
    answer = browser.http.get("/plan", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/w/{ws}/interviews/new"
