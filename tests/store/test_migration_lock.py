"""Any number of processes may start at once on a fresh database (issue 14, item 9):
`serve`, workers and `db upgrade` each migrate before they begin, one at a time under
the migration lock (PostgreSQL: an advisory lock; SQLite: a file lock), and all agree
on one secret key. Starting `serve` and `worker` together on a fresh PostgreSQL database
used to crash `serve` (both created the tables)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from fairnotice.store.session import head_revision
from tests.store.databases import IN_CI, PG_ADMIN, _pg_available
from tests.web.live import free_port

FAIRNOTICE = Path(sys.executable).with_name("fairnotice")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nobody migrated yet: a new SQLite path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'fresh.sqlite3'}"
        return
    problem = _pg_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true: {problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")
    name = f"fairnotice_fresh_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRNOTICE_")}
    env["FAIRNOTICE_DATABASE_URL"] = url
    env["FAIRNOTICE_DATA_DIR"] = str(tmp_path / "var")
    return env


def _start(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(FAIRNOTICE), *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_workers_and_upgrades_start_at_once_on_a_fresh_database(
    fresh_url: str, tmp_path: Path
) -> None:
    env = _env(fresh_url, tmp_path)
    port = free_port()
    serve = _start(env, tmp_path, "serve", "--port", str(port), "--no-delivery")
    others = [_start(env, tmp_path, "worker", "--once") for _ in range(3)]
    others += [_start(env, tmp_path, "db", "upgrade") for _ in range(2)]
    try:
        ended = [(p.args, *p.communicate(timeout=240)) for p in others]
        for process, (args, _out, err) in zip(others, ended, strict=True):
            assert process.returncode == 0, (args, err[-3000:])
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/signup", timeout=2) as page:
                    assert page.status == 200
                    break
            except OSError:
                if serve.poll() is not None:
                    pytest.fail(f"serve ended: {serve.communicate()[1][-3000:]}")
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.2)
    finally:
        serve.terminate()
        serve.communicate(timeout=30)
        for process in others:
            if process.poll() is None:
                process.kill()
                process.communicate()
    engine = create_engine(fresh_url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert [row[0] for row in versions] == [head_revision()]
    assert {"users", "outbox", "worker_health"} <= tables
    key = (tmp_path / "var" / "secret_key").read_text(encoding="ascii").strip()
    assert len(key) >= 32  # one key, written once: every process signed and sealed with it
    assert sorted(p.name for p in (tmp_path / "var").iterdir() if p.name.startswith(".")) == []
