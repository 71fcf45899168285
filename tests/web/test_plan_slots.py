"""The plan page lists the proposed times as the recipient reads them, with both clocks
where the zones differ, and why each was chosen (issue 12, the planner's labels)."""

from __future__ import annotations

from tests.web.conftest import Browser
from tests.web.helpers import add_interview, make_plan


def test_proposed_times_show_the_recipients_clock_and_why(browser: Browser) -> None:
    ws = browser.sign_up("zones@example.org", tz="America/New_York")
    plan_id = make_plan(browser, ws, add_interview(browser, ws))
    text = browser.get(f"/w/{ws}/plans/{plan_id}").text
    section = text.split('id="slots-h"')[1].split("</section>")[0]
    assert section.count('class="as-read"') >= 2
    assert "Uhr MEZ (" in section and "Uhr ET)" in section  # Berlin first, ours in brackets
    assert "nach dem ursprünglichen Termin" in section


def test_the_same_clock_in_the_same_language_is_not_repeated(browser: Browser) -> None:
    browser.http.headers["Accept-Language"] = "de-DE"
    ws = browser.sign_up("same@example.org", tz="Europe/Berlin")
    plan_id = make_plan(browser, ws, add_interview(browser, ws))
    text = browser.get(f"/w/{ws}/plans/{plan_id}").text
    section = text.split('id="slots-h"')[1].split("</section>")[0]
    assert 'lang="de"' in text and section.count("<li>") >= 2
    assert 'class="as-read"' not in section  # the time once, not twice
    assert "nach dem ursprünglichen Termin" in section
