"""Many rows in one statement, with one bound value per column rather than per cell.

psycopg binds every parameter of a multi-row `VALUES` one by one: 500 outbox rows are
11,000 parameters, most of a fill's client CPU on PostgreSQL. There, `insert_many` sends
one array per column and inserts `SELECT * FROM unnest(...)`, and `in_ids` is
`= ANY(array)`; SQLite's executemany and `IN (...)` are already cheap and stay. Values go
through each column's own type (UTCDateTime, JSON) as the ORM's inserts do, so the rows
are the same either way (tests/store/test_bulk.py compares them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, any_, bindparam, cast, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

# the array path on PostgreSQL; tests turn it off to compare with plain executemany
ARRAYS = True


def arrays(session: Session) -> bool:
    """Whether this session's database takes whole columns as arrays."""
    return ARRAYS and session.get_bind().dialect.name == "postgresql"


def insert_many(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert `rows` into `table`; the `returning` columns of the new rows (in no
    particular order on PostgreSQL: key them by a unique column). Rows with different
    keys go as executemany (a column left out takes its default, as there)."""
    if not rows:
        return []
    out = [table.c[name] for name in returning]
    keys = rows[0].keys()
    if not arrays(session) or any(row.keys() != keys for row in rows):
        statement = insert(table)
        if out:
            return [tuple(r) for r in session.execute(statement.returning(*out), list(rows))]
        session.execute(statement, list(rows))
        return []
    names = list(rows[0])
    columns = [
        cast(
            bindparam(f"a_{name}", [row[name] for row in rows], type_=ARRAY(table.c[name].type)),
            ARRAY(table.c[name].type),
        )
        for name in names
    ]
    source = func.unnest(*columns).table_valued(*names).render_derived()
    statement = insert(table).from_select(names, select(*(source.c[n] for n in names)))
    if out:
        return [tuple(r) for r in session.execute(statement.returning(*out))]
    session.execute(statement)
    return []


def in_ids(
    session: Session, column: ColumnElement[Any] | QueryableAttribute[Any], ids: Sequence[int]
) -> ColumnElement[bool]:
    """`column IN ids`: one array parameter on PostgreSQL, a list elsewhere."""
    if arrays(session):
        kind = ARRAY(column.type)
        return column == any_(cast(bindparam(None, list(ids), type_=kind), kind))
    return column.in_(list(ids))
