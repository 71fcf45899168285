"""`fairnotice db upgrade` and `fairnotice serve` as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, inspect

from tests.web.live import free_port

FAIRNOTICE = Path(sys.executable).with_name("fairnotice")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRNOTICE_")}
    env["FAIRNOTICE_DATA_DIR"] = str(tmp_path / "var")
    return env


def test_db_upgrade_creates_the_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(FAIRNOTICE), "db", "upgrade"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    database = tmp_path / "var" / "fairnotice.sqlite3"
    assert database.is_file() and "is at head" in done.stdout
    engine = create_engine(f"sqlite:///{database}")
    assert {"users", "workspaces", "offers", "outbox"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_serve_answers_on_loopback_and_stops(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [str(FAIRNOTICE), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/signup", timeout=2) as page:
                    body = page.read().decode()
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.2)
        assert "<form" in body and 'name="csrf_token"' in body
        assert (tmp_path / "var" / "secret_key").is_file()  # generated once, kept
    finally:
        server.terminate()
        server.communicate(timeout=20)
