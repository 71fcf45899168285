"""Delivery fixtures: a migrated database (SQLite, or both where a test asks), a clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.store.session import make_engine, session_factory
from tests.mail.outbox_rows import Clock
from tests.store.databases import database_url, pg_url, sqlite_template  # noqa: F401


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sqlite_sessions(
    sqlite_template: Path,  # noqa: F811
    tmp_path: Path,
) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite file of this test's own."""
    target = tmp_path / "fairnotice.sqlite3"
    target.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{target}")
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:  # noqa: F811
    """SQLite, then PostgreSQL: the same delivery code on both."""
    engine = make_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()
