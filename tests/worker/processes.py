"""`fairnotice worker` as a child process, configured through its environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.store.tables import OutboxMessage

FINAL = ("sent", "failed", "expired", "cancelled")


def worker_env(database: str, smtp_port: int, **delivery: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRNOTICE_")}
    env.update(
        {
            "FAIRNOTICE_DATABASE_URL": database,
            "FAIRNOTICE_SMTP_HOST": "127.0.0.1",
            "FAIRNOTICE_SMTP_PORT": str(smtp_port),
            "FAIRNOTICE_SMTP_TLS": "none",
            "FAIRNOTICE_SMTP_FROM": "noreply@fairnotice.test",
            "FAIRNOTICE_DELIVERY_LEASE_SECONDS": "1",
            "FAIRNOTICE_DELIVERY_POLL_SECONDS": "0.05",
            "FAIRNOTICE_DELIVERY_BATCH_SIZE": "20",
            "FAIRNOTICE_DELIVERY_PER_DOMAIN_PER_MINUTE": "0",
            "FAIRNOTICE_DELIVERY_SMTP_TIMEOUT_SECONDS": "10",
        }
    )
    env.update({f"FAIRNOTICE_DELIVERY_{k.upper()}": str(v) for k, v in delivery.items()})
    return env


STARTED: list[subprocess.Popen[bytes]] = []


def start_worker(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "fairnotice", "worker", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    STARTED.append(process)
    return process


def reap() -> None:
    """Kill (by pid) every worker a failed test left running."""
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
        if process.stderr is not None and not process.stderr.closed:
            process.communicate()


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> str:
    """Signal the worker (by its own pid) and collect what it wrote to stderr."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err.decode(errors="replace")


def open_rows(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(
            session.scalar(select(func.count()).where(OutboxMessage.state.not_in(FINAL))) or 0
        )


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


def url_of(sessions: sessionmaker[Session]) -> str:
    """The database URL behind a session factory (for a child process)."""
    return str(sessions.kw["bind"].url.render_as_string(hide_password=False))
