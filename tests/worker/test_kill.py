"""`kill -9` of a worker process at random moments during 1,000 sends: nothing is lost,
and a message reaches the server twice only where the connection died after DATA."""

from __future__ import annotations

import random
import subprocess
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.store.tables import OutboxEvent, OutboxMessage
from tests.mail.outbox_rows import seed, states
from tests.mail.servers import Recorder, smtp_server
from tests.worker.processes import (
    open_rows,
    start_worker,
    stop,
    url_of,
    wait_until,
    worker_env,
)


def _talking(recorder: Recorder, seen: int, process: subprocess.Popen[bytes]) -> bool:
    return len(recorder.connections) > seen or process.poll() is not None


def kill_run(
    sessions: sessionmaker[Session], tmp_path: Path, *, count: int, seed_value: int
) -> tuple[Recorder, int]:
    """Workers started one after another, each killed with SIGKILL after a random while,
    until every row is final; returns the server's record and how many were killed."""
    seed(sessions, count, at=datetime.now(UTC))
    rng = random.Random(seed_value)
    kills = 0
    with smtp_server(Recorder(delay=0.002)) as (port, recorder):
        env = worker_env(url_of(sessions), port)
        while open_rows(sessions) and kills < 25:
            seen = len(recorder.connections)
            process = start_worker(env, tmp_path)
            # once it talks to the relay (start-up takes a while on a busy machine) ...
            wait_until(partial(_talking, recorder, seen, process), 30)
            time.sleep(rng.uniform(0.0, 0.8))  # ... at a random moment of its sending
            if process.poll() is None:
                stop(process, 9)
                kills += 1
        # the last worker finishes the job (leases of the killed ones run out after 1 s)
        last = start_worker(env, tmp_path)
        assert wait_until(lambda: open_rows(sessions) == 0, timeout=120)
        stop(last)
    return recorder, kills


def test_kill_9_at_random_moments_during_1000_sends_loses_nothing(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    recorder, kills = kill_run(sqlite_sessions, tmp_path, count=1000, seed_value=1)
    assert states(sqlite_sessions) == {"sent": 1000}
    with sqlite_sessions() as session:
        ids = set(session.scalars(select(OutboxMessage.message_id)))
        reclaimed = session.scalars(
            select(OutboxEvent.outbox_id).where(OutboxEvent.state == "reclaimed")
        ).all()
    counts = recorder.counts()
    assert set(counts) == ids  # zero lost, nothing foreign
    killed_mid_session = sum(1 for c in recorder.connections.values() if not c.quit)
    assert kills >= 3 and killed_mid_session >= 3, (kills, killed_mid_session)
    assert reclaimed  # killed workers' claims were taken over
    duplicates = recorder.duplicates()
    # every extra copy: a connection that died right after the server took that message
    # (a copy sent again can die again, when the next worker is killed right after it)
    assert all(n - 1 <= recorder.deaths_after(mid) for mid, n in duplicates.items())
    assert sum(n - 1 for n in duplicates.values()) <= killed_mid_session
    print(f"\nkill -9: {kills} kills, {killed_mid_session} mid-session, "
          f"{len(reclaimed)} rows reclaimed, {len(duplicates)} duplicates")  # fmt: skip
