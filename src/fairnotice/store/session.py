"""Engines and sessions for SQLite (WAL) and PostgreSQL (psycopg 3), and the migrations.

On SQLite a transaction that will write starts with BEGIN IMMEDIATE (`writing(session)`),
so concurrent writers queue on the busy timeout instead of failing on a lock upgrade.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).parent / "migrations"
WRITE = {"fairnotice_write": True}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout. PostgreSQL
    runs without JIT compilation: it is chosen by cost estimates, and for the overview's
    statement (20 ms of work over a workspace's interviews) compiling took 200-300 ms at
    50,000 candidates (issue 18). Every statement of the app is a short one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.get_backend_name() == "postgresql":
            kwargs.setdefault("connect_args", {"options": "-c jit=off"})
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 30)
        return create_engine(url, **kwargs)
    private_files(url)
    kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    if parsed.database in (None, "", ":memory:"):
        kwargs.setdefault("poolclass", NullPool)
    else:  # as many connections as the server has threads (anyio's default is 40)
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 30)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("fairnotice_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def private_files(url: str) -> None:
    """A SQLite file (and its -wal and -shm, which SQLite creates with the file's mode)
    readable by its owner only: created 0600 in a folder made 0700, and an existing one
    (of an earlier version, made 0644) narrowed to 0600. Nothing for other databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(str(parsed.database))
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            found = name.stat()
        except FileNotFoundError:
            continue
        if found.st_mode & 0o077 and found.st_uid == os.getuid():
            name.chmod(0o600)


def session_factory(engine: Engine, *, secret: str | None = None) -> sessionmaker[Session]:
    """Sessions of `engine`; `secret`: the app's key, kept in each session's info for the
    operations that seal at queue time ("Got it" receipts, operations/outbox/receipts.key)
    without every caller passing it down."""
    return sessionmaker(engine, expire_on_commit=False, info={"secret": secret} if secret else None)


def writing(session: Session) -> Session:
    """Mark the session's transaction as one that writes (BEGIN IMMEDIATE on SQLite).

    Call before the first statement of the transaction.
    """
    session.connection(execution_options=WRITE)
    return session


@contextmanager
def transaction(factory: sessionmaker[Session], *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session:
        if write:
            writing(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head", *, secret: str | None = None) -> None:
    """Apply the migrations up to `revision` (idempotent). `secret` is the key that seals
    stored passwords (0005); without it the configured one (Settings().secret) is used.
    A database already at the head is told apart without Alembic, whose import alone
    costs a worker 0.3 s at start."""
    private_files(url)
    if revision == "head" and _at_head(url):
        return
    from alembic import command

    config = alembic_config(url)
    if secret:
        config.attributes["secret"] = secret
    with migration_lock(url):
        if revision == "head" and _at_head(url):  # another process migrated meanwhile
            return
        command.upgrade(config, revision)


# pg_advisory_lock's key for migrations: any fixed 64-bit number, "fairnotc" in ASCII
MIGRATION_LOCK = 0x666169726E6F7463


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """One process migrates at a time, so any number may start at once on a fresh
    database (serve and workers each migrate before they begin).

    PostgreSQL: a session-level advisory lock on a connection of its own, released when
    it closes (a killed process leaves no lock). SQLite: an exclusive file lock (filelock)
    on `<database>.migrate.lock` beside the file; the database's own write lock cannot
    serve, as Alembic runs its statements in transactions of its own. In-memory SQLite
    needs none."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
                try:
                    yield
                finally:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK}
                    )
        finally:
            engine.dispose()
        return
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        from filelock import FileLock

        path = Path(str(parsed.database))
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with FileLock(f"{path}.migrate.lock", mode=0o600):
            yield
        return
    yield


_REVISION = re.compile(r'^revision\b[^=\n]*=\s*"([^"]+)"', re.M)
_DOWN = re.compile(r'^down_revision\b[^=\n]*=\s*"([^"]+)"', re.M)


def head_revision() -> str | None:
    """The newest migration's id, read off the migration files (None if not one head)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if found := _REVISION.search(source):
            revisions.add(found[1])
        if down := _DOWN.search(source):
            parents.add(down[1])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(url: str) -> bool:
    head = head_revision()
    if head is None:
        return False
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no such table yet, or no database: Alembic will say
        return False
    finally:
        engine.dispose()
    return [row[0] for row in current] == [head]


def downgrade(url: str, revision: str, *, secret: str | None = None) -> None:
    """Undo the migrations down to `revision` (0005 opens the sealed passwords again)."""
    from alembic import command

    config = alembic_config(url)
    if secret:
        config.attributes["secret"] = secret
    with migration_lock(url):
        command.downgrade(config, revision)
