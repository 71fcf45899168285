"""Database fixtures for the lifecycle tests: every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.store.session import make_engine, session_factory
from tests.store.databases import database_url, pg_url, sqlite_template  # noqa: F401


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:  # noqa: F811
    engine = make_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()
