"""The web app in-process over ASGI on both databases, with a settable clock.

`client` is a signed-in browser-like client (cookies, CSRF token read from the pages).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fairnotice.settings import Settings
from fairnotice.web.app import create_app
from tests.store.databases import database_url, pg_url, sqlite_template  # noqa: F401

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday
PASSWORD = "a long passphrase"
LONG_SESSION_DAYS = 90


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Browser:
    """A TestClient that remembers the page's CSRF token, like a browser's form would."""

    http: TestClient
    csrf: str = ""
    user: dict[str, Any] = field(default_factory=dict)

    def get(self, url: str, **kw: Any) -> Any:
        response = self.http.get(url, **kw)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        if not self.csrf:
            self.get("/signin")
        payload = {"csrf_token": self.csrf, **(data or {})}
        response = self.http.post(url, data=payload, follow_redirects=False, **kw)
        return response

    def sign_up(self, email: str, name: str = "Alex Weber", tz: str = "Europe/Berlin") -> int:
        """Sign up, then sign in (a sign-up does not sign in: it must not tell whether the
        address had an account); the personal workspace's id."""
        self.get("/signup")
        response = self.post(
            "/signup",
            {"email": email, "name": name, "password": PASSWORD, "timezone": tz},
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/signin?signed_up=1"
        self.user = {"email": email, "name": name}
        return self.sign_in(email)

    def sign_in(self, email: str, password: str = "") -> int:
        """Sign in; the personal workspace's id."""
        self.get("/signin")
        response = self.post("/signin", {"email": email, "password": password or PASSWORD})
        assert response.status_code == 303, response.text
        self.get(response.headers["location"])
        return int(response.headers["location"].rsplit("/", 1)[1])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[FastAPI]:  # noqa: F811
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path / "var",
        secret_key="test-secret-key-0123456789abcdef",
        base_url="http://testserver",
        # Tests move the clock by days: sessions outlive that (test_sessions.py checks the
        # production lifetimes with an app of its own).
        session_idle_minutes=LONG_SESSION_DAYS * 24 * 60,
        session_max_days=LONG_SESSION_DAYS,
    )
    application = create_app(settings, clock=clock)
    yield application
    application.state.engine.dispose()


def _browser(app: FastAPI) -> Browser:
    return Browser(TestClient(app, base_url="http://testserver"))


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Browser]:
    b = _browser(app)
    with b.http:
        yield b


@pytest.fixture
def other_browser(app: FastAPI) -> Iterator[Browser]:
    b = _browser(app)
    with b.http:
        yield b
