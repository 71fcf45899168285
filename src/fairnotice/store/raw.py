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
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.sql import Select

from fairnotice.store.compiled import Compiled


class Prepared:
    """`statement` compiled for `engine`'s dialect; call with the bind values by name."""

    def __init__(self, engine: Engine, statement: Select[*tuple[Any, ...]]) -> None:
        self.engine = engine
        self.compiled = Compiled(engine.dialect, statement)
        # Per thread on SQLite, a connection of its own (`_kept_rows`).
        self.kept = threading.local() if engine.dialect.name == "sqlite" else None

    def rows(self, values: Mapping[str, Any]) -> list[Any]:
        """The rows as the driver returns them (no result conversion)."""
        params = self.compiled.params(values)
        if self.kept is not None:
            return self._kept_rows(params)
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(self.compiled.sql, params)
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
            rows = connection.execute(self.compiled.sql, params).fetchall()
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
        convert = self.compiled.results
        return [
            [v if p is None else p(v) for p, v in zip(convert, row, strict=True)] for row in rows
        ]
