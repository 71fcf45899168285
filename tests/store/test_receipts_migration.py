"""Migration 0022: the receipts table ("Got it" links, issue 17) with its index for the
overview's calls, and the outbox's receipt_form; its downgrade takes them back. On SQLite
and PostgreSQL."""

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


def _outbox(url: str) -> set[str]:
    """The outbox table's columns."""
    engine = make_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("outbox")}
    finally:
        engine.dispose()


def test_0022_adds_the_receipts_and_its_downgrade_takes_them_back(database_url: str) -> None:
    columns, indexes = _receipts(database_url)
    assert {"token_hash", "sealed_token", "opened_at", "confirmed_at", "call_due"} <= columns
    assert INDEX in indexes
    assert "receipt_form" in _outbox(database_url)
    downgrade(database_url, "0021")
    try:
        assert _receipts(database_url) == (set(), set())
        assert "receipt_form" not in _outbox(database_url)
        assert "sent_at" in _outbox(database_url)  # the rest of the outbox stays
    finally:
        upgrade(database_url)
    assert INDEX in _receipts(database_url)[1]
    assert "receipt_form" in _outbox(database_url)
