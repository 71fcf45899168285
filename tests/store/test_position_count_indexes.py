"""Migration 0024: a position's page counts its candidates and interviews (with the
workspace in the WHERE, as every scoped list has) from an index alone."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import func, inspect
from sqlalchemy.dialects import sqlite

from fairnotice.operations.common import listing
from fairnotice.store.session import downgrade, make_engine, upgrade

MIGRATION = importlib.import_module("fairnotice.store.migrations.versions.0024_position_counts")
NAMES = {name for name, _, _ in MIGRATION.INDEXES}


def _indexes(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        found = inspect(engine)
        return {
            index["name"] or ""
            for table in ("candidates", "interviews")
            for index in found.get_indexes(table)
        }
    finally:
        engine.dispose()


def test_0024_adds_the_indexes_and_its_downgrade_takes_them_back(database_url: str) -> None:
    assert _indexes(database_url) >= NAMES
    downgrade(database_url, "0023")
    try:
        assert not NAMES & _indexes(database_url)
    finally:
        upgrade(database_url)
    assert _indexes(database_url) >= NAMES


def _count_plan(url: str, query: object) -> str:
    """SQLite's plan for the COUNT `listing.fetch` runs for `query`."""
    counted = query.with_only_columns(  # type: ignore[attr-defined]
        func.count(), maintain_column_froms=True
    ).order_by(None)
    statement = counted.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")
            return "\n".join(str(row[-1]) for row in rows)
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_a_positions_counts_read_no_row(database_url: str) -> None:
    queries = {
        "candidates": listing.candidates(workspace_id=1, position_id=1),
        "interviews": listing.interviews(workspace_id=1, position_id=1),
    }
    for name, query in queries.items():
        assert "COVERING INDEX" in _count_plan(database_url, query), name
    downgrade(database_url, "0023")  # before 0024 each counted row was read from the table
    try:
        before = {name: _count_plan(database_url, query) for name, query in queries.items()}
    finally:
        upgrade(database_url)
    assert not any("COVERING INDEX" in plan for plan in before.values()), before
