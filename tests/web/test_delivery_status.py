"""The delivery status page (issue 14): for a workspace's owner, linked from the outbox,
in the viewer's language; whether a worker runs (a stale heartbeat reads as not
running), its last round, the workspace's messages due now and the last error, as a
real worker round over SMTP wrote them; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from fastapi import FastAPI

from fairnotice.mail.transport import SmtpConfig, SmtpTransport, Transport
from fairnotice.store.session import transaction
from fairnotice.store.tables import OutboxMessage
from fairnotice.worker import run
from tests.mail.servers import smtp_server
from tests.web.conftest import Browser, Clock
from tests.web.helpers import organisation
from tests.worker.processes import wait_until


def _queue(app: FastAPI, org: int, clock: Clock, count: int, first: int = 0) -> None:
    with transaction(app.state.sessions, write=True) as session:
        for i in range(first, first + count):
            session.add(
                OutboxMessage(
                    workspace_id=org,
                    recipient=f"lena{i}@example.org",
                    subject=f"Termin {i}",
                    body="Guten Tag\n",
                    language="de",
                    due=clock.now - timedelta(minutes=1),
                    created_at=clock.now - timedelta(minutes=1),
                    message_id=f"<status{i}.{org}@fairnotice.test>",
                    attempts=0,
                )
            )


def _page(browser: Browser, org: int) -> str:
    return str(browser.get(f"/w/{org}/delivery").text)


def test_the_owner_sees_the_worker_run_fail_and_go_silent(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    browser.sign_up("owner@example.org")
    org = organisation(browser)
    outbox = browser.get(f"/w/{org}/outbox")
    assert f'href="/w/{org}/delivery"' in outbox.text
    page = browser.get(f"/w/{org}/delivery")
    assert page.status_code == 200
    assert "No delivery worker has run yet." in page.text
    assert "0 messages of this workspace are due now." in page.text

    _queue(app, org, clock, 3)
    assert "3 messages of this workspace are due now." in browser.get(f"/w/{org}/delivery").text

    broken = threading.Event()
    hung: list[datetime] = []  # the worker's clock stops: it beats no more, as if hung
    stop = threading.Event()
    with smtp_server() as (port, recorder):
        relay = SmtpConfig(host="127.0.0.1", port=port, tls="none", timeout=10)

        def transport() -> Transport:
            if broken.is_set():
                raise ConnectionRefusedError("relay refused the connection")
            return SmtpTransport(relay)

        settings = app.state.settings.changed(
            smtp={"sender": "noreply@fairnotice.test"}, delivery={"poll_seconds": 0.05}
        )
        worker = threading.Thread(
            target=run,
            args=(app.state.sessions, settings),
            kwargs={"once": False, "stop": stop, "transport": transport,
                    "clock": lambda: hung[0] if hung else clock.now},
        )  # fmt: skip
        worker.start()
        try:
            assert wait_until(lambda: len(recorder.received) == 3, timeout=30)
            assert wait_until(lambda: "<td>3</td><td>0</td><td>0</td>" in _page(browser, org), 30)
            page = browser.get(f"/w/{org}/delivery")
            assert "The delivery worker is running." in page.text
            assert "0 messages of this workspace are due now." in page.text
            assert "Last error" not in page.text

            broken.set()
            _queue(app, org, clock, 1, first=3)
            assert wait_until(lambda: "Last error" in _page(browser, org), timeout=30)
            page = browser.get(f"/w/{org}/delivery")
            assert "The delivery worker is running." in page.text
            assert "ConnectionRefusedError: relay refused the connection" in page.text
            assert "tries again by itself." in page.text
            assert "1 message of this workspace is due now." in page.text

            hung.append(clock.now)
            clock.advance(minutes=10)
            page = browser.get(f"/w/{org}/delivery")
            assert "The delivery worker is not running" in page.text
            assert worker.is_alive()
        finally:
            stop.set()
            worker.join(timeout=30)
    assert len(recorder.received) == 3

    browser.http.headers["Accept-Language"] = "de-DE,de;q=0.9"
    german = browser.get(f"/w/{org}/delivery")
    assert "Zustellung" in german.text and "The delivery worker" not in german.text
    browser.http.headers["Accept-Language"] = "sv-SE"
    swedish = browser.get(f"/w/{org}/delivery")
    assert "The delivery worker" not in swedish.text and 'lang="sv"' in swedish.text

    other_browser.sign_up("member@example.org")
    browser.get(f"/w/{org}/members")
    assert browser.post(f"/w/{org}/members", {"email": "member@example.org"}).status_code == 303
    assert other_browser.get(f"/w/{org}/delivery").status_code == 403
    # the outbox links the status page for its owners only
    assert f'href="/w/{org}/delivery"' not in other_browser.get(f"/w/{org}/outbox").text
    assert f'href="/w/{org}/delivery"' in browser.get(f"/w/{org}/outbox").text
    stranger = other_browser.get(f"/w/{org + 1000}/delivery")
    assert stranger.status_code == 404
