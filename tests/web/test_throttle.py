"""Throttling (limits' moving windows, in memory): wrong passwords per account and per
client, reset requests, and wrong pick, reset and API tokens per client, each answered
429 with Retry-After and a message in the viewer's language."""

from __future__ import annotations

import secrets

import pytest
from fastapi import FastAPI
from limits import parse
from sqlalchemy import func, select

from fairnotice.store.tables import OutboxMessage
from fairnotice.web import throttle
from tests.web.conftest import PASSWORD, Browser


def _wrong(browser: Browser, email: str, lang: str = "en") -> object:
    return browser.post(
        "/signin",
        {"email": email, "password": "not the right one"},
        headers={"Accept-Language": lang},
    )


def _refused(response: object, lang_text: str) -> int:
    status = response.status_code
    headers = response.headers
    assert status == 429, getattr(response, "text", "")[:500]
    wait = int(headers["retry-after"])
    assert 0 < wait <= 3600
    assert lang_text in response.text
    return wait


def test_wrong_passwords_for_one_account_are_throttled_even_the_right_one_then(
    browser: Browser, other_browser: Browser
) -> None:
    browser.sign_up("target@example.org")
    other_browser.get("/signin")
    allowed = throttle.SIGNIN_ACCOUNT.amount
    for _ in range(allowed):
        assert _wrong(other_browser, "target@example.org").status_code == 401
    _refused(_wrong(other_browser, "TARGET@example.org", "de"), "Zu viele Versuche")
    right = other_browser.post("/signin", {"email": "target@example.org", "password": PASSWORD})
    _refused(right, "Too many attempts. Please wait")
    # another account from the same client is still open
    browser.get("/signin")
    assert (
        browser.post("/signin", {"email": "else@example.org", "password": "x"}).status_code == 401
    )


def test_a_success_clears_the_account_count(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "SIGNIN_ACCOUNT", parse("3 per 15 minutes"))
    browser.sign_up("clears@example.org")
    browser.post("/signout")
    browser.get("/signin")
    for _ in range(throttle.SIGNIN_ACCOUNT.amount - 1):
        assert _wrong(browser, "clears@example.org").status_code == 401
    browser.sign_in("clears@example.org")
    browser.post("/signout")
    browser.get("/signin")
    for _ in range(throttle.SIGNIN_ACCOUNT.amount):
        assert _wrong(browser, "clears@example.org").status_code == 401


def test_wrong_passwords_from_one_client_are_throttled_across_accounts(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "SIGNIN_CLIENT", parse("12 per 15 minutes"))  # not 50 hashes
    browser.get("/signin")
    for i in range(throttle.SIGNIN_CLIENT.amount):
        assert _wrong(browser, f"user{i}@example.org").status_code == 401
    _refused(_wrong(browser, "fresh@example.org", "sv"), "För många försök")


def test_reset_requests_are_throttled_per_address_whether_or_not_it_has_an_account(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    browser.sign_up("mailbomb@example.org")
    for email in ("mailbomb@example.org", "ghost@example.org"):
        other_browser.get("/reset")
        for _ in range(throttle.RESET_ACCOUNT.amount):
            assert other_browser.post("/reset", {"email": email}).status_code == 303
        _refused(other_browser.post("/reset", {"email": email}), "Too many attempts")
    with app.state.sessions() as session:
        sent = session.scalar(select(func.count()).select_from(OutboxMessage))
    assert sent == throttle.RESET_ACCOUNT.amount


def test_wrong_pick_and_reset_tokens_are_throttled_per_client(browser: Browser) -> None:
    browser.get("/signin")
    allowed = throttle.TOKEN_CLIENT.amount
    for i in range(allowed):
        guess = secrets.token_urlsafe(32)
        url = f"/pick/{guess}" if i % 2 else f"/reset/{guess}"
        assert browser.post(url, {"slot": "1", "new_password": "x"}).status_code in (404, 422)
    refused = browser.post(f"/pick/{secrets.token_urlsafe(32)}", {"slot": "1"})
    _refused(refused, "Too many attempts")
    _refused(browser.get(f"/reset/{secrets.token_urlsafe(32)}"), "Too many attempts")


def test_wrong_api_tokens_are_throttled_per_client(app: FastAPI, browser: Browser) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as api:
        for _ in range(throttle.TOKEN_CLIENT.amount):
            wrong = api.get("/api/v1/interviews", headers={"Authorization": "Bearer fn_guess"})
            assert wrong.status_code == 401
        refused = api.get("/api/v1/interviews", headers={"Authorization": "Bearer fn_guess2"})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert "too many attempts" in refused.json()["detail"]
        # the pages are not the API's count: signing in still works
        assert browser.sign_up("still@example.org") > 0


def test_throttling_can_be_turned_off(
    app: FastAPI, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "SIGNIN_ACCOUNT", parse("2 per 15 minutes"))
    app.state.throttle.enabled = False
    browser.get("/signin")
    for _ in range(throttle.SIGNIN_ACCOUNT.amount + 2):
        assert _wrong(browser, "off@example.org").status_code == 401
