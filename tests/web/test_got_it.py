"""Proof that the news arrived (issue 17): every notice that changes an interview and
leaves through the outbox carries a "Got it" link, delivered over real SMTP (aiosmtpd) and
read from the message that arrived. GET shows the page in the letter's language and
records "opened" only; POST confirms, once; a wrong token is 404, an expired link 410.
The sender sees sent / opened / confirmed on the interview page, the outbox, the plan
page, the fill's progress and the REST API. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.operations.accounts.commands import digest
from fairnotice.operations.outbox.commands import link_writer
from fairnotice.operations.outbox.loop import Deliverer, Policy
from fairnotice.operations.outbox.receipts import LIFETIME
from fairnotice.operations.positions import batches as fill_batches
from fairnotice.store.tables import Interview, OfferSlot, OutboxMessage, Receipt
from tests.mail.servers import Recorder, smtp_server
from tests.mail.test_delivery import relay
from tests.web.conftest import Browser, Clock
from tests.web.employer_setup import offered
from tests.web.helpers import add_interview, make_plan
from tests.web.test_api import api_token

GOT_IT = re.compile(r"http://testserver(/got-it/([A-Za-z0-9_-]+))")
PICK = re.compile(r"http://testserver(/pick/[A-Za-z0-9_-]+)")
GERMAN = "Ist die Nachricht angekommen?"  # the offered candidate reads German (employer_setup)
INTERVIEW: dict[str, Any] = {
    "position": "Paralegal",
    "company": "Muster & Partner GmbH",
    "timezone": "Europe/Berlin",
    "interviewers": [{"name": "Maria Roth", "email": "m.roth@example.com"}],
}


def deliver(app: FastAPI, clock: Clock) -> Recorder:
    """Every due outbox row sent to an aiosmtpd server, as the worker sends them."""
    with smtp_server() as (port, recorder):
        Deliverer(
            app.state.sessions,
            relay(port),
            sender="noreply@fairnotice.test",
            policy=Policy(batch=25, retry_base=timedelta(minutes=1)),
            clock=clock,
            links=link_writer(
                app.state.sessions,
                app.state.settings.secret,
                base_url=app.state.settings.base_url,
                clock=clock,
            ),
        ).drain()
    return recorder


def mails_to(recorder: Recorder, address: str) -> list[tuple[str, str]]:
    """(subject, plain body) of each message that arrived for `address`."""
    found = []
    for item in recorder.received:
        if address in item.rcpt_tos:
            message = item.parsed()
            found.append((str(message["Subject"]), message.get_body(("plain",)).get_content()))
    return found


def link_in(body: str) -> str:
    """The one "Got it" link's path in a message that arrived."""
    found = GOT_IT.findall(body)
    assert len(found) == 1, body
    return str(found[0][0])


def receipt(app: FastAPI, path: str) -> Receipt:
    with app.state.sessions() as session:
        row = session.scalar(
            select(Receipt).where(Receipt.token_hash == digest(path.rsplit("/", 1)[1]))
        )
        assert row is not None
        session.expunge(row)
    return row


def works(app: FastAPI, visitor: Browser, path: str, clock: Clock, words: str) -> None:
    """GET shows the page (`words`: its heading in the letter's language) and records
    "opened" only; POST confirms; a second POST changes nothing."""
    assert receipt(app, path).opened_at is None
    page = visitor.get(path)
    assert page.status_code == 200 and words in page.text, page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    seen = receipt(app, path)
    assert seen.opened_at == clock.now and seen.confirmed_at is None  # GET never confirms
    visitor.get(path)
    assert receipt(app, path).opened_at == clock.now  # recorded once
    clock.advance(minutes=5)
    done = visitor.post(path, {})
    assert done.status_code == 200 and 'id="got-it-done"' in done.text
    first = receipt(app, path).confirmed_at
    assert first == clock.now
    clock.advance(minutes=5)
    again = visitor.post(path, {})
    assert again.status_code == 200 and 'id="got-it-done"' in again.text
    assert receipt(app, path).confirmed_at == first


def _org(browser: Browser) -> dict[str, str]:
    return api_token(browser, "hr@example.com", organisation="Muster & Partner GmbH")


