"""Issue 17 in Chromium, on SQLite and PostgreSQL: an employer fills a position with three
candidates; the letters go over real SMTP (aiosmtpd), each with its own "Got it" link.
Two candidates open theirs and press the button, the third does not: the progress page
says 2 of 3 confirmed, and on the next working day the overview lists a call to the third
(the app's clock is moved, not the wall clock). Screenshots: /tmp/shots/gotit-*.png."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fairnotice.operations.outbox.commands import link_writer
from fairnotice.operations.outbox.loop import Deliverer, Policy
from fairnotice.operations.positions import batches as fill_batches
from fairnotice.settings import Settings
from fairnotice.store.tables import Position, Receipt
from fairnotice.web.app import create_app
from tests.mail.servers import Recorder, smtp_server
from tests.mail.test_delivery import relay
from tests.store.databases import _truncate
from tests.web.conftest import LONG_SESSION_DAYS, PASSWORD, Browser, Clock
from tests.web.live import free_port, serving
from tests.web.test_api import api_token
from tests.web.test_browser import ARGS, CHROMIUM, _require, _submit

pytestmark = pytest.mark.slow

SHOTS = Path("/tmp/shots")
HR = "hr@example.com"
PEOPLE = [
    ("Lena Vogel", "lena@example.org", "de"),
    ("Sven Berg", "sven@example.org", "sv"),
    ("Tom Hill", "tom@example.org", "en"),
]
THURSDAY = datetime(2026, 3, 12, 14, 0, tzinfo=UTC)  # 15:00 in Berlin


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    _require(CHROMIUM, "Chromium")
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-gotit-"))
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, folder / "web.sqlite3")
        url = f"sqlite:///{folder / 'web.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
        _truncate(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    clock = Clock(now=THURSDAY)
    settings = Settings(
        database_url=url,
        data_dir=folder,
        secret_key="g" * 40,
        base_url=base,
        # the clock moves a day: the employer's session outlives that
        session_idle_minutes=LONG_SESSION_DAYS * 24 * 60,
        session_max_days=LONG_SESSION_DAYS,
    )
    app = create_app(settings, clock=clock)
    with serving(app, port):
        yield {"app": app, "base": base, "clock": clock, "db": request.param}
    app.state.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


def _shot(page: Any, live: dict[str, Any], name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"gotit-{live['db']}-{name}.png"), full_page=True)


def _setup(live: dict[str, Any]) -> int:
    """An organisation's position with three candidates, each with an interview ahead
    (through the REST API); the position's id."""
    client = Browser(TestClient(live["app"], base_url=live["base"]))
    headers = api_token(client, HR, organisation="Muster & Partner GmbH")
    position = client.http.post(
        "/api/v1/positions", json={"title": "Paralegal", "company": "Muster"}, headers=headers
    ).json()["id"]
    for hour, (name, email, language) in enumerate(PEOPLE, start=9):
        cand = client.http.post(
            "/api/v1/candidates",
            json={"name": name, "email": email, "language": language, "position_id": position},
            headers=headers,
        ).json()["id"]
        made = client.http.post(
            "/api/v1/interviews",
            json={
                "position": "Paralegal",
                "company": "Muster",
                "timezone": "Europe/Berlin",
                "start": f"2026-03-24T{hour:02d}:00:00+00:00",
                "end": f"2026-03-24T{hour:02d}:45:00+00:00",
                "contact": {"name": name, "email": email},
                "candidate_id": cand,
                "position_id": position,
            },
            headers=headers,
        )
        assert made.status_code == 201, made.text
    return int(position)


def _deliver(live: dict[str, Any]) -> Recorder:
    app = live["app"]
    with smtp_server() as (port, recorder):
        Deliverer(
            app.state.sessions,
            relay(port),
            sender="noreply@fairnotice.test",
            policy=Policy(batch=25, retry_base=timedelta(minutes=1)),
            clock=live["clock"],
            links=link_writer(
                app.state.sessions,
                app.state.settings.secret,
                base_url=live["base"],
                clock=live["clock"],
            ),
        ).drain()
    return recorder


def _link(recorder: Recorder, email: str, base: str) -> str:
    pattern = re.compile(re.escape(base) + r"/got-it/[A-Za-z0-9_-]+")
    for item in recorder.received:
        if email in item.rcpt_tos:
            found = pattern.findall(item.parsed().get_body(("plain",)).get_content())
            if found:
                return str(found[0])
    raise AssertionError(f"no link to {email}")


def test_two_confirm_the_third_is_a_call_the_next_working_day(live: dict[str, Any]) -> None:
    from playwright.sync_api import expect, sync_playwright

    app, clock = live["app"], live["clock"]
    position = _setup(live)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        employer = chromium.new_context(
            base_url=live["base"], locale="en-GB", timezone_id="Europe/Berlin"
        ).new_page()
        employer.goto("/signin")
        employer.get_by_label("Email").fill(HR)
        employer.get_by_label("Password", exact=True).fill(PASSWORD)
        _submit(employer, employer.get_by_role("button", name="Sign in"))
        with app.state.sessions() as session:
            ws = int(session.scalar(select(Position.workspace_id).where(Position.id == position)))
        employer.goto(f"/w/{ws}/positions/{position}/fill")
        _submit(employer, employer.get_by_role("button", name="Send to all"))
        assert fill_batches.run(app.state.sessions, clock=clock).told == 3
        recorder = _deliver(live)
        links = {email: _link(recorder, email, live["base"]) for _, email, _ in PEOPLE}

        for (_, email, language), heading in zip(
            PEOPLE[:2],
            ("Ist die Nachricht angekommen?", "Har meddelandet kommit fram?"),
            strict=True,
        ):
            reader = chromium.new_context(locale="en-GB", timezone_id="Europe/Berlin").new_page()
            reader.goto(links[email])
            expect(reader.get_by_role("heading", level=1)).to_have_text(heading)
            _shot(reader, live, f"page-{language}")
            button = reader.locator("#got-it")
            _submit(reader, button)
            expect(reader.locator("#got-it-done")).to_be_visible()
            _shot(reader, live, f"done-{language}")
            reader.context.close()

        employer.reload()
        expect(employer.locator("#receipt-counts")).to_have_text("Confirmed as received: 2 of 3.")
        _shot(employer, live, "progress")
        employer.goto(f"/w/{ws}")
        due = 'li.todo.overdue[data-kind="call_unconfirmed"]'  # due now (not just "next")
        expect(employer.locator(due)).to_have_count(0)
        expect(employer.locator('[data-kind="call_unconfirmed"]')).to_have_count(1)  # coming

        clock.now = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)  # Friday, a working day later
        employer.goto(f"/w/{ws}")
        call = employer.locator(due)
        expect(call).to_have_count(1)
        expect(call).to_contain_text("Call Tom Hill")
        _shot(employer, live, "overview-call")
        employer.goto(f"/w/{ws}/outbox")
        expect(employer.locator("#outbox")).to_contain_text("Confirmed as received")
        expect(employer.locator("#outbox")).to_contain_text("Not confirmed yet")
        _shot(employer, live, "outbox")
        chromium.close()
    with app.state.sessions() as session:
        confirmed = session.scalars(select(Receipt.confirmed_at)).all()
    assert sorted(c is not None for c in confirmed) == [False, True, True]
