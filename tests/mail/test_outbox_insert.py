"""outbox.enqueue, the outbox's one writer, on SQLite and PostgreSQL: the ids come back in
the order of the rows given (multi-row statements, read back by Message-ID: a row without
one gets its own), each row with exactly one first event, what every row needs filled
in, and a "Got it" receipt for the rows that ask for one."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.operations.outbox.commands import CHUNK, enqueue
from fairnotice.store.session import transaction
from fairnotice.store.tables import OutboxEvent, OutboxMessage, Receipt
from tests.mail.outbox_rows import START, workspace


@pytest.mark.parametrize("with_ids", [True, False])
def test_ids_in_the_order_of_the_rows_each_queued_once(
    sessions: sessionmaker[Session], with_ids: bool
) -> None:
    ws = workspace(sessions)
    count = 2 * CHUNK + 17  # three chunks, the last a short one
    order = list(range(count))
    random.Random(7).shuffle(order)  # recipients in no order an id sort would give back
    rows = [
        {
            "workspace_id": ws,
            "recipient": f"r{i}@example{i % 7}.org",
            "subject": f"Betreff {i}",
            "body": f"Brief {i}\n",
            "language": "de",
            "due": START,
            "state": "pending",
            "created_at": START,
            "message_id": f"<{secrets.token_hex(8)}.{i}@fairnotice.test>" if with_ids else None,
        }
        for i in order
    ]
    with transaction(sessions, write=True) as session:
        ids = enqueue(session, rows, now=START)
    assert len(ids) == len(set(ids)) == count
    with sessions() as session:
        stored = {
            int(i): (recipient, message_id)
            for i, recipient, message_id in session.execute(
                select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.message_id).where(
                    OutboxMessage.id.in_(ids)
                )
            )
        }
        assert [stored[i][0] for i in ids] == [r["recipient"] for r in rows]
        given = [r["message_id"] for r in rows]
        kept = [stored[i][1] for i in ids]
        if with_ids:
            assert kept == given
        else:  # each drawn by enqueue, in the domain of no reply_to
            assert len(set(kept)) == count
            assert all(m.startswith("<") and m.endswith("@fairnotice.invalid>") for m in kept)
        queued = list(
            session.execute(
                select(OutboxEvent.outbox_id, OutboxEvent.state, OutboxEvent.detail).where(
                    OutboxEvent.outbox_id.in_(ids)
                )
            )
        )
    assert sorted(int(i) for i, _, _ in queued) == sorted(ids)
    assert {(state, detail) for _, state, detail in queued} == {("pending", "queued")}


def test_every_row_gets_what_it_needs_one_first_event_and_its_receipt(
    sessions: sessionmaker[Session],
) -> None:
    """Pending rows and drafts, with different columns given: each is written with no
    attempts, `now` as created_at (and due, unless given), a Message-ID in its sender's
    domain, exactly one first event in its own state with the caller's detail, and a
    receipt only where it has a receipt_form."""
    ws = workspace(sessions)
    later = START + timedelta(days=1)
    rows: list[dict[str, Any]] = [
        {"workspace_id": ws, "recipient": "a@example.org", "body": "a"},
        {
            "workspace_id": ws,
            "recipient": "b@example.org",
            "body": "b",
            "state": "draft",
            "reply_to": "alex@muster.example",
            "receipt_form": "formal",
            "due": later,
        },
        {"workspace_id": ws, "recipient": "c@example.org", "body": "c", "attempts": 3},
    ]
    with transaction(sessions, write=True) as session:
        ids = enqueue(session, rows, now=START, detail="step 2")
    with sessions() as session:
        stored = {
            r.id: r for r in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
        }
        events = session.execute(
            select(
                OutboxEvent.outbox_id, OutboxEvent.at, OutboxEvent.state, OutboxEvent.detail
            ).where(OutboxEvent.outbox_id.in_(ids))
        ).all()
        receipts = set(session.scalars(select(Receipt.outbox_id).where(Receipt.outbox_id.in_(ids))))
    a, b, c = (stored[i] for i in ids)
    assert [r.state for r in (a, b, c)] == ["pending", "draft", "pending"]
    assert [r.attempts for r in (a, b, c)] == [0, 0, 0]
    assert [r.due for r in (a, b, c)] == [START, later, START]
    assert {r.created_at for r in (a, b, c)} == {START}
    assert [r.kind for r in (a, b, c)] == ["email"] * 3 and a.subject == ""
    assert b.message_id and b.message_id.endswith("@muster.example>")
    assert a.message_id and a.message_id.endswith("@fairnotice.invalid>")
    assert sorted(int(i) for i, *_ in events) == sorted(ids)  # exactly one each
    first = {int(i): (at, state, detail) for i, at, state, detail in events}
    assert first == {
        a.id: (START, "pending", "step 2"),
        b.id: (START, "draft", "step 2"),
        c.id: (START, "pending", "step 2"),
    }
    assert receipts == {b.id}


def test_a_sender_names_the_message_ids_domain_and_a_sent_row_is_refused(
    sessions: sessionmaker[Session],
) -> None:
    ws = workspace(sessions)
    row = {"workspace_id": ws, "recipient": "me@example.org", "body": "x"}
    with transaction(sessions, write=True) as session:
        (written,) = enqueue(session, [row], now=START, sender="me@muster.example")
        with pytest.raises(ValueError, match="pending or a draft"):
            enqueue(session, [{**row, "state": "sent"}], now=START)
    with sessions() as session:
        found = session.get(OutboxMessage, written)
        assert found is not None and str(found.message_id).endswith("@muster.example>")
