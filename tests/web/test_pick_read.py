"""The pick page's one-statement read agrees with the operations layer's offer view."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.errors import NotFound
from fairnotice.operations.offers import commands as offers
from fairnotice.operations.offers.queries import PickReader
from fairnotice.store.tables import OfferSlot
from tests.web.conftest import Browser
from tests.web.employer_setup import offered


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


def _session_view(app: FastAPI, token: str) -> offers.OfferView:
    with app.state.sessions() as session:
        return offers.offer_view(session, token)


def test_the_fast_read_equals_the_offer_view_open_and_picked(
    app: FastAPI, browser: Browser
) -> None:
    setup = offered(app, browser)
    token = _token(setup.link)
    read = PickReader(app.state.engine)
    opened = read(token)
    assert opened == _session_view(app, token)
    assert opened.state == "open" and len(opened.slots) >= 3
    assert [s["start"] for s in opened.slots] == sorted(s["start"] for s in opened.slots)
    assert all(s["start"].tzinfo is not None for s in opened.slots)
    with app.state.sessions() as session:
        slot = session.scalars(
            select(OfferSlot.id).where(OfferSlot.offer_id == setup.offer)
        ).first()
    browser.get(f"/pick/{token}")
    assert browser.post(f"/pick/{token}", {"slot": str(slot)}).status_code == 303
    picked = read(token)
    assert picked == _session_view(app, token)
    assert picked.state == "picked" and picked.picked_slot_id == slot


@pytest.mark.parametrize("token", ["", "x" * 101, "not-a-token", "A" * 43])
def test_the_fast_read_refuses_what_is_no_link(app: FastAPI, browser: Browser, token: str) -> None:
    offered(app, browser)
    with pytest.raises(NotFound):
        PickReader(app.state.engine)(token)
