"""Outbox rows for delivery tests, written the way the operations write them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.store.session import transaction
from fairnotice.store.tables import OutboxEvent, OutboxMessage, Workspace

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday


@dataclass
class Clock:
    now: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def workspace(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions, write=True) as session:
        row = Workspace(kind="personal", name="test")
        session.add(row)
        session.flush()
        return row.id


def seed(
    sessions: sessionmaker[Session], count: int, *, at: datetime = START, **values: Any
) -> list[int]:
    """`count` due rows to c<i>@example<i%5>.com, each with its own Message-ID."""
    ws = workspace(sessions)
    rows = []
    for i in range(count):
        row: dict[str, Any] = {
            "workspace_id": ws,
            "recipient": f"c{i}@example{i % 5}.com",
            "recipient_name": f"Kandidat {i}",
            "sender_name": "Muster & Partner GmbH",
            "subject": f"Ihre Bewerbung {i}",
            "body": f"Guten Tag,\n\nNachricht {i}.\n",
            "language": "de",
            "due": at,
            "created_at": at,
            "message_id": f"<msg{i}.{ws}@fairnotice.test>",
            "attempts": 0,
        }
        row.update(values)
        rows.append(row)
    with transaction(sessions, write=True) as session:
        objects = [OutboxMessage(**r) for r in rows]
        session.add_all(objects)
        session.flush()
        return [o.id for o in objects]


def states(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        )
        return {str(s): int(n) for s, n in rows}


def by_recipient(sessions: sessionmaker[Session]) -> dict[str, OutboxMessage]:
    with sessions() as session:
        return {r.recipient: r for r in session.scalars(select(OutboxMessage))}


def events(sessions: sessionmaker[Session], row_id: int) -> list[str]:
    with sessions() as session:
        found = session.scalars(
            select(OutboxEvent.state)
            .where(OutboxEvent.outbox_id == row_id)
            .order_by(OutboxEvent.id)
        )
        return list(found)
