"""store/bulk.py: arrays with `unnest` on PostgreSQL write what executemany writes (the
columns' own types applied: aware datetimes to UTC, JSON, NULLs, text), on both
databases; `in_ids` finds what `IN` finds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import Table, Text, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.store import bulk
from fairnotice.store.tables import InterviewEvent, OutboxMessage, Workspace

EVENTS = cast(Table, InterviewEvent.__table__)
MESSAGES = cast(Table, OutboxMessage.__table__)
BERLIN = timezone(timedelta(hours=1))


def _events(workspace_id: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "workspace_id": workspace_id,
            "interview_id": None,
            "at": datetime(2026, 3, 10, 9, i, tzinfo=BERLIN if i % 2 else UTC),
            "actor": f"{tag}:user:{i}",
            "event": "fill",
            "from_state": "scheduled" if i % 3 else None,
            "to_state": None,  # a column of NULLs only
            "why": ["position filled", "Ünïcødé — 'quoted' \"x\"", "", None][i % 4],
            "detail": [{"plan": i, "names": ["a", "ö"]}, None, {}][i % 3],
        }
        for i in range(12)
    ]


def _read(session: Session, tag: str) -> list[tuple[Any, ...]]:
    e = InterviewEvent
    return [
        (actor.split(":", 1)[1], *rest)
        for actor, *rest in session.execute(
            select(
                e.actor,
                e.at,
                e.from_state,
                e.to_state,
                e.why,
                e.detail,
                sql_cast(e.detail, Text).label("raw"),
            )
            .where(e.actor.startswith(f"{tag}:"))
            .order_by(e.id)
        ).all()
    ]


@pytest.mark.parametrize("arrays", [True, False])
def test_arrays_write_what_executemany_writes(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, arrays: bool
) -> None:
    with factory() as session:
        workspace = Workspace(kind="personal", name="bulk")
        session.add(workspace)
        session.flush()
        monkeypatch.setattr(bulk, "ARRAYS", False)
        bulk.insert_many(session, EVENTS, _events(workspace.id, "plain"))
        monkeypatch.setattr(bulk, "ARRAYS", arrays)
        postgresql = session.get_bind().dialect.name == "postgresql"
        assert bulk.arrays(session) == (arrays and postgresql)
        bulk.insert_many(session, EVENTS, _events(workspace.id, "fast"))
        plain, fast = _read(session, "plain"), _read(session, "fast")
        assert len(fast) == 12 and fast == plain
        assert {row[1] for row in fast} == {e["at"] for e in _events(workspace.id, "x")}
        rows = [
            {
                "workspace_id": workspace.id,
                "recipient": f"c{i}@example.org",
                "subject": f"S {i}",
                "body": "Hallo\n",
                "message_id": f"<m{i}.{arrays}@x>",
                "due": datetime(2026, 3, 10, tzinfo=UTC),
                "deadline": None,
            }
            for i in range(30)
        ]
        found = bulk.insert_many(session, MESSAGES, rows, returning=("message_id", "id"))
        ids = {m: i for m, i in session.execute(select(OutboxMessage.message_id, OutboxMessage.id))}
        assert sorted(found) == sorted((m, ids[m]) for m in (r["message_id"] for r in rows))
        wanted = sorted(ids.values())[::3]
        chosen = select(OutboxMessage.id).where(bulk.in_ids(session, OutboxMessage.id, wanted))
        assert sorted(session.scalars(chosen)) == wanted
        session.rollback()
