"""`fairnotice worker --status` (issue 14): whether a worker runs, its last round, the
backlog and the last error, as text and as JSON; exit 3 once no worker runs. On SQLite
and PostgreSQL, with a real worker process delivering to an SMTP sink."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from tests.mail.outbox_rows import seed
from tests.mail.servers import smtp_server
from tests.worker.processes import start_worker, stop, url_of, wait_until, worker_env


def _status(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fairnotice", "worker", "--status", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_status_while_a_worker_runs_and_after_it_stopped(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    seed(sessions, 7, at=datetime.now(UTC))
    with smtp_server() as (port, recorder):
        env = worker_env(url_of(sessions), port)
        before = _status(env, tmp_path)
        assert before.returncode == 3, before.stderr
        assert "not running (never seen)" in before.stdout and "backlog: 7" in before.stdout
        worker = start_worker(env, tmp_path)

        def reported() -> bool:
            shown = json.loads(_status(env, tmp_path, "--json").stdout)
            return bool(shown["workers"]) and shown["workers"][0]["sent"] == 7

        try:
            assert wait_until(reported, timeout=60, step=0.5)
            text = _status(env, tmp_path)
            shown = json.loads(_status(env, tmp_path, "--json").stdout)
        finally:
            log = stop(worker)
    assert len(recorder.received) == 7
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("delivery worker: running\n")
    assert "backlog: 0 message(s) due" in text.stdout
    assert "sent=7 voided=0 failed=0 backlog=0" in text.stdout
    assert shown["running"] is True and shown["backlog"] == 0
    (only,) = shown["workers"]
    assert only["kind"] == "worker" and only["running"] is True and only["last_error"] is None
    after = _status(env, tmp_path)
    assert after.returncode == 3, log
    assert after.stdout.startswith("delivery worker: not running (last heartbeat")
    assert "(worker, stopped," in after.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "fairnotice", "worker", "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2 and "--json: only with --status" in refused.stderr
