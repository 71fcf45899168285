"""Alembic environment: runs the migrations on the URL the caller configured."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from fairnotice.store.session import make_engine
from fairnotice.store.tables import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""
connectable = config.attributes.get("connection")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connectable is not None:
    _run(connectable)
else:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                # a batch migration recreates a table (DROP, then rename the copy): with
                # foreign keys on, the DROP would cascade into every table that refers to
                # it (offers, plans, mailboxes ...). Off before the transaction begins.
                raw = connection.connection.driver_connection
                assert raw is not None
                raw.execute("PRAGMA foreign_keys=OFF")
            _run(connection)
    finally:  # a failing migration (0005's downgrade with another key) leaves no connection
        engine.dispose()
