"""The fill's fast paths write exactly the rows the plain ones wrote: arrays with `unnest`
on PostgreSQL (store/bulk.py) and letters filled into a skeleton per shape
(compose/shared.py), against executemany and every letter rendered whole. Same world,
same clock, both databases: outbox rows, their history, the interviews' transitions and
audit events, the plan's steps and the candidates, compared with ids put by name."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.compose import render as whole
from fairnotice.operations.positions import batches as fill_batches
from fairnotice.rules import planner
from fairnotice.store import bulk
from fairnotice.store.session import make_engine, session_factory
from fairnotice.store.tables import (
    Base,
    Candidate,
    Interview,
    InterviewEvent,
    OutboxEvent,
    OutboxMessage,
    PlanStep,
)
from tests.mail.outbox_rows import Clock
from tests.store.databases import _truncate
from tests.worker import fill_world

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday: office hours everywhere
COUNT = 180


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    found = make_engine(database_url)
    try:
        yield found
    finally:
        found.dispose()


def _empty(engine: Engine) -> None:
    """Every row gone, ids counted from 1 again (the world's builder relies on it)."""
    if engine.dialect.name == "postgresql":
        _truncate(engine.url.render_as_string(hide_password=False))
        return
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))


def _filled(sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The same world each time (its random UIDs counted out instead), filled in small
    batches; what the fill wrote, with every id replaced by what it names."""
    counter = itertools.count()
    monkeypatch.setattr(fill_world.secrets, "token_hex", lambda n: f"{next(counter):0{2 * n}x}")
    w = fill_world.build(sessions, count=COUNT, now=NOW, under_way=10)
    clock = Clock(NOW)
    fill_world.start_fill(sessions, w, clock)
    done = fill_batches.run(sessions, clock=clock, size=40)
    assert done.problems == [] and done.told == COUNT
    return _snapshot(sessions)


def _snapshot(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as session:
        email = {i: e for i, e in session.execute(select(Candidate.id, Candidate.email))}
        interviews = {
            i.id: email.get(i.candidate_id or 0, i.uid) for i in session.scalars(select(Interview))
        }
        outbox = {}
        for row in session.scalars(select(OutboxMessage)):
            values = {
                c.key: getattr(row, c.key)
                for c in OutboxMessage.__table__.columns
                if c.key not in ("id", "message_id", "workspace_id", "plan_id", "interview_id")
            }
            values["interview"] = interviews.get(row.interview_id or 0)
            values["plan"] = row.plan_id is not None
            outbox[row.id] = values
        keys = {
            i: (v["recipient"], v["calendar_method"], v["interview"]) for i, v in outbox.items()
        }
        assert len(set(keys.values())) == len(keys)  # the key names each row
        events = sorted(
            (keys[e.outbox_id], e.at, e.state, e.detail)
            for e in session.scalars(select(OutboxEvent))
        )
        audit = sorted(
            (
                interviews.get(e.interview_id or 0),
                e.at,
                e.actor.split(":")[0],
                e.event,
                e.from_state,
                e.to_state,
                e.why,
                sorted((e.detail or {}).keys()),
            )
            for e in session.scalars(select(InterviewEvent))
        )
        steps = sorted(
            (s.order, s.due, s.action, s.condition, s.label, s.state)
            for s in session.scalars(select(PlanStep))
        )
        return {
            "outbox": sorted((keys[i], sorted(v.items())) for i, v in outbox.items()),
            "outbox events": events,
            "audit": audit,
            "interviews": sorted(
                (interviews[i.id], i.status, i.sequence) for i in session.scalars(select(Interview))
            ),
            "candidates": sorted((c.email, c.status) for c in session.scalars(select(Candidate))),
            "steps": steps,
        }


def test_fast_paths_write_the_same_rows(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = session_factory(engine)
    with monkeypatch.context() as plain:
        plain.setattr(bulk, "ARRAYS", False)
        plain.setattr(planner.shared, "renderer", whole.renderer)
        before = _filled(sessions, plain)
    _empty(engine)
    planner.shared._cache.clear()
    after = _filled(sessions, monkeypatch)
    assert planner.shared._cache  # the skeletons were used
    assert bulk.arrays(sessions()) == (engine.dialect.name == "postgresql")
    assert len(before["outbox"]) > COUNT  # the letters and the interviewers' CANCELs
    assert any(e[3] == "fill" for e in before["audit"])
    for part in before:
        assert after[part] == before[part], part
