"""Issue 15 in Chromium, on SQLite and PostgreSQL, against the local stand-in of
Microsoft's sign-in and Graph (tests/operations/cloud_standin.py): the organisation's
owner connects Microsoft 365 (the button, the service's consent page, back with the
code), names an interviewer, and the times Graph reports busy for them leave the offer's
proposed times. Screenshots in /tmp/cloud/ (cloud-<db>-*)."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fairnotice.settings import Settings
from fairnotice.store.tables import BusyCalendar, CalendarConnection
from fairnotice.web.app import create_app
from tests.operations.cloud_standin import Busy, Running
from tests.store.databases import _truncate
from tests.web.conftest import START, Clock
from tests.web.live import free_port, serving
from tests.web.test_browser import ARGS, CHROMIUM, _require, _submit
from tests.web.test_browser_caldav_account import MARIA, _add_candidate, _preview
from tests.web.test_browser_journeys import _context, _schedule, _sign_up, expect

pytestmark = pytest.mark.slow
SHOTS = Path("/tmp/cloud")


@pytest.fixture
def standin() -> Iterator[Running]:
    running = Running()
    yield running
    running.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, standin: Running) -> Iterator[dict[str, Any]]:
    _require(CHROMIUM, "Chromium")
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-cloud-"))
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, folder / "web.sqlite3")
        url = f"sqlite:///{folder / 'web.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
        _truncate(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    clock = Clock()
    settings = Settings(
        database_url=url,
        data_dir=folder,
        secret_key="c" * 40,
        base_url=base,
        **standin.settings_env(),
    )
    app = create_app(settings, clock=clock)
    with serving(app, port):
        yield {"app": app, "base": base, "clock": clock, "db": request.param}
    app.state.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def chromium(live: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def _shot(page: Any, live: dict[str, Any], name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(SHOTS / f"cloud-{live['db']}-{name}.png"), full_page=True)


def test_owner_connects_microsoft_365_and_an_interviewers_busy_time_shapes_the_offer(
    chromium: Any, live: dict[str, Any], standin: Running
) -> None:
    app, clock = live["app"], live["clock"]
    clock.now = START
    hr = _context(chromium, live)
    page = hr.new_page()
    _sign_up(page, "hr@example.com", "Jonas Doe")
    page.goto("/account")
    page.get_by_label("Organisation name").fill("Muster & Partner GmbH")
    _submit(page, page.get_by_role("button", name="Create an organisation"))
    org = int(re.findall(r"/w/(\d+)", str(page.url))[0])
    page.get_by_label("Title").fill("Paralegal")
    _submit(page, page.get_by_role("button", name="Add position"))
    page.wait_for_url(re.compile(r"/positions/\d+$"))
    position = str(page.url)
    _add_candidate(page, "Lena Vogel", "lena@example.org", "de")
    page.locator("summary", has_text="Schedule an interview").click()
    _schedule(page, "Lena Vogel", "2026-03-13", "10:00", "11:00")
    before = _preview(page, position)
    assert len(before) == 3, before
    hour = timedelta(hours=1)
    standin.state.calendars[MARIA] = [
        Busy(before[0], before[0] + hour, "busy"),
        Busy(before[1], before[1] + hour, "oof"),
        Busy(before[2], before[2] + hour, "free"),  # free time stays free
    ]

    # the CalDAV page leads to Microsoft 365 and Google
    page.goto(f"/w/{org}/caldav")
    _submit(page, page.locator("#cloud-link a"))
    expect(page.get_by_role("heading", name="Microsoft 365 and Google", exact=True)).to_be_visible()
    _shot(page, live, "00-not-connected")
    _submit(page, page.get_by_role("button", name="Connect Microsoft 365"))
    page.wait_for_url(re.compile(re.escape(standin.base) + r"/microsoft/authorize\?"))
    expect(page.locator("body")).to_contain_text("Calendars.ReadBasic")
    _shot(page, live, "01-service-consent")
    _submit(page, page.get_by_role("button", name="Accept"))
    page.wait_for_url(re.compile(rf"/w/{org}/cloud"))
    section = page.locator("section.caldav-account")
    expect(section.get_by_role("heading", name="Microsoft 365")).to_be_visible()
    expect(section).to_contain_text("Connected by hr@example.com")
    assert standin.state.grants == ["authorization_code"]

    section.get_by_label("People whose free/busy counts").fill(MARIA)
    _submit(page, section.get_by_role("button", name="Save the people"))
    expect(page.locator("section.caldav-account li", has_text=MARIA)).to_contain_text("last read")
    _shot(page, live, "02-interviewer-read")
    with app.state.sessions() as session:
        assert session.scalars(select(BusyCalendar.remote_kind)).all() == ["microsoft"]
        sealed = session.scalar(select(CalendarConnection.tokens))
    assert sealed and sealed.startswith("fernet1:")
    assert not any(t in page.content() for t in standin.state.access)

    after = _preview(page, position)
    _shot(page, live, "03-offer-preview-after")
    assert before[0] not in after and before[1] not in after, (before, after)
    assert before[2] in after, (before, after)
    hr.close()
