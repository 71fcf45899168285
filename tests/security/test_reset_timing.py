"""A reset request must not tell, by how long it takes, whether the address has an
account (issue 14). Probed on a running server: an address with an account was answered
in 37 ms (median of 24, PostgreSQL), one without in 19 ms; the lookup, the sealed token
and the queued mail were all done before the answer. Now the answer goes first and the
work follows it, so its time is the same for both."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fairnotice.store.tables import PasswordReset
from tests.web.conftest import Browser


def _resets(app: FastAPI) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(PasswordReset)) or 0)


def test_a_reset_request_is_answered_before_the_account_is_looked_at(
    app: FastAPI, browser: Browser, tally: Counter[str]
) -> None:
    browser.sign_up("owner@example.org")
    seen: list[int] = []

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        async def spy(message: Any) -> None:
            if (
                message["type"] == "http.response.body"
                and not message.get("more_body")
                and scope.get("method") == "POST"
                and scope.get("path") == "/reset"
            ):
                seen.append(_resets(app))
            await send(message)

        await app(scope, receive, spy)

    with TestClient(watching, base_url="http://testserver") as http:  # type: ignore[arg-type]
        asker = Browser(http)
        asker.get("/reset")
        answer = asker.post("/reset", {"email": "owner@example.org"})
        tally["reset requests timed"] += 1
    assert answer.status_code == 303 and answer.headers["location"] == "/reset?sent=1"
    assert seen == [0], seen  # nothing about the account done while the answer was sent
    assert _resets(app) == 1  # and the link is still made, after it
