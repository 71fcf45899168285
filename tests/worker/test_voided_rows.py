"""A round goes on while rows are due, voided ones included (issue 14, item 2): 500 rows
voided since they were queued (expired, or their interview changed) ahead of 1,500 live
ones, and one `fairnotice worker --once` sends all 1,500."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from fairnotice.store.session import transaction
from fairnotice.store.tables import Interview
from tests.mail.outbox_rows import seed, states, workspace
from tests.mail.servers import Recorder, smtp_server
from tests.worker.processes import url_of, worker_env


def _changed_interview(sessions: sessionmaker[Session], now: datetime) -> int:
    """An interview moved since its letters were queued (SEQUENCE 0 -> 1)."""
    owner = workspace(sessions)
    with transaction(sessions, write=True) as session:
        row = Interview(
            workspace_id=owner,
            position="Paralegal",
            company="Muster & Partner GmbH",
            start=now + timedelta(days=5),
            end=now + timedelta(days=5, hours=1),
            timezone="Europe/Berlin",
            uid="moved@fairnotice.test",
            sequence=1,
        )
        session.add(row)
        session.flush()
        return row.id


def test_500_voided_rows_ahead_do_not_end_the_round(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    earlier = now - timedelta(hours=1)
    moved = _changed_interview(sessions, now)
    # queued first, so every one of the first batches holds nothing but voided rows
    seed(sessions, 250, at=earlier, deadline=now - timedelta(minutes=5))
    seed(sessions, 250, at=earlier, interview_id=moved, interview_sequence=0)
    live = seed(sessions, 1500, at=now - timedelta(minutes=1))
    with smtp_server(Recorder()) as (port, recorder):
        env = worker_env(url_of(sessions), port, batch_size=50)
        done = subprocess.run(
            [sys.executable, "-m", "fairnotice", "worker", "--once"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert states(sessions) == {"sent": 1500, "expired": 250, "cancelled": 250}
    assert len(recorder.counts()) == len(live) == 1500
    assert set(recorder.counts().values()) == {1}
    assert "sent=1500" in done.stdout and "expired=250" in done.stdout
