"""The worker inside `fairnotice serve`: a daemon thread that delivers and stops on request."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from fairnotice.settings import Settings
from fairnotice.worker import background
from tests.mail.outbox_rows import seed, states
from tests.mail.servers import smtp_server
from tests.worker.processes import url_of, wait_until


def test_the_background_worker_delivers_and_stops(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    seed(sqlite_sessions, 5, at=datetime.now(UTC))
    with smtp_server() as (port, recorder):
        settings = Settings(
            database_url=url_of(sqlite_sessions),
            data_dir=tmp_path,
            smtp={
                "host": "127.0.0.1",
                "port": port,
                "tls": "none",
                "sender": "noreply@fairnotice.test",
            },
        )
        stop = threading.Event()
        thread = background(settings, stop=stop)
        assert wait_until(lambda: len(recorder.received) == 5, timeout=30)
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert states(sqlite_sessions) == {"sent": 5}
