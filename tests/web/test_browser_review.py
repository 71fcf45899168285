""" "Check this message" in a real browser (Debian's Chromium, Playwright): with htmx the
findings replace the block under the editor in place; without JavaScript the form posts
and the page comes back with the findings and the edited words. Screenshots go to
tests/artifacts/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.test_browser import (  # noqa: F401 (fixtures)
    AXE,
    INVITE,
    _axe,
    _context,
    _require,
    _shot,
    _sign_up,
    _submit,
    chromium,
    expect,
    live,
)

pytestmark = pytest.mark.slow
M3_LINE = "Leider habe ich an dem Tag ein anderes Vorstellungsgespräch bei einer anderen Firma."


def _plan_page(page: Any, email: str) -> None:
    _sign_up(page, email, "Alex Weber")
    _submit(page, page.get_by_role("link", name="Add an interview"))
    page.get_by_label("Invitation file (.ics or .eml)").set_input_files(str(INVITE))
    _submit(page, page.get_by_role("button", name="Import"))
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    page.locator("#message_language").select_option("de")
    _submit(page, page.get_by_role("button", name="Make the plan"))
    page.wait_for_url(re.compile(r"/plans/\d+$"))


def _edit(page: Any) -> str:
    body = page.locator("#body-m1")
    edited = str(body.input_value()).replace("\n\n", f"\n\n{M3_LINE}\n\n", 1)
    body.fill(edited)
    return edited


def test_check_an_edited_draft_with_htmx_marks_another_interview(
    chromium: Any,  # noqa: F811
    live: dict[str, Any],  # noqa: F811
) -> None:
    context = _context(chromium, live)
    page = context.new_page()
    _plan_page(page, "review.htmx@example.org")
    url = page.url
    edited = _edit(page)
    page.locator("#m1").get_by_role("button", name="Check this message").click()
    finding = page.locator("#check-m1 li", has_text="M3")
    expect(finding).to_be_visible()
    assert page.url == url  # swapped in place, no navigation
    expect(finding.get_by_role("link", name=re.compile("Rule M3"))).to_have_attribute(
        "href", "/rules#M3"
    )
    expect(finding.locator("mark")).to_have_text("anderes Vorstellungsgespräch")
    assert "Error" in finding.inner_text()
    assert page.locator("#body-m1").input_value() == edited  # the words stay as typed
    page.locator("#check-m1").scroll_into_view_if_needed()
    _shot(page, "09-check-message-m3")
    context.close()


def test_the_findings_have_no_serious_accessibility_violations(
    chromium: Any,  # noqa: F811
    live: dict[str, Any],  # noqa: F811
) -> None:
    _require(AXE, "axe-core (make web-deps)")
    context = _context(chromium, live, bypass_csp=True)  # axe is injected inline
    page = context.new_page()
    _plan_page(page, "review.axe@example.org")
    _edit(page)
    page.locator("#m1").get_by_role("button", name="Check this message").click()
    expect(page.locator("#check-m1 li", has_text="M3")).to_be_visible()
    assert _axe(page) == []
    context.close()


def test_check_without_javascript_posts_and_keeps_the_words(
    chromium: Any,  # noqa: F811
    live: dict[str, Any],  # noqa: F811
) -> None:
    context = _context(chromium, live, java_script_enabled=False)
    page = context.new_page()
    _plan_page(page, "review.nojs@example.org")
    edited = _edit(page)
    _submit(page, page.locator("#m1").get_by_role("button", name="Check this message"))
    assert page.url.endswith("/messages/m1/check")
    expect(page.locator("#check-m1 li", has_text="M3")).to_be_visible()
    assert page.locator("#body-m1").input_value() == edited
    _shot(page, "10-check-message-no-js")
    context.close()