def _interview(browser: Browser, headers: dict[str, str], start: datetime, **more: Any) -> int:
    made = browser.http.post(
        "/api/v1/interviews",
        json={
            **INTERVIEW,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "contact": {"name": "Lena Vogel", "email": "lena@example.org"},
            **more,
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_a_cancellation_carries_a_link_that_works_after_the_interview_closed(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    headers = _org(browser)
    item = _interview(browser, headers, datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    done = browser.http.post(
        f"/api/v1/interviews/{item}/cancel", json={"reason": "illness"}, headers=headers
    )
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    with app.state.sessions() as session:
        stored = session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.recipient == "lena@example.org")
        ).all()
    assert stored and not any("/got-it/" in body for body in stored)  # written at send
    recorder = deliver(app, clock)
    letters = [b for s, b in mails_to(recorder, "lena@example.org") if "Cancellation" in s]
    (body,) = letters
    path = link_in(body)
    token = path.rsplit("/", 1)[1]
    row = receipt(app, path)
    assert row.token_hash == digest(token) and token not in row.sealed_token
    assert row.expires_at == clock.now + LIFETIME

    # the interview is closed; the link of its cancellation still confirms it
    wrong = other_browser.get("/got-it/" + "A" * 43)
    assert wrong.status_code == 404
    assert other_browser.post("/got-it/" + "A" * 43, {}).status_code == 404
    page = browser.get(f"/w/{_ws(app, item)}/interviews/{item}")
    assert 'id="receipts"' in page.text and "Not confirmed yet" in page.text
    works(app, other_browser, path, clock, "Did the message reach you?")
    page = browser.get(f"/w/{_ws(app, item)}/interviews/{item}")
    assert "Confirmed as received" in page.text
    api = browser.http.get(f"/api/v1/interviews/{item}", headers=headers).json()
    (shown,) = [r for r in api["receipts"] if r["recipient"] == "lena@example.org"]
    assert shown["state"] == "confirmed" and shown["opened_at"] and shown["confirmed_at"]
    outbox = browser.get(f"/w/{_ws(app, item)}/outbox")
    assert "Confirmed as received" in outbox.text
    with app.state.sessions() as session:
        interview = session.get(Interview, item)
        assert interview is not None and interview.status == "cancelled"  # never acted on


def _ws(app: FastAPI, item: int) -> int:
    with app.state.sessions() as session:
        found = session.scalar(select(Interview.workspace_id).where(Interview.id == item))
    assert found is not None
    return int(found)


def test_an_expired_link_is_refused_and_confirms_nothing(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    headers = _org(browser)
    item = _interview(browser, headers, datetime(2026, 6, 20, 9, 0, tzinfo=UTC))
    browser.http.post(f"/api/v1/interviews/{item}/cancel", json={}, headers=headers)
    path = link_in(mails_to(deliver(app, clock), "lena@example.org")[0][1])
    clock.advance(days=LIFETIME.days, seconds=1)
    assert other_browser.get(path).status_code == 410
    assert receipt(app, path).opened_at is None
    assert other_browser.post(path, {}).status_code == 410
    assert receipt(app, path).confirmed_at is None


def test_new_times_and_the_agreed_time_carry_links_beside_the_pick_link(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    made = offered(app, browser)
    assert made.link
    recorder = deliver(app, clock)
    (offer_mail,) = [b for _, b in recorder_bodies(recorder) if PICK.search(b)]
    pick = PICK.search(offer_mail)
    assert pick is not None
    works(app, other_browser, link_in(offer_mail), clock, GERMAN)
    with app.state.sessions() as session:
        slot = session.scalars(
            select(OfferSlot.id).where(OfferSlot.offer_id == made.offer).order_by(OfferSlot.start)
        ).first()
    other_browser.get(pick.group(1))
    assert other_browser.post(pick.group(1), {"slot": str(slot)}).status_code == 303
    confirmed = [b for _, b in recorder_bodies(deliver(app, clock)) if GOT_IT.search(b)]
    assert confirmed, "the confirmation of the agreed time carries a link"
    works(app, other_browser, link_in(confirmed[0]), clock, GERMAN)


def recorder_bodies(recorder: Recorder) -> list[tuple[str, str]]:
    out = []
    for item in recorder.received:
        message = item.parsed()
        out.append((str(message["Subject"]), message.get_body(("plain",)).get_content()))
    return out


def test_a_candidates_withdrawal_and_reschedule_request_carry_links(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    ws = browser.sign_up("cand@example.org")
    item = add_interview(browser, ws)
    request = make_plan(browser, ws, item)  # a reschedule request, in German
    browser.get(f"/w/{ws}/plans/{request}")
    assert browser.post(f"/w/{ws}/plans/{request}/queue").status_code == 303
    (body,) = [b for _, b in mails_to(deliver(app, clock), "j.doe@example.com")]
    assert "Ein Klick hier bestätigt, dass diese Nachricht bei Ihnen angekommen ist" in body
    works(app, other_browser, link_in(body), clock, "Ist die Nachricht angekommen?")
    plan = browser.get(f"/w/{ws}/plans/{request}")
    assert "Als erhalten bestätigt" in plan.text or "Confirmed as received" in plan.text
    withdrawal = make_plan(browser, ws, item, intent="withdraw", reason="accepted_offer")
    browser.get(f"/w/{ws}/plans/{withdrawal}")
    assert browser.post(f"/w/{ws}/plans/{withdrawal}/queue").status_code == 303
    (body,) = [b for _, b in mails_to(deliver(app, clock), "j.doe@example.com")]
    works(app, other_browser, link_in(body), clock, "Ist die Nachricht angekommen?")


def test_every_fill_letter_carries_its_own_link_and_the_progress_counts_them(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    headers = _org(browser)
    position = browser.http.post(
        "/api/v1/positions", json={"title": "Paralegal", "company": "Muster"}, headers=headers
    ).json()["id"]
    people = [("Lena Vogel", "lena@example.org", "de"), ("Sven Berg", "sven@example.org", "sv")]
    people.append(("Tom Hill", "tom@example.org", "en"))
    for hour, (name, email, language) in enumerate(people, start=9):
        cand = browser.http.post(
            "/api/v1/candidates",
            json={"name": name, "email": email, "language": language, "position_id": position},
            headers=headers,
        ).json()["id"]
        _interview(
            browser,
            headers,
            datetime(2026, 3, 20, hour, 0, tzinfo=UTC),
            contact={"name": name, "email": email},
            candidate_id=cand,
            position_id=position,
        )
    url = f"/api/v1/positions/{position}/fill"
    assert browser.http.post(url, json={}, headers=headers).status_code == 202
    assert fill_batches.run(app.state.sessions, clock=app.state.clock).told == 3
    recorder = deliver(app, clock)
    paths = {email: link_in(mails_to(recorder, email)[0][1]) for _, email, _ in people}
    assert len(set(paths.values())) == 3
    words = {"de": "Ist die Nachricht angekommen?", "sv": "Har meddelandet kommit fram?"}
    for _, email, language in people[:2]:
        works(app, other_browser, paths[email], clock, words[language])
    progress = browser.http.get(url, headers=headers).json()
    assert (progress["confirmed"], progress["links_sent"]) == (2, 3)
    plan = progress["plan_id"]
    page = browser.get(f"/w/{_ws_of_position(app, position)}/plans/{plan}/progress")
    assert "Confirmed as received: 2 of 3." in page.text


def _ws_of_position(app: FastAPI, position: int) -> int:
    from fairnotice.store.tables import Position

    with app.state.sessions() as session:
        found = session.scalar(select(Position.workspace_id).where(Position.id == position))
    assert found is not None
    return int(found)


def test_after_a_cancellation_its_link_works_and_the_pick_link_does_not(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    made = offered(app, browser)
    pick = PICK.search(made.link)
    assert pick is not None
    browser.get(f"/w/{made.org}/interviews/{made.interview}")
    cancelled = browser.post(
        f"/w/{made.org}/interviews/{made.interview}/cancel", {"reason": "illness"}
    )
    assert cancelled.status_code == 303, cancelled.text
    letters = [b for s, b in recorder_bodies(deliver(app, clock)) if not PICK.search(b)]
    cancellation = [b for b in letters if GOT_IT.search(b)]
    assert cancellation, letters
    refused = other_browser.get(pick.group(1))
    assert refused.status_code in (200, 410) and 'name="slot"' not in refused.text
    works(app, other_browser, link_in(cancellation[-1]), clock, GERMAN)
