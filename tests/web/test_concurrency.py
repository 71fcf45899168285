"""500 concurrent picks of the same offer: exactly one wins, every other gets 409."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx2
from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.store.tables import Interview, Offer, OfferSlot, OutboxMessage
from tests.web.conftest import CSRF, Browser
from tests.web.employer_setup import offered

REQUESTS = 500


async def _storm(app: FastAPI, path: str, slot_ids: list[int]) -> Counter[int]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        page = await client.get(path)
        found = CSRF.search(page.text)
        assert found is not None
        token = found.group(1)

        async def one(i: int) -> int:
            data = {"csrf_token": token, "slot": str(slot_ids[i % len(slot_ids)])}
            response = await client.post(path, data=data, follow_redirects=False)
            return response.status_code

        codes = await asyncio.gather(*(one(i) for i in range(REQUESTS)))
    return Counter(codes)


def test_500_concurrent_picks_exactly_one_wins(app: FastAPI, browser: Browser) -> None:
    setup = offered(app, browser)
    with app.state.sessions() as session:
        slots = list(session.scalars(select(OfferSlot.id).where(OfferSlot.offer_id == setup.offer)))
        sequence = session.get(Interview, setup.interview).sequence  # type: ignore[union-attr]
    path = setup.link.removeprefix("http://testserver")
    codes = asyncio.run(_storm(app, path, slots))
    assert codes == Counter({303: 1, 409: REQUESTS - 1}), codes
    with app.state.sessions() as session:
        offer = session.get(Offer, setup.offer)
        assert offer is not None and offer.state == "picked"
        states = Counter(
            session.scalars(select(OfferSlot.state).where(OfferSlot.offer_id == setup.offer))
        )
        assert states == Counter({"booked": 1, "released": len(slots) - 1})
        interview = session.get(Interview, setup.interview)
        assert interview is not None and interview.sequence == sequence + 1
        requests = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.calendar_method == "REQUEST",
                OutboxMessage.interview_sequence == sequence + 1,
            )
        ).all()
        assert len(requests) == 3  # the candidate and two interviewers, once
