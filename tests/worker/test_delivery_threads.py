"""Several delivery threads in one worker (operations/outbox/parallel.py), on SQLite and PostgreSQL:
every message reaches the aiosmtpd sink exactly once, each thread takes a share; and a
worker of four threads killed with SIGKILL mid-way resends nothing it had recorded sent."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.operations.outbox.delivery import deliverer
from fairnotice.operations.outbox.limits import DomainLimiter
from fairnotice.operations.outbox.parallel import drain_together, threads_for
from fairnotice.settings import Settings
from fairnotice.store.tables import OutboxEvent, OutboxMessage
from tests.mail.outbox_rows import seed, states
from tests.mail.servers import Recorder, smtp_server
from tests.worker.processes import open_rows, start_worker, stop, url_of, wait_until, worker_env

THREADS = 4


class Gate(Recorder):
    """Holds every DATA until `THREADS` connections are open: each thread has claimed a
    batch of its own before any message is accepted (no timing decides the shares)."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for _ in range(3000):  # at most 30 s; the shares are asserted below, not the time
            if len(self.connections) >= THREADS:
                break
            await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


def test_default_threads() -> None:
    assert threads_for("postgresql", None) == 4
    assert threads_for("sqlite", None) == 1
    assert threads_for("sqlite", 3) == 3


def test_threads_share_the_queue_and_send_each_message_once(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    count = 400
    seed(sessions, count, at=datetime.now(UTC))
    with smtp_server(Gate()) as (port, recorder):
        settings = Settings(
            smtp={"host": "127.0.0.1", "port": port, "tls": "none", "sender": "n@fairnotice.test"},
            secret_key="k" * 32,
            data_dir=tmp_path,
            delivery={"batch_size": 20, "per_domain_per_minute": 0},
        )
        limiter = DomainLimiter(0)
        workers = [deliverer(sessions, settings, limiter=limiter) for _ in range(THREADS)]
        total = drain_together(workers)
    assert total.sent == count
    assert states(sessions) == {"sent": count}
    counts = recorder.counts()
    assert len(counts) == count and set(counts.values()) == {1}  # none twice, none lost
    with sessions() as session:
        names = session.scalars(
            select(OutboxEvent.detail).where(OutboxEvent.state == "sending")
        ).all()
    assert len(names) == count  # no row claimed twice
    assert len(set(names)) == THREADS  # every thread took a share


def test_a_worker_of_four_threads_killed_mid_way_resends_nothing_recorded_sent(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    count = 600
    seed(sessions, count, at=datetime.now(UTC))
    with smtp_server(Recorder(delay=0.004)) as (port, recorder):
        env = worker_env(url_of(sessions), port, threads=THREADS)
        first = start_worker(env, tmp_path)
        assert wait_until(lambda: len(recorder.received) >= 150, timeout=120)
        stop(first, signal.SIGKILL)
        with sessions() as session:
            recorded = set(
                session.scalars(
                    select(OutboxMessage.message_id).where(OutboxMessage.state == "sent")
                )
            )
        heard = len(recorder.received)
        assert recorded and len(recorded) < count  # killed mid-way, after outcomes were kept
        last = start_worker(env, tmp_path)
        assert wait_until(lambda: open_rows(sessions) == 0, timeout=180)
        stop(last)
    later = [r.message_id for r in recorder.received[heard:]]
    assert not recorded & set(later)  # nothing recorded sent went out again
    assert states(sessions) == {"sent": count}
    counts = recorder.counts()
    assert len(counts) == count
    duplicates = recorder.duplicates()
    # a message repeats only where its connection died right after the relay took it:
    # at most one per thread of the killed worker
    assert all(n - 1 <= recorder.deaths_after(mid) for mid, n in duplicates.items())
    assert sum(n - 1 for n in duplicates.values()) <= THREADS
