"""A Core statement compiled once for an engine and run on a DBAPI connection (pooled;
on SQLite one per thread, kept).

For the few hot reads (the pick page, slot search): SQLAlchemy's Connection with its
autobegin, events and result machinery costs several times an indexed SQLite query. The
statement is still built with Core, so it is the same on SQLite and PostgreSQL; values
go through each bind parameter's and column's own type processors, so a result is what
`Connection.execute` would give (UTCDateTime columns parsed faster, to the same values).
"""

from __future__ import annotations

import threading
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
        # Per thread on SQLite, a connection of its own (`_kept_rows`).
        self.kept = threading.local() if dialect.name == "sqlite" else None
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

    def rows(self, values: Mapping[str, Any]) -> list[Any]:
        """The rows as the driver returns them (no result conversion)."""
        processed = {}
        for name, bind in self.binds.items():
            value = values[name]
            processed[name] = value if bind is None or value is None else bind(value)
        params: Any = (
            tuple(processed[name] for name in self.names) if self.positional else processed
        )
        if self.kept is not None:
            return self._kept_rows(params)
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(self.sql, params)
                return list(cursor.fetchall())
            finally:
                cursor.close()
        finally:
            raw.close()  # back to the pool, which rolls back: no transaction stays open

    def _kept_rows(self, params: Any) -> list[Any]:
        """SQLite: on a connection of this thread's own, kept out of the pool (a pool's
        checkout and return cost about what the query does). It runs in autocommit mode
        (make_engine), so each SELECT is its own read transaction, ended when its rows
        are all fetched: no snapshot is kept between reads, and no write is ever made."""
        assert self.kept is not None
        connection: Any = getattr(self.kept, "connection", None)
        if connection is None:
            fairy = self.engine.raw_connection()  # made by the pool: the engine's PRAGMAs
            connection = self.kept.connection = fairy.driver_connection
            fairy.detach()  # the pool forgets it (and makes another when it needs one)
        try:
            rows = connection.execute(self.sql, params).fetchall()
        except BaseException:
            self.kept.connection = None
            connection.close()
            raise
        if connection.in_transaction:  # never expected in autocommit mode; never kept
            self.kept.connection = None
            connection.close()
        return list(rows)

    def __call__(self, values: Mapping[str, Any]) -> list[list[Any]]:
        rows = self.rows(values)
        convert = self.results
        return [
            [v if p is None else p(v) for p, v in zip(convert, row, strict=True)] for row in rows
        ]
