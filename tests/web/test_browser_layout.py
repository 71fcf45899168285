"""Layout as a user meets it, in Chromium: lists on a 390 px phone without sideways
scrolling (rows become labelled cards, actions in reach), the free-times grid inside its
own scrolling box at 1280 px, and the pages without JavaScript (the time zone asked, no
copy buttons that cannot work). Screenshots in de and sv at 1280 and 390 px go to
tests/artifacts/layout/ (ignored by git).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fairnotice.settings import Settings
from fairnotice.store.tables import Candidate, Interview
from fairnotice.web.app import create_app
from tests.web.conftest import Browser
from tests.web.employer_setup import confirm_offer
from tests.web.helpers import add_interview, candidate, make_plan, organisation, position, schedule
from tests.web.live import free_port, serving
from tests.web.test_browser import ARGS, AXE, CHROMIUM, PASSWORD, _axe, _require

ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts" / "layout"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LOCALES = {"de": "de-DE", "sv": "sv-SE", "en": "en-GB"}

pytestmark = pytest.mark.slow


@dataclass
class World:
    base: str
    personal: int
    interview: int
    plan: int
    org: int
    position: int
    org_interview: int
    empty_position: int


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    _require(CHROMIUM, "Chromium")
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-layout-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(
            database_url=f"sqlite:///{folder / 'web.sqlite3'}",
            data_dir=folder,
            secret_key="l" * 40,
            base_url=base,
            throttle=False,
        ),
        clock=lambda: datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
    )
    with TestClient(app, base_url="http://testserver") as http, serving(app, port):
        user = Browser(http)
        personal = user.sign_up("hr@example.com", name="Jonas Doe")
        interview = add_interview(user, personal)
        add_interview(user, personal, position="Rechtsanwaltsfachangestellte (m/w/d)")
        plan = make_plan(user, personal, interview)
        org = organisation(user)
        pos = position(user, org)
        for n, name in enumerate(["Lena Vogel", "Karl-Theodor Freiherr von Langenberg"]):
            candidate(
                user, org, pos, name=name, email=f"kandidat.{n}.lang@beispiel-kanzlei.example"
            )
        with app.state.sessions() as session:
            first = session.scalar(select(Candidate.id).where(Candidate.workspace_id == org))
        assert first is not None
        schedule(user, org, pos, first)
        with app.state.sessions() as session:
            org_interview = session.scalar(
                select(Interview.id).where(Interview.workspace_id == org)
            )
        assert org_interview is not None
        user.get(f"/w/{org}/interviews/{org_interview}")
        assert confirm_offer(user, org, org_interview).status_code == 303
        empty = position(user, org, title="Bürokraft")
        yield World(base, personal, interview, plan, org, pos, org_interview, empty)
    app.state.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium(world: World) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def _page(chromium: Any, world: World, lang: str, viewport: dict[str, int], **kw: Any) -> Any:
    context = chromium.new_context(
        base_url=world.base,
        locale=LOCALES[lang],
        timezone_id=kw.pop("timezone_id", "Europe/Berlin"),
        viewport=viewport,
        **kw,
    )
    page = context.new_page()
    page.goto("/signin")
    page.locator("input[name=email]").fill("hr@example.com")
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.locator("form[action='/signin'] button[type=submit]").click()
    return page


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _pages(world: World) -> dict[str, str]:
    w, o = f"/w/{world.personal}", f"/w/{world.org}"
    return {
        "overview": w,
        "interview": f"{w}/interviews/{world.interview}",
        "edit": f"{w}/interviews/{world.interview}/edit",
        "new": f"{w}/interviews/new",
        "plan": f"{w}/plans/{world.plan}",
        "outbox": f"{o}/outbox",
        "org": o,
        "position": f"{o}/positions/{world.position}",
        "empty-position": f"{o}/positions/{world.empty_position}",
        "org-interview": f"{o}/interviews/{world.org_interview}",
        "personal-outbox": f"{w}/outbox",
    }


@pytest.mark.parametrize("lang", ["de", "sv"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_screenshots(chromium: Any, world: World, lang: str, width: str) -> None:
    """Every page of the layout work, shot for looking at; none scrolls sideways."""
    page = _page(chromium, world, lang, PHONE if width == "phone" else DESKTOP)
    for name, path in _pages(world).items():
        page.goto(path)
        for details in page.locator("details.week").all():
            details.evaluate("d => d.open = true")
        _shot(page, f"{name}-{lang}-{width}")
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{name} scrolls sideways by {wide} px"
    page.context.close()


def _no_sideways(page: Any) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} scrolls sideways by {wide} px"
    boxes = page.evaluate(
        "[...document.querySelectorAll('main table, main .scroll')]"
        ".map(e => e.scrollWidth - e.clientWidth)"
    )
    assert all(extra <= 1 for extra in boxes), boxes


def test_the_outbox_on_a_phone_is_cards_with_their_actions_in_reach(
    chromium: Any, world: World
) -> None:
    page = _page(chromium, world, "en", PHONE)
    page.goto(f"/w/{world.org}/outbox")
    rows = page.locator("#outbox tbody tr")
    assert rows.count() >= 2
    _no_sideways(page)
    send = page.get_by_role("button", name="Mark as sent").first
    box = send.bounding_box()
    assert send.is_visible() and box is not None and box["x"] + box["width"] <= PHONE["width"]
    due = rows.first.locator("td").first  # each field says what it is
    assert page.evaluate("e => getComputedStyle(e, '::before').content", due.element_handle()) == (
        '"Due"'
    )
    page.goto(f"/w/{world.org}/positions/{world.position}")
    assert page.locator("#candidates tbody tr").count() == 2
    _no_sideways(page)
    edit = page.locator("#candidates").get_by_role("link", name="Edit").last
    box = edit.bounding_box()
    assert edit.is_visible() and box is not None and box["x"] + box["width"] <= PHONE["width"]
    for path in (
        f"/w/{world.org}",
        f"/w/{world.personal}",
        f"/w/{world.personal}/plans/{world.plan}",
    ):
        page.goto(path)
        _no_sideways(page)
    page.context.close()


def test_the_outbox_on_a_desktop_stays_a_table(chromium: Any, world: World) -> None:
    page = _page(chromium, world, "en", DESKTOP)
    page.goto(f"/w/{world.org}/outbox")
    assert page.locator("#outbox thead").is_visible()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('#outbox tr')).display")
        == "table-row"
    )
    page.context.close()


def test_the_free_times_grid_fits_a_desktop_and_scrolls_in_its_box_on_a_phone(
    chromium: Any, world: World
) -> None:
    for viewport, fits in ((DESKTOP, True), (PHONE, False)):
        page = _page(chromium, world, "de", viewport)
        page.goto(f"/w/{world.personal}/interviews/{world.interview}")
        page.locator("details.week summary").click()
        grid = page.locator("details.week .scroll")
        extra = grid.evaluate("e => e.scrollWidth - e.clientWidth")
        assert (extra <= 1) is fits, extra
        cue = page.locator("#week-cue")
        assert cue.is_visible() is (not fits)  # the phone says the grid goes on sideways
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0
        page.context.close()


def test_the_plan_names_its_interview(chromium: Any, world: World) -> None:
    page = _page(chromium, world, "sv", DESKTOP)
    page.goto(f"/w/{world.personal}/plans/{world.plan}")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "Paralegal" in heading and "Jonas Doe" in heading and "16" in heading
    page.context.close()


def test_empty_lists_say_what_to_do(chromium: Any, world: World) -> None:
    page = _page(chromium, world, "en", PHONE)
    page.goto(f"/w/{world.org}/positions/{world.empty_position}")
    assert page.get_by_text("No candidates yet").is_visible()
    assert page.get_by_text("add a candidate first").is_visible()
    assert page.locator("main table").count() == 0
    page.goto(f"/w/{world.personal}/outbox")
    empty = page.locator("p.empty")
    assert "The outbox is empty" in empty.inner_text()
    assert empty.get_by_role("link").count() == 1
    page.context.close()


def test_without_javascript_the_zone_is_asked_and_copy_buttons_are_gone(
    chromium: Any, world: World
) -> None:
    context = chromium.new_context(
        base_url=world.base,
        locale="en-US",
        timezone_id="America/New_York",
        java_script_enabled=False,
        viewport=PHONE,
    )
    page = context.new_page()
    page.goto("/signup")
    zone = page.get_by_label("Your time zone")
    assert zone.is_visible() and zone.input_value() == ""  # not silently Europe/Berlin
    assert zone.evaluate("e => e.required") is True
    _shot(page, "signup-nojs-en-phone")
    context.close()
    page = _page(chromium, world, "en", PHONE, java_script_enabled=False)
    page.goto(f"/w/{world.personal}/plans/{world.plan}")
    copies = page.locator("button.copy")
    assert copies.count() >= 2
    assert all(not b.is_visible() for b in copies.all())
    _no_sideways(page)
    _shot(page, "plan-nojs-en-phone")
    page.context.close()
    with_js = _page(chromium, world, "en", PHONE, timezone_id="America/New_York")
    with_js.goto(f"/w/{world.personal}/plans/{world.plan}")
    assert with_js.locator("button.copy").first.is_visible()
    with_js.context.close()
    fresh = chromium.new_context(
        base_url=world.base, locale="en-US", timezone_id="America/New_York"
    )
    signup = fresh.new_page()
    signup.goto("/signup")
    assert signup.get_by_label("Your time zone").input_value() == "America/New_York"
    fresh.close()


def test_a_past_date_is_warned_about_and_kept_once_confirmed(chromium: Any, world: World) -> None:
    page = _page(chromium, world, "de", PHONE)
    page.goto(f"/w/{world.personal}/interviews/new")
    form = page.locator("form[action$='/interviews']")
    form.get_by_label("Stelle").fill("Archivkraft")
    form.get_by_label("Unternehmen").fill("Stadtarchiv")
    form.get_by_label("Datum", exact=True).fill("2025-03-10")  # a year before the clock's day
    form.get_by_label("Von", exact=True).fill("10:00")
    form.get_by_label("Bis", exact=True).fill("11:00")
    form.get_by_label("Name", exact=True).fill("Eva Klein")
    form.get_by_label("E-Mail", exact=True).fill("eva.klein@example.org")
    with page.expect_navigation(wait_until="load"):
        form.get_by_role("button").last.click()
    assert page.get_by_role("alert").inner_text().count("Vergangenheit") == 1
    box = page.get_by_label("Das Datum stimmt: behalten, auch wenn es in der Vergangenheit liegt")
    assert box.is_visible() and page.get_by_label("Datum", exact=True).input_value() == "2025-03-10"
    _no_sideways(page)
    _shot(page, "past-warning-de-phone")
    box.check()
    with page.expect_navigation(wait_until="load"):
        page.locator("form[action$='/interviews']").get_by_role("button").last.click()
    assert re.search(r"/interviews/\d+$", page.url)
    assert "Archivkraft" in page.get_by_role("heading", level=1).inner_text()
    page.context.close()


@pytest.mark.parametrize("path", ["outbox", "position", "interview", "plan"])
def test_the_phone_layout_passes_axe(chromium: Any, world: World, path: str) -> None:
    """Cards built from table rows keep what assistive technology needs (axe-core: no
    serious or critical violation)."""
    _require(AXE, "axe-core")
    page = _page(chromium, world, "sv", PHONE, bypass_csp=True)  # axe is injected inline
    page.goto(_pages(world)[path])
    for details in page.locator("details.week").all():
        details.evaluate("d => d.open = true")
    assert _axe(page) == []
    page.context.close()
