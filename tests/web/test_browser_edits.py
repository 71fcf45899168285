"""Editing and deleting records, and the outbox by hand, in Chromium (screenshots in
tests/artifacts/, axe-core on every new page)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_browser import (  # noqa: F401  (module fixtures)
    AXE,
    INVITE,
    _add_candidate,
    _axe,
    _context,
    _employer,
    _require,
    _shot,
    _sign_up,
    _submit,
    chromium,
    expect,
    live,
)

pytestmark = pytest.mark.slow


def test_edit_then_delete_an_interview(chromium: Any, live: dict[str, Any]) -> None:  # noqa: F811
    _require(AXE, "axe-core (make web-deps)")
    context = _context(chromium, live, bypass_csp=True)
    page = context.new_page()
    found: dict[str, Any] = {}
    _sign_up(page, "edits@example.org", "Eda Lind")
    home = page.url
    page.goto(home + "/interviews/new")
    page.get_by_label("Invitation file (.ics or .eml)").set_input_files(str(INVITE))
    _submit(page, page.get_by_role("button", name="Import"))
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    interview = page.url
    _submit(page, page.get_by_role("link", name="Edit the record"))
    found["interview_edit"] = _axe(page)
    _shot(page, "10-interview-edit")
    page.get_by_label("To").fill("08:00")
    page.get_by_label("Address").fill("Unter den Linden 1, Berlin")
    _submit(page, page.get_by_role("button", name="Save the changes"))
    expect(page.get_by_role("alert")).to_contain_text("To: end must be after start")
    expect(page.get_by_label("Address")).to_have_value("Unter den Linden 1, Berlin")
    found["interview_edit_422"] = _axe(page)
    _shot(page, "11-interview-edit-refused")
    page.get_by_label("To").fill("16:30")
    _submit(page, page.get_by_role("button", name="Save the changes"))
    assert page.url == interview
    expect(page.locator("dl.facts")).to_contain_text("Unter den Linden 1, Berlin")
    _submit(page, page.get_by_role("link", name="Delete", exact=True))
    found["confirm_delete"] = _axe(page)
    _shot(page, "12-interview-delete-confirm")
    _submit(page, page.get_by_role("link", name="Keep it"))
    assert page.url == interview
    _submit(page, page.get_by_role("link", name="Delete", exact=True))
    _submit(page, page.get_by_role("button", name="Delete"))
    assert page.url == home
    assert page.goto(interview).status == 404  # type: ignore[union-attr]
    context.close()
    problems = {name: [(v["id"], v["help"]) for v in found[name]] for name in found if found[name]}
    assert problems == {}, json.dumps(problems, indent=1)


def test_outbox_by_hand_in_german(chromium: Any, live: dict[str, Any]) -> None:  # noqa: F811
    """A message waits (no relay): .eml and email link beside it, then "Als gesendet markieren"."""
    from sqlalchemy import select

    from fairnotice.store.tables import OutboxMessage

    _require(AXE, "axe-core (make web-deps)")
    context = _context(chromium, live, bypass_csp=True)
    page = context.new_page()
    _sign_up(page, "outbox@example.org", "Olga Berg")
    with page.expect_navigation(wait_until="load"):  # app.js submits the switch on change
        page.get_by_label("Language").select_option("de")
    home = page.url
    page.goto(home + "/interviews/new")
    page.get_by_label("Einladungsdatei (.ics oder .eml)").set_input_files(str(INVITE))
    _submit(page, page.get_by_role("button", name="Importieren"))
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    _submit(page, page.get_by_role("button", name="Plan erstellen"))
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    _submit(page, page.get_by_role("button", name=re.compile("Postausgang")))
    page.goto(home + "/outbox")
    expect(page.get_by_text("Es ist kein Mailserver eingerichtet")).to_be_visible()
    found = _axe(page)
    _shot(page, "13-outbox-by-hand-de")
    row = page.locator("tbody tr").first
    with page.expect_download() as download:
        row.get_by_role("link", name=".eml").click()
    assert b"Message-ID:" in Path(download.value.path()).read_bytes()
    href = row.get_by_role("link", name="E-Mail", exact=True).get_attribute("href")
    assert href is not None and href.startswith("mailto:")
    _submit(page, row.get_by_role("button", name="Als gesendet markieren"))
    expect(page.locator("tbody tr").first).to_contain_text("gesendet")
    with live["app"].state.sessions() as session:
        states = session.scalars(select(OutboxMessage.state)).all()
    assert "sent" in states
    context.close()
    assert [(v["id"], v["help"]) for v in found] == []


def test_edit_and_delete_a_candidate_and_a_position_in_swedish(
    chromium: Any,  # noqa: F811
    live: dict[str, Any],  # noqa: F811
) -> None:
    _require(AXE, "axe-core (make web-deps)")
    context = _context(chromium, live, bypass_csp=True)
    page = context.new_page()
    found: dict[str, Any] = {}
    position = _employer(page, "hr-edits@example.com")
    _add_candidate(page, "Kim Park", "kim.edits@example.org", "en")
    with page.expect_navigation(wait_until="load"):
        page.locator("#lang-switch").select_option("sv")
    _submit(page, page.get_by_role("link", name="Redigera uppgifterna"))
    found["position_edit"] = _axe(page)
    _shot(page, "14-position-edit-sv")
    page.get_by_label("Titel").fill("")
    _submit(page, page.get_by_role("button", name="Spara ändringarna"))
    expect(page.get_by_role("alert")).to_contain_text("Titel:")  # named by its label
    expect(page.get_by_role("alert")).not_to_contain_text("title")  # never by its key
    page.get_by_label("Titel").fill("Senior Paralegal")
    _submit(page, page.get_by_role("button", name="Spara ändringarna"))
    assert page.url == position
    expect(page.locator("h1")).to_contain_text("Senior Paralegal")
    row = page.locator("tr", has_text="kim.edits@example.org")
    _submit(page, row.get_by_role("link", name="Redigera", exact=True))
    found["candidate_edit"] = _axe(page)
    page.get_by_label("Uppnådd omgång").fill("99")
    _submit(page, page.get_by_role("button", name="Spara ändringarna"))
    expect(page.get_by_role("alert")).to_contain_text("Uppnådd omgång:")
    expect(page.get_by_role("alert")).not_to_contain_text("round")
    found["candidate_edit_422"] = _axe(page)
    _shot(page, "15-candidate-edit-refused-sv")
    page.get_by_label("Uppnådd omgång").fill("2")
    _submit(page, page.get_by_role("button", name="Spara ändringarna"))
    assert page.url == position
    row = page.locator("tr", has_text="kim.edits@example.org")
    _submit(page, row.get_by_role("link", name="Radera", exact=True))
    found["candidate_delete"] = _axe(page)
    _shot(page, "16-candidate-delete-sv")
    _submit(page, page.get_by_role("button", name="Radera"))
    assert page.url == position
    expect(page.get_by_text("kim.edits@example.org")).to_have_count(0)
    _submit(page, page.get_by_role("link", name="Radera", exact=True))
    found["position_delete"] = _axe(page)
    _shot(page, "17-position-delete-sv")
    _submit(page, page.get_by_role("button", name="Radera"))
    assert re.search(r"/w/\d+$", page.url)
    context.close()
    problems = {name: [(v["id"], v["help"]) for v in found[name]] for name in found if found[name]}
    assert problems == {}, json.dumps(problems, indent=1)
