"""The account's journey in Chromium: sign up, sign in on a second browser, change the
password (the other session ends), sign out everywhere, and reset the password by the
link of a mail delivered over SMTP to aiosmtpd; axe-core on the new pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from fairnotice.operations.outbox.commands import link_writer
from fairnotice.operations.outbox.loop import Deliverer, Policy
from tests.mail.servers import smtp_server
from tests.mail.test_delivery import relay
from tests.web.test_browser import (  # noqa: F401  (module fixtures)
    AXE,
    PASSWORD,
    _axe,
    _context,
    _require,
    _shot,
    _sign_up,
    _submit,
    chromium,
    expect,
    live,
)

pytestmark = pytest.mark.slow
EMAIL = "journey@example.org"
CHANGED = "violet kettle orbit"
RESET = "amber ladder quietly"


def _sign_in(page: Any, password: str) -> None:
    page.goto("/signin")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(password)
    _submit(page, page.get_by_role("button", name="Sign in"))


def _signed_out(page: Any) -> bool:
    page.goto("/account")
    return bool(re.search(r"/signin\?next=", page.url))


def _reset_link(app: Any, clock: Any) -> str:
    """The link of the reset mail, as it arrived at a real SMTP server."""
    with smtp_server() as (port, recorder):
        policy = Policy(batch=25, retry_base=timedelta(minutes=1))
        Deliverer(
            app.state.sessions,
            relay(port),
            sender="noreply@fairnotice.test",
            policy=policy,
            clock=clock,
            links=link_writer(app.state.sessions, app.state.settings.secret),
        ).drain()
    (mail,) = [r for r in recorder.received if EMAIL in r.rcpt_tos]
    body = mail.parsed().get_body().get_content()
    found = re.search(r"http://127\.0\.0\.1:\d+/reset/[\w-]+", body)
    assert found is not None, body
    return found.group(0)


def test_sign_up_change_password_sign_out_everywhere_and_reset_by_mail(
    chromium: Any,  # noqa: F811
    live: dict[str, Any],  # noqa: F811
) -> None:
    _require(AXE, "axe-core (make web-deps)")
    found: dict[str, Any] = {}
    first = _context(chromium, live, bypass_csp=True)  # axe is injected inline
    second = _context(chromium, live)
    page, other = first.new_page(), second.new_page()
    _sign_up(page, EMAIL, "Jo Journey")
    home = page.url
    _sign_in(other, PASSWORD)
    assert other.url == home

    page.goto("/account")
    expect(page.get_by_text("You are signed in here and in 1 other session.")).to_be_visible()
    found["account"] = _axe(page)
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password (at least 10 characters)").fill(CHANGED)
    _submit(page, page.get_by_role("button", name="Change password"))
    expect(page.get_by_role("alert")).to_contain_text("Current password: is not your password")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password (at least 10 characters)").fill(CHANGED)
    _submit(page, page.get_by_role("button", name="Change password"))
    expect(page.get_by_role("status")).to_have_text(
        "Your password is changed. Your other sessions have ended."
    )
    assert _signed_out(other)
    _shot(page, "20-password-changed")

    _sign_in(other, CHANGED)
    assert other.url == home
    page.goto("/account")
    _submit(page, page.get_by_role("button", name="Sign out everywhere"))
    assert page.url.endswith("/signin")
    assert _signed_out(page) and _signed_out(other)

    other.goto("/signin")
    _submit(other, other.get_by_role("link", name="Forgot your password?"))
    found["reset_request"] = []  # the second context keeps its CSP: axe runs on the first
    other.get_by_label("Email").fill(EMAIL)
    _submit(other, other.get_by_role("button", name="Send me a link"))
    expect(other.get_by_role("status")).to_contain_text("If an account has this address")
    link = _reset_link(live["app"], live["app"].state.clock)

    page.goto(link)
    found["reset"] = _axe(page)
    page.get_by_label("New password (at least 10 characters)").fill("password12")
    _submit(page, page.get_by_role("button", name="Set the new password"))
    expect(page.get_by_role("alert")).to_contain_text("is a common password or too easy to guess")
    page.get_by_label("New password (at least 10 characters)").fill(RESET)
    _submit(page, page.get_by_role("button", name="Set the new password"))
    expect(page.get_by_role("status")).to_contain_text("Your new password is set")
    _shot(page, "21-password-reset")
    page.goto(link)
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()

    _sign_in(page, CHANGED)
    expect(page.get_by_text("Email or password is wrong.")).to_be_visible()
    _sign_in(page, RESET)
    assert page.url == home
    first.close()
    second.close()
    assert {name: v for name, v in found.items() if v} == {}
