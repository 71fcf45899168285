"""Password reset by an emailed link, delivered over real SMTP (aiosmtpd): the request
answers alike for every address, the mail is in the user's language, the link's token is
stored hashed, works once and for an hour, refuses a weak password naming the field, and
ends every session of the account. Sign-up tells nobody whether an address has an
account: the owner gets a mail instead."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import func, select

from fairnotice.operations.accounts.commands import digest
from fairnotice.operations.outbox.commands import link_writer
from fairnotice.operations.outbox.loop import Deliverer, Policy
from fairnotice.store.tables import OutboxMessage, PasswordReset, User
from tests.mail.servers import Recorder, smtp_server
from tests.mail.test_delivery import relay
from tests.web.conftest import PASSWORD, Browser, Clock
from tests.web.employer_setup import written_bodies

LINK = re.compile(r"http://testserver(/reset/[A-Za-z0-9_-]+)")
NEW = "violet kettle orbit"


def _deliver(app: FastAPI, clock: Clock) -> Recorder:
    """Every due outbox row sent to an aiosmtpd server; what arrived there."""
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
    return recorder


def _mail_to(recorder: Recorder, address: str) -> list[tuple[str, str]]:
    found = []
    for item in recorder.received:
        if address in item.rcpt_tos:
            message = item.parsed()
            found.append((str(message["Subject"]), message.get_body().get_content()))
    return found


def _ask(browser: Browser, email: str, lang: str = "en") -> tuple[int, str, str]:
    browser.get("/reset", headers={"Accept-Language": lang})
    answer = browser.post("/reset", {"email": email}, headers={"Accept-Language": lang})
    page = browser.get(answer.headers.get("location", "/reset"))
    return answer.status_code, answer.headers.get("location", ""), page.text


def test_a_reset_link_by_mail_sets_a_password_once_and_ends_every_session(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    ws = browser.sign_up("reset@example.org", name="Lena Vogel")
    browser.post("/language", {"lang": "de", "back": "/account"})  # the user reads German
    known = _ask(other_browser, "reset@example.org")
    unknown = _ask(other_browser, "nobody@example.org")
    assert known[:2] == unknown[:2] == (303, "/reset?sent=1")
    assert known[2] == unknown[2]

    with app.state.sessions() as session:
        (reset,) = session.scalars(select(PasswordReset)).all()
        rows = session.scalars(select(OutboxMessage)).all()
    assert [r.recipient for r in rows] == ["reset@example.org"]
    recorder = _deliver(app, clock)
    ((subject, body),) = _mail_to(recorder, "reset@example.org")
    assert subject == "Dein fairnotice-Passwort" and "Hallo Lena Vogel" in body
    path = LINK.search(body)
    assert path is not None, body
    token = path.group(1).rsplit("/", 1)[1]
    assert reset.token_hash == digest(token) and token not in reset.token_hash
    assert _mail_to(recorder, "nobody@example.org") == []

    form = other_browser.get(path.group(1))
    assert form.status_code == 200 and 'name="new_password"' in form.text
    assert form.headers["referrer-policy"] == "no-referrer"
    weak = other_browser.post(
        path.group(1), {"new_password": "            "}, headers={"Accept-Language": "sv"}
    )
    assert weak.status_code == 422 and "nytt lösenord" in weak.text
    assert browser.http.get(f"/w/{ws}", follow_redirects=False).status_code == 200

    done = other_browser.post(path.group(1), {"new_password": NEW})
    assert done.status_code == 303 and done.headers["location"] == "/signin?reset=1"
    assert browser.http.get(f"/w/{ws}", follow_redirects=False).status_code == 303
    other_browser.get("/signin")  # the reset cleared this browser's session: a new form token
    again = other_browser.post(path.group(1), {"new_password": "another fine phrase"})
    assert again.status_code == 404
    assert other_browser.get(path.group(1)).status_code == 404
    other_browser.get("/signin")
    old = other_browser.post("/signin", {"email": "reset@example.org", "password": PASSWORD})
    assert old.status_code == 401
    assert other_browser.sign_in("reset@example.org", NEW) == ws


def test_a_reset_link_expires_after_an_hour(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    browser.sign_up("late@example.org")
    _ask(other_browser, "late@example.org")
    (body,) = written_bodies(app, OutboxMessage.id > 0)
    found = LINK.search(body)
    assert found is not None
    clock.advance(minutes=59)
    assert other_browser.get(found.group(1)).status_code == 200
    clock.advance(minutes=2)
    assert other_browser.get(found.group(1)).status_code == 404
    refused = other_browser.post(found.group(1), {"new_password": NEW})
    assert refused.status_code == 404
    assert browser.sign_in("late@example.org") > 0  # the password stayed


def test_the_reset_mail_is_not_on_the_outbox_page(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    """A stolen session must not read a reset link off a page."""
    ws = browser.sign_up("hidden@example.org")
    _ask(other_browser, "hidden@example.org")
    page = browser.get(f"/w/{ws}/outbox")
    assert page.status_code == 200 and "/reset/" not in page.text


def test_sign_up_answers_alike_for_a_taken_address_and_mails_its_owner(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    ws = browser.sign_up("taken@example.org", name="Erik Johansson")
    browser.post("/language", {"lang": "sv", "back": "/account"})

    def attempt(client: Browser, email: str) -> tuple[int, str, str]:
        client.get("/signup")
        data = {"email": email, "name": "Mallory", "password": NEW, "timezone": "UTC"}
        answer = client.post("/signup", data)
        page = client.get(answer.headers["location"])
        return answer.status_code, answer.headers["location"], page.text

    taken = attempt(other_browser, "taken@example.org")
    fresh = attempt(other_browser, "fresh@example.org")
    assert taken[:2] == fresh[:2] == (303, "/signin?signed_up=1")
    assert taken[2] == fresh[2]
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2
        owner = session.scalars(select(User).where(User.email == "taken@example.org")).one()
        assert owner.name == "Erik Johansson"
    other_browser.get("/signin")
    mallory = other_browser.post("/signin", {"email": "taken@example.org", "password": NEW})
    assert mallory.status_code == 401
    ((subject, body),) = _mail_to(_deliver(app, clock), "taken@example.org")
    assert subject == "Ditt fairnotice-konto" and "http://testserver/reset" in body
    for _ in range(5):  # the owner hears of a few attempts an hour, the same page each time
        assert attempt(other_browser, "taken@example.org") == taken
    assert len(_mail_to(_deliver(app, clock), "taken@example.org")) == 2
    assert browser.http.get(f"/w/{ws}", follow_redirects=False).status_code == 200
