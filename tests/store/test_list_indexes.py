"""Migration 0016: the indexes the paged lists read by, on both databases; on SQLite the
list queries walk them instead of sorting every row of a workspace."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import inspect, literal_column
from sqlalchemy.dialects import sqlite

from fairnotice.operations.common import listing
from fairnotice.store.session import downgrade, make_engine, upgrade

MIGRATION = importlib.import_module("fairnotice.store.migrations.versions.0016_list_indexes")
NAMES = {name for name, _, _ in MIGRATION.INDEXES}


def _indexes(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        found = inspect(engine)
        return {
            index["name"] or ""
            for table in ("candidates", "interviews", "outbox")
            for index in found.get_indexes(table)
        }
    finally:
        engine.dispose()


def test_0016_adds_the_list_indexes_and_its_downgrade_takes_them_back(database_url: str) -> None:
    assert _indexes(database_url) >= NAMES
    downgrade(database_url, "0015")
    try:
        assert not NAMES & _indexes(database_url)
    finally:
        upgrade(database_url)
    assert _indexes(database_url) >= NAMES


def _plan(url: str, query: object) -> str:
    statement = query.compile(  # type: ignore[attr-defined]
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement} LIMIT 50 OFFSET 100")
            return "\n".join(str(row[-1]) for row in rows)
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_the_pages_walk_an_index_instead_of_sorting(database_url: str) -> None:
    queries = {
        "position page": listing.candidates(workspace_id=1, position_id=1),
        "chooser-like by name": listing.candidates(workspace_id=1, position_id=1, by_name=True),
        "outbox newest first": listing.outbox(workspace_id=1),
        "outbox failed, due first": listing.outbox(workspace_id=1, state="failed"),
        "overview by start": listing.interviews(workspace_id=1),
        "a position's interviews": listing.interviews(workspace_id=1, position_id=1),
    }
    for name, query in queries.items():
        plan = _plan(database_url, query)
        assert "TEMP B-TREE" not in plan, (name, plan)
    downgrade(database_url, "0015")  # before 0016 the same queries sort
    try:
        # the same filters and order, without the columns later migrations added
        sorted_before = [
            name
            for name, query in queries.items()
            if "TEMP B-TREE" in _plan(database_url, query.with_only_columns(literal_column("1")))
        ]
    finally:
        upgrade(database_url)
    assert {"outbox newest first", "overview by start", "a position's interviews"} <= set(
        sorted_before
    )
