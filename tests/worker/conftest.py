"""Worker processes against real servers: fixtures shared with the delivery tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.store.session import make_engine, session_factory
from tests.mail.conftest import clock, sessions, sqlite_sessions  # noqa: F401
from tests.store.databases import (  # noqa: F401
    _truncate,
    database_url,
    pg_url,
    sqlite_template,
)
from tests.worker.processes import reap


@pytest.fixture
def pg_sessions(pg_url: str) -> Iterator[sessionmaker[Session]]:  # noqa: F811
    """The run's PostgreSQL database, emptied (fails under CI=true without PostgreSQL)."""
    _truncate(pg_url)
    engine = make_engine(pg_url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def _no_worker_left_behind() -> Iterator[None]:
    yield
    reap()
