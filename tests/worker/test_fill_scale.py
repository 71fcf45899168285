"""A position filled for 50,000 candidates on SQLite and PostgreSQL: the web request only
starts it; two workers tell everyone in batches, each candidate exactly once, every
interview ahead cancelled (SEQUENCE + 1, a CANCEL), those under way closed and told."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.operations.positions import batches as fill_batches
from fairnotice.operations.positions import commands as filling
from fairnotice.store.session import make_engine, session_factory
from fairnotice.store.tables import Candidate, Interview, OutboxMessage, PlanStep, Position
from tests.mail.outbox_rows import Clock
from tests.worker.fill_world import BY_HAND, build, fill_events, letters, start_fill

CANDIDATES = int(os.environ.get("FAIRNOTICE_TEST_FILL_CANDIDATES", "50000"))
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday: office hours everywhere


@pytest.fixture
def db(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


def _count(session: Session, *where: object) -> int:
    return int(session.scalar(select(func.count()).where(*where)) or 0)  # type: ignore[arg-type]


@pytest.mark.slow
def test_every_candidate_told_exactly_once(db: sessionmaker[Session]) -> None:
    began = time.monotonic()
    w = build(db, count=CANDIDATES, now=NOW)
    built = time.monotonic()
    clock = Clock(NOW)
    plan_id = start_fill(db, w, clock)
    with db() as session:
        position = session.get(Position, w.position_id)
        assert position is not None and position.status == "filling"
        assert position.fill_plan_id == plan_id
        assert letters(session, plan_id)["letters"] == 0  # the request told nobody yet
        shown = filling.progress(session, workspace_id=w.workspace_id, position=position)
        assert (shown.told, shown.remaining, shown.by_hand) == (0, CANDIDATES, BY_HAND)
    # two workers at once: on PostgreSQL they share the batches (SKIP LOCKED), on SQLite
    # they take the write lock in turn
    results: list[fill_batches.Filled] = []

    def worker() -> None:
        results.append(fill_batches.run(db, clock=clock))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    told = time.monotonic()
    assert [r.problems for r in results] == [[], []]
    assert sum(r.told for r in results) == CANDIDATES  # nobody told by both workers
    with db() as session:
        mine = (Candidate.workspace_id == w.workspace_id, Candidate.position_id == w.position_id)
        assert _count(session, *mine, Candidate.status == "informed") == CANDIDATES
        assert _count(session, *mine, Candidate.status == "active") == BY_HAND  # by hand
        assert session.scalar(select(Candidate.status).where(Candidate.id == w.hired)) == "hired"
        # one letter each, to everyone told
        found = letters(session, plan_id)
        assert found["letters"] == found["people"] == CANDIDATES
        # every interview ahead cancelled: state filled, SEQUENCE 1, the letter's CANCEL
        assert found["cancels"] == w.ahead
        ahead = (Interview.workspace_id == w.workspace_id, Interview.start > NOW)
        assert _count(session, *ahead) == w.ahead + 1  # and the hired one's final round
        assert _count(session, *ahead, Interview.status == "filled", Interview.sequence == 1) == (
            w.ahead
        )
        tied = session.execute(
            select(func.count(), func.min(OutboxMessage.interview_sequence)).where(
                OutboxMessage.plan_id == plan_id, OutboxMessage.calendar_method == "CANCEL"
            )
        ).one()
        assert tuple(tied) == (w.ahead, 1)  # tied to the cancelled interview as it is now
        # under way: closed and told, the letter untied (it never goes stale)
        under_way = (
            Interview.workspace_id == w.workspace_id,
            Interview.start <= NOW,
            Interview.end > NOW,
        )
        assert _count(session, *under_way, Interview.status == "filled") == w.under_way
        assert found["untied"] == CANDIDATES - w.ahead
        # the interviewer holds every interview not yet ended: one CANCEL each
        assert (
            _count(
                session,
                OutboxMessage.recipient == "m.roth@muster.example",
                OutboxMessage.calendar_method == "CANCEL",
            )
            == w.ahead + w.under_way
        )
        # nothing left active; the hired candidate's interview untouched
        assert _count(session, Interview.workspace_id == w.workspace_id, Interview.status.in_(
            ("scheduled", "offered", "rescheduled", "took_place")
        )) == 1  # fmt: skip
        assert fill_events(session) == CANDIDATES
        assert _count(session, PlanStep.plan_id == plan_id, PlanStep.action == "call") > 0
        position = session.get(Position, w.position_id)
        assert position is not None and position.status == "filled"
        shown = filling.progress(session, workspace_id=w.workspace_id, position=position)
        assert (shown.told, shown.remaining, shown.messages) == (
            CANDIDATES,
            0,
            {"pending": CANDIDATES},
        )
    print(  # the run's times, for the CI log (pytest -s)
        f"\n{CANDIDATES} candidates: built {built - began:.1f}s, told {told - built:.1f}s"
    )


def test_a_batch_that_fails_is_rolled_back_and_the_next_run_resumes(
    db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    w = build(db, count=1200, now=NOW, under_way=20)
    clock = Clock(NOW)
    plan_id = start_fill(db, w, clock)
    real = fill_batches.enqueue
    calls = {"n": 0}

    def second_fails(*args: object, **kw: object) -> list[int]:
        written = real(*args, **kw)  # type: ignore[arg-type]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the database went away")
        return written

    monkeypatch.setattr(fill_batches, "enqueue", second_fails)
    first = fill_batches.run(db, clock=clock, size=500)
    assert first.told == 500  # the second batch wrote its letters, then failed: rolled back
    assert len(first.problems) == 1 and "the database went away" in first.problems[0]
    with db() as session:
        assert letters(session, plan_id)["letters"] == 500
        assert fill_events(session) == 500
        informed = Candidate.status == "informed"
        assert _count(session, Candidate.position_id == w.position_id, informed) == 500
        position = session.get(Position, w.position_id)
        assert position is not None and position.status == "filling"
    monkeypatch.setattr(fill_batches, "enqueue", real)
    second = fill_batches.run(db, clock=clock, size=500)
    assert (second.told, second.problems, second.positions_filled) == (700, [], 1)
    with db() as session:
        found = letters(session, plan_id)
        assert found["letters"] == found["people"] == 1200
        assert found["cancels"] == w.ahead
        assert fill_events(session) == 1200
    assert fill_batches.run(db, clock=clock).told == 0  # nothing left to tell
