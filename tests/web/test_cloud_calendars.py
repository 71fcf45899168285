"""Microsoft 365 and Google connections, in-process on SQLite and PostgreSQL, against the
local stand-in (tests/operations/cloud_standin.py, built from the documented shapes):
the sign-in with state and PKCE to the sealed tokens, the people's free/busy counted,
Graph's paging, Google's batches of 50 and its notFound, an expired access token renewed
(before expiry and on 401), throttling with Retry-After, a revoked consent making the
connection fail and its people's time uncheckable (never free)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fairnotice.operations.busy import cloud as cloud_calendars
from fairnotice.operations.busy import refresh
from fairnotice.operations.busy.stored import owners_busy
from fairnotice.settings import Settings
from fairnotice.store.sealing import unseal
from fairnotice.store.tables import Base, BusyCalendar, CalendarConnection
from fairnotice.web.app import create_app
from tests.operations.cloud_standin import Busy, Running
from tests.web.conftest import LONG_SESSION_DAYS, Browser, Clock
from tests.web.helpers import organisation

SECRET = "test-secret-key-0123456789abcdef"
ANNA, BEN, CARLA = "anna.berg@muster.example", "ben.kurz@muster.example", "carla.ek@muster.example"
MEETING = (datetime(2026, 3, 16, 8, tzinfo=UTC), datetime(2026, 3, 16, 9, 30, tzinfo=UTC))
MAYBE = (datetime(2026, 3, 17, 13, tzinfo=UTC), datetime(2026, 3, 17, 14, tzinfo=UTC))
AWAY = (datetime(2026, 3, 18, 7, tzinfo=UTC), datetime(2026, 3, 18, 16, tzinfo=UTC))
LUNCH = (datetime(2026, 3, 16, 11, tzinfo=UTC), datetime(2026, 3, 16, 12, tzinfo=UTC))
HOME = (datetime(2026, 3, 19, 8, tzinfo=UTC), datetime(2026, 3, 19, 16, tzinfo=UTC))
WEEK = (datetime(2026, 3, 16, tzinfo=UTC), datetime(2026, 3, 21, tzinfo=UTC))


@pytest.fixture
def standin() -> Iterator[Running]:
    running = Running()
    running.state.calendars = {
        ANNA: [
            Busy(*MEETING, "busy", "Salary review: Ben"),
            Busy(*MAYBE, "tentative"),
            Busy(*AWAY, "oof"),
            Busy(*LUNCH, "free"),
            Busy(*HOME, "workingElsewhere"),
        ],
        BEN: [Busy(*LUNCH, "busy")],
        CARLA: [Busy(*MAYBE, "busy")],
    }
    yield running
    running.stop()


@pytest.fixture
def app(  # the conftest's app, its services pointing at the stand-in
    database_url: str, tmp_path: Path, clock: Clock, standin: Running
) -> Iterator[FastAPI]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path / "var",
        secret_key=SECRET,
        base_url="http://testserver",
        session_idle_minutes=LONG_SESSION_DAYS * 24 * 60,
        session_max_days=LONG_SESSION_DAYS,
        **standin.settings_env(),
    )
    application = create_app(settings, clock=clock)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The Retry-After waits the client made (counted, not slept)."""
    made: list[float] = []
    monkeypatch.setattr(cloud_calendars, "sleep", made.append)
    return made


