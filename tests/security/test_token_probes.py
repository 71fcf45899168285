"""Attacks on the token endpoints found by probing a running server (issue 14): a
pick link's page answers whether a guessed token exists (200 against 404), so looking
at it, not only posting to it, counts against the client's wrong-token budget."""

from __future__ import annotations

import secrets
from collections import Counter

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
