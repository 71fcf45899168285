"""Workers side by side on PostgreSQL (FOR UPDATE SKIP LOCKED): every message once, the
work shared; and one of them killed with SIGKILL again and again: still nothing lost."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.operations.outbox.parallel import threads_for
from fairnotice.store.tables import OutboxEvent, OutboxMessage
from tests.mail.outbox_rows import seed, states
from tests.mail.servers import Recorder, smtp_server
from tests.worker.processes import open_rows, start_worker, stop, url_of, wait_until, worker_env


def test_three_workers_share_the_queue_and_send_each_message_once(
    pg_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    seed(pg_sessions, 1500, at=datetime.now(UTC))
    with smtp_server(Recorder(delay=0.002)) as (port, recorder):
        env = worker_env(url_of(pg_sessions), port, lease_seconds=30)
        workers = [start_worker(env, tmp_path) for _ in range(3)]
        done = wait_until(lambda: open_rows(pg_sessions) == 0, timeout=180)
        logs = [stop(w) for w in workers]
    assert done, logs
    assert states(pg_sessions) == {"sent": 1500}
    assert set(recorder.counts().values()) == {1}  # no message twice
    assert len(recorder.counts()) == 1500
    with pg_sessions() as session:
        names = session.scalars(
            select(OutboxEvent.detail).where(OutboxEvent.state == "sending")
        ).all()
    # a claimer is one of a worker's delivery threads (host:pid:random, 4 on PostgreSQL)
    shares = {
        pid: sum(n.split(":")[1] == pid for n in names) for pid in {n.split(":")[1] for n in names}
    }
    assert len(shares) == 3, shares  # every worker took a share
    assert len(names) == 1500  # and no row was claimed twice


def test_a_worker_killed_again_and_again_beside_another_loses_nothing(
    pg_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    seed(pg_sessions, 1000, at=datetime.now(UTC))
    rng = random.Random(3)
    kills = 0
    with smtp_server(Recorder(delay=0.004)) as (port, recorder):
        env = worker_env(url_of(pg_sessions), port)
        steady = start_worker(env, tmp_path)
        while open_rows(pg_sessions) and kills < 12:
            victim = start_worker(env, tmp_path)
            time.sleep(rng.uniform(0.7, 1.5))
            if victim.poll() is None:
                stop(victim, 9)
                kills += 1
        done = wait_until(lambda: open_rows(pg_sessions) == 0, timeout=120)
        log = stop(steady)
    assert done, log
    assert kills >= 3
    with pg_sessions() as session:
        ids = set(session.scalars(select(OutboxMessage.message_id)))
    counts = recorder.counts()
    assert set(counts) == ids and states(pg_sessions) == {"sent": 1000}
    duplicates = recorder.duplicates()
    assert all(n - 1 <= recorder.deaths_after(mid) for mid, n in duplicates.items())
    # at most one per connection the kill cut: one per delivery thread (4 on PostgreSQL)
    assert sum(n - 1 for n in duplicates.values()) <= kills * threads_for("postgresql", None)
