"""Core statements compiled once and run on a DBAPI connection the caller holds (the hot
reads of store/raw.py use them too).

For the delivery loop's per-message write (an outcome, its history event, the next
message's interview re-read), which sits between two SMTP transactions: building and
executing a Core statement through `Connection` costs about a millisecond there, the
DBAPI call itself a few dozen microseconds. Statements are still written with Core, so
they are the same on SQLite and PostgreSQL, and every value goes through its column
type's bind and result processors, as `Connection.execute` would do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Dialect, Engine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from fairnotice.store.tables import UTCDateTime


def utc_datetime(value: datetime | str | None) -> datetime | None:
    """What UTCDateTime returns (an aware UTC datetime; SQLite keeps naive UTC text), with
    the text parsed in C: SQLAlchemy's SQLite DateTime parses it with a regular expression,
    the bulk of a small read's cost."""
    if value is None:
        return None
    if type(value) is str and len(value) == 26:  # SQLite's "YYYY-MM-DD HH:MM:SS.ffffff"
        return datetime.fromisoformat(value + "+00:00")  # replace(tzinfo=) costs 5x that
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Compiled:
    """`statement` compiled for `dialect`; bind values by their bindparam names."""

    def __init__(self, dialect: Dialect, statement: ClauseElement) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql = str(compiled)
        self.positional = bool(compiled.positional)
        rendered = set(compiled.bind_names.values())  # not the literals' anonymous keys
        self.names = list(compiled.positiontup or (n for n in compiled.binds if n in rendered))
        # literal values written into the statement (state = 'sending') keep their value
        self.defaults = {name: compiled.binds[name].value for name in self.names}
        self.binds = {
            name: compiled.binds[name].type._cached_bind_processor(dialect) for name in self.names
        }
        columns: Sequence[Any] = (
            getattr(statement, "selected_columns", None)
            or getattr(statement, "_returning", None)
            or ()
        )
        self.results = [
            utc_datetime
            if isinstance(column.type, UTCDateTime)
            else column.type._cached_result_processor(dialect, None)
            for column in columns
        ]

    def params(self, values: Mapping[str, Any]) -> Any:
        processed = []
        for name in self.names:
            value = values[name] if name in values else self.defaults[name]
            bind = self.binds[name]
            processed.append(value if bind is None or value is None else bind(value))
        if self.positional:
            return tuple(processed)
        return dict(zip(self.names, processed, strict=True))

    def execute(self, cursor: Any, values: Mapping[str, Any]) -> int:
        """Run once; the number of rows it changed."""
        cursor.execute(self.sql, self.params(values))
        return int(cursor.rowcount)

    def execute_many(self, cursor: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            cursor.executemany(self.sql, [self.params(values) for values in rows])

    def fetch(self, cursor: Any, values: Mapping[str, Any]) -> list[list[Any]]:
        """Run once and return its rows, each value converted by its column's type."""
        cursor.execute(self.sql, self.params(values))
        convert = self.results
        return [
            [v if p is None else p(v) for p, v in zip(convert, row, strict=True)]
            for row in cursor.fetchall()
        ]


@contextmanager
def raw_transaction(engine: Engine, connection: Any) -> Iterator[Any]:
    """A write transaction on a DBAPI `connection` of `engine`, as a cursor: BEGIN
    IMMEDIATE on SQLite (its connections run with isolation_level None), the driver's
    implicit BEGIN elsewhere; committed on success, rolled back on any error."""
    cursor = connection.cursor()
    try:
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        yield cursor
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        cursor.close()
