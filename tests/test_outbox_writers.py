"""One writer of the outbox, checked on the source: only operations/outbox/commands.py
(its `enqueue`) builds new outbox rows or inserts into the outbox table; every other
module calls it, so each row gets its Message-ID, first event and receipt one way.

ast walks every module under src/: a call of OutboxMessage(...), an insert of
OutboxMessage or of its table (insert(), insert_many, the ORM's bulk methods), the table
taken as `OutboxMessage.__table__` or imported as commands.MESSAGES, and SQL text that
inserts into outbox all count as writing rows. The checker is shown each of these in
snippets, and it must find commands.py's own writes, so it cannot pass by seeing nothing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "fairnotice"
WRITER = PACKAGE / "operations" / "outbox" / "commands.py"
INSERTS = {"insert", "insert_many", "bulk_insert_mappings", "bulk_save_objects"}
SQL_INSERT = re.compile(r"\binsert\s+into\s+\"?outbox\"?(?![\w])", re.IGNORECASE)


def _name(node: ast.expr) -> str:
    """The last name of `x`, `a.x`, `a.b.x`; empty for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _mentions_outbox(node: ast.AST) -> bool:
    return any(
        _name(n) in ("OutboxMessage", "MESSAGES")
        for n in ast.walk(node)
        if isinstance(n, (ast.Name, ast.Attribute))
    )


def writes(source: str) -> list[str]:
    """What in `source` writes outbox rows, as 'line: what' (empty: nothing does)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call):
            called = _name(node.func)
            if called == "OutboxMessage":
                found.append(f"{line}: builds OutboxMessage(...)")
            elif called in INSERTS and any(_mentions_outbox(a) for a in node.args):
                found.append(f"{line}: inserts into the outbox ({called})")
        elif isinstance(node, ast.Attribute) and node.attr == "__table__":
            if _name(node.value) == "OutboxMessage":
                found.append(f"{line}: takes the outbox table (OutboxMessage.__table__)")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("outbox.commands"):
            if any(alias.name == "MESSAGES" for alias in node.names):
                found.append(f"{line}: imports the outbox table (MESSAGES)")
        elif isinstance(node, ast.Constant) and SQL_INSERT.search(str(node.value)):
            found.append(f"{line}: SQL that inserts into outbox")
    return found


def test_only_commands_py_writes_outbox_rows() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != WRITER and (found := writes(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "write outbox rows through outbox.commands.enqueue"


def test_the_checker_finds_commands_py_own_writes() -> None:
    found = writes(WRITER.read_text(encoding="utf-8"))
    assert any("outbox table" in f for f in found)
    assert any("inserts into the outbox" in f for f in found)


@pytest.mark.parametrize(
    "snippet",
    [
        "row = OutboxMessage(workspace_id=1, recipient='a@b.c', body='x')",
        "session.add(tables.OutboxMessage(recipient='a@b.c'))",
        "session.execute(insert(OutboxMessage), rows)",
        "session.execute(insert(OutboxMessage).values(recipient='x'))",
        "bulk.insert_many(session, MESSAGES, rows)",
        "table = cast(Table, OutboxMessage.__table__)",
        "from fairnotice.operations.outbox.commands import MESSAGES, enqueue",
        "session.bulk_insert_mappings(OutboxMessage, rows)",
        "session.execute(text('INSERT INTO outbox (recipient) VALUES (:r)'))",
    ],
)
def test_the_checker_sees_each_way_of_writing_a_row(snippet: str) -> None:
    assert writes(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "enqueue(session, rows, now=now)",
        "session.execute(insert(OutboxEvent), events)",
        "session.execute(text('INSERT INTO outbox_events (outbox_id) VALUES (1)'))",
        "select(OutboxMessage).where(OutboxMessage.state == 'pending')",
        "session.execute(update(OutboxMessage).values(state='sent'))",
    ],
)
def test_the_checker_lets_reads_updates_and_events_be(snippet: str) -> None:
    assert writes(snippet) == []
