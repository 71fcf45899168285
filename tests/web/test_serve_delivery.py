"""`fairnotice serve` delivers on SQLite by itself (its in-process worker); on PostgreSQL
it leaves delivery to `fairnotice worker` processes and says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.mail.servers import smtp_server
from tests.mail.test_delivery_cli import run, situation
from tests.store.databases import pg_url  # noqa: F401
from tests.web.live import free_port

FAIRNOTICE = Path(sys.executable).with_name("fairnotice")


def _serve(folder: Path, port: int, **env: str) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FAIRNOTICE_")}
    clean.update({"FAIRNOTICE_DATA_DIR": str(folder / "var"), **env})
    return subprocess.Popen(
        [str(FAIRNOTICE), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=clean,
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_page(server: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/signup", timeout=2):
                return
        except OSError:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "serve did not answer"
            time.sleep(0.2)


def test_serve_on_sqlite_delivers_the_outbox_itself(tmp_path: Path) -> None:
    queued = run(tmp_path, "send", situation(tmp_path, "s.json"), "--now")
    assert queued.returncode == 0, queued.stderr
    with smtp_server() as (smtp_port, recorder):
        port = free_port()
        server = _serve(
            tmp_path,
            port,
            FAIRNOTICE_SMTP_HOST="127.0.0.1",
            FAIRNOTICE_SMTP_PORT=str(smtp_port),
            FAIRNOTICE_SMTP_TLS="none",
            FAIRNOTICE_SMTP_FROM="noreply@fairnotice.test",
            FAIRNOTICE_DELIVERY_POLL_SECONDS="0.2",
        )
        try:
            _wait_for_page(server, port)
            deadline = time.monotonic() + 30
            while not recorder.received and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [r.rcpt_tos for r in recorder.received] == [["j.doe@example.com"]]
        finally:
            server.terminate()
            _, err = server.communicate(timeout=40)
    assert "delivery worker runs inside this process" in err
    (row,) = json.loads(run(tmp_path, "outbox", "--json").stdout)
    assert row["state"] == "sent"


def test_serve_on_postgresql_leaves_delivery_to_workers(tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    port = free_port()
    server = _serve(tmp_path, port, FAIRNOTICE_DATABASE_URL=pg_url)
    try:
        _wait_for_page(server, port)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=40)
    assert "run `fairnotice worker`" in err
    assert "runs inside this process" not in err


def test_serve_refuses_a_half_configured_relay(tmp_path: Path) -> None:
    server = _serve(tmp_path, free_port(), FAIRNOTICE_SMTP_HOST="127.0.0.1")
    _, err = server.communicate(timeout=60)
    assert server.returncode == 2 and "FAIRNOTICE_SMTP_FROM" in err
