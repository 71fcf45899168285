"""Issue 15 in Chromium, on SQLite and PostgreSQL, against a real Radicale: an employer
connects an interviewer's CalDAV account from the position page, picks two of its three
calendars, and the times those two hold busy leave the proposed times of an offer, while
the third calendar's does not count. Screenshots in /tmp/caldav-accounts/ (cal-<db>-*).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fairnotice.settings import Settings
from fairnotice.store.tables import BusyCalendar, CaldavAccount
from fairnotice.web.app import create_app
from tests.calendar import caldav_servers
from tests.calendar.caldav_servers import Server
from tests.store.databases import _truncate
from tests.web.conftest import START, Clock
from tests.web.live import free_port, serving
from tests.web.test_browser import ARGS, CHROMIUM, _require, _submit
from tests.web.test_browser_journeys import _context, _schedule, _sign_up, expect

pytestmark = pytest.mark.slow
radicale = caldav_servers.radicale  # the server, as a fixture
SHOTS = Path("/tmp/caldav-accounts")
MARIA = "m.roth@example.com"  # the interviewer _schedule names


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """A live server that may reach 127.0.0.1 (the test's Radicale), on each database."""
    _require(CHROMIUM, "Chromium")
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-caldav-"))
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
        calendars={"caldav_allow_private": True},
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
    page.screenshot(path=str(SHOTS / f"cal-{live['db']}-{name}.png"), full_page=True)


def _add_candidate(page: Any, name: str, email: str, language: str) -> None:
    page.locator("summary", has_text="Add a candidate").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Email", exact=True).fill(email)
    page.locator("#c-lang").select_option(language)
    _submit(page, page.get_by_role("button", name="Add candidate"))
    expect(page.locator("table#candidates")).to_contain_text(email)


def _proposed(page: Any) -> list[datetime]:
    """The starts of the times the offer's preview proposes (ticked)."""
    ticked = page.locator('input[name="slots"]:checked')
    values = [str(ticked.nth(i).get_attribute("value")) for i in range(ticked.count())]
    return [datetime.fromisoformat(v.split("/")[0]) for v in values]  # start/end


def _preview(page: Any, position: str) -> list[datetime]:
    page.goto(position)
    _submit(page, page.locator("#iv-h ~ ul.cards").get_by_role("link", name="Lena Vogel"))
    _submit(page, page.get_by_role("button", name="Offer new times to the candidate"))
    expect(page.get_by_role("heading", name="Offer new times: preview")).to_be_visible()
    return _proposed(page)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def test_employer_connects_a_caldav_account_and_two_calendars_shape_the_offer(
    chromium: Any, live: dict[str, Any], radicale: Server
) -> None:
    app, clock = live["app"], live["clock"]
    clock.now = START
    work = radicale.calendar("work", "Work", "#3366FF")
    court = radicale.calendar("court", "Court days", "#AA2200")
    private = radicale.calendar("private", "Private", "#888888")
    hr = _context(chromium, live)
    page = hr.new_page()
    _sign_up(page, "hr@example.com", "Jonas Doe")
    page.goto("/account")
    page.get_by_label("Organisation name").fill("Muster & Partner GmbH")
    _submit(page, page.get_by_role("button", name="Create an organisation"))
    page.get_by_label("Title").fill("Paralegal")
    _submit(page, page.get_by_role("button", name="Add position"))
    page.wait_for_url(re.compile(r"/positions/\d+$"))
    position = str(page.url)
    _add_candidate(page, "Lena Vogel", "lena@example.org", "de")
    page.locator("summary", has_text="Schedule an interview").click()
    _schedule(page, "Lena Vogel", "2026-03-13", "10:00", "11:00")

    # what an offer would propose with no calendar of Maria's known
    before = _preview(page, position)
    assert len(before) == 3, before
    length = timedelta(hours=1)
    for calendar, start in zip((work, court, private), before, strict=True):
        radicale.event(
            calendar, f"busy-{start:%d%H%M}", _stamp(start), _stamp(start + length), "Busy"
        )

    # connect Maria's account from the position page, from the bare server address
    page.goto(position)
    page.locator("summary", has_text="Interviewers' calendars").click()
    _submit(page, page.locator("#caldav-link a"))
    expect(page.get_by_role("heading", name="CalDAV accounts")).to_be_visible()
    page.get_by_label("Whose calendar (email)").fill(MARIA)
    page.get_by_label("Server address").fill(radicale.base)
    page.get_by_label("User name").fill(radicale.username)
    page.get_by_label("App password").fill("not-the-app-password")
    _submit(page, page.get_by_role("button", name="Connect"))
    problems = page.locator("#caldav-problems")
    expect(problems).to_contain_text("App password")
    expect(problems).to_contain_text("the CalDAV server refused the login (401)")
    assert "not-the-app-password" not in page.content()
    expect(page.get_by_label("Server address")).to_have_value(radicale.base)  # kept
    _shot(page, live, "00-wrong-password")
    page.get_by_label("App password").fill(radicale.password)
    _submit(page, page.get_by_role("button", name="Connect"))
    account = page.locator("section.caldav-account")
    expect(account.get_by_role("heading", name=MARIA)).to_be_visible()
    expect(account.locator('input[name="calendar"]')).to_have_count(3)
    assert radicale.password not in page.content()
    assert page.get_by_label("App password").input_value() == ""
    _shot(page, live, "01-account-connected")

    # pick two of the three
    account.get_by_label("Work").check()
    account.get_by_label("Court days").check()
    _submit(page, account.get_by_role("button", name="Save the choice"))
    expect(account.locator(".hint", has_text="last read")).to_have_count(2)
    expect(account.get_by_label("Private")).not_to_be_checked()
    _shot(page, live, "02-two-calendars-chosen")
    with app.state.sessions() as session:
        kinds = session.scalars(select(BusyCalendar.remote_kind)).all()
        sealed = session.scalar(select(CaldavAccount.password))
    assert kinds == ["caldav", "caldav"] and sealed and sealed.startswith("fernet1:")

    # the offer: the two chosen calendars' busy times are gone, the unchosen one's is not
    after = _preview(page, position)
    _shot(page, live, "03-offer-preview-after")
    assert before[0] not in after and before[1] not in after, (before, after)
    assert before[2] in after, (before, after)
    assert len(after) == 3
    hr.close()
