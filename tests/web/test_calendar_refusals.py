"""Calendars refused on the pages, on SQLite and PostgreSQL, as a German reader sees them: a
refused subscription link brings back the page it was pasted on (422) with the reason
beside the field and the interviewer's address kept (never the link); a calendar file that
cannot be read is named in plain words (no parser text), whether refused at once (an
invitation) or found later by the worker (a stored calendar); a refused invitation is not
kept as if it were fine; the date-and-time picker's and the video link's refusals carry
no machine format; an invitation already past is added only once confirmed; the week view says why a
calendar cannot be checked in the viewer's language."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from fairnotice.operations.busy import refresh
from fairnotice.operations.busy.stored import read_calendars
from fairnotice.store.tables import Interview
from tests.calendar.ics_server import serving
from tests.operations.test_subscriptions import DENTIST, google_style
from tests.web.conftest import Browser, Clock
from tests.web.helpers import add_interview, candidate, make_plan, organisation, position

BROKEN = b"BEGIN:VCALENDAR\r\nFOO\r\n"
INVITATION = Path(__file__).parent / "fixtures" / "invite-outlook-de.ics"
PARSER = ("iCalendar", "Content line", "VEVENT", "VCALENDAR")


def _german(browser: Browser, email: str) -> int:
    ws = browser.sign_up(email)
    browser.post("/language", {"lang": "de", "back": "/"})
    return ws


def _problems(html: str) -> str:
    found = re.search(r'<div class="problems".*?</div>', html, re.S)
    assert found is not None, html
    return re.sub(r"<[^>]+>", "", found.group(0))


def test_a_refused_subscription_link_brings_back_its_page_with_the_reason_beside_the_field(
    app: FastAPI, browser: Browser
) -> None:
    ws = _german(browser, "abo@example.org")
    interview = add_interview(browser, ws)
    page = f"/w/{ws}/interviews/{interview}"
    browser.get(page)
    link = "ftp://calendar.example.org/secret-7f3a/basic.ics"
    refused = browser.post(f"/w/{ws}/subscriptions", {"subscription_url": link, "back": page})
    assert refused.status_code == 422
    assert "Abo-Link:" in _problems(refused.text)
    assert 'id="subscription_url"' in refused.text and 'aria-invalid="true"' in refused.text
    assert "secret-7f3a" not in refused.text  # the secret link is never sent back
    assert 'name="intent"' in refused.text  # the interview page itself, its plan form too
    empty = browser.post(f"/w/{ws}/subscriptions", {"subscription_url": " ", "back": page})
    assert empty.status_code == 422 and "Abo-Link: bitte ausfüllen" in _problems(empty.text)

    org = organisation(browser)
    pos = position(browser, org)
    back = f"/w/{org}/positions/{pos}"
    browser.get(back)
    typed = {"subscription_url": link, "owner_email": "m.roth@example.org", "back": back}
    refused = browser.post(f"/w/{org}/subscriptions", typed)
    assert refused.status_code == 422 and "Abo-Link:" in _problems(refused.text)
    assert 'value="m.roth@example.org"' in refused.text
    # the address is checked before the link is read (nothing fetched for a typo)
    typed = {"subscription_url": "https://calendar.example.org/x.ics", "owner_email": "m.roth"}
    typed["back"] = back
    refused = browser.post(f"/w/{org}/subscriptions", typed)
    assert "E-Mail der gesprächsführenden Person:" in _problems(refused.text)


def test_a_calendar_that_cannot_be_read_is_named_in_plain_words(
    app: FastAPI, browser: Browser
) -> None:
    _german(browser, "iv@example.org")
    org = organisation(browser)
    pos = position(browser, org)
    back = f"/w/{org}/positions/{pos}"
    browser.get(back)
    uploaded = browser.post(
        f"/w/{org}/calendars",
        {"owner_email": "m.roth@example.org", "back": back},
        files={"file": ("busy.ics", BROKEN, "text/calendar")},
    )
    assert uploaded.status_code == 303
    assert read_calendars(app.state.sessions, clock=app.state.clock) == 1
    shown = browser.get(back).text
    listed = re.search(r'<ul id="calendars">.*?</ul>', shown, re.S)
    assert listed is not None
    assert "keine lesbare Kalenderdatei (.ics)" in listed.group(0)
    assert not any(word in listed.group(0) for word in PARSER)

    candidate(browser, org, pos)  # the import form is offered once there is one
    adopted = browser.post(
        f"{back}/interviews/import",
        {"interviewer_language": "de"},
        files={"file": ("invite.ics", BROKEN, "text/calendar")},
    )
    assert adopted.status_code == 422
    problems = _problems(adopted.text)
    assert "Einladung (.ics oder .eml): das ist keine lesbare Kalenderdatei (.ics)" in problems
    assert not any(word in adopted.text for word in ("Content line", "not valid"))
    assert 'name="invitation"' not in adopted.text  # a refused invitation is not kept


@pytest.mark.parametrize(
    ("language", "agreed", "video"),
    [
        ("de", "bitte wähle Datum und Uhrzeit", "das ist keine Webadresse"),
        ("en", "please choose the date and the time", "this is not a web address"),
    ],
)
def test_the_pickers_and_the_video_link_are_refused_without_a_machine_format(
    app: FastAPI, browser: Browser, language: str, agreed: str, video: str
) -> None:
    ws = browser.sign_up(f"agreed-{language}@example.org")
    browser.post("/language", {"lang": language, "back": "/"})
    interview = add_interview(browser, ws)
    plan = make_plan(browser, ws, interview)
    browser.get(f"/w/{ws}/plans/{plan}")
    refused = browser.post(f"/w/{ws}/plans/{plan}/agreed", {"agreed": ""})
    assert refused.status_code == 422 and agreed in _problems(refused.text)
    assert "T15:00" not in refused.text
    edit = f"/w/{ws}/interviews/{interview}/edit"
    form = browser.get(edit).text
    fields = dict(re.findall(r'name="([a-z_]+)"[^>]*? value="([^"]*)"', form))
    fields.pop("csrf_token", None)
    refused = browser.post(edit, {**fields, "video_url": "not a link"})
    assert refused.status_code == 422 and video in _problems(refused.text)
    assert "http(s) URL" not in refused.text


def test_an_organisation_without_a_name_asks_for_one(app: FastAPI, browser: Browser) -> None:
    _german(browser, "org@example.org")
    browser.get("/account")
    refused = browser.post("/organisations", {"name": "  "})
    assert refused.status_code == 422
    assert "Name der Organisation: bitte ausfüllen" in _problems(refused.text)


def test_an_invitation_already_past_is_added_only_once_confirmed(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    ws = _german(browser, "past@example.org")
    clock.advance(days=30)  # the invitation's interview (16 March 2026) has passed
    browser.get(f"/w/{ws}/interviews/new")
    sent = browser.post(
        f"/w/{ws}/interviews/import",
        files={"file": ("invite.ics", INVITATION.read_bytes(), "text/calendar")},
    )
    assert sent.status_code == 422
    assert "das Gespräch darin liegt in der Vergangenheit" in _problems(sent.text)
    kept = re.search(r'name="invitation" value="([^"]+)"', sent.text)
    assert kept is not None and 'name="confirm_past"' in sent.text
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Interview)) == 0
    confirmed = browser.post(
        f"/w/{ws}/interviews/import", {"invitation": kept.group(1), "confirm_past": "1"}
    )
    assert confirmed.status_code == 303
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Interview)) == 1


def test_the_week_view_says_in_german_why_a_calendar_cannot_be_checked(
    app: FastAPI, browser: Browser
) -> None:
    app.state.settings = app.state.settings.changed(calendars={"caldav_allow_private": True})
    with serving() as (base, calendars):
        calendars.publish("/mine.ics", google_style(DENTIST))
        ws = _german(browser, "week@example.org")
        interview = add_interview(browser, ws)
        page = f"/w/{ws}/interviews/{interview}"
        browser.get(page)
        link = {"subscription_url": f"{base}/mine.ics", "back": page}
        added = browser.post(f"/w/{ws}/subscriptions", link)
        assert added.status_code == 303
        calendars.publish("/mine.ics", b"", status=404)
        later = app.state.clock() + timedelta(hours=1)
        done = refresh.refresh_due(
            app.state.sessions,
            clock=lambda: later,
            secret=app.state.settings.secret,
            allow_private=True,
        )
        assert done.failed == 1
    shown = browser.get(page).text
    note = re.search(r'<p class="problems" role="status" id="unchecked">(.*?)</p>', shown, re.S)
    assert note is not None
    assert "konnte nicht gelesen werden: den Kalender gibt es nicht mehr (404)" in note.group(1)
    assert "could not be read" not in note.group(1) and "calendar " not in note.group(1)
