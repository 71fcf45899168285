"""What every connection of the app is set up with, on both databases: SQLite in WAL mode
with foreign keys; PostgreSQL without JIT compilation (issue 18: chosen by cost
estimates, compiling took 200-300 ms of the overview's 20 ms statement)."""

from __future__ import annotations

from sqlalchemy import text

from fairnotice.store.session import make_engine
from tests.store.databases import database_url, pg_url, sqlite_template  # noqa: F401


def test_each_connection_is_set_up_for_short_statements(database_url: str) -> None:  # noqa: F811
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                assert conn.execute(text("SHOW jit")).scalar() == "off"
            else:
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()
