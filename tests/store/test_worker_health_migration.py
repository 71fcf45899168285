"""Migration 0011 (issue 14): the worker_health table comes and goes with the migration,
on SQLite and PostgreSQL, and a worker round writes its row into it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import inspect

from fairnotice.operations.outbox import health
from fairnotice.settings import Settings
from fairnotice.store.session import downgrade, make_engine, session_factory, upgrade
from fairnotice.worker import run


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _one_round(url: str) -> list[health.Seen]:
    engine = make_engine(url)
    sessions = session_factory(engine)
    try:
        settings = Settings(database_url=url)
        run(sessions, settings, once=True, stop=threading.Event())
        with sessions() as session:
            return health.workers(session, now=datetime.now(UTC))
    finally:
        engine.dispose()


def test_0011_adds_and_removes_worker_health(database_url: str) -> None:
    seen = _one_round(database_url)
    assert len(seen) == 1 and seen[0].rounds == 1 and seen[0].stopped_at is not None
    assert seen[0].backlog == 0 and seen[0].last_error is None
    downgrade(database_url, "0010")
    assert "worker_health" not in _tables(database_url)
    assert "outbox" in _tables(database_url)
    upgrade(database_url)
    assert "worker_health" in _tables(database_url)
    again = _one_round(database_url)
    assert len(again) == 1 and again[0].name != seen[0].name  # the old rows went with it
