"""A refused form never shows a secret back, on SQLite and PostgreSQL: a password typed
inside a calendar's address (with a scheme or without, a "/" inside it too) on the CalDAV
accounts page and the plan form; a subscription link that cannot even be asked (a control
character) is not quoted in the error page; and whatever else comes back is escaped,
in attributes too. Nothing here reaches a server: the guard or the checks refuse first."""

from __future__ import annotations

from collections import Counter

import pytest

from fairnotice.web import refusals
from tests.web.conftest import Browser
from tests.web.helpers import add_interview

SECRET = "Zq7-hunter2-secret"
TOKEN = "private-9c1d7e3a5b"
XSS = '"><script>alert(1)</script><x y="'

IN_ADDRESS = [
    f"https://alice:{SECRET}@cal.example.org/dav/",
    f"alice:{SECRET}@cal.example.org/dav/",
    f"http://alice:{SECRET}@cal.example.org",
    f"https://alice:a/{SECRET}@cal.example.org/dav/",
    f"webcal://alice:{SECRET}@cal.example.org/x.ics",
]


@pytest.mark.parametrize("typed", IN_ADDRESS)
def test_the_caldav_page_never_shows_a_password_typed_in_the_address(
    browser: Browser, typed: str, tally: Counter[str]
) -> None:
    ws = browser.sign_up("inaddress@example.org")
    browser.get(f"/w/{ws}/caldav")
    response = browser.post(
        f"/w/{ws}/caldav",
        {"caldav_server": typed, "caldav_username": "alice", "caldav_password": SECRET},
    )
    tally["refused secrets: CalDAV page"] += 1
    assert response.status_code == 422, response.text
    assert SECRET not in response.text
    assert "cal.example.org" in response.text  # the rest of the address is kept


@pytest.mark.parametrize("typed", IN_ADDRESS)
def test_the_plan_form_never_shows_a_password_typed_in_the_address(
    browser: Browser, typed: str, tally: Counter[str]
) -> None:
    ws = browser.sign_up("planaddress@example.org")
    interview = add_interview(browser, ws)
    browser.get(f"/w/{ws}/interviews/{interview}")
    response = browser.post(
        f"/w/{ws}/interviews/{interview}/plan",
        {"intent": "reschedule", "reason": "family", "caldav_url": typed},
    )
    tally["refused secrets: plan form"] += 1
    assert response.status_code in (409, 422), response.text
    assert SECRET not in response.text


@pytest.mark.parametrize("bad", ["\x7f", "\x01", "\x1b"])
def test_a_subscription_link_that_cannot_be_asked_is_not_quoted(
    browser: Browser, bad: str, tally: Counter[str]
) -> None:
    ws = browser.sign_up("subscriber@example.org")
    interview = add_interview(browser, ws)
    browser.get(f"/w/{ws}/interviews/{interview}")
    response = browser.post(
        f"/w/{ws}/subscriptions",
        {"subscription_url": f"https://calendar.example.org/{TOKEN}{bad}/basic.ics"},
    )
    tally["refused secrets: subscription link"] += 1
    assert response.status_code == 422, response.text
    assert TOKEN not in response.text
    assert "subscription" in response.text.lower()


def test_refused_values_come_back_escaped(browser: Browser, tally: Counter[str]) -> None:
    ws = browser.sign_up("escape@example.org")
    browser.get(f"/w/{ws}/caldav")
    response = browser.post(
        f"/w/{ws}/caldav",
        {
            "caldav_server": f"https://cal.example.org/{XSS}",
            "caldav_username": XSS,
            "caldav_password": "x",
            "owner_email": XSS,
        },
    )
    tally["refused secrets: escaped values"] += 1
    assert response.status_code == 422, response.text
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)" in response.text or "&#34;&gt;&lt;script" in response.text


def test_kept_never_holds_a_password_or_a_secret_link() -> None:
    typed = {
        "caldav_password": SECRET,
        "subscription_url": f"webcal://calendar.example.org/{TOKEN}/basic.ics",
        "password": SECRET,
        "note": "kept",
    }
    shown = refusals.kept(typed)
    assert shown == {"note": "kept"}
