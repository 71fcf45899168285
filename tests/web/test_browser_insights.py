"""The insights page in Chromium (issue 17) at 1280 and 390 px, with and without
JavaScript: the charts drawn (bars of the known figures), each beside its table, no
sideways scroll on a phone, no serious accessibility violation; the filter form works
without a script. Screenshots in /tmp/shots/insights-*.png."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fairnotice.settings import Settings
from fairnotice.web.app import create_app
from tests.web.conftest import PASSWORD, Browser, Clock
from tests.web.insights_world import History, build
from tests.web.live import free_port, serving
from tests.web.test_browser import ARGS, AXE, CHROMIUM, _axe, _require

pytestmark = pytest.mark.slow
SHOTS = Path("/tmp/shots")
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, Any]]:
    _require(CHROMIUM, "Chromium")
    _require(AXE, "axe-core (make web-deps)")
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-insights-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=f"sqlite:///{folder / 'web.sqlite3'}",
        data_dir=folder,
        secret_key="i" * 40,
        base_url=base,
    )
    app = create_app(settings, clock=Clock())
    with TestClient(app, base_url=base) as http, TestClient(app, base_url=base) as other:
        hr, stranger = Browser(http), Browser(other)
        hr.sign_up("hr@example.com", name="Jonas Doe")
        stranger.sign_up("boss@example.se", name="Sven Berg", tz="Europe/Stockholm")
        history = build(app, hr, stranger)
    with serving(app, port):
        yield {"base": base, "history": history}
    app.state.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium(live: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def _signed_in(
    chromium: Any, live: dict[str, Any], size: str, script: bool, axe: bool = False
) -> Any:
    """A signed-in page; `axe`: the Content-Security-Policy bypassed, for axe-core is
    injected inline (the other pages keep it, so the charts are drawn under it)."""
    context = chromium.new_context(
        base_url=live["base"],
        locale="en-GB",
        timezone_id="Europe/Berlin",
        viewport=SIZES[size],
        java_script_enabled=script,
        bypass_csp=axe,
    )
    page = context.new_page()
    page.goto("/signin")
    page.get_by_label("Email").fill("hr@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    return page


@pytest.mark.parametrize("script", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_insights_page_draws_its_charts(
    chromium: Any, live: dict[str, Any], size: str, script: bool
) -> None:
    history: History = live["history"]
    page = _signed_in(chromium, live, size, script)
    page.goto(f"/w/{history.org}")
    page.get_by_role("link", name="Insights").click()
    page.wait_for_url(f"**/w/{history.org}/insights")
    charts = page.get_by_role("img")
    assert charts.count() == 7
    notice = page.get_by_role("img", name="Notice before a cancellation or change")
    assert notice.is_visible()
    box = notice.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 80
    # every bar of a figure above zero has height; the employer's short notices (2) are
    # twice as tall as their normal notice (1)
    heights = page.eval_on_selector_all(
        "#chart-notice .series.color-0 rect",
        "els => els.map(e => e.getBoundingClientRect().height)",
    )
    assert heights[1] == pytest.approx(2 * heights[2], rel=0.02) and heights[1] > 0
    fill = page.eval_on_selector_all(
        "#chart-fill_notice .bars rect", "els => els.map(e => getComputedStyle(e).fill)"
    )
    assert fill and all(f != "rgb(0, 0, 0)" for f in fill)  # styled by insights.css
    table = page.locator("#table-notice")
    assert table.is_visible() and "Under 24 hours" in table.inner_text()
    if size == "phone":
        wide = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], wide
    SHOTS.mkdir(parents=True, exist_ok=True)
    tag = f"{size}-{'js' if script else 'nojs'}"
    page.screenshot(path=str(SHOTS / f"insights-{tag}.png"), full_page=True)
    for key in ("notice", "reasons"):
        page.locator(f"#{key}-h").locator("xpath=..").screenshot(
            path=str(SHOTS / f"insights-{tag}-{key}.png")
        )
    if script:
        checked = _signed_in(chromium, live, size, True, axe=True)
        checked.goto(f"/w/{history.org}/insights")
        assert _axe(checked) == []
        checked.context.close()
    # the filter, one position: only interview A's cancellation remains
    page.get_by_label("Position", exact=True).select_option(label="Clerk")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert f"position={history.other}" in page.url
    cell = page.locator('#table-notice td[data-series="employer"][data-bucket="under_24h"]')
    assert cell.inner_text() == "1"
    page.context.close()


def test_a_reversed_period_is_refused_on_the_page(chromium: Any, live: dict[str, Any]) -> None:
    history: History = live["history"]
    page = _signed_in(chromium, live, "desktop", True, axe=True)
    page.goto(f"/w/{history.org}/insights")
    page.get_by_label("From", exact=True).fill("2026-03-01")
    page.get_by_label("Until", exact=True).fill("2026-02-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    alert = page.get_by_role("alert")
    assert "Until" in alert.inner_text()
    assert page.get_by_label("Until", exact=True).get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(SHOTS / "insights-refused.png"), full_page=True)
    assert _axe(page) == []
    page.context.close()


@pytest.mark.parametrize("lang", ["de-DE", "sv-SE"])
def test_german_and_swedish_words_fit_a_phone(
    chromium: Any, live: dict[str, Any], lang: str
) -> None:
    """The longer words of a German or Swedish page never make the phone scroll sideways."""
    history: History = live["history"]
    page = _signed_in(chromium, live, "phone", True)
    page.goto(f"/w/{history.org}/insights?position={history.main}")
    with page.expect_navigation():  # the script sends the switch as the language changes
        page.get_by_label("Language").select_option(lang[:2])
    page.goto(f"/w/{history.org}/insights?position={history.main}")
    assert page.locator("html").get_attribute("lang") == lang[:2]
    wide = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    page.screenshot(path=str(SHOTS / f"insights-phone-{lang[:2]}.png"), full_page=True)
    assert wide[0] <= wide[1], wide
    page.context.close()
