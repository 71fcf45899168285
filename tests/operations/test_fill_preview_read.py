"""The fill preview reads its counts, its sample letters' candidates and its short lists
from one pass over the position's candidates (issue 18): what it shows equals what the
candidates and interviews on record say, counted here in Python, with and without the one
who was hired, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.operations.positions import commands as filling
from fairnotice.store.tables import Candidate, Interview, User
from tests.store.conftest import factory  # noqa: F401
from tests.store.databases import database_url, pg_url, sqlite_template  # noqa: F401
from tests.worker.fill_world import build

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _expected(session: Session, position_id: int, hired: int | None) -> dict[str, object]:
    candidates = [
        c
        for c in session.scalars(
            select(Candidate).where(Candidate.position_id == position_id).order_by(Candidate.id)
        )
        if c.status == "active" and c.id != hired
    ]
    named = {
        i.candidate_id
        for i in session.scalars(select(Interview).where(Interview.status.in_(filling.NAMED)))
    }
    told = [c for c in candidates if c.id in named]
    firsts: dict[str, int] = {}
    for c in told:
        firsts.setdefault(c.language, c.id)
    late = [c.id for c in told if c.round >= 2]
    by_hand = [c.id for c in candidates if c.id not in named]
    return {
        "told": len(told),
        "by_hand": len(by_hand),
        "by_hand_listed": by_hand[: filling.LISTED],
        "calls": len(late),
        "calls_listed": late[: filling.LISTED],
        "samples": sorted(firsts.values()),
        "languages": {lang: sum(c.language == lang for c in told) for lang in firsts},
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_the_preview_shows_what_the_record_says(
    factory: sessionmaker[Session],  # noqa: F811
    seed: int,
) -> None:
    world = build(factory, count=240, now=NOW, under_way=10)
    rng = random.Random(seed)
    with factory() as session:
        ids = list(
            session.scalars(select(Candidate.id).where(Candidate.position_id == world.position_id))
        )
        # some already told, some interviews called off, the first of a language with none
        for chosen, change in (
            (rng.sample(ids, 30), update(Candidate).values(status="informed")),
            (rng.sample(ids, 40), None),
            (ids[:2], None),
        ):
            if change is not None:
                session.execute(change.where(Candidate.id.in_(chosen)))
            else:
                session.execute(
                    update(Interview)
                    .where(Interview.candidate_id.in_(chosen))
                    .values(status="cancelled")
                )
        session.commit()
    with factory() as session:
        user = session.get(User, world.user_id)
        assert user is not None
        for hired in (world.hired, None):
            shown = filling.preview(
                session,
                workspace_id=world.workspace_id,
                position_id=world.position_id,
                user=user,
                hired=hired,
                clock=lambda: NOW,
            )
            expected = _expected(session, world.position_id, hired)
            assert {
                "told": shown.told,
                "by_hand": shown.by_hand,
                "by_hand_listed": [c.id for c in shown.by_hand_listed],
                "calls": shown.calls,
                "calls_listed": [c.id for c in shown.calls_listed],
                "samples": [c.id for c in shown.samples],
                "languages": shown.languages,
            } == expected
            assert expected["by_hand_listed"] and expected["calls_listed"]
            assert len(expected["samples"]) == 3  # type: ignore[arg-type]
            assert shown.plan is not None and shown.situation is not None
