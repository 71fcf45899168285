"""Attacks on the token endpoints found by probing a running server (issue 14): a
pick link's page answers whether a guessed token exists (200 against 404), so looking
at it, not only posting to it, counts against the client's wrong-token budget."""

from __future__ import annotations

import secrets
from collections import Counter

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fairnotice.web import throttle
from tests.web.conftest import Browser


def test_guessing_pick_links_by_get_or_head_is_throttled(
    browser: Browser, tally: Counter[str]
) -> None:
    allowed = throttle.TOKEN_CLIENT.amount
    for i in range(allowed):
        guess = f"/pick/{secrets.token_urlsafe(32)}"
        response = browser.http.head(guess) if i % 2 else browser.http.get(guess)
        assert response.status_code == 404
        tally["pick tokens guessed by GET/HEAD"] += 1
    refused = browser.http.get(f"/pick/{secrets.token_urlsafe(32)}")
    assert refused.status_code == 429, refused.status_code
    assert int(refused.headers["retry-after"]) > 0
    assert browser.http.head(f"/pick/{secrets.token_urlsafe(32)}").status_code == 429


def test_addresses_of_one_ipv6_network_share_one_budget(app: FastAPI, tally: Counter[str]) -> None:
    """One IPv6 subscriber holds a /64 (2**64 addresses): counting each address on its own
    gave such a client an unlimited budget, a fresh address for every guess."""
    allowed = throttle.TOKEN_CLIENT.amount
    for i in range(allowed):
        with TestClient(app, client=(f"2001:db8:1:2::{i + 1:x}", 50000)) as http:
            assert http.get(f"/pick/{secrets.token_urlsafe(32)}").status_code == 404
        tally["pick tokens guessed from one IPv6 /64"] += 1
    with TestClient(app, client=("2001:db8:1:2:ffff::9", 50000)) as http:
        assert http.get(f"/pick/{secrets.token_urlsafe(32)}").status_code == 429
    with TestClient(app, client=("2001:db8:1:3::1", 50000)) as http:  # another network
        assert http.get(f"/pick/{secrets.token_urlsafe(32)}").status_code == 404


def test_wrong_passwords_from_one_ipv6_network_share_one_budget(app: FastAPI) -> None:
    allowed = throttle.SIGNIN_CLIENT.amount
    codes = []
    for i in range(allowed + 1):
        with TestClient(app, client=(f"2001:db8:5:6::{i + 1:x}", 50000)) as http:
            browser = Browser(http)
            browser.get("/signin")
            wrong = {"email": f"someone{i}@example.org", "password": "not the right one"}
            codes.append(browser.post("/signin", wrong).status_code)
    assert codes[:allowed] == [401] * allowed
    assert codes[allowed] == 429, codes[allowed]
