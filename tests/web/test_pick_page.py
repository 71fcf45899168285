"""The pick page as the candidate meets it (issue 19), in German, Swedish and English: the
facts of the interview (duration, place or video link, the time being moved), no time
chosen for them, a footer without the site's links, and every refusal (no choice, no
suggestion, a link already used in another tab) as the page in their language and zone."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.store.tables import Candidate, Interview, Offer, OfferSlot
from fairnotice.web import i18n
from fairnotice.web.routes import pick
from tests.web.conftest import Browser
from tests.web.employer_setup import make_offer
from tests.web.helpers import candidate, organisation, position, schedule

ZONES = {"de": "Europe/Berlin", "sv": "Europe/Stockholm", "en": "America/New_York"}


@dataclass
class Link:
    path: str
    offer: int
    interview: int
    language: str


def _link(app: FastAPI, browser: Browser, language: str, **where: str) -> Link:
    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos, language=language, timezone=ZONES[language])
    with app.state.sessions() as session:
        cand = session.scalar(select(Candidate.id).where(Candidate.workspace_id == org))
    schedule(browser, org, pos, cand, **where)
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview.id).where(Interview.workspace_id == org))
    browser.get(f"/w/{org}/interviews/{interview}")
    offer, link = make_offer(app, browser, org, interview)
    return Link(link.replace("http://testserver", ""), offer, interview, language)


def _text(page: str) -> str:
    """The page's visible words, tags dropped and entities read."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_the_page_shows_the_facts_and_chooses_nothing(
    app: FastAPI, browser: Browser, other_browser: Browser, language: str
) -> None:
    link = _link(app, browser, language)
    page = other_browser.get(link.path)
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    _ = i18n.gettext_for(language)
    zone = ZONES[language]
    with app.state.sessions() as session:
        interview = session.get(Interview, link.interview)
        assert interview is not None
        start, end = interview.start, interview.end
    words = _text(page.text)
    assert pick.notice_duration(60, language) in words  # the interview lasts an hour
    assert "Friedrichstraße 10" in words
    moved = f"{i18n.when(start, language, zone)} – {i18n.time_only(end, language, zone)}"
    assert moved in words
    assert _("Current time (to be moved)") in words
    radios = re.findall(r'<input type="radio" name="slot"[^>]*>', page.text)
    assert radios and not any("checked" in r for r in radios)
    footer = page.text.split("<footer>")[1]
    assert 'href="/rules"' not in footer and _("The rulebook") not in footer
    assert i18n.zone_label(zone, language) in footer
    assert "/signin" not in page.text and "/signup" not in page.text
    if language != "en":
        assert _("Duration") != "Duration" and _("Place") != "Place"


