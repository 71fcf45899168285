"""The paged position page and outbox in Chromium at 1280 and 390 px (issue 18): paging
links, filters and the candidate chooser with and without JavaScript, no sideways scroll
on a phone, no serious accessibility violations. Screenshots in tests/artifacts/."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fairnotice.settings import Settings
from fairnotice.web.app import create_app
from tests.web.conftest import Browser
from tests.web.live import free_port, serving
from tests.web.paging_world import PASSWORD, World, build
from tests.web.test_browser import ARGS, ARTIFACTS, CHROMIUM, _axe, _require, _shot, expect

pytestmark = pytest.mark.slow
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, Any]]:
    _require(CHROMIUM, "Chromium")
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-paging-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(
            database_url=f"sqlite:///{folder / 'web.sqlite3'}",
            data_dir=folder,
            secret_key="p" * 40,
            base_url=base,
        ),
        clock=lambda: datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
    )
    with TestClient(app, base_url=base) as http:
        world = build(app, Browser(http))
    with serving(app, port):
        yield {"app": app, "base": base, "world": world}
    app.state.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium(live: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def _signed_in(chromium: Any, live: dict[str, Any], size: str, **kw: Any) -> Any:
    context = chromium.new_context(
        base_url=live["base"],
        locale="en-GB",
        timezone_id="Europe/Berlin",
        viewport=SIZES[size],
        **kw,
    )
    page = context.new_page()
    page.goto("/signin")
    page.get_by_label("Email").fill("hr@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    return page


def _view(page: Any, name: str, selector: str) -> None:
    """What a viewer sees with `selector` scrolled to the top (full-page shots of long
    lists shrink to nothing)."""
    page.locator(selector).scroll_into_view_if_needed()
    page.evaluate(f"document.querySelector({selector!r}).scrollIntoView()")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_paged_position_page_and_outbox_in_a_browser(
    chromium: Any, live: dict[str, Any], size: str
) -> None:
    world: World = live["world"]
    page = _signed_in(chromium, live, size, bypass_csp=True)  # axe-core is injected
    page.goto(f"/w/{world.ws}/positions/{world.big}")
    expect(page.locator("#candidates tbody tr")).to_have_count(50)
    expect(page.locator("#pager-page")).to_contain_text("1–50 of 1200")
    _no_sideways_scroll(page)
    _shot(page, f"paging-position-{size}")
    _view(page, f"paging-position-top-{size}", "#cand-h")
    _view(page, f"paging-position-pager-{size}", "#pager-page")
    assert _axe(page) == []
    with page.expect_navigation():
        page.locator("#pager-page").get_by_role("link", name="Next").click()
    assert "page=2" in page.url
    expect(page.locator("#pager-page")).to_contain_text("51–100 of 1200")
    # filters by plain GET: Swedish speakers still active
    page.locator("#f-lang").select_option("sv")
    page.locator("#f-state").select_option("informed")
    with page.expect_navigation():
        page.locator("#candidate-filters").get_by_role("button", name="Filter").click()
    assert "language=sv" in page.url and "state=informed" in page.url
    expect(page.locator("#candidates tbody tr").first).to_contain_text("informed")
    # the chooser searches as one types (htmx) and lists only the matches
    page.locator("summary", has_text="Schedule an interview").click()
    page.locator("#cq").fill("person00777")
    expect(page.locator("#candidate_id option")).to_have_count(1)
    expect(page.locator("#candidate_id option")).to_have_text("Person 00777")
    _shot(page, f"paging-chooser-{size}")
    _view(page, f"paging-chooser-top-{size}", "#schedule-form")

    page.goto(f"/w/{world.ws}/outbox")
    expect(page.locator("tbody tr")).to_have_count(50)
    _no_sideways_scroll(page)
    _shot(page, f"paging-outbox-{size}")
    _view(page, f"paging-outbox-top-{size}", "h1")
    assert _axe(page) == []
    page.locator("#ostate").select_option("failed")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(50)
    assert set(rows.locator("td:nth-child(5)").all_inner_texts()) == {"failed"}
    _shot(page, f"paging-outbox-failed-{size}")
    page.context.close()


def test_the_chooser_works_without_javascript(chromium: Any, live: dict[str, Any]) -> None:
    world: World = live["world"]
    page = _signed_in(chromium, live, "phone", java_script_enabled=False)
    page.goto(f"/w/{world.ws}/positions/{world.big}")
    page.locator("summary", has_text="Schedule an interview").click()
    page.locator("#cq").fill("person01111")
    with page.expect_navigation():
        page.locator("#schedule-form").get_by_role("button", name="Search").click()
    assert re.search(r"cq=person01111", page.url)
    expect(page.locator("#candidate_id option")).to_have_count(1)
    expect(page.locator("#schedule-form")).to_be_visible()  # the form stays open
    page.goto(f"/w/{world.ws}/positions/{world.big}/fill")
    page.locator("#hq").fill("person00042")
    with page.expect_navigation():
        page.locator("#hired-form").get_by_role("button", name="Search").click()
    expect(page.locator("#hired option")).to_have_count(2)  # someone else, or Person 00042
    _no_sideways_scroll(page)
    _shot(page, "paging-fill-phone")
    _view(page, "paging-fill-top-phone", "h1")
    page.context.close()
