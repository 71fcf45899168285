"""Add interview in German, in Chromium, with the end before the start: the same form comes
back with everything typed, the summary focused and read out, the field named by its label
and its message beside it, in German (screenshots in /tmp/forms/ and tests/artifacts/)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_browser import (  # noqa: F401  (module fixtures)
    AXE,
    _axe,
    _context,
    _require,
    _shot,
    _sign_up_de,
    _submit,
    chromium,
    expect,
    live,
)

pytestmark = pytest.mark.slow
SHOTS = Path("/tmp/forms")
TYPED = {
    "position": "Rechtsanwaltsfachangestellte",
    "company": "Muster & Partner GmbH",
    "date": "2026-03-20",
    "start_time": "15:00",
    "end_time": "14:00",
    "location": "Friedrichstraße 10, 10117 Berlin",
    "video_url": "https://meet.example.org/abc",
    "contact_name": "Jonas Doe",
    "contact_salutation": "Herr",
    "contact_email": "j.doe@example.com",
    "contact_phone": "+49 30 000000",
}


def test_add_interview_in_german_keeps_what_was_typed_and_names_the_field(
    chromium: Any,  # noqa: F811
    live: dict[str, Any],  # noqa: F811
) -> None:
    _require(AXE, "axe-core (make web-deps)")
    context = _context(chromium, live, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    _sign_up_de(page)
    page.goto(page.url + "/interviews/new")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    for name, value in TYPED.items():
        page.locator(f"#{name}").fill(value)
    page.locator("#timezone").fill("Europe/Berlin")
    page.locator("#channel").select_option("phone")
    with page.expect_navigation(wait_until="load") as sent:
        page.get_by_role("button", name="Gespräch speichern").click()
    assert sent.value is not None and sent.value.status == 422

    # the same form, nothing lost
    for name, value in TYPED.items():
        expect(page.locator(f"#{name}")).to_have_value(value)
    expect(page.locator("#channel")).to_have_value("phone")
    expect(page.locator("#timezone")).to_have_value("Europe/Berlin")

    # the summary first (focused, an alert), naming the field by its German label
    summary = page.locator(".problems[role=alert]")
    expect(summary).to_be_focused()
    label = page.locator("label[for=end_time]").inner_text().strip()
    assert label == "Bis"
    expect(summary).to_contain_text(f"{label}: das Ende muss nach dem Beginn liegen")
    for leak in ("end_time", "end:", "must be after", "Field required"):
        assert leak not in page.locator("main").inner_text(), leak

    # the field itself: marked, its message beside it and tied to it
    end = page.locator("#end_time")
    expect(end).to_have_attribute("aria-invalid", "true")
    described = end.get_attribute("aria-describedby") or ""
    expect(page.locator(f"#{described}")).to_have_text("das Ende muss nach dem Beginn liegen")
    assert _axe(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "add-interview-refused-de.png"), full_page=True)
    _shot(page, "40-add-interview-refused-de")

    # the summary's link leads to the message by the field; corrected, it is saved
    summary.get_by_role("link").first.click()
    assert page.url.endswith(f"#{described}")
    end.fill("16:00")
    _submit(page, page.get_by_role("button", name="Gespräch speichern"))
    assert re.search(r"/interviews/\d+$", page.url), page.url
    expect(page.locator("main")).to_contain_text("Rechtsanwaltsfachangestellte")
    page.screenshot(path=str(SHOTS / "add-interview-saved-de.png"), full_page=True)
    context.close()
