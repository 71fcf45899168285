"""PostgreSQL: a message's outcome is committed without waiting for the disk (as SQLite's
WAL does), unless the policy asks for durable outcomes; either way the connection goes
back to the pool with the server's own setting."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.mail.delivery import Deliverer, Policy
from fairnotice.mail.transport import Envelope, Meanwhile, Result, SmtpConfig, SmtpTransport
from fairnotice.store.session import make_engine, session_factory
from tests.mail.outbox_rows import Clock, seed, states
from tests.mail.servers import smtp_server
from tests.store.databases import pg_url  # noqa: F401

SENDER = "noreply@fairnotice.test"


@pytest.fixture
def pg(pg_url: str) -> Iterator[Engine]:  # noqa: F811
    engine = make_engine(pg_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _setting(connection: Any) -> str:
    """The session's synchronous_commit, read on a DBAPI connection between statements."""
    cursor = connection.cursor()
    try:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])
    finally:
        cursor.close()
        connection.rollback()  # the SHOW's implicit transaction, nothing else


class Observing:
    """The real SMTP transport, reading the delivering connection's setting before each
    message (the connection the batch checked out last)."""

    def __init__(self, port: int, connection: Any, seen: list[str]) -> None:
        self.inner = SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none", timeout=5))
        self.connection, self.seen = connection, seen

    def send(self, envelope: Envelope, meanwhile: Meanwhile | None = None) -> Result:
        self.seen.append(_setting(self.connection))
        return self.inner.send(envelope, meanwhile)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("durable", [False, True])
def test_outcomes_wait_for_the_disk_only_when_asked(pg: Engine, durable: bool) -> None:
    sessions: sessionmaker[Session] = session_factory(pg)
    with pg.connect() as conn:
        server = str(conn.execute(text("SHOW synchronous_commit")).scalar())
    assert server != "off"  # the server's own setting is the durable one
    checked_out: list[Any] = []
    event.listen(pg, "checkout", lambda dbapi, *_: checked_out.append(dbapi))
    seen: list[str] = []
    ids = seed(sessions, 8)
    with smtp_server() as (port, recorder):
        transport: Callable[[], Observing] = lambda: Observing(port, checked_out[-1], seen)  # noqa: E731
        worker = Deliverer(
            sessions,
            transport,
            sender=SENDER,
            policy=Policy(batch=50, durable_outcomes=durable),
            clock=Clock(),
        )
        stats = worker.drain()
    assert stats.sent >= len(ids)
    assert len(recorder.counts()) >= len(ids)
    assert seen and set(seen) == {server if durable else "off"}
    assert states(sessions).get("sending", 0) == 0 and states(sessions)["sent"] >= len(ids)
    # every pooled connection is back to the server's setting
    with pg.connect() as conn:
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == server
    assert checked_out  # the check above read one of the connections the worker used
