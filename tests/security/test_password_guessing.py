"""Guessing a password through the password-change form (issue 14): with a stolen
session, the form checked the current password as often as asked, without the sign-in's
count. Wrong current passwords now count against the account's sign-in budget."""

from __future__ import annotations

from collections import Counter

from fairnotice.web import throttle
from tests.web.conftest import PASSWORD, Browser


def test_guessing_the_current_password_on_the_account_page_is_throttled(
    browser: Browser, tally: Counter[str]
) -> None:
    browser.sign_up("guessed@example.org")
    browser.get("/account")
    for i in range(throttle.SIGNIN_ACCOUNT.amount):
        wrong = {"current_password": f"guess number {i}", "new_password": "a new long passphrase"}
        assert browser.post("/account/password", wrong).status_code == 422
        tally["current passwords guessed on the account page"] += 1
    right = {"current_password": PASSWORD, "new_password": "a new long passphrase"}
    refused = browser.post("/account/password", right, headers={"Accept-Language": "en"})
    assert refused.status_code == 429, refused.status_code
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many attempts" in refused.text
