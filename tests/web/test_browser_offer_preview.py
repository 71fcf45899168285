"""Issue 12, item 8 in Chromium, on SQLite and PostgreSQL, without JavaScript: *Offer new
times* shows a preview (nothing queued), the recruiter swaps a time, writes the letter
again, rewords it, checks it and queues it; the candidate's pick page offers exactly the
chosen times. At 1280 and 390 px (no sideways scroll). Screenshots in tests/artifacts/
(git-ignored), named op-<db>-*.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from fairnotice.store.tables import Interview, Offer, OfferSlot, OutboxMessage
from tests.web.employer_setup import written_bodies
from tests.web.test_browser import _shot, _submit
from tests.web.test_browser_journeys import (
    START,
    _add_candidate,
    _context,
    _schedule,
    _sign_up,
    expect,
)
from tests.web.test_browser_journeys import chromium as chromium
from tests.web.test_browser_journeys import live as live

pytestmark = pytest.mark.slow
LENA = "lena@example.org"


def _shots(page: Any, live: dict[str, Any], name: str) -> None:
    """The page at 1280 px and at 390 px; at 390 px nothing scrolls sideways."""
    page.set_viewport_size({"width": 1280, "height": 800})
    _shot(page, f"op-{live['db']}-{name}")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, f"op-{live['db']}-{name}-phone")
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, (name, wide)
    page.set_viewport_size({"width": 1280, "height": 800})


def _count(app: Any, model: Any) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_preview_swap_edit_confirm(chromium: Any, live: dict[str, Any]) -> None:
    app, clock = live["app"], live["clock"]
    clock.now = START
    hr = _context(chromium, live, java_script_enabled=False)
    page = hr.new_page()
    _sign_up(page, "hr@example.com", "Jonas Doe")
    page.goto("/account")
    page.get_by_label("Organisation name").fill("Muster & Partner GmbH")
    _submit(page, page.get_by_role("button", name="Create an organisation"))
    page.get_by_label("Title").fill("Paralegal")
    _submit(page, page.get_by_role("button", name="Add position"))
    page.wait_for_url(re.compile(r"/positions/\d+$"))
    _add_candidate(page, "Lena Vogel", LENA, "de")
    page.locator("summary", has_text="Schedule an interview").click()
    _schedule(page, "Lena Vogel", "2026-03-13", "10:00", "11:00")
    _submit(page, page.locator("#iv-h ~ ul.cards").get_by_role("link", name="Lena Vogel"))
    queued = _count(app, OutboxMessage)

    # step one: the preview, in the candidate's language; nothing queued
    _submit(page, page.get_by_role("button", name="Offer new times to the candidate"))
    page.wait_for_url(re.compile(r"/interviews/\d+/offer\??$"))
    expect(page.get_by_role("heading", name="Offer new times: preview")).to_be_visible()
    body = page.locator("#body-letter")
    expect(body).to_have_attribute("lang", "de")
    assert "Lena Vogel" in body.input_value() and "Vorstellungsgespräch" in body.input_value()
    boxes = page.locator('input[name="slots"]')
    ticked = page.locator('input[name="slots"]:checked')
    expect(ticked).to_have_count(3)
    assert boxes.count() > 3
    assert _count(app, OutboxMessage) == queued and _count(app, Offer) == 0
    _shots(page, live, "01-preview")

    # swap: untick the first chosen time, tick the first free one not chosen
    values = [boxes.nth(i).get_attribute("value") for i in range(boxes.count())]
    chosen = [ticked.nth(i).get_attribute("value") for i in range(3)]
    dropped = chosen[0]
    added = next(v for v in values if v not in chosen)
    page.locator(f'input[name="slots"][value="{dropped}"]').uncheck()
    page.locator(f'input[name="slots"][value="{added}"]').check()
    page.locator("#offer-public").fill("Unser Büro zieht an diesem Tag um.")
    _submit(page, page.get_by_role("button", name="Write the letter for these times"))
    now_chosen = {ticked.nth(i).get_attribute("value") for i in range(ticked.count())}
    assert now_chosen == {*chosen[1:], added}
    assert "Unser Büro zieht an diesem Tag um." in body.input_value()
    assert _count(app, OutboxMessage) == queued and _count(app, Offer) == 0

    # edit the words and check them (the review's findings under the editor)
    page.locator("#subject-letter").fill("Neue Terminvorschläge für Ihr Gespräch")
    words = body.input_value() + "\nParkplätze finden Sie im Hof.\n"
    body.fill(words)
    _submit(page, page.get_by_role("button", name="Check the words"))
    expect(page.locator("#check-letter")).to_be_visible()
    assert "Parkplätze finden Sie im Hof." in body.input_value()
    _shots(page, live, "02-swapped-edited-checked")

    # confirm: exactly this letter, exactly these times
    _submit(page, page.get_by_role("button", name="Queue the offer"))
    page.wait_for_url(re.compile(r"/offers/\d+$"))
    _shots(page, live, "03-offer-queued")
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview))
        assert interview is not None and interview.status == "offered"
        slots = session.execute(select(OfferSlot.start)).scalars().all()
        assert len(slots) == 3
    sent = written_bodies(app, OutboxMessage.subject == "Neue Terminvorschläge für Ihr Gespräch")
    assert len(sent) == 1
    assert "Parkplätze finden Sie im Hof." in sent[0]
    assert "[link:preview]" not in sent[0]
    link = re.search(r"http://127\.0\.0\.1:\d+(/pick/[\w\-]+)", sent[0])
    assert link is not None

    # the candidate's pick page: exactly the chosen times
    candidate = _context(chromium, live, locale="de-DE")
    pick = candidate.new_page()
    pick.goto(link.group(1))
    expect(pick.locator('input[name="slot"]')).to_have_count(3)
    _shots(pick, live, "04-pick-page")
    candidate.close()
    hr.close()
