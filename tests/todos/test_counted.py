"""The overview's page of to-dos with the plain cases counted in SQL (issue 18):
`operations.todos.page` gives exactly the page, the totals and the counts by kind that
`paged` gives over `derive` of every open fact (`facts(horizon=None)`), on seeded random
worlds of both sides with many plain interviews and their near misses (a plan, a letter
that did not go, a position being filled), at several moments and pages, on SQLite and
PostgreSQL. `derive` stays what says what a to-do is; `page` only counts what it says."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.lifecycle import State
from fairnotice.operations.overview import todos as todo_ops
from fairnotice.store.tables import Interview, OutboxMessage, PlanRecord, Position
from fairnotice.todos import HORIZON, Kind, derive
from tests.store.conftest import factory  # noqa: F401
from tests.store.databases import database_url, pg_url, sqlite_template  # noqa: F401
from tests.todos.test_bounded import NOW, ZONES, _moment, _world


def _plain_and_near(session: Session, rng: random.Random, ws: int, size: int) -> None:
    """`size` booked interviews ending around NOW, most plain, some one fact away from it:
    a plan about them, a letter about them that failed or waits as a draft (or one that
    went, which leaves them plain), their position being filled or filled."""
    positions = list(session.scalars(select(Position.id).where(Position.workspace_id == ws)))
    for n in range(size):
        start = _moment(rng, 20)
        interview = session.scalar(
            insert(Interview)
            .values(
                workspace_id=ws,
                position_id=rng.choice([*positions, None]) if positions else None,
                position="Paralegal",
                company="Muster GmbH",
                start=start,
                end=start + timedelta(minutes=rng.choice((30, 60, 90))),
                timezone=rng.choice(ZONES),
                uid=f"{ws}-plain-{n}@test",
                sequence=rng.randint(0, 2),
                status=rng.choice((State.scheduled, State.rescheduled)).value,
                contact={"name": f"Plain {n}"},
                created_at=start - timedelta(days=3),
            )
            .returning(Interview.id)
        )
        near = rng.random()
        if near < 0.1:
            session.execute(
                insert(PlanRecord).values(
                    workspace_id=ws,
                    interview_id=interview,
                    situation={"intent": "follow_up", "now": start.isoformat()},
                    plan={},
                    created_at=start,
                )
            )
        elif near < 0.25:
            session.execute(
                insert(OutboxMessage).values(
                    workspace_id=ws,
                    kind="email",
                    recipient=f"plain{n}@example.com",
                    subject=f"Plain {n}",
                    body="...",
                    due=_moment(rng, 10),
                    state=rng.choice(("failed", "draft", "sent", "pending")),
                    message_id=f"<{ws}-plain-{n}@test>",
                    interview_id=interview,
                    interview_sequence=rng.randint(0, 2),
                )
            )


def _reference(session: Session, ws: int, now: datetime, offset: int, limit: int) -> object:
    """The page as `derive` gives it over every open fact."""
    every = todo_ops.facts(session, workspace_id=ws, now=now, horizon=None)
    return todo_ops.paged(derive(now=now, horizon=HORIZON, **every), offset=offset, limit=limit)


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_the_counted_page_is_the_derived_page(
    factory: sessionmaker[Session],  # noqa: F811
    seed: int,
) -> None:
    rng = random.Random(seed)
    with factory() as session:
        worlds = [_world(session, rng, kind, 50) for kind in ("organisation", "personal")]
        for ws in worlds:
            _plain_and_near(session, rng, ws, 90)
        session.commit()
    counted_apart = 0
    with factory() as session:
        for ws in worlds:
            for shift in (-10, 0, 4):
                now = NOW + timedelta(days=shift, minutes=rng.randint(0, 600))
                whole = todo_ops.todos(session, workspace_id=ws, now=now)
                total = len(whole.now) + len(whole.next)
                pages = [(0, 25), (0, 1), (3, 7), (len(whole.now) - 2, 5), (total - 4, 25)]
                pages += [(rng.randint(0, total), rng.randint(1, 30)) for _ in range(3)]
                for offset, limit in pages:
                    offset = max(0, offset)
                    found = todo_ops.page(
                        session, workspace_id=ws, now=now, offset=offset, limit=limit
                    )
                    assert found == _reference(session, ws, now, offset, limit), (
                        ws,
                        now,
                        offset,
                        limit,
                    )
                past = todo_ops.page(session, workspace_id=ws, now=now, offset=total, limit=5)
                assert past.page.rows == [] and past.page.total == total
                # the plain interviews were left out of the facts read, not derived
                every = todo_ops.facts(session, workspace_id=ws, now=now)
                fewer = todo_ops.facts(session, workspace_id=ws, now=now, counted=True)
                left_out = len(every["interviews"]) - len(fewer["interviews"])
                assert left_out >= 0
                counted_apart += left_out
                if left_out:
                    assert whole.now and whole.next
                    assert todo_ops.paged(whole, offset=0, limit=1).kinds[Kind.mark_outcome]
    assert counted_apart > 0  # the plain cases were counted in SQL, on this database


def test_a_candidates_page_is_derived_whole(
    factory: sessionmaker[Session],  # noqa: F811
) -> None:
    """On the candidate's side a booked interview also asks for a status inquiry: nothing
    is plain there, so nothing is left out of the facts."""
    rng = random.Random(5)
    with factory() as session:
        ws = _world(session, rng, "personal", 30)
        _plain_and_near(session, rng, ws, 30)
        session.commit()
    with factory() as session:
        every = todo_ops.facts(session, workspace_id=ws, now=NOW)
        fewer = todo_ops.facts(session, workspace_id=ws, now=NOW, counted=True)
        assert every == fewer and every["interviews"]
        found = todo_ops.page(session, workspace_id=ws, now=NOW, offset=0, limit=10)
        assert found == _reference(session, ws, NOW, 0, 10)
        assert Kind.inquiry in found.kinds
