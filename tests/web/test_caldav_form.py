"""Availability from a CalDAV calendar by URL, with the user's own login, in the web app.

Against the Radicale server of tests/calendar (started on 127.0.0.1), so the setting
FAIRNOTICE_CALDAV_ALLOW_PRIVATE is turned on where a test must reach it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from fairnotice.store.tables import Base, PlanRecord
from tests.calendar.test_caldav import PASSWORD, USER, _request, server  # noqa: F401
from tests.calendar.test_expand import ics
from tests.web.conftest import Browser
from tests.web.helpers import add_interview, make_plan

SECRET = "Zq7-very-secret-pw"  # a wrong password that must never show up anywhere


def allow_private(app: FastAPI) -> None:
    app.state.settings = app.state.settings.changed(calendars={"caldav_allow_private": True})


def proposals(app: FastAPI, plan_id: int) -> list[tuple[datetime, datetime]]:
    with app.state.sessions() as session:
        record = session.get(PlanRecord, plan_id)
        assert record is not None
        return [
            (datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]))
            for s in record.plan["proposed_slots"]
        ]


def plan_count(app: FastAPI) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(PlanRecord)) or 0)


def everything_stored(app: FastAPI) -> str:
    """Every row of every table, as text."""
    with app.state.sessions() as session:
        return "\n".join(
            repr(session.execute(select(table)).all()) for table in Base.metadata.sorted_tables
        )


def test_proposed_slots_avoid_the_caldav_calendars_busy_time(
    app: FastAPI,
    browser: Browser,
    server: str,  # noqa: F811
) -> None:
    allow_private(app)
    ws = browser.sign_up("caldav@example.org")
    interview = add_interview(browser, ws)
    before = proposals(app, make_plan(browser, ws, interview))
    assert before
    # Make every time proposed so far busy in the CalDAV calendar.
    first, last = before[0][0], max(end for _, end in before)
    event = ics(f"UID:blocker\nDTSTART:{_utc(first)}\nDTEND:{_utc(last)}")
    calendar = server.rstrip("/").rsplit("/", 1)[0] + f"/only-blocker-{ws}/"
    _request(calendar, "MKCALENDAR")
    _request(calendar + "blocker.ics", "PUT", event)
    try:
        via_caldav = proposals(
            app,
            make_plan(
                browser,
                ws,
                interview,
                caldav_url=calendar,
                caldav_username=USER,
                caldav_password=PASSWORD,
            ),
        )
        assert via_caldav and via_caldav != before
        assert all(end <= first or start >= last for start, end in via_caldav), via_caldav
        # The same events uploaded as an .ics shape the proposals exactly alike.
        browser.get(f"/w/{ws}/interviews/{interview}")
        uploaded = browser.post(
            f"/w/{ws}/interviews/{interview}/plan",
            {"intent": "reschedule", "reason": "family", "message_language": "de"},
            files={"calendar": ("me.ics", event, "text/calendar")},
        )
        assert uploaded.status_code == 303, uploaded.text
        plan_id = int(uploaded.headers["location"].rsplit("/", 1)[1])
        assert proposals(app, plan_id) == via_caldav
    finally:
        _request(calendar, "DELETE")
    stored = everything_stored(app)
    assert PASSWORD not in stored and "s3cret" not in stored


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def test_wrong_password_names_the_field_and_is_never_echoed(
    app: FastAPI,
    browser: Browser,
    server: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    allow_private(app)
    caplog.set_level(logging.DEBUG)
    ws = browser.sign_up("wrong@example.org")
    interview = add_interview(browser, ws)
    browser.get(f"/w/{ws}/interviews/{interview}")
    count = plan_count(app)
    response = browser.post(
        f"/w/{ws}/interviews/{interview}/plan",
        {
            "intent": "reschedule",
            "reason": "family",
            "caldav_url": server,
            "caldav_username": USER,
            "caldav_password": SECRET,
        },
    )
    assert response.status_code == 422
    assert "caldav_password" in response.text and "401" in response.text
    assert SECRET not in response.text and SECRET not in caplog.text
    assert plan_count(app) == count  # nothing written
    page = browser.get(f"/w/{ws}/interviews/{interview}")
    assert SECRET not in page.text and 'name="caldav_password"' in page.text
    assert SECRET not in everything_stored(app)


def test_a_login_inside_the_address_is_refused(
    app: FastAPI,
    browser: Browser,
    server: str,  # noqa: F811
) -> None:
    allow_private(app)
    ws = browser.sign_up("inurl@example.org")
    interview = add_interview(browser, ws)
    browser.get(f"/w/{ws}/interviews/{interview}")
    url = server.replace("http://", f"http://{USER}:{SECRET}@")
    response = browser.post(
        f"/w/{ws}/interviews/{interview}/plan",
        {"intent": "reschedule", "reason": "family", "caldav_url": url},
    )
    assert response.status_code == 422 and "caldav_url" in response.text
    assert SECRET not in response.text


@pytest.mark.parametrize(
    "url",
    [
        "LOCAL",  # the test's Radicale on 127.0.0.1
        "http://localhost:9/cal/",
        "http://[::1]:9/cal/",
        "https://127.0.0.1:9/cal/",
        "http://[::ffff:127.0.0.1]:9/cal/",
        "http://10.1.2.3/cal/",
        "http://169.254.169.254/latest/meta-data/",
        "http://224.0.0.1/cal/",
        "http://0.0.0.0:9/cal/",
        "file:///etc/passwd",
        "ftp://example.org/cal/",
    ],
)
def test_private_addresses_and_other_schemes_are_refused_without_the_setting(
    app: FastAPI,
    browser: Browser,
    server: str,  # noqa: F811
    url: str,
) -> None:
    assert app.state.settings.calendars.caldav_allow_private is False
    ws = browser.sign_up("ssrf@example.org")
    interview = add_interview(browser, ws)
    browser.get(f"/w/{ws}/interviews/{interview}")
    count = plan_count(app)
    response = browser.post(
        f"/w/{ws}/interviews/{interview}/plan",
        {
            "intent": "reschedule",
            "reason": "family",
            "caldav_url": server if url == "LOCAL" else url,
            "caldav_username": USER,
            "caldav_password": PASSWORD,
        },
    )
    assert response.status_code == 422, response.text
    assert "caldav_url" in response.text
    assert ("not allowed" in response.text) or ("http:// or https://" in response.text)
    assert PASSWORD not in response.text
    assert plan_count(app) == count


class Recorder(BaseHTTPRequestHandler):
    """A tiny HTTP server that records each request and answers by path."""

    seen: list[dict[str, Any]]

    def do_REPORT(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.seen.append(
            {
                "path": self.path,
                "host": self.headers.get("Host"),
                "auth": self.headers.get("Authorization"),
            }
        )
        port = self.server.server_address[1]
        if self.path == "/same":
            self._answer(308, b"", {"Location": "/target"})
        elif self.path == "/other":
            self._answer(302, b"", {"Location": f"http://localhost:{port}/target"})
        elif self.path == "/target":
            body = (
                b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
                b'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response><d:href>/t/e.ics'
                b"</d:href><d:propstat><d:prop><c:calendar-data>"
                + ics("UID:r\nDTSTART:20260316T080000Z\nDURATION:PT1H").replace(b"\r\n", b"\n")
                + b"</c:calendar-data></d:prop></d:propstat></d:response></d:multistatus>"
            )
            self._answer(207, body, {"Content-Type": "application/xml"})
        elif self.path == "/slow":
            threading.Event().wait(3)
            self._answer(207, b"<x/>", {})
        else:
            self._answer(404, b"", {})

    def _answer(self, code: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []
    handler = type("Handler", (Recorder,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_redirects_are_followed_within_the_origin_only(
    app: FastAPI, browser: Browser, recorder: tuple[str, list[dict[str, Any]]]
) -> None:
    base, seen = recorder
    allow_private(app)
    ws = browser.sign_up("redirect@example.org")
    interview = add_interview(browser, ws)
    browser.get(f"/w/{ws}/interviews/{interview}")
    form = {
        "intent": "reschedule",
        "reason": "family",
        "caldav_username": USER,
        "caldav_password": PASSWORD,
    }
    same = browser.post(
        f"/w/{ws}/interviews/{interview}/plan", {**form, "caldav_url": base + "/same"}
    )
    assert same.status_code == 303, same.text
    assert [s["path"] for s in seen] == ["/same", "/target"] and seen[1]["auth"]
    seen.clear()
    other = browser.post(
        f"/w/{ws}/interviews/{interview}/plan", {**form, "caldav_url": base + "/other"}
    )
    assert other.status_code == 422 and "caldav_url" in other.text and "302" in other.text
    assert [s["path"] for s in seen] == ["/other"]  # localhost was never asked


def test_a_server_that_does_not_answer_in_time_is_a_clear_error(
    recorder: tuple[str, list[dict[str, Any]]],
) -> None:
    from fairnotice.errors import BadInput
    from fairnotice.operations.busy import remote as remote_calendars

    base, _ = recorder
    now = datetime(2026, 3, 10, tzinfo=UTC)
    with pytest.raises(BadInput) as caught:
        remote_calendars.busy_from_caldav(
            base + "/slow",
            username=USER,
            password=SECRET,
            now=now,
            zone_name="Europe/Berlin",
            allow_private=True,
            timeout=0.5,
        )
    assert caught.value.field == "caldav_url" and SECRET not in str(caught.value)


def test_csrf_and_workspace_isolation_reach_no_server(
    app: FastAPI,
    browser: Browser,
    other_browser: Browser,
    recorder: tuple[str, list[dict[str, Any]]],
) -> None:
    base, seen = recorder
    allow_private(app)
    ws = browser.sign_up("owner@example.org")
    interview = add_interview(browser, ws)
    form = {
        "intent": "reschedule",
        "reason": "family",
        "caldav_url": base + "/target",
        "caldav_username": USER,
        "caldav_password": PASSWORD,
    }
    no_token = browser.http.post(
        f"/w/{ws}/interviews/{interview}/plan", data=form, follow_redirects=False
    )
    assert no_token.status_code == 403
    intruder = other_browser.sign_up("intruder@example.org")
    foreign = other_browser.post(f"/w/{ws}/interviews/{interview}/plan", form)
    own_ws_foreign_id = other_browser.post(f"/w/{intruder}/interviews/{interview}/plan", form)
    assert foreign.status_code == 404 and own_ws_foreign_id.status_code == 404
    assert seen == [] and plan_count(app) == 0
    assert urlsplit(base).hostname == "127.0.0.1"


def test_a_caldav_calendar_is_asked_for_the_time_of_an_interview_months_ahead(
    server: str,  # noqa: F811
) -> None:
    """K1 for an interview beyond the usual three months: the server is asked for the
    interview's time too (a time-range query only returns what lies inside it)."""
    from datetime import timedelta

    from fairnotice.calendar.expand import OwnEvent
    from fairnotice.operations.busy import remote as remote_calendars

    now = datetime(2026, 3, 10, tzinfo=UTC)
    interview = OwnEvent(
        "the-interview", now + timedelta(days=200), now + timedelta(days=200, hours=1)
    )
    clash = (interview.start + timedelta(minutes=30), interview.end + timedelta(hours=1))
    calendar = server.rstrip("/").rsplit("/", 1)[0] + "/far-ahead/"
    _request(calendar, "MKCALENDAR")
    event = ics(f"UID:far-clash\nDTSTART:{_utc(clash[0])}\nDTEND:{_utc(clash[1])}")
    _request(calendar + "far-clash.ics", "PUT", event)
    busy = remote_calendars.busy_from_caldav(
        calendar,
        username=USER,
        password=PASSWORD,
        now=now,
        zone_name="Europe/Berlin",
        allow_private=True,
        own=interview,
    )
    found = [(datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"])) for b in busy]
    assert clash in found
