"""A candidate pastes a calendar subscription link in a real browser (Chromium, Playwright):
its busy time shows in the week view and the proposed times avoid it; when the link is
gone, the page says so and a plan is refused rather than proposing unchecked times.

The calendar is a real .ics (Google's export shape) served by a local HTTP server, so the
app runs with FAIRNOTICE_CALDAV_ALLOW_PRIVATE on, as the CalDAV tests do. Screenshots go
to tests/artifacts/ and /tmp/subscriptions/.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fairnotice.operations.busy import refresh
from fairnotice.settings import Settings
from fairnotice.store.tables import PlanRecord
from fairnotice.web.app import create_app
from tests.calendar.ics_server import serving
from tests.operations.test_subscriptions import google_style
from tests.web.live import free_port
from tests.web.live import serving as serving_app
from tests.web.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    INVITE,
    _context,
    _require,
    _sign_up,
    _submit,
)

pytestmark = pytest.mark.slow
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SHOTS = Path("/tmp/subscriptions")
TOKEN = "3c9a0f7be41d4b2a9e"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, Any]]:
    _require(CHROMIUM, "Chromium")
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-subs-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=f"sqlite:///{folder / 'web.sqlite3'}",
        data_dir=folder,
        secret_key="c" * 40,
        base_url=base,
        calendars={"caldav_allow_private": True},  # the calendar server below: 127.0.0.1
    )
    app = create_app(settings, clock=lambda: NOW)
    with serving() as (ics_base, calendars), serving_app(app, port):
        yield {"app": app, "base": base, "ics": ics_base, "calendars": calendars}
    app.state.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium(live: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


def _shot(page: Any, name: str) -> None:
    for folder in (ARTIFACTS, SHOTS):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _proposed(app: Any, plan_id: int) -> list[tuple[datetime, datetime]]:
    with app.state.sessions() as session:
        record = session.scalar(select(PlanRecord).where(PlanRecord.id == plan_id))
        assert record is not None
        return [
            (datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]))
            for s in record.plan["proposed_slots"]
        ]


def _plan(page: Any) -> int:
    _submit(page, page.get_by_role("button", name="Make the plan"))
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_a_pasted_subscription_shows_busy_and_the_proposed_times_avoid_it(
    chromium: Any, live: dict[str, Any]
) -> None:
    app, calendars = live["app"], live["calendars"]
    context = _context(chromium, live)
    page = context.new_page()
    _sign_up(page, "robin@example.org", "Robin Berg")
    _submit(page, page.get_by_role("link", name="Add an interview"))
    page.get_by_label("Invitation file (.ics or .eml)").set_input_files(str(INVITE))
    _submit(page, page.get_by_role("button", name="Import"))
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    interview_url = page.url
    before = _proposed(app, _plan(page))
    assert before
    # The calendar holds busy time exactly where the times proposed so far lie.
    events = [(f"busy-{i}", s, e) for i, (s, e) in enumerate(before)]
    calendars.publish(f"/calendar/ical/{TOKEN}/basic.ics", google_style(*events))

    page.goto(interview_url)
    page.get_by_label("Subscription link").fill(f"{live['ics']}/calendar/ical/{TOKEN}/basic.ics")
    _submit(page, page.get_by_role("button", name="Subscribe"))
    page.wait_for_url(interview_url)
    listed = page.locator("#subscriptions li")
    assert listed.count() == 1
    assert "127.0.0.1…" in listed.inner_text() and "last read" in listed.inner_text()
    assert TOKEN not in page.content()  # the secret link is never shown back
    # the week view: the blocks of the proposed times are marked busy
    first = before[0][0].astimezone(BERLIN)
    block = f"{first:%Y-%m-%d}T{first.hour - first.hour % 2:02d}"
    cell = page.locator(f'td.busy:has(input[value="{block}"])')
    assert cell.count() == 1 and "busy" in cell.inner_text()
    assert page.locator("td.busy").count() >= len({(s.date(), s.hour // 2) for s, _ in before})
    page.locator("details.week").scroll_into_view_if_needed()
    _shot(page, "01-subscription-week-view")

    after = _proposed(app, _plan(page))
    assert after and not any(s < be and e > bs for s, e in after for bs, be in before)
    shown = page.get_by_role("heading", name="Times you propose").locator(
        "xpath=following-sibling::ul[1]"
    )
    for start, end in after:
        assert (
            f"{start.astimezone(BERLIN):%H:%M} – {end.astimezone(BERLIN):%H:%M}"
            in shown.inner_text()
        )
    _shot(page, "02-plan-avoids-subscription")

    # the link is gone at the provider: the page says so, and no time is proposed unchecked
    calendars.publish(f"/calendar/ical/{TOKEN}/basic.ics", b"", status=410)
    done = refresh.refresh_due(
        app.state.sessions,
        clock=lambda: NOW + timedelta(minutes=31),
        secret=app.state.settings.secret,
        allow_private=True,
    )
    assert done.failed == 1
    page.goto(interview_url)
    text = page.locator("#subscriptions").inner_text()
    assert "could not be read: the calendar is gone (410)" in text
    assert page.locator("#unchecked").is_visible()
    _shot(page, "03-subscription-gone")
    with page.expect_navigation(wait_until="load") as answer:
        page.get_by_role("button", name="Make the plan").click()
    assert answer.value.status == 409
    refusal = page.locator("#refusal").inner_text()
    assert "cannot be checked against your calendar" in refusal and "410" in refusal
    assert "calendar 127.0.0.1… (robin@example.org)" in refusal  # named by its host
    _shot(page, "04-plan-refused-unchecked")
    context.close()


def test_an_employer_subscribes_an_interviewer_s_calendar_on_the_position_page(
    chromium: Any, live: dict[str, Any]
) -> None:
    from tests.web.test_browser import _employer

    calendars = live["calendars"]
    calendars.publish("/owa/calendar/abc/reachcalendar.ics", google_style())
    context = _context(chromium, live)
    page = context.new_page()
    position = _employer(page, "hr-subs@example.org")
    page.locator("#sub-owner").fill("maria.roth@example.org")
    page.get_by_label("Subscription link").fill(f"{live['ics']}/owa/calendar/abc/reachcalendar.ics")
    _submit(page, page.get_by_role("button", name="Subscribe"))
    page.wait_for_url(position)
    item = page.locator("#subscriptions li")
    assert item.count() == 1
    assert "maria.roth@example.org: 127.0.0.1…" in item.inner_text()
    assert "cannot be checked" not in item.inner_text()  # read now, by the app's clock
    assert page.locator("#calendars").count() == 0  # not listed again among the uploads
    page.locator("#subscriptions").scroll_into_view_if_needed()
    _shot(page, "05-position-interviewer-subscription")
    # a webcal:// link is read over https://: the plain-HTTP local server cannot answer it,
    # and the refusal says why, with nothing stored
    page.locator("#sub-owner").fill("jonas@example.org")
    page.get_by_label("Subscription link").fill(
        live["ics"].replace("http://", "webcal://") + "/owa/calendar/abc/reachcalendar.ics"
    )
    with page.expect_navigation(wait_until="load") as answer:
        page.get_by_role("button", name="Subscribe").click()
    assert answer.value.status == 422
    assert "did not answer securely (https): check the address" in page.content()
    assert "WRONG_VERSION_NUMBER" not in page.content()  # never a protocol word
    _shot(page, "06-webcal-refused")
    page.goto(position)
    assert page.locator("#subscriptions li").count() == 1
    context.close()
