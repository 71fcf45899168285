"""`kill -9` of a `fairnotice worker` in the middle of a fill: the batch in flight is lost
whole (never half of it), and the next worker tells the rest, everyone exactly once."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.store.session import make_engine, session_factory
from fairnotice.store.tables import Candidate, Position
from tests.worker.fill_world import BY_HAND, build, fill_events, letters, start_fill
from tests.worker.processes import start_worker, stop, wait_until, worker_env

CANDIDATES = 6000


@pytest.fixture
def db(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


def _informed(db: sessionmaker[Session], position_id: int) -> int:
    with db() as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    Candidate.position_id == position_id, Candidate.status == "informed"
                )
            )
            or 0
        )


def _status(db: sessionmaker[Session], position_id: int) -> str:
    with db() as session:
        return str(session.scalar(select(Position.status).where(Position.id == position_id)))


@pytest.mark.slow
def test_killed_worker_mid_fill_resumes_and_tells_everyone_once(
    db: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    # the worker runs on the real clock: the interviews are placed around it
    w = build(db, count=CANDIDATES, now=datetime.now(UTC), under_way=50)
    plan_id = start_fill(db, w, lambda: datetime.now(UTC))
    env = {k: v for k, v in worker_env(database_url, 1).items() if "_SMTP_" not in k}
    first = start_worker(env, tmp_path)  # no relay: the letters wait in the outbox
    started = wait_until(lambda: _informed(db, w.position_id) >= 1000, timeout=180)
    log = stop(first, signal.SIGKILL)
    assert started, log[-3000:]
    assert first.returncode == -signal.SIGKILL, log
    middle = _informed(db, w.position_id)
    assert 1000 <= middle < CANDIDATES  # killed mid-way
    with db() as session:
        # all or nothing per batch: as many letters and closed interviews as told
        assert letters(session, plan_id)["letters"] == middle == fill_events(session)
    assert _status(db, w.position_id) == "filling"
    second = start_worker(env, tmp_path)
    done = wait_until(lambda: _status(db, w.position_id) == "filled", timeout=300)
    log = stop(second)
    assert done, log[-3000:]
    assert _informed(db, w.position_id) == CANDIDATES
    with db() as session:
        found = letters(session, plan_id)
        assert found["letters"] == found["people"] == CANDIDATES
        assert found["cancels"] == w.ahead
        assert fill_events(session) == CANDIDATES
        active = select(func.count()).where(
            Candidate.position_id == w.position_id, Candidate.status == "active"
        )
        assert session.scalar(active) == BY_HAND
