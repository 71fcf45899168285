"""Every form of the pages, sent with a mistake, in German, Swedish and English: the same
form comes back (422) with everything typed kept (never a password), each problem beside
its field and in the summary at the top, the field named by the label the form shows, the
message in the viewer's language, and no key, pattern or pydantic text anywhere.

The labels are read from the returned form itself, and the English message from the same
mistake sent in English: nothing here knows what a field is called."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.store.tables import Candidate, PlanRecord
from tests.web.conftest import PASSWORD, Browser
from tests.web.form_page import Form, Page, read
from tests.web.helpers import (
    INTERVIEW_FORM,
    add_interview,
    candidate,
    make_plan,
    organisation,
    position,
)

LANGUAGES = ("de", "sv", "en")
SECRETS = {"password", "new_password", "current_password", "caldav_password", "csrf_token"}
# What a person must never read: keys, pydantic's and the framework's words, patterns.
LEAKS = re.compile(
    r"Field required|Input should|String should|Value error|required field|pattern|"
    r"\^|\$|\\|\[0\]|\b[a-z]+_[a-z_]+\b|(?<![@/.\w])[a-z]+\.[a-z]+\b|\bloc\b|\bmsg\b"
)
ICS_BROKEN = "BEGIN:VCALENDAR\r\nthis is no calendar\r\n"


@dataclass
class World:
    """What a case's forms live in: the user's workspace, an organisation, its ids."""

    ws: int
    ids: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One form sent with one mistake: where it is shown, where it goes, what is typed,
    which fields are at fault (by their names in the form)."""

    name: str
    page: str  # the page showing the form, with {ws}, {org}, ... from the World
    action: str
    data: dict[str, Any]
    bad: tuple[str, ...]
    files: dict[str, tuple[str, str, str]] | None = None
    build: Callable[[FastAPI, Browser, World], None] | None = None
    signed_in: bool = True
    row_label_of: str | None = None  # CSV: the problem names a row and this field's label

    def url(self, template: str, world: World) -> str:
        return template.format(ws=world.ws, **world.ids, **world.names)


def _org(app: FastAPI, browser: Browser, world: World) -> None:
    world.ids["org"] = organisation(browser)
    world.ids["pos"] = position(browser, world.ids["org"])


def _org_with_candidate(app: FastAPI, browser: Browser, world: World) -> None:
    _org(app, browser, world)
    candidate(browser, world.ids["org"], world.ids["pos"])
    with app.state.sessions() as session:
        found = session.scalar(
            select(Candidate.id).where(Candidate.workspace_id == world.ids["org"])
        )
    assert found is not None
    world.ids["cand"] = found


def _interview(app: FastAPI, browser: Browser, world: World) -> None:
    world.ids["iv"] = add_interview(browser, world.ws)


def _plan(app: FastAPI, browser: Browser, world: World) -> None:
    _interview(app, browser, world)
    world.ids["plan"] = make_plan(browser, world.ws, world.ids["iv"])


def _plan_message(app: FastAPI, browser: Browser, world: World) -> None:
    _plan(app, browser, world)
    with app.state.sessions() as session:
        record = session.get(PlanRecord, world.ids["plan"])
        assert record is not None
        emails = [m["id"] for m in record.plan["messages"] if m.get("subject") is not None]
    assert emails
    world.names["msg"] = emails[0]


