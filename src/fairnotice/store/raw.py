"""A Core statement compiled once for an engine and run on a pooled DBAPI connection.

For the few hot reads (the pick page, slot search): SQLAlchemy's Connection with its
autobegin, events and result machinery costs several times an indexed SQLite query. The
statement is still built with Core, so it is the same on SQLite and PostgreSQL; values
go through each bind parameter's and column's own type processors, so a result is what
`Connection.execute` would give (UTCDateTime columns parsed faster, to the same values).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.sql import Select

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


class Prepared:
    """`statement` compiled for `engine`'s dialect; call with the bind values by name."""

    def __init__(self, engine: Engine, statement: Select[*tuple[Any, ...]]) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self.engine = engine
        self.sql = str(compiled)
        self.positional = bool(compiled.positional)
        self.names = list(compiled.positiontup or compiled.binds)
        self.binds: dict[str, Callable[[Any], Any] | None] = {
            name: compiled.binds[name].type._cached_bind_processor(dialect) for name in self.names
        }
        self.results: list[Callable[[Any], Any] | None] = [
            utc_datetime
            if isinstance(column.type, UTCDateTime)
            else column.type._cached_result_processor(dialect, None)
            for column in statement.selected_columns
        ]

    def __call__(self, values: Mapping[str, Any]) -> list[list[Any]]:
        processed = {}
        for name, bind in self.binds.items():
            value = values[name]
            processed[name] = value if bind is None or value is None else bind(value)
        params: Any = (
            tuple(processed[name] for name in self.names) if self.positional else processed
        )
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(self.sql, params)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        finally:
            raw.close()  # back to the pool, which rolls back: no transaction stays open
        convert = self.results
        return [
            [v if p is None else p(v) for p, v in zip(convert, row, strict=True)] for row in rows
        ]