def test_a_video_link_is_a_link_and_anything_else_stays_text(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    link = _link(app, browser, "sv", location="", video_url="https://meet.example/abc?x=1&y=2")
    page = other_browser.get(link.path).text
    assert 'href="https://meet.example/abc?x=1&amp;y=2" rel="noreferrer noopener"' in page
    with app.state.sessions() as session:
        row = session.get(Interview, link.interview)
        assert row is not None
        row.video_url = "javascript:alert(1)"
        session.commit()
    page = other_browser.get(link.path).text
    assert "javascript:alert(1)" in page and 'href="javascript' not in page


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_confirming_without_a_choice_asks_for_it(
    app: FastAPI, browser: Browser, other_browser: Browser, language: str
) -> None:
    link = _link(app, browser, language)
    other_browser.get(link.path)
    _ = pick.addressed(language, formal=True)  # the offer's letter said Sie (de)
    for form in ({}, {"slot": ""}, {"slot": "abc"}):
        refused = other_browser.post(link.path, form)
        assert refused.status_code == 422
        assert f'<html lang="{language}">' in refused.text
        assert _(pick.NO_CHOICE) in _text(refused.text)
        assert 'name="slot"' in refused.text  # the times to choose from, again
        assert "/signin" not in refused.text
    if language != "en":
        assert _(pick.NO_CHOICE) != pick.NO_CHOICE
    empty = other_browser.post(f"{link.path}/none", {"suggestion": "  "})
    assert empty.status_code == 422
    assert _(pick.NO_SUGGESTION) in _text(empty.text)
    assert "<details open>" in empty.text  # the suggestion's form is shown open
    with app.state.sessions() as session:
        offer = session.get(Offer, link.offer)
        assert offer is not None and offer.state == "open" and offer.picked_slot_id is None


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_a_second_submit_from_another_tab_gets_the_page_as_it_stands(
    app: FastAPI, browser: Browser, other_browser: Browser, language: str
) -> None:
    link = _link(app, browser, language)
    other_browser.get(link.path)
    with app.state.sessions() as session:
        slots = session.scalars(
            select(OfferSlot).where(OfferSlot.offer_id == link.offer).order_by(OfferSlot.start)
        ).all()
        first, second = slots[0], slots[1]
    assert other_browser.post(link.path, {"slot": str(first.id)}).status_code == 303
    _ = pick.formal_gettext(language)  # the offer's letter said Sie (de)
    zone = ZONES[language]
    when = i18n.when(first.start, language, zone)
    thanks = _("formal", "Thank you. Your new time is %(when)s.", when=when)
    for late in (
        other_browser.post(link.path, {"slot": str(second.id)}),
        other_browser.post(f"{link.path}/none", {"suggestion": "Friday at 10"}),
    ):
        assert late.status_code == 409
        assert f'<html lang="{language}">' in late.text
        assert thanks in _text(late.text)
        assert "/signin" not in late.text and "/signup" not in late.text
        assert "UTC" not in late.text
        assert i18n.zone_label(zone, language) in late.text
    with app.state.sessions() as session:
        offer = session.get(Offer, link.offer)
        assert offer is not None and offer.picked_slot_id == first.id
        assert offer.suggestion is None


def test_the_json_api_names_the_missing_choice(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    link = _link(app, browser, "en")
    other_browser.get(link.path)
    response = other_browser.http.post(
        link.path,
        data={"csrf_token": other_browser.csrf},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "slot"


def test_headers_head_and_links_that_name_nothing(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    """The page keeps its token to itself (no referrer, no shared cache), answers HEAD
    as GET without a body, and a token that is no link is the 404 page, for GET and HEAD."""
    link = _link(app, browser, "de")
    page = other_browser.http.get(link.path)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "no-store" in page.headers["cache-control"]
    assert page.headers["content-type"].startswith("text/html")
    head = other_browser.http.head(link.path)
    assert head.status_code == 200 and head.content == b""
    for path in ("/pick/nope", f"{link.path}x", "/pick/%2F", "/pick/" + "a" * 150):
        for method in ("GET", "HEAD"):
            missing = other_browser.http.request(method, path)
            assert missing.status_code == 404, (method, path)
    assert "<html" in other_browser.http.get("/pick/nope").text


def test_a_change_made_elsewhere_shows_on_the_next_request(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    """No process keeps the offer: an edit and a pick written by another process (here,
    straight to the database) are on the very next page; hostile text stays text."""
    link = _link(app, browser, "en")
    assert other_browser.get(link.path).status_code == 200
    with app.state.sessions() as session:
        row = session.get(Interview, link.interview)
        assert row is not None
        row.position = "<b>Para</b> & {{ 1 + 1 }}"
        offer = session.get(Offer, link.offer)
        assert offer is not None
        slot = session.scalars(select(OfferSlot).where(OfferSlot.offer_id == offer.id)).first()
        assert slot is not None
        offer.state, offer.picked_slot_id = "picked", slot.id
        session.commit()
    page = other_browser.get(link.path).text
    assert "&lt;b&gt;Para&lt;/b&gt; &amp; {{ 1 + 1 }}" in page and "<b>Para" not in page
    assert 'name="slot"' not in page  # picked: no times to choose any more
    assert i18n.gettext_for("en")("A calendar update is on its way to you.") in page
