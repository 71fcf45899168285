"""The bounded read (issue 18): `operations.todos.facts` reads only what can give an item
due within the horizon, and `derive` over it gives exactly the items it gives over every
open fact (`horizon=None`), on seeded random worlds of both sides, on SQLite and
PostgreSQL, at several moments."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.lifecycle import OfferState, State
from fairnotice.operations.overview import todos as todo_ops
from fairnotice.store.tables import (
    Interview,
    InterviewEvent,
    Offer,
    OutboxMessage,
    PlanRecord,
    PlanStep,
    Position,
    ReplyRecord,
    Workspace,
)
from fairnotice.todos import HORIZON, derive
from tests.store.conftest import factory  # noqa: F401
from tests.store.databases import database_url, pg_url, sqlite_template  # noqa: F401

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
INTENTS = ("reschedule", "cancel", "status_inquiry", "follow_up", "position_filled", "withdraw")
ZONES = ("Europe/Berlin", "Europe/Stockholm", "America/New_York", "UTC")


def _moment(rng: random.Random, days: int) -> datetime:
    """A time within `days` of NOW, either way, on the minute."""
    return NOW + timedelta(minutes=rng.randint(-days * 1440, days * 1440))


def _world(session: Session, rng: random.Random, kind: str, size: int) -> int:
    """A workspace of `kind` with `size` interviews in every state, offers, plans (about an
    interview or none), steps, replies and letters of every state. Its id."""
    ws = session.scalar(insert(Workspace).values(kind=kind, name=kind).returning(Workspace.id))
    assert ws is not None
    positions = [
        session.scalar(
            insert(Position)
            .values(workspace_id=ws, title=f"P{status}", company="Muster", status=status)
            .returning(Position.id)
        )
        for status in ("open", "filling", "filled", "open")
    ]
    interviews: list[tuple[int, datetime, int]] = []
    for n in range(size):
        start = _moment(rng, 40)
        sequence = rng.randint(0, 3)
        state = rng.choice(list(State))
        interview = session.scalar(
            insert(Interview)
            .values(
                workspace_id=ws,
                position_id=rng.choice([*positions, None]) if kind == "organisation" else None,
                position="Paralegal",
                company="Muster GmbH",
                start=start,
                end=start + timedelta(hours=1),
                timezone=rng.choice(ZONES),
                uid=f"{ws}-{n}@test",
                sequence=sequence,
                status=state.value,
                contact={"name": f"Person {n}"},
                created_at=start - timedelta(days=rng.randint(1, 30)),
            )
            .returning(Interview.id)
        )
        assert interview is not None
        interviews.append((interview, start, sequence))
        for _ in range(rng.randint(0, 2)):
            session.execute(
                insert(InterviewEvent).values(
                    workspace_id=ws,
                    interview_id=interview,
                    at=_moment(rng, 45),
                    actor="test",
                    event="edit",
                )
            )
        if state is State.offered or rng.random() < 0.1:
            for _ in range(rng.randint(1, 2)):
                session.execute(
                    insert(Offer).values(
                        workspace_id=ws,
                        interview_id=interview,
                        token_hash=f"{rng.getrandbits(128):032x}",
                        expires_at=_moment(rng, 12),
                        state=rng.choice(list(OfferState)).value,
                        suggestion=rng.choice([None, "Tuesday afternoon?"]),
                    )
                )
    plans: list[tuple[int, int | None]] = []
    for n in range(size // 2):
        about = rng.choice([*interviews, None, None])
        made = _moment(rng, 30)
        start = about[1] if about and rng.random() < 0.7 else _moment(rng, 40)
        plan = session.scalar(
            insert(PlanRecord)
            .values(
                workspace_id=ws,
                interview_id=about[0] if about else None,
                situation={
                    "intent": rng.choice(INTENTS),
                    "now": made.isoformat(),
                    "interview": {
                        "start": start.isoformat(),
                        "position": "Paralegal",
                        "company": "Muster GmbH",
                    },
                },
                plan={},
                created_at=made,
            )
            .returning(PlanRecord.id)
        )
        assert plan is not None
        plans.append((plan, about[0] if about else None))
        for order in range(rng.randint(0, 4)):
            done = rng.random() < 0.3
            session.execute(
                insert(PlanStep).values(
                    plan_id=plan,
                    workspace_id=ws,
                    order=order,
                    due=_moment(rng, 20),
                    action=rng.choice(("call", "send", "leave_voicemail")),
                    label=f"Person {n}",
                    condition=rng.choice(
                        (None, None, "no_reply", "not_reached", "after_agreement")
                    ),
                    state="done" if done else "open",
                    outcome=rng.choice((None, "not_reached", "reached")) if done else None,
                    reminded_at=rng.choice((None, made)),
                )
            )
        if rng.random() < 0.3:
            session.execute(
                insert(ReplyRecord).values(
                    workspace_id=ws,
                    plan_id=plan,
                    message_id=f"<{rng.getrandbits(64)}@test>",
                    received_at=_moment(rng, 20),
                )
            )
    for n in range(size):
        plan_of = rng.choice([*plans, None]) if plans else None
        about = rng.choice([*interviews, None])
        session.execute(
            insert(OutboxMessage).values(
                workspace_id=ws,
                kind=rng.choice(("email", "email", "reminder", "invitation")),
                recipient=f"p{n}@example.com",
                subject=f"Letter {n}",
                body="...",
                calendar_method=rng.choice((None, "REQUEST", "CANCEL")),
                due=_moment(rng, 30),
                state=rng.choice(("draft", "failed", "pending", "sent", "cancelled", "expired")),
                message_id=f"<{ws}-{n}@test>",
                interview_id=about[0] if about and rng.random() < 0.7 else None,
                interview_sequence=rng.randint(0, 3) if about else None,
                plan_id=plan_of[0] if plan_of else None,
                deadline=rng.choice((None, _moment(rng, 10))),
            )
        )
    return ws


def _derived(session: Session, ws: int, now: datetime, horizon: timedelta | None) -> Any:
    facts = todo_ops.facts(session, workspace_id=ws, now=now, horizon=horizon)
    return facts, derive(now=now, horizon=HORIZON, **facts)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_the_bounded_read_gives_the_items_of_the_unbounded_one(
    factory: sessionmaker[Session],  # noqa: F811
    seed: int,
) -> None:
    rng = random.Random(seed)
    with factory() as session:
        worlds = [_world(session, rng, kind, 60) for kind in ("organisation", "personal")]
        session.commit()
    read_less = 0
    with factory() as session:
        for ws in worlds:
            for shift in (-10, 0, 3, 15):
                now = NOW + timedelta(days=shift, minutes=rng.randint(0, 600))
                every, expected = _derived(session, ws, now, None)
                bounded, found = _derived(session, ws, now, HORIZON)
                assert found == expected, (ws, now)
                assert found == todo_ops.todos(session, workspace_id=ws, now=now)
                assert len(bounded["interviews"]) <= len(every["interviews"])
                assert len(bounded["steps"]) <= len(every["steps"])
                read_less += len(every["interviews"]) - len(bounded["interviews"])
                read_less += len(every["steps"]) - len(bounded["steps"])
            # the worlds give items of many kinds, due now and next
            assert expected.now and expected.next
    assert read_less > 0  # the bound leaves facts unread


def test_a_world_gives_every_kind_of_item(factory: sessionmaker[Session]) -> None:  # noqa: F811
    """The random worlds are rich enough to compare: every kind of item occurs in them."""
    rng = random.Random(7)
    with factory() as session:
        worlds = [_world(session, rng, kind, 80) for kind in ("organisation", "personal")]
        session.commit()
    kinds: set[str] = set()
    with factory() as session:
        for ws in worlds:
            for shift in (-10, 0, 3, 15):
                found = todo_ops.todos(session, workspace_id=ws, now=NOW + timedelta(days=shift))
                kinds |= {t.kind.value for t in found.now + found.next}
        assert session.scalar(select(Interview.id).limit(1)) is not None
    assert kinds >= {"mark_outcome", "step", "release_draft", "fix_failed", "inquiry"}
