"""In a real browser (Chromium, Playwright): a candidate agrees to a new time and sees it
on the plan, on the interview and in the downloaded .ics; the interview page offers only
what its state allows. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from tests.web.test_browser import (  # noqa: F401  (fixtures)
    INVITE,
    _context,
    _shot,
    _sign_up,
    _submit,
    chromium,
    live,
)

pytestmark = pytest.mark.slow


def test_a_candidate_agrees_to_a_new_time_and_sees_it_everywhere(
    chromium: Any,  # noqa: F811
    live: dict[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    context = _context(chromium, live, accept_downloads=True)
    page = context.new_page()
    _sign_up(page, "agree@example.org", "Alex Weber")
    page.goto(page.url + "/interviews/new")
    page.get_by_label("Invitation file (.ics or .eml)").set_input_files(str(INVITE))
    _submit(page, page.get_by_role("button", name="Import"))
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    interview_url = page.url
    original = Calendar.from_ical(INVITE.read_bytes()).walk("VEVENT")[0]
    _submit(page, page.get_by_role("button", name="Make the plan"))
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    page.get_by_label("The new time you agreed").fill("2026-03-20T10:00")
    _submit(page, page.get_by_role("button", name="Mark the new time as agreed"))
    notice = page.locator(".notice.agreed")
    assert "Agreed: the interview is now on Friday, 20 March 2026, 10:00" in notice.inner_text()
    assert "Before: Monday, 16 March 2026, 14:00" in notice.inner_text()
    _shot(page, "20-new-time-agreed")
    with page.expect_download() as info:
        page.get_by_role("link", name="Add the new time to my calendar (.ics)").click()
    saved = tmp_path / "agreed.ics"
    info.value.save_as(saved)
    event = Calendar.from_ical(saved.read_bytes()).walk("VEVENT")[0]
    assert str(event["UID"]) == str(original["UID"])
    assert int(event["SEQUENCE"]) == int(original.get("SEQUENCE", 0)) + 1
    assert event.decoded("DTSTART").strftime("%Y-%m-%d %H:%M") == "2026-03-20 10:00"
    page.goto(interview_url)
    facts = page.inner_text("dl.facts")
    assert "Friday, 20 March 2026, 10:00" in facts
    assert "Before: Monday, 16 March 2026, 14:00" in facts
    assert page.get_by_text("The employer cancelled…").is_visible()
    assert page.get_by_role("button", name="The interview took place").count() == 0  # ahead
    _shot(page, "21-interview-after-agreement")
    context.close()
