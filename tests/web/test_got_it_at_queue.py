"""A "Got it" receipt is issued when its notice is queued, in the queuing transaction
(issue 18: sending writes nothing for it). The worker only unseals the stored token: a
round of delivery inserts or changes no receipt, and the link that arrives is the one
issued at queue time. A notice voided before it went (its interview changed) has a
receipt that shows nowhere: no status, no count, no call to-do, and its link is no link.
Delivered over real SMTP (aiosmtpd). On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event, select

from fairnotice.operations.accounts.commands import digest
from fairnotice.operations.outbox import receipts
from fairnotice.store.sealing import unseal
from fairnotice.store.tables import OutboxMessage, Receipt
from tests.web.conftest import Browser, Clock
from tests.web.employer_setup import offered
from tests.web.test_got_it import GOT_IT, deliver, recorder_bodies

INSERT_RECEIPT = re.compile(r"insert\s+into\s+\"?receipts\b", re.IGNORECASE)


def _receipts(app: FastAPI) -> dict[int, tuple[int, str, str]]:
    """outbox id -> (receipt id, token hash, sealed token), as stored."""
    with app.state.sessions() as session:
        rows = session.execute(
            select(Receipt.outbox_id, Receipt.id, Receipt.token_hash, Receipt.sealed_token)
        )
        return {int(r[0]): (int(r[1]), str(r[2]), str(r[3])) for r in rows}


def _state(app: FastAPI, outbox_id: int) -> str:
    with app.state.sessions() as session:
        return str(session.scalar(select(OutboxMessage.state).where(OutboxMessage.id == outbox_id)))


def test_sending_writes_no_receipt_and_a_voided_notice_shows_nowhere(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    made = offered(app, browser)  # the new times, queued (a reschedule: gets a receipt)
    offer_letters = _receipts(app)
    assert len(offer_letters) == 1, "issued in the transaction that queued the letter"
    (voided,) = offer_letters
    # the interview is cancelled before the new times go: that letter is void
    done = browser.post(f"/w/{made.org}/interviews/{made.interview}/cancel", {})
    assert done.status_code == 303, done.text
    queued = _receipts(app)
    assert set(queued) > {voided} and len(queued) == 2
    (cancellation,) = set(queued) - {voided}

    inserts: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if INSERT_RECEIPT.search(statement):
            inserts.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", seen)
    try:
        recorder = deliver(app, clock)
    finally:
        event.remove(app.state.engine, "before_cursor_execute", seen)
    assert inserts == []
    assert _receipts(app) == queued  # nothing inserted, nothing rewritten
    assert _state(app, voided) == "cancelled" and _state(app, cancellation) == "sent"

    # the link that arrived is the one issued when the cancellation was queued
    paths = [m.group(1) for _, body in recorder_bodies(recorder) for m in GOT_IT.finditer(body)]
    assert len(paths) == 1, paths
    token = paths[0].rsplit("/", 1)[1]
    assert digest(token) == queued[cancellation][1]

    # the voided letter's receipt: no link, no status, no count, no call
    secret = app.state.settings.secret
    dead = unseal(queued[voided][2], secret, what="link")
    assert other_browser.get(f"/got-it/{dead}").status_code == 404
    assert other_browser.post(f"/got-it/{dead}", {}).status_code == 404
    assert other_browser.get(paths[0]).status_code == 200  # the sent one works
    clock.advance(days=10)  # past every call's due time, within the link's 60 days
    with app.state.sessions() as session:
        assert set(receipts.of_rows(session, [voided, cancellation])) == {cancellation}
        shown = receipts.of_interview(session, workspace_id=made.org, interview_id=made.interview)
        assert [n.outbox_id for n in shown] == [cancellation]
        calls = receipts.unconfirmed(
            session, workspace_id=made.org, now=clock.now, until=clock.now + timedelta(days=1)
        )
        assert {c.outbox_id for c in calls} <= {cancellation}
        assert receipts.counts(session, workspace_id=made.org)[1] == 1
