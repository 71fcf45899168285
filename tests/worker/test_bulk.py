"""Position filled for 5,000 candidates: queued in one go by `fairnotice send`, delivered
by a worker restarted three times mid-batch: exactly one message per candidate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.store.tables import Interview, OutboxMessage
from tests.mail.outbox_rows import states
from tests.mail.servers import Recorder, smtp_server
from tests.worker.bulk import filled
from tests.worker.processes import open_rows, start_worker, stop, url_of, wait_until, worker_env

CANDIDATES = int(os.environ.get("FAIRNOTICE_TEST_CANDIDATES", "5000"))


def test_5000_candidates_three_restarts_exactly_one_message_each(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    situation = tmp_path / "filled.json"
    # planned yesterday at 09:00 UTC (office hours in every recipient's zone, T5): all due
    planned = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    planned -= timedelta(days=1)
    situation.write_text(json.dumps(filled(CANDIDATES, now=planned)), encoding="utf-8")
    with smtp_server(Recorder()) as (port, recorder):
        env = worker_env(url_of(sqlite_sessions), port, batch_size=50)
        queued = subprocess.run(
            [sys.executable, "-m", "fairnotice", "send", str(situation), "--now"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert queued.returncode == 0, queued.stderr
        assert f"queued {CANDIDATES} message(s)" in queued.stdout
        restarts = 0
        for threshold in (CANDIDATES // 5, CANDIDATES // 2, CANDIDATES * 4 // 5):
            process = start_worker(env, tmp_path)
            assert wait_until(lambda t=threshold: len(recorder.received) >= t, timeout=120)
            log = stop(process)  # SIGTERM: finish the message in flight, hand the rest back
            assert process.returncode == 0, log
            restarts += 1
        middle = len(recorder.received)
        assert middle < CANDIDATES  # the restarts really happened mid-batch
        last = start_worker(env, tmp_path)
        done = wait_until(lambda: open_rows(sqlite_sessions) == 0, timeout=180)
        log = stop(last)
        assert done, (states(sqlite_sessions), log[-3000:])
    assert restarts == 3
    by_recipient = Counter(r.rcpt_tos[0] for r in recorder.received)
    assert len(by_recipient) == CANDIDATES
    assert set(by_recipient.values()) == {1}
    assert set(recorder.counts().values()) == {1}
    assert states(sqlite_sessions) == {"sent": CANDIDATES}
    with sqlite_sessions() as session:
        cancels = session.scalar(
            select(func.count()).where(OutboxMessage.calendar_method == "CANCEL")
        )
        cancelled = session.scalar(
            select(func.count()).where(Interview.status == "filled", Interview.sequence == 1)
        )
    assert cancels == cancelled == CANDIDATES // 10  # their interviews cancelled, SEQUENCE 1
    imip = [r for r in recorder.received if b"method=CANCEL" in r.data]
    assert len(imip) == CANDIDATES // 10
