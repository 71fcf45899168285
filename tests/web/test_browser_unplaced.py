"""A position is deleted in Chromium and its candidate is found on the overview, under
"Candidates without a position" (screenshots in tests/artifacts/, axe-core)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.web.test_browser import (  # noqa: F401  (module fixtures)
    AXE,
    _add_candidate,
    _axe,
    _context,
    _employer,
    _require,
    _shot,
    _submit,
    chromium,
    expect,
    live,
)

pytestmark = pytest.mark.slow


def test_a_deleted_positions_candidate_is_listed_on_the_overview_in_german(
    chromium: Any,  # noqa: F811
    live: dict[str, Any],  # noqa: F811
) -> None:
    _require(AXE, "axe-core (make web-deps)")
    context = _context(chromium, live, bypass_csp=True)
    page = context.new_page()
    found: dict[str, Any] = {}
    position = _employer(page, "hr-unplaced@example.com")
    _add_candidate(page, "Kim Park", "kim.unplaced@example.org", "en")
    overview = re.sub(r"/positions/\d+$", "", position)
    page.goto(overview)
    expect(page.get_by_role("heading", name="Candidates without a position")).to_have_count(0)
    page.goto(position)
    with page.expect_navigation(wait_until="load"):
        page.locator("#lang-switch").select_option("de")
    _submit(page, page.locator("p.record-actions").get_by_role("link", name="Löschen"))
    where = page.locator("ul.consequences li", has_text="bleibt erhalten")
    expect(where).to_contain_text("1 Bewerber·in bleibt erhalten, aber ohne Stelle.")
    expect(where).to_contain_text(
        "Die Übersicht führt die Person unter „Bewerber·innen ohne Stelle“; "
        "dort lässt sie sich bearbeiten oder löschen."
    )
    found["position_delete"] = _axe(page)
    _shot(page, "18-position-delete-candidates-de")
    _submit(page, page.get_by_role("button", name="Löschen"))
    assert page.url == overview
    section = page.locator(
        "section", has=page.get_by_role("heading", name="Bewerber·innen ohne Stelle")
    )
    expect(section).to_be_visible()
    row = section.locator("tr", has_text="kim.unplaced@example.org")
    expect(row).to_contain_text("Kim Park")
    found["overview_unplaced"] = _axe(page)
    _shot(page, "19-overview-candidates-without-position-de")
    _submit(page, row.get_by_role("link", name="Bearbeiten", exact=True))
    assert re.search(r"/candidates/\d+/edit$", page.url)
    expect(page.get_by_label("Name", exact=True)).to_have_value("Kim Park")
    page.goto(overview)
    row = page.locator("tr", has_text="kim.unplaced@example.org")
    _submit(page, row.get_by_role("link", name="Löschen", exact=True))
    _submit(page, page.get_by_role("button", name="Löschen"))
    assert page.url == overview
    expect(page.get_by_text("kim.unplaced@example.org")).to_have_count(0)
    expect(page.get_by_role("heading", name="Bewerber·innen ohne Stelle")).to_have_count(0)
    context.close()
    problems = {name: [(v["id"], v["help"]) for v in found[name]] for name in found if found[name]}
    assert problems == {}, json.dumps(problems, indent=1)