CASES = [
    Case(
        "add interview: the end before the start",
        "/w/{ws}/interviews/new",
        "/w/{ws}/interviews",
        {**INTERVIEW_FORM, "start_time": "15:00", "end_time": "14:00"},
        ("end_time",),
    ),
    Case(
        "add interview: no email address for the contact",
        "/w/{ws}/interviews/new",
        "/w/{ws}/interviews",
        {**INTERVIEW_FORM, "contact_email": "jonas.doe(at)example.com", "contact_name": ""},
        ("contact_email", "contact_name"),
    ),
    Case(
        "invitation import: not a calendar",
        "/w/{ws}/interviews/new",
        "/w/{ws}/interviews/import",
        {},
        ("file",),
        files={"file": ("invite.ics", ICS_BROKEN, "text/calendar")},
    ),
    Case(
        "new position: no title",
        "/w/{org}",
        "/w/{org}/positions",
        {"title": "   ", "company": "Beispiel AG"},
        ("title",),
        build=_org,
    ),
    Case(
        "add candidate: not an email address",
        "/w/{org}/positions/{pos}",
        "/w/{org}/positions/{pos}/candidates",
        {
            "name": "Lena Vogel",
            "email": "lena(at)example.org",
            "phone": "+49 30 123456",
            "salutation": "Frau",
            "language": "sv",
            "timezone": "Europe/Stockholm",
            "round": "2",
        },
        ("email",),
        build=_org,
    ),
    Case(
        "CSV import: a bad address in row 3",
        "/w/{org}/positions/{pos}",
        "/w/{org}/positions/{pos}/candidates/import",
        {},
        ("file",),
        files={
            "file": (
                "c.csv",
                "name,email\nLena Vogel,lena@example.org\nTom Baker,tom(at)example.org\n",
                "text/csv",
            )
        },
        build=_org,
        row_label_of="email",
    ),
    Case(
        "calendar upload: not an email address",
        "/w/{org}/positions/{pos}",
        "/w/{org}/calendars",
        {"owner_email": "maria.roth", "back": "/w/{org}/positions/{pos}"},
        ("owner_email",),
        files={"file": ("busy.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")},
        build=_org,
    ),
    Case(
        "schedule: an interviewer without an address",
        "/w/{org}/positions/{pos}",
        "/w/{org}/positions/{pos}/interviews",
        {
            "candidate_id": "{cand}",
            "date": "2026-03-12",
            "start_time": "10:00",
            "end_time": "11:00",
            "timezone": "Europe/Berlin",
            "location": "Friedrichstraße 10",
            "interviewers": "Jonas Doe jonas-at-example.com",
        },
        ("interviewers",),
        build=_org_with_candidate,
    ),
    Case(
        "organisation: no name",
        "/account",
        "/organisations",
        {"name": "   "},
        ("name",),
    ),
    Case(
        "time zone: unknown",
        "/account",
        "/account",
        {"timezone": "Mars/Olympus"},
        ("timezone",),
    ),
    Case(
        "password change: the current one wrong",
        "/account",
        "/account/password",
        {"current_password": "not my password at all", "new_password": "another long phrase"},
        ("current_password",),
    ),
    Case(
        "members: nobody with this address",
        "/w/{org}/members",
        "/w/{org}/members",
        {"email": "nobody@example.org"},
        ("email",),
        build=_org,
    ),
    Case(
        "sign-up: a common password",
        "/signup",
        "/signup",
        {
            "name": "Kim Berg",
            "email": "kim@example.org",
            "password": "password12",
            "timezone": "Europe/Stockholm",
        },
        ("password",),
        signed_in=False,
    ),
    Case(
        "sign-in: no password",
        "/signin",
        "/signin",
        {"email": "kim@example.org", "password": ""},
        ("password",),
        signed_in=False,
    ),
    Case(
        "password reset: not an address",
        "/reset",
        "/reset",
        {"email": "kim-at-example.org"},
        ("email",),
        signed_in=False,
    ),
    Case(
        "plan: a calendar address that is no web address",
        "/w/{ws}/interviews/{iv}",
        "/w/{ws}/interviews/{iv}/plan",
        {
            "intent": "reschedule",
            "reason": "family",
            "certainty": "sure",
            "note": "PRIVATE rehearsal",
            "message_language": "sv",
            "hours_start": "10:00",
            "hours_end": "16:00",
            "caldav_url": "ftp://calendar.example.org/me",
            "caldav_username": "kim",
            "caldav_password": "secret words here",
        },
        ("caldav_url",),
        build=_interview,
    ),
    Case(
        "agreed time: in the past",
        "/w/{ws}/plans/{plan}",
        "/w/{ws}/plans/{plan}/agreed",
        {"agreed": "2026-03-01T10:00"},
        ("agreed",),
        build=_plan,
    ),
    Case(
        "reply: neither a file nor a text",
        "/w/{ws}/plans/{plan}",
        "/w/{ws}/plans/{plan}/replies",
        {"text": "   "},
        ("text",),
        build=_plan,
    ),
    Case(
        "message editor: no text",
        "/w/{ws}/plans/{plan}",
        "/w/{ws}/plans/{plan}/messages/{msg}",
        {"subject": "Neuer Termin für unser Gespräch", "body": "   "},
        ("body",),
        build=_plan_message,
    ),
    Case(
        "interview edit: the end before the start",
        "/w/{ws}/interviews/{iv}/edit",
        "/w/{ws}/interviews/{iv}/edit",
        {"date": "2026-03-18", "start_time": "15:00", "end_time": "14:00", "location": "Hof 2"},
        ("end_time",),
        build=_interview,
    ),
]


