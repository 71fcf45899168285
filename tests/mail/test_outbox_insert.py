"""outbox.insert_rows on SQLite and PostgreSQL: the ids come back in the order of the rows
given (rows with Message-IDs go in multi-row statements, read back by Message-ID; rows
without, in order as before), each row with one "queued" event."""

from __future__ import annotations

import random
import secrets

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.operations.outbox.commands import CHUNK, insert_rows
from fairnotice.store.session import transaction
from fairnotice.store.tables import OutboxEvent, OutboxMessage
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
        ids = insert_rows(session, rows, now=START)
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
        assert [stored[i] for i in ids] == [(r["recipient"], r["message_id"]) for r in rows]
        queued = list(
            session.execute(
                select(OutboxEvent.outbox_id, OutboxEvent.state, OutboxEvent.detail).where(
                    OutboxEvent.outbox_id.in_(ids)
                )
            )
        )
    assert sorted(int(i) for i, _, _ in queued) == sorted(ids)
    assert {(state, detail) for _, state, detail in queued} == {("pending", "queued")}
