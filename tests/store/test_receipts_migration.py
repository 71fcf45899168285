"""Migration 0022: the receipts table ("Got it" links, issue 17) with its index for the
overview's calls; its downgrade takes both back. On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from fairnotice.store.session import downgrade, make_engine, upgrade

INDEX = "ix_receipts_workspace_id_confirmed_at_call_due"


def _receipts(url: str) -> tuple[set[str], set[str]]:
    """The receipts table's columns and index names ((), () when there is no table)."""
    engine = make_engine(url)
    try:
        found = inspect(engine)
        if "receipts" not in found.get_table_names():
            return set(), set()
        columns = {c["name"] for c in found.get_columns("receipts")}
        return columns, {i["name"] or "" for i in found.get_indexes("receipts")}
    finally:
        engine.dispose()


def test_0022_adds_the_receipts_and_its_downgrade_takes_them_back(database_url: str) -> None:
    columns, indexes = _receipts(database_url)
    assert {"token_hash", "sealed_token", "opened_at", "confirmed_at", "call_due"} <= columns
    assert INDEX in indexes
    downgrade(database_url, "0021")
    try:
        assert _receipts(database_url) == (set(), set())
    finally:
        upgrade(database_url)
    assert INDEX in _receipts(database_url)[1]
