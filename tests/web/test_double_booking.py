"""A pick that cannot double-book (issue 11, point 3), on SQLite and PostgreSQL.

Two candidates' interviews share both interviewers. Offers hold their slots, so two
offers made now never share one; the concurrency tests give offer B one of offer A's
times afterwards (as an offer made before holds, or an interviewer added later, has):
then only the pick's own check stands between the two candidates and a double booking.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx2
from fastapi import FastAPI
from sqlalchemy import select, update

from fairnotice.lifecycle import BOOKED
from fairnotice.operations.busy import stored as busy
from fairnotice.operations.offers import holds
from fairnotice.store.session import transaction
from fairnotice.store.tables import Candidate, Interview, Offer, OfferSlot, OutboxMessage
from tests.web.conftest import CSRF, Browser, Clock
from tests.web.employer_setup import LINK, confirm_offer, written_bodies
from tests.web.helpers import candidate, organisation, position, schedule

JSON = {"Accept": "application/json"}


@dataclass
class Side:
    interview: int
    offer: int
    link: str
    slots: list[tuple[int, datetime, datetime]]  # (id, start, end), earliest first

    @property
    def path(self) -> str:
        return self.link.removeprefix("http://testserver")


def _slots(app: FastAPI, offer: int) -> list[tuple[int, datetime, datetime]]:
    with app.state.sessions() as session:
        rows = session.execute(
            select(OfferSlot.id, OfferSlot.start, OfferSlot.end)
            .where(OfferSlot.offer_id == offer)
            .order_by(OfferSlot.start)
        )
        return [(i, s, e) for i, s, e in rows]


def make_offer(app: FastAPI, browser: Browser, org: int, interview: int) -> Side:
    """Offer new times through the interview page; the link from the queued letter."""
    with app.state.sessions() as session:
        before = set(session.scalars(select(OutboxMessage.id)))
    response = confirm_offer(browser, org, interview)
    assert response.status_code == 303, response.text
    offer = int(response.headers["location"].rsplit("/", 1)[1])
    # as they go out: the rows keep references, the links are written at send time
    bodies = written_bodies(
        app, OutboxMessage.id.not_in(before or {0}), OutboxMessage.workspace_id == org
    )
    links = {m.group(0) for body in bodies for m in [LINK.search(body)] if m}
    assert len(links) == 1, bodies
    return Side(interview, offer, links.pop(), _slots(app, offer))


def two_interviews(app: FastAPI, browser: Browser) -> tuple[int, int, int]:
    """An organisation with two candidates whose interviews share both interviewers."""
    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)  # Lena Vogel, German
    candidate(browser, org, pos, name="Max Berg", email="max@example.org", language="sv")
    with app.state.sessions() as session:
        ids = dict(
            session.execute(
                select(Candidate.email, Candidate.id).where(Candidate.workspace_id == org)
            ).all()
        )
    schedule(browser, org, pos, ids["lena@example.org"])
    schedule(browser, org, pos, ids["max@example.org"], start_time="15:00", end_time="16:00")
    with app.state.sessions() as session:
        first, second = session.scalars(
            select(Interview.id).where(Interview.workspace_id == org).order_by(Interview.id)
        )
    return org, first, second


def share_first_slot(app: FastAPI, a: Side, b: Side) -> Side:
    """Give offer B's first slot offer A's first time (see the module's docstring)."""
    _, start, end = a.slots[0]
    with transaction(app.state.sessions, write=True) as session:
        session.execute(
            update(OfferSlot).where(OfferSlot.id == b.slots[0][0]).values(start=start, end=end)
        )
    return Side(b.interview, b.offer, b.link, _slots(app, b.offer))


def overlapping(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def assert_nobody_double_booked(app: FastAPI, org: int) -> list[Interview]:
    """No person (interviewer or candidate) is in two booked interviews that overlap."""
    with app.state.sessions() as session:
        booked = list(
            session.scalars(
                select(Interview).where(
                    Interview.workspace_id == org,
                    Interview.status.in_([s.value for s in BOOKED]),
                )
            )
        )
        for one, other in itertools.combinations(booked, 2):
            if holds.people(one) & holds.people(other):
                assert not overlapping((one.start, one.end), (other.start, other.end)), (
                    one.id,
                    other.id,
                )
        return booked


async def _storm(app: FastAPI, sides: list[tuple[Side, int]], count: int) -> list[Any]:
    """`count` picks at once, alternating between the sides (each side a visitor of its
    own link, with its own session and CSRF token); every other one asks for JSON."""
    transport = httpx2.ASGITransport(app=app)
    clients = [httpx2.AsyncClient(transport=transport, base_url="http://testserver") for _ in sides]
    tokens = []
    for client, (side, _) in zip(clients, sides, strict=True):
        page = await client.get(side.path)
        found = CSRF.search(page.text)
        assert found is not None, page.text
        tokens.append(found.group(1))

    async def one(i: int) -> tuple[int, int, Any]:
        which = i % len(sides)
        side, slot = sides[which]
        headers = JSON if (i // len(sides)) % 2 else {}
        data = {"csrf_token": tokens[which], "slot": str(slot)}
        response = await clients[which].post(
            side.path, data=data, headers=headers, follow_redirects=False
        )
        kind = response.headers.get("content-type", "")
        body = response.json() if "json" in kind else response.text
        return which, response.status_code, body

    try:
        return await asyncio.gather(*(one(i) for i in range(count)))
    finally:
        for client in clients:
            await client.aclose()


def test_200_concurrent_picks_of_one_interviewer_slot_book_it_once(
    app: FastAPI, browser: Browser
) -> None:
    org, first, second = two_interviews(app, browser)
    a = make_offer(app, browser, org, first)
    b = share_first_slot(app, a, make_offer(app, browser, org, second))
    assert (a.slots[0][1], a.slots[0][2]) == (b.slots[0][1], b.slots[0][2])

    results = asyncio.run(_storm(app, [(a, a.slots[0][0]), (b, b.slots[0][0])], 200))

    wins = [(which, code) for which, code, _ in results if code in (200, 303)]
    assert len(wins) == 1, Counter((w, c) for w, c, _ in results)
    assert Counter(code for _, code, _ in results) == Counter({wins[0][1]: 1, 409: 199})
    winner, loser = (a, b) if wins[0][0] == 0 else (b, a)
    lost = [body for which, _, body in results if which != wins[0][0]]
    assert len(lost) == 100
    free = [{"id": i, "start": s.isoformat(), "end": e.isoformat()} for i, s, e in loser.slots[1:]]
    for body in lost:
        if isinstance(body, dict):  # the JSON answer: why, and the times still free
            assert body["reason"] == "taken" and body["free_slots"] == free, body
        else:  # the page again: the taken time disabled, the others to choose from
            taken = loser.slots[0][0]
            assert f'value="{taken}" disabled' in body
            for slot_id, _, _ in loser.slots[1:]:
                assert f'name="slot" value="{slot_id}" required' in body
    with app.state.sessions() as session:
        assert session.get(Offer, winner.offer).state == "picked"  # type: ignore[union-attr]
        assert session.get(Offer, loser.offer).state == "open"  # type: ignore[union-attr]
        moved = session.get(Interview, winner.interview)
        assert moved is not None and moved.status == "rescheduled"
        assert (moved.start, moved.end) == (winner.slots[0][1], winner.slots[0][2])
    booked = assert_nobody_double_booked(app, org)
    assert len(booked) == 1  # the loser's interview waits for a time (offered)

    # the loser picks one of the times still free: booked, and still nobody twice
    page = browser.get(loser.path)
    response = browser.post(loser.path, {"slot": str(loser.slots[1][0])})
    assert response.status_code == 303, page.text
    assert len(assert_nobody_double_booked(app, org)) == 2


def test_a_pick_over_another_booked_interview_is_409_in_the_candidates_language(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    org, first, second = two_interviews(app, browser)
    a = make_offer(app, browser, org, first)
    b = share_first_slot(app, a, make_offer(app, browser, org, second))
    other_browser.get(b.path)
    assert other_browser.post(b.path, {"slot": str(b.slots[0][0])}).status_code == 303

    other_browser.get(a.path)
    refused = other_browser.post(a.path, {"slot": str(a.slots[0][0])})
    assert refused.status_code == 409
    assert '<html lang="de">' in refused.text
    assert "Dieser Termin ist nicht mehr frei" in refused.text
    assert f'value="{a.slots[0][0]}" disabled' in refused.text
    # the free time offered again, none chosen for the candidate (no pre-selected time)
    assert f'name="slot" value="{a.slots[1][0]}" required>' in refused.text
    assert "checked" not in refused.text
    with app.state.sessions() as session:
        offer = session.get(Offer, a.offer)
        assert offer is not None and offer.state == "open" and offer.picked_slot_id is None
    assert other_browser.post(a.path, {"slot": str(a.slots[1][0])}).status_code == 303
    assert len(assert_nobody_double_booked(app, org)) == 2


def _add_busy(
    app: FastAPI, org: int, email: str, *, busy_at: tuple[datetime, datetime] | None
) -> None:
    with transaction(app.state.sessions, write=True) as session:
        if busy_at is None:  # iCalendar text: pending until a worker reads it
            ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
            busy.add_calendar(session, workspace_id=org, owner_email=email, ics=ics)
        else:
            busy.add_calendar(
                session, workspace_id=org, owner_email=email, ics=None, busy=[busy_at]
            )


def test_a_pick_over_an_interviewers_stored_busy_time_is_409(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    org, first, _ = two_interviews(app, browser)
    a = make_offer(app, browser, org, first)
    # Maria's calendar, stored after the offer was made, is busy during the second time
    _, start, end = a.slots[1]
    _add_busy(app, org, "M.Roth@example.com", busy_at=(start + timedelta(minutes=30), end))
    other_browser.get(a.path)
    refused = other_browser.post(a.path, {"slot": str(a.slots[1][0])}, headers=JSON)
    assert refused.status_code == 409
    body = refused.json()
    assert body["reason"] == "taken"
    assert [s["id"] for s in body["free_slots"]] == [a.slots[0][0], *[s[0] for s in a.slots[2:]]]
    with app.state.sessions() as session:
        interview = session.get(Interview, first)
        assert interview is not None and interview.status == "offered"
    assert other_browser.post(a.path, {"slot": str(a.slots[0][0])}).status_code == 303


def test_a_calendar_not_read_yet_is_never_taken_as_free(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    org, first, _ = two_interviews(app, browser)
    a = make_offer(app, browser, org, first)
    _add_busy(app, org, "j.doe@example.com", busy_at=None)
    other_browser.get(a.path)
    refused = other_browser.post(a.path, {"slot": str(a.slots[0][0])}, headers=JSON)
    assert refused.status_code == 409
    assert refused.json()["reason"] == "unknown" and refused.json()["free_slots"] == []
    page = other_browser.post(a.path, {"slot": str(a.slots[0][0])})
    assert page.status_code == 409
    assert "j.doe@example.com" not in page.text.lower()  # no interviewer's address shown
    assert 'name="slot"' not in page.text  # no time to choose: the suggestion is open
    assert "<details open>" in page.text
    assert "Keiner dieser Termine kann noch gewählt werden" in page.text


def test_holds_keep_other_offers_off_a_slot_until_withdrawn(app: FastAPI, browser: Browser) -> None:
    org, first, second = two_interviews(app, browser)
    a = make_offer(app, browser, org, first)
    b = make_offer(app, browser, org, second)
    spans = [(s, e) for _, s, e in a.slots]
    assert not any(overlapping((s, e), span) for _, s, e in b.slots for span in spans)
    # the recruiter sees the holds: on B's offer page, A's times held for Lena until expiry
    page = browser.get(f"/w/{org}/offers/{b.offer}")
    assert page.text.count("Lena Vogel") >= len(a.slots), page.text
    assert f'/w/{org}/offers/{a.offer}"' in page.text
    own = browser.get(f"/w/{org}/offers/{a.offer}")
    assert f'/w/{org}/offers/{b.offer}"' in own.text

    # A withdrawn: its times are free again, and a new offer for B may take them
    browser.get(f"/w/{org}/offers/{a.offer}")
    assert browser.post(f"/w/{org}/offers/{a.offer}/withdraw", {}).status_code == 303
    with app.state.sessions() as session:
        assert session.get(Offer, a.offer).state == "withdrawn"  # type: ignore[union-attr]
        assert session.get(Interview, first).status == "scheduled"  # type: ignore[union-attr]
    again = make_offer(app, browser, org, second)
    assert any(overlapping((s, e), span) for _, s, e in again.slots for span in spans)
    # a withdrawn link no longer picks
    refused = browser.post(a.path, {"slot": str(a.slots[0][0])})
    assert refused.status_code == 409


def test_an_expired_offer_holds_nothing(app: FastAPI, browser: Browser, clock: Clock) -> None:
    org, first, second = two_interviews(app, browser)
    a = make_offer(app, browser, org, first)
    with app.state.sessions() as session:
        interview = session.get(Interview, second)
        assert interview is not None
        window = (clock.now, clock.now + timedelta(days=30))
        held = holds.holds(
            session, interview=interview, now=clock.now, start=window[0], end=window[1]
        )
        assert {(h.start, h.end) for h in held} == {(s, e) for _, s, e in a.slots}
        expires = session.get(Offer, a.offer).expires_at  # type: ignore[union-attr]
        later = expires + timedelta(minutes=1)
        assert (
            holds.holds(session, interview=interview, now=later, start=later, end=window[1]) == []
        )
        avoided = holds.avoid(session, interview=interview, now=later, notice=timedelta(0))
        assert avoided == []


def test_a_time_inside_the_notice_cannot_be_picked(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    org, first, _ = two_interviews(app, browser)
    a = make_offer(app, browser, org, first)
    page = other_browser.get(a.path)
    assert "Termine können bis 12 Stunden vor Beginn gewählt werden." in page.text
    assert "disabled" not in page.text
    clock.now = a.slots[0][1] - timedelta(hours=11)  # the first time is 11 hours away
    page = other_browser.get(a.path)
    assert f'value="{a.slots[0][0]}" disabled' in page.text
    assert "zu kurzfristig" in page.text
    refused = other_browser.post(a.path, {"slot": str(a.slots[0][0])}, headers=JSON)
    assert refused.status_code == 409 and refused.json()["reason"] == "soon"
    assert [s["id"] for s in refused.json()["free_slots"]] == [s[0] for s in a.slots[1:]]
    assert other_browser.post(a.path, {"slot": str(a.slots[1][0])}).status_code == 303


def test_offers_leave_out_times_inside_the_notice(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    org, first, _ = two_interviews(app, browser)
    browser.get(f"/w/{org}/policy")
    saved = browser.post(
        f"/w/{org}/policy", {"pick_notice_minutes": "4320", "max_reschedules": "3"}
    )
    assert saved.status_code == 303
    a = make_offer(app, browser, org, first)
    assert all(start >= clock.now + timedelta(days=3) for _, start, _ in a.slots)
    page = browser.get(a.path)
    assert "Termine können bis 3 Tage vor Beginn gewählt werden." in page.text


def test_max_reschedules_refuses_the_next_offer(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    org, first, _ = two_interviews(app, browser)
    browser.get(f"/w/{org}/policy")
    assert (
        browser.post(
            f"/w/{org}/policy", {"pick_notice_minutes": "720", "max_reschedules": "1"}
        ).status_code
        == 303
    )
    a = make_offer(app, browser, org, first)
    other_browser.get(a.path)
    assert other_browser.post(a.path, {"slot": str(a.slots[0][0])}).status_code == 303
    refused = browser.get(f"/w/{org}/interviews/{first}/offer")
    assert refused.status_code == 409
    assert "limit of moves per interview (1)" in refused.text


def test_the_policy_form_names_each_bad_field_and_keeps_the_values(
    app: FastAPI, browser: Browser
) -> None:
    org, _, _ = two_interviews(app, browser)
    members = browser.get(f"/w/{org}/members")
    assert f'href="/w/{org}/policy"' in members.text
    page = browser.get(f"/w/{org}/policy")
    assert 'value="720"' in page.text and 'value="3"' in page.text
    bad = browser.post(f"/w/{org}/policy", {"pick_notice_minutes": "20000", "max_reschedules": "x"})
    assert bad.status_code == 422
    assert "pick_notice_minutes" in bad.text and "max_reschedules" in bad.text
    assert 'value="20000"' in bad.text and 'value="x"' in bad.text
    assert re.search(r"0 (to|bis) 10080", bad.text)
    page = browser.get(f"/w/{org}/policy")
    assert 'value="720"' in page.text  # nothing stored


def test_the_policy_api_reads_changes_and_names_bad_fields(app: FastAPI, browser: Browser) -> None:
    from tests.web.test_api import api_token

    auth = api_token(browser, "api@example.org", organisation="Muster & Partner GmbH")
    got = browser.http.get("/api/v1/policy", headers=auth)
    assert got.status_code == 200
    assert got.json() == {"pick_notice_minutes": 720, "max_reschedules": 3}
    changed = browser.http.patch("/api/v1/policy", json={"max_reschedules": 5}, headers=auth)
    assert changed.json() == {"pick_notice_minutes": 720, "max_reschedules": 5}
    for body, field in (
        ({"pick_notice_minutes": 10081}, "pick_notice_minutes"),
        ({"pick_notice_minutes": -1}, "pick_notice_minutes"),
        ({"max_reschedules": 21}, "max_reschedules"),
        ({"max_reschedules": "many"}, "max_reschedules"),
    ):
        refused = browser.http.patch("/api/v1/policy", json=body, headers=auth)
        assert refused.status_code == 422, body
        assert [p["field"] for p in refused.json()["detail"]] == [field]
    assert browser.http.get("/api/v1/policy", headers=auth).json()["max_reschedules"] == 5
    personal = api_token(browser, "solo@example.org")
    assert browser.http.get("/api/v1/policy", headers=personal).status_code == 404