Sent = tuple[Any, Form, Page, dict[str, str]]


def _send(app: FastAPI, browser: Browser, case: Case, language: str) -> Sent:
    """Set up the case's world in a fresh account, switch the UI to `language`, open the
    form's page and send the mistake; the answer, its form, its page and what was sent."""
    browser.get("/signin")
    browser.post("/language", {"lang": language, "back": "/"})
    world = World(ws=0)
    if case.signed_in:
        world.ws = browser.sign_up(f"forms-{language}@example.org")
        if case.build is not None:
            case.build(app, browser, world)
    page = browser.get(case.url(case.page, world))
    assert page.status_code == 200, page.text
    data = {k: case.url(v, world) for k, v in case.data.items()}
    action = case.url(case.action, world)
    answer = (
        browser.post(action, data, files=case.files) if case.files else browser.post(action, data)
    )
    read_back = read(answer.text)
    return answer, read_back.form(action), read_back, data


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_refused_form_comes_back_as_typed_naming_the_field_in_the_viewers_language(
    app: FastAPI, browser: Browser, other_browser: Browser, case: Case, language: str
) -> None:
    answer, form, page, data = _send(app, browser, case, language)
    assert answer.status_code == 422, answer.text[:2000]
    assert f'<html lang="{language}"' in answer.text

    # everything typed is there again, passwords never
    visible = {f.name for f in form.fields if f.attrs.get("type") != "hidden"}
    typed = {k: v for k, v in data.items() if k in visible}
    assert typed or case.files, "a case types something, or sends a file"
    for name, value in typed.items():
        item = form.named(name)
        if name in SECRETS:
            assert item.value == "", name
            assert not value or value not in answer.text, name
        else:
            assert item.shown == value, (name, item.shown, value)

    # the summary first, focusable, linking each problem to the message by its field
    assert form.summary, answer.text[:3000]
    assert form.summary_attrs.get("role") == "alert"
    assert form.summary_attrs.get("tabindex") == "-1"
    for name in case.bad:
        item = form.named(name)
        assert item.attrs.get("aria-invalid") == "true", (name, item.attrs)
        message = page.message_of(item)
        assert message, (name, item.attrs)
        label = page.label_of(item)
        assert label, name
        if case.row_label_of:  # a CSV row: "Row 3, <a column's label>: ..." (test below)
            assert any("3" in line and message in line for line in form.summary), form.summary
        elif name == "interviewers":  # "Interviewer 1: email address: ..."
            assert any("1" in line and message in line for line in form.summary), form.summary
        else:
            assert f"{label}: {message}" in form.summary, (form.summary, label, message)
        assert not LEAKS.search(message), message
    for line in form.summary:
        assert not LEAKS.search(line), line

    if language != "en":  # the same mistake in English reads differently: it is translated
        english, english_form, english_page, _ = _send(app, other_browser, case, "en")
        assert english.status_code == 422
        for name in case.bad:
            there = english_page.message_of(english_form.named(name))
            here = page.message_of(form.named(name))
            assert there and here != there, (name, here, there)


def test_the_csv_row_is_named_with_the_column_as_the_add_candidate_form_calls_it(
    app: FastAPI, browser: Browser
) -> None:
    case = next(c for c in CASES if c.row_label_of)
    for language in LANGUAGES:
        answer, form, page, _ = _send(app, browser, case, language)
        browser.post("/signout")
        world_pos = re.search(r'action="(/w/\d+/positions/\d+/candidates)"', answer.text)
        assert world_pos is not None
        email_label = page.label_of(page.form(world_pos.group(1)).named("email"))
        assert email_label
        rows = [line for line in form.summary if email_label in line and "3" in line]
        assert rows, (form.summary, email_label)
        assert "(at)" not in rows[0] and not LEAKS.search(rows[0])


def test_a_password_typed_is_never_sent_back(app: FastAPI, browser: Browser) -> None:
    case = next(c for c in CASES if c.name.startswith("sign-up"))
    answer, form, _page, _ = _send(app, browser, case, "en")
    assert answer.status_code == 422
    assert "password12" not in answer.text
    assert form.named("password").value == ""
    assert PASSWORD not in answer.text
