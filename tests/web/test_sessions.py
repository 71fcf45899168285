"""Server-side sessions: sign-out ends the session on the server (a saved cookie is
worthless afterwards), sign-out everywhere, a password change ends the other sessions,
idle and absolute expiry, only the id's digest is stored, and cookies of the old kind
(a signed user id, before migration 0010) sign nobody in."""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from fairnotice.operations.accounts.commands import digest
from fairnotice.settings import Settings
from fairnotice.store.tables import ApiToken, AuthSession
from fairnotice.web.app import create_app
from tests.web.conftest import PASSWORD, Browser, Clock

SECRET = "test-secret-key-0123456789abcdef"  # conftest's app


def _copy(app: FastAPI, browser: Browser) -> Browser:
    """Another client holding a copy of the browser's cookie and form token (a thief)."""
    thief = Browser(TestClient(app, base_url="http://testserver"), csrf=browser.csrf)
    thief.http.cookies.set("fairnotice_session", browser.http.cookies["fairnotice_session"])
    return thief


def _signed_in(browser: Browser, ws: int) -> bool:
    page = browser.http.get(f"/w/{ws}", follow_redirects=False)
    if page.status_code == 303:
        assert page.headers["location"].startswith("/signin")
        return False
    assert page.status_code == 200, page.text
    return True


def _count(app: FastAPI, model: type[ApiToken] | type[AuthSession]) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_cookie_saved_before_sign_out_no_longer_works_nor_makes_api_tokens(
    app: FastAPI, browser: Browser
) -> None:
    ws = browser.sign_up("out@example.org")
    thief = _copy(app, browser)
    with thief.http:
        assert _signed_in(thief, ws)  # the copy works while the session lives
        assert browser.post("/signout").status_code == 303
        assert not _signed_in(thief, ws)
        made = thief.post(f"/w/{ws}/tokens", {"label": "stolen"})
        assert made.status_code in (303, 403)
        assert "fn_" not in made.text
        assert _count(app, ApiToken) == 0
        assert _count(app, AuthSession) == 0
    assert not _signed_in(browser, ws)


def test_only_the_digest_of_the_session_id_is_stored(app: FastAPI, browser: Browser) -> None:
    browser.sign_up("digest@example.org")
    cookie = browser.http.cookies["fairnotice_session"]
    payload = json.loads(b64decode(cookie.split(".")[0] + "=="))
    sid = payload["sid"]
    with app.state.sessions() as session:
        (stored,) = session.scalars(select(AuthSession.token_hash)).all()
    assert stored == digest(sid) and sid not in stored and len(sid) >= 40


def test_sign_out_everywhere_ends_every_session_of_the_user(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    ws = browser.sign_up("every@example.org")
    assert other_browser.sign_in("every@example.org") == ws
    account = browser.get("/account")
    assert "in 1 other session" in account.text
    assert browser.post("/signout/everywhere").headers["location"] == "/signin"
    assert not _signed_in(browser, ws)
    assert not _signed_in(other_browser, ws)
    assert _count(app, AuthSession) == 0


def test_a_password_change_asks_for_the_current_one_and_ends_the_other_sessions(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    ws = browser.sign_up("change@example.org")
    other_browser.sign_in("change@example.org")
    browser.get("/account", headers={"Accept-Language": "de"})
    wrong = browser.post(
        "/account/password",
        {"current_password": "not my password", "new_password": "violet kettle orbit"},
        headers={"Accept-Language": "de"},
    )
    assert wrong.status_code == 422
    assert "Aktuelles Passwort" in wrong.text and "ist nicht dein Passwort" in wrong.text
    weak = browser.post(
        "/account/password", {"current_password": PASSWORD, "new_password": "password12"}
    )
    assert weak.status_code == 422 and "New password" in weak.text
    assert _signed_in(other_browser, ws)  # nothing changed yet
    done = browser.post(
        "/account/password", {"current_password": PASSWORD, "new_password": "violet kettle orbit"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/account?changed=1"
    assert "Your password is changed" in browser.get(done.headers["location"]).text
    assert _signed_in(browser, ws)
    assert not _signed_in(other_browser, ws)
    assert _count(app, AuthSession) == 1
    other_browser.get("/signin")
    old = other_browser.post("/signin", {"email": "change@example.org", "password": PASSWORD})
    assert old.status_code == 401
    assert other_browser.sign_in("change@example.org", "violet kettle orbit") == ws


@pytest.fixture
def default_app(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[FastAPI]:
    """The app with the session lifetimes it has in production (8 h idle, 7 days)."""
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path / "var",
        secret_key=SECRET,
        base_url="http://testserver",
    )
    assert (settings.session_idle_minutes, settings.session_max_days) == (480, 7)
    application = create_app(settings, clock=clock)
    yield application
    application.state.engine.dispose()


def test_sessions_expire_when_idle_and_after_their_lifetime(
    default_app: FastAPI, clock: Clock
) -> None:
    browser = Browser(TestClient(default_app, base_url="http://testserver"))
    ws = browser.sign_up("idle@example.org")
    clock.advance(hours=7, minutes=59)
    assert _signed_in(browser, ws)  # activity moves the idle limit on
    clock.advance(hours=7, minutes=59)
    assert _signed_in(browser, ws)
    clock.advance(hours=8, minutes=1)
    assert not _signed_in(browser, ws)

    browser.sign_in("idle@example.org")
    signed_in_at = clock.now
    while _signed_in(browser, ws):  # busy every 6 hours: never idle
        clock.advance(hours=6)
        assert clock.now - signed_in_at <= timedelta(days=8), "a session outlived 7 days"
    assert timedelta(days=7) <= clock.now - signed_in_at < timedelta(days=7, hours=6)


def test_a_cookie_of_the_old_kind_signs_nobody_in(app: FastAPI, browser: Browser) -> None:
    """Before 0010 the cookie held the signed user id; those sessions ended at the upgrade."""
    ws = browser.sign_up("old@example.org")
    with app.state.sessions() as session:
        (user_id,) = session.scalars(select(AuthSession.user_id)).all()
    data = b64encode(json.dumps({"uid": user_id, "csrf": browser.csrf}).encode())
    forged = TimestampSigner(SECRET).sign(data).decode()
    old = Browser(TestClient(app, base_url="http://testserver"), csrf=browser.csrf)
    with old.http:
        old.http.cookies.set("fairnotice_session", forged)
        assert not _signed_in(old, ws)
