"""The pick page speaks to the candidate as the offer's letter did (issue 19): a German
letter in "Sie" (or one that says nothing, a stranger from a company) gets a page in
Sie on every answer it gives (the page, 422, 409, the thanks after a pick or a
suggestion); a letter in du, a page in du. Swedish and English stay as they are."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.store.tables import Offer, OfferSlot
from fairnotice.web import i18n
from tests.web.conftest import Browser
from tests.web.test_pick_page import Link, _link, _text

DU = re.compile(r"\b(?:du|dir|dich|dein\w*)\b", re.I)
SIE = re.compile(r"\b(?:Sie|Ihnen|Ihr\w*)\b")


def _form(app: FastAPI, link: Link, form: str | None) -> None:
    """The offer as a letter in `form` would have left it (None: an offer made before the
    form was kept)."""
    with app.state.sessions() as session:
        offer = session.get(Offer, link.offer)
        assert offer is not None
        offer.address_form = form
        session.commit()


def _slots(app: FastAPI, link: Link) -> list[int]:
    with app.state.sessions() as session:
        return list(
            session.scalars(
                select(OfferSlot.id)
                .where(OfferSlot.offer_id == link.offer)
                .order_by(OfferSlot.start)
            )
        )


def _answers(app: FastAPI, link: Link, visitor: Browser, pick: str) -> list[str]:
    """The visible words of every answer the page gives: the page, 422 for no choice and
    for an empty suggestion, the thanks after `pick` ("slot" or "none"), 409 after it."""
    words = [_text(visitor.get(link.path).text)]
    refused = visitor.post(link.path, {"slot": ""})
    assert refused.status_code == 422
    words.append(_text(refused.text))
    empty = visitor.post(f"{link.path}/none", {"suggestion": " "})
    assert empty.status_code == 422
    words.append(_text(empty.text))
    first, second = _slots(app, link)[:2]
    if pick == "slot":
        done = visitor.post(link.path, {"slot": str(first)})
    else:
        done = visitor.post(f"{link.path}/none", {"suggestion": "Freitag um 10"})
    assert done.status_code == 303
    words.append(_text(visitor.get(link.path).text))
    late = visitor.post(link.path, {"slot": str(second)})
    assert late.status_code == 409
    words.append(_text(late.text))
    return words


@pytest.mark.parametrize("pick", ["slot", "none"])
def test_a_formal_letter_s_page_says_sie(
    app: FastAPI, browser: Browser, other_browser: Browser, pick: str
) -> None:
    link = _link(app, browser, "de")
    with app.state.sessions() as session:
        offer = session.get(Offer, link.offer)
        assert offer is not None and offer.address_form == "formal"  # as the plan wrote it
    page, no_choice, no_suggestion, thanks, late = _answers(app, link, other_browser, pick)
    for words in (page, no_choice, no_suggestion, thanks, late):
        assert not DU.search(words), DU.findall(words)
    assert "Welcher Termin passt Ihnen?" in page
    assert "Wann würde es Ihnen passen?" in page
    assert "Bitte wählen Sie einen dieser Termine aus und bestätigen Sie ihn dann." in no_choice
    assert "Bitte schreiben Sie, wann es Ihnen passen würde" in no_suggestion
    if pick == "slot":
        assert "Ihr neuer Termin" in thanks and "auf dem Weg zu Ihnen" in thanks
        assert "Ihr neuer Termin" in late
    else:
        assert "Wir melden uns zu Ihrem Vorschlag." in thanks and thanks == late


def test_a_letter_that_said_nothing_is_answered_in_sie(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    link = _link(app, browser, "de")
    _form(app, link, None)
    page = _text(other_browser.get(link.path).text)
    assert "Welcher Termin passt Ihnen?" in page and not DU.search(page)


def test_an_informal_letter_s_page_says_du(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    link = _link(app, browser, "de")
    _form(app, link, "informal")
    page, no_choice, no_suggestion, thanks, late = _answers(app, link, other_browser, "slot")
    for words in (page, no_choice, no_suggestion, thanks, late):
        assert not SIE.search(words), SIE.findall(words)
    assert "Welcher Termin passt dir?" in page
    assert "Bitte wähl einen dieser Termine aus" in no_choice
    assert "Bitte schreib, wann es dir passen würde" in no_suggestion
    assert "Dein neuer Termin" in thanks and "Dein neuer Termin" in late


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("form", ["formal", "informal"])
def test_swedish_and_english_stay_as_they_are(
    app: FastAPI, browser: Browser, other_browser: Browser, language: str, form: str
) -> None:
    link = _link(app, browser, language)
    _form(app, link, form)
    _ = i18n.gettext_for(language)
    page = _text(other_browser.get(link.path).text)
    assert _("Which time suits you?") in page
    assert _("When would suit you?") in page
    refused = _text(other_browser.post(link.path, {"slot": ""}).text)
    assert _("Please choose one of these times, then confirm it.") in refused


def test_the_formal_forms_marked_for_the_catalog_are_the_refusals_themselves() -> None:
    """The refusals' formal forms are written out once more only so that `make messages`
    finds them; a plain text changed without its copy would fall back to du unnoticed."""
    from fairnotice.web.routes import pick

    refusals = {pick.NO_CHOICE, pick.NO_SUGGESTION, pick.REFUSALS[pick.holds.UNKNOWN]}
    assert set(pick._FORMAL_FORMS) == refusals