def sign_in_through(browser: Browser, org: int, provider: str, *, deny: bool = False) -> Any:
    """The owner's way: the button, the service's page, its button, back to fairnotice."""
    browser.get(f"/w/{org}/cloud")
    started = browser.post(f"/w/{org}/cloud/connect/{provider}")
    assert started.status_code == 303, started.text
    authorize = started.headers["location"]
    page = httpx.get(authorize)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    if deny:
        fields["deny"] = "1"
    back = httpx.post(f"{authorize.split('/authorize')[0]}/approve", data=fields)
    assert back.status_code == 302
    target = urlsplit(back.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == "http://testserver/cloud/callback"
    return browser.get(f"{target.path}?{target.query}", follow_redirects=False)


def busy_of(
    app: FastAPI, org: int, *emails: str
) -> tuple[list[tuple[datetime, datetime]], list[str]]:
    with app.state.sessions() as session:
        found, unread = owners_busy(
            session,
            workspace_id=org,
            emails=list(emails),
            start=WEEK[0],
            end=WEEK[1],
            now=app.state.clock(),
        )
    return sorted(found), unread


def everything_stored(app: FastAPI) -> str:
    with app.state.sessions() as session:
        return "\n".join(
            repr(session.execute(select(table)).all()) for table in Base.metadata.sorted_tables
        )


def connection_id(browser: Browser, org: int) -> int:
    page = browser.get(f"/w/{org}/cloud")
    return int(re.findall(r'id="connection-(\d+)"', page.text)[0])


def worker(app: FastAPI, clock: Clock) -> refresh.Refreshed:
    clock.advance(minutes=31)
    return refresh.refresh_due(
        app.state.write_sessions, clock=clock, secret=SECRET, allow_private=False
    )


def test_microsoft_sign_in_with_state_and_pkce_seals_the_tokens_and_counts_free_busy(
    app: FastAPI, browser: Browser, standin: Running
) -> None:
    browser.sign_up("hr@muster.example")
    org = organisation(browser)
    page = browser.get(f"/w/{org}/cloud")  # its forms may lead to the sign-in pages only
    assert f"form-action 'self' {standin.base};" in page.headers["content-security-policy"]
    assert (
        "form-action 'self';" in browser.get(f"/w/{org}/caldav").headers["content-security-policy"]
    )
    started = browser.post(f"/w/{org}/cloud/connect/microsoft")
    query = parse_qs(urlsplit(started.headers["location"]).query)
    assert started.headers["location"].startswith(f"{standin.base}/microsoft/authorize?")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["scope"] == ["offline_access https://graph.microsoft.com/Calendars.ReadBasic"]
    assert len(query["state"][0]) >= 32
    with app.state.sessions() as session:  # the state is kept only as its hash
        assert query["state"][0] not in everything_stored(app)
        pending = session.scalars(select(CalendarConnection)).one()
        assert pending.state == "pending" and pending.tokens is None

    back = sign_in_through(browser, org, "microsoft")
    assert back.status_code == 303 and back.headers["location"] == f"/w/{org}/cloud"
    assert standin.state.grants == ["authorization_code"]
    with app.state.sessions() as session:
        rows = list(
            session.scalars(select(CalendarConnection).where(CalendarConnection.state == "ready"))
        )
        assert len(rows) == 1 and rows[0].state_hash is None and rows[0].verifier is None
        kept = unseal(rows[0].tokens or "", SECRET, what="test")
    tokens = [t for t in standin.state.access] + sorted(standin.state.refresh)
    assert tokens and all(t in kept for t in tokens)  # sealed: there, but not in plain
    assert not any(t in everything_stored(app) for t in tokens)

    cid = connection_id(browser, org)
    saved = browser.post(f"/w/{org}/cloud/{cid}/people", {"emails": f"{ANNA}\n{BEN}"})
    assert saved.status_code == 303, saved.text
    # busy, tentative and out-of-office count; free and working elsewhere do not
    assert busy_of(app, org, ANNA) == ([MEETING, MAYBE, AWAY], [])
    assert busy_of(app, org, BEN) == ([LUNCH], [])
    asked = standin.state.api_requests("graph")
    assert {tuple(sorted(r["body"]["schedules"])) for r in asked} == {(ANNA, BEN)}  # one batch
    assert asked[0]["prefer"] == 'outlook.timezone="UTC"'
    assert "Salary review" not in everything_stored(app)  # free/busy only, no subjects
    page = browser.get(f"/w/{org}/cloud")
    assert page.text.count("last read") == 2 and ANNA in page.text


def test_a_state_is_used_once_by_the_session_that_started_it(
    app: FastAPI, browser: Browser, other_browser: Browser, standin: Running
) -> None:
    browser.sign_up("hr@muster.example")
    org = organisation(browser)
    browser.get(f"/w/{org}/cloud")
    started = browser.post(f"/w/{org}/cloud/connect/google")
    authorize = started.headers["location"]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', httpx.get(authorize).text))
    back = urlsplit(httpx.post(f"{standin.base}/google/approve", data=fields).headers["location"])
    other_browser.sign_up("mallory@elsewhere.example")  # another user, their own session
    stolen = other_browser.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert stolen.status_code in (404, 422)
    assert standin.state.grants == []  # the code was never exchanged for them
    mine = browser.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert mine.status_code == 303
    again = browser.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert again.status_code in (404, 422) and standin.state.grants == ["authorization_code"]
    forged = browser.get("/cloud/callback?state=forged&code=x", follow_redirects=False)
    assert forged.status_code == 404


def test_a_refused_consent_stores_nothing_and_says_so(
    app: FastAPI, browser: Browser, standin: Running
) -> None:
    browser.sign_up("hr@muster.example")
    org = organisation(browser)
    browser.http.headers["accept-language"] = "de"
    back = sign_in_through(browser, org, "microsoft", deny=True)
    assert back.status_code == 422 and "access_denied" in back.text
    with app.state.sessions() as session:
        assert session.scalars(select(CalendarConnection)).all() == []


def test_google_reads_fifty_people_a_request_and_names_one_it_cannot_see(
    app: FastAPI, browser: Browser, standin: Running
) -> None:
    many = [f"person{n:02}@muster.example" for n in range(60)]
    standin.state.calendars.update({e: [Busy(*LUNCH)] for e in many})
    browser.sign_up("hr@muster.example")
    org = organisation(browser)
    assert sign_in_through(browser, org, "google").status_code == 303
    cid = connection_id(browser, org)
    unknown = "nobody@muster.example"
    refused = browser.post(f"/w/{org}/cloud/{cid}/people", {"emails": f"{ANNA}\n{unknown}"})
    assert refused.status_code == 422 and unknown in refused.text and "notFound" in refused.text
    with app.state.sessions() as session:
        assert session.scalars(select(BusyCalendar)).all() == []  # nothing half-written
    saved = browser.post(f"/w/{org}/cloud/{cid}/people", {"emails": "\n".join([ANNA, *many])})
    assert saved.status_code == 303, saved.text
    asked = standin.state.api_requests("google")
    spans = {(r["body"]["timeMin"], r["body"]["timeMax"]) for r in asked}
    batches = [len(r["body"]["items"]) for r in asked]
    # the refused pair, then 61 people as 50 + 11, each over every span of the window
    assert sorted(set(batches)) == [2, 11, 50]
    assert sum(batches) == (2 + 61) * len(spans) and len(asked) == 3 * len(spans)
    assert busy_of(app, org, ANNA) == ([MEETING, MAYBE, AWAY], [])
    assert busy_of(app, org, many[59]) == ([LUNCH], [])


def test_graph_pages_are_followed(app: FastAPI, browser: Browser, standin: Running) -> None:
    standin.state.page_size = 1
    browser.sign_up("hr@muster.example")
    org = organisation(browser)
    assert sign_in_through(browser, org, "microsoft").status_code == 303
    cid = connection_id(browser, org)
    saved = browser.post(f"/w/{org}/cloud/{cid}/people", {"emails": f"{ANNA}, {BEN}, {CARLA}"})
    assert saved.status_code == 303, saved.text
    assert len(standin.state.api_requests("graph-page")) == 2 * len(
        standin.state.api_requests("graph")
    )
    assert busy_of(app, org, ANNA, BEN, CARLA) == (sorted([MEETING, MAYBE, AWAY, LUNCH, MAYBE]), [])


def test_tokens_are_renewed_before_expiry_and_on_401(
    app: FastAPI, browser: Browser, standin: Running, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser.sign_up("hr@muster.example")
    org = organisation(browser)
    assert sign_in_through(browser, org, "microsoft").status_code == 303
    cid = connection_id(browser, org)
    assert browser.post(f"/w/{org}/cloud/{cid}/people", {"emails": ANNA}).status_code == 303
    assert standin.state.grants == ["authorization_code"]  # an hour left: not renewed
    standin.state.expire_access_tokens()  # the service ends it early: 401, renewed, asked again
    standin.state.calendars[ANNA].append(Busy(*LUNCH))
    done = worker(app, clock)
    assert (done.changed, done.failed) == (1, 0), done.errors
    assert standin.state.grants == ["authorization_code", "refresh_token"]
    assert busy_of(app, org, ANNA) == ([MEETING, LUNCH, MAYBE, AWAY], [])
    worker(app, clock)  # an hour left: not renewed
    assert standin.state.grants == ["authorization_code", "refresh_token"]
    later = time.time() + 3600 - 200  # within five minutes of expiry: renewed before asking
    monkeypatch.setattr(cloud_calendars, "seconds", lambda: later)
    assert worker(app, clock).changed == 1
    assert standin.state.grants == ["authorization_code", "refresh_token", "refresh_token"]
    assert standin.state.api_requests("graph")[-1]["body"]["schedules"] == [ANNA]


def test_throttling_waits_as_told_and_a_long_wait_fails_the_reading_not_free(
    app: FastAPI, browser: Browser, standin: Running, clock: Clock, waits: list[float]
) -> None:
    browser.sign_up("hr@muster.example")
    org = organisation(browser)
    assert sign_in_through(browser, org, "google").status_code == 303
    cid = connection_id(browser, org)
    standin.state.throttle(2)
    assert browser.post(f"/w/{org}/cloud/{cid}/people", {"emails": ANNA}).status_code == 303
    assert waits == [1.0, 1.0]
    standin.state.retry_after = "3600"  # longer than is waited in place: tried again later
    standin.state.throttle(1)
    done = worker(app, clock)
    assert done.failed == 1 and "throttled" in done.errors[0]
    unread = busy_of(app, org, ANNA)[1]  # a source that cannot answer is never free time
    assert len(unread) == 1 and "Google" in unread[0]
    assert waits == [1.0, 1.0]  # the hour was not waited
    assert worker(app, clock).changed == 1  # the next round reads it again
    assert busy_of(app, org, ANNA) == ([MEETING, MAYBE, AWAY], [])


def test_a_revoked_consent_fails_the_connection_and_its_people_cannot_answer(
    app: FastAPI, browser: Browser, standin: Running, clock: Clock
) -> None:
    browser.sign_up("hr@muster.example")
    org = organisation(browser)
    assert sign_in_through(browser, org, "microsoft").status_code == 303
    cid = connection_id(browser, org)
    saved = browser.post(f"/w/{org}/cloud/{cid}/people", {"emails": f"{ANNA}\n{BEN}"})
    assert saved.status_code == 303
    standin.state.revoke()
    done = worker(app, clock)
    assert done.failed == 2 and standin.state.grants[-1] == "refresh_token"
    with app.state.sessions() as session:
        row = session.get(CalendarConnection, cid)
        assert row is not None and row.state == "failing"
        assert {r.state for r in session.scalars(select(BusyCalendar))} == {"failed"}
    found, unread = busy_of(app, org, ANNA, BEN)
    assert len(unread) == 2, (found, unread)
    browser.http.headers["accept-language"] = "de"
    page = browser.get(f"/w/{org}/cloud")
    assert "Microsoft 365" in page.text and "erneut" in page.text, page.text
    asked = len(standin.state.grants)
    worker(app, clock)  # a failing connection is not asked again until connected again
    assert len(standin.state.grants) == asked


def test_only_an_organisation_owner_reaches_the_page(
    app: FastAPI, browser: Browser, standin: Running
) -> None:
    personal = browser.sign_up("kandidat@example.org")
    assert browser.get(f"/w/{personal}/cloud").status_code == 404
    unused = TestClient(app)
    assert unused.get("/w/1/cloud", follow_redirects=False).status_code in (303, 401, 404)


def test_a_service_is_set_up_by_its_client_id_and_secret_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAIRNOTICE_MICROSOFT__CLIENT_ID", "app-id")
    monkeypatch.setenv("FAIRNOTICE_MICROSOFT__CLIENT_SECRET", "app-secret")
    settings = Settings(data_dir=tmp_path)
    assert settings.microsoft.configured and not settings.google.configured
    assert settings.microsoft.token_url.startswith("https://login.microsoftonline.com/")
    assert settings.google.api_url == "https://www.googleapis.com/calendar/v3"
