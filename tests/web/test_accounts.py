"""Sign-up, sign-in, sign-out, sessions, language negotiation and switch."""

from __future__ import annotations

from fastapi import FastAPI

from tests.web.conftest import Browser


def test_sign_up_creates_a_personal_workspace_to_sign_in_to(browser: Browser) -> None:
    ws = browser.sign_up("alex@example.org")
    page = browser.get(f"/w/{ws}")
    assert page.status_code == 200
    assert "Sign out" in page.text
    cookie = page.request.headers.get("cookie", "")
    assert "fairnotice_session=" in cookie


def test_session_cookie_is_httponly_and_samesite(app: FastAPI, browser: Browser) -> None:
    browser.sign_up("c@example.org")
    browser.get("/signin")
    response = browser.post("/signin", {"email": "c@example.org", "password": "a long passphrase"})
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header


def test_password_is_stored_as_argon2(browser: Browser, app: FastAPI) -> None:
    from sqlalchemy import select

    from fairnotice.store.tables import User

    browser.sign_up("hash@example.org")
    with app.state.sessions() as session:
        stored = session.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$")
    assert "a long passphrase" not in stored


def test_sign_in_with_wrong_password_fails_and_right_one_works(
    browser: Browser, other_browser: Browser
) -> None:
    browser.sign_up("bob@example.org")
    other_browser.get("/signin")
    wrong = other_browser.post(
        "/signin", {"email": "bob@example.org", "password": "not the one at all"}
    )
    assert wrong.status_code == 401
    right = other_browser.post(
        "/signin", {"email": "BOB@example.org", "password": "a long passphrase"}
    )
    assert right.status_code == 303
    assert other_browser.get(right.headers["location"]).status_code == 200


def test_sign_out_ends_the_session(browser: Browser) -> None:
    ws = browser.sign_up("out@example.org")
    assert browser.post("/signout").status_code == 303
    page = browser.http.get(f"/w/{ws}", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/signin")


def test_short_password_names_the_field(browser: Browser) -> None:
    browser.get("/signup")
    short = browser.post(
        "/signup", {"email": "n@example.org", "name": "X", "password": "short", "timezone": "UTC"}
    )
    assert short.status_code == 422 and "password" in short.text


def test_open_redirect_after_sign_in_is_refused(browser: Browser, other_browser: Browser) -> None:
    browser.sign_up("redir@example.org")
    other_browser.get("/signin")
    response = other_browser.post(
        "/signin",
        {"email": "redir@example.org", "password": "a long passphrase", "next": "//evil.example/x"},
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/w/")


def test_language_follows_accept_language_and_the_switch(browser: Browser) -> None:
    german = browser.get("/signin", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in german.text
    swedish = browser.get("/signin", headers={"Accept-Language": "sv"})
    assert '<html lang="sv">' in swedish.text
    browser.post("/language", {"lang": "sv", "back": "/signin"})
    chosen = browser.get("/signin", headers={"Accept-Language": "de"})
    assert '<html lang="sv">' in chosen.text


def test_common_and_blank_passwords_are_refused_naming_the_field_in_german(
    browser: Browser,
) -> None:
    browser.get("/signup", headers={"Accept-Language": "de"})
    for password, why in (
        ("password12", "ist ein gängiges Passwort oder zu leicht zu erraten"),
        (" " * 12, "darf nicht nur aus Leerzeichen bestehen"),
    ):
        refused = browser.post(
            "/signup",
            {"email": "weak@example.org", "name": "W", "password": password, "timezone": "UTC"},
            headers={"Accept-Language": "de"},
        )
        assert refused.status_code == 422
        assert f"<strong>Passwort (mindestens 10 Zeichen)</strong>: {why}" in refused.text
    browser.get("/signin")
    assert (
        browser.post("/signin", {"email": "weak@example.org", "password": "password12"}).status_code
        == 401
    )
