"""`fairnotice db upgrade` and `fairnotice serve` as a user runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from fairnotice.settings import Settings, served_base_url
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


def _serve(tmp_path: Path, port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(FAIRNOTICE), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-delivery"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor())


def _wait(opener: urllib.request.OpenerDirector, server: subprocess.Popen[str], url: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        try:
            with opener.open(url, timeout=2) as page:
                return str(page.read().decode())
        except OSError:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "serve did not answer"
            time.sleep(0.2)


def _sign_up(opener: urllib.request.OpenerDirector, base: str, page: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = {
        "csrf_token": token.group(1),
        "email": "ada@example.org",
        "name": "Ada Berg",
        "password": "a long passphrase",
        "timezone": "Europe/Berlin",
    }
    data = urllib.parse.urlencode(form).encode()
    with opener.open(urllib.request.Request(f"{base}/signup", data=data), timeout=10) as done:
        assert done.status == 200  # followed on to the sign-in page


def test_serve_on_another_port_mails_links_to_that_port(tmp_path: Path) -> None:
    """No FAIRNOTICE_BASE_URL: the links in emails name the address served, not port 8000."""
    port = free_port()
    server = _serve(tmp_path, port, _env(tmp_path))
    base = f"http://127.0.0.1:{port}"
    try:
        opener = _opener()
        page = _wait(opener, server, f"{base}/signup")
        _sign_up(opener, base, page)
        _sign_up(opener, base, _wait(opener, server, f"{base}/signup"))  # the owner is told
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    assert f"links in emails use {base}" in stderr
    assert "warning" not in stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'fairnotice.sqlite3'}")
    with engine.connect() as db:
        bodies = [row[0] for row in db.execute(text("SELECT body FROM outbox"))]
    engine.dispose()
    assert bodies, "the second sign-up mails the address's owner"
    assert all(f"{base}/signin" in body for body in bodies)
    assert not any(":8000" in body for body in bodies)


def test_serve_warns_when_the_base_url_names_another_local_port(tmp_path: Path) -> None:
    port = free_port()
    env = {**_env(tmp_path), "FAIRNOTICE_BASE_URL": "http://127.0.0.1:8000"}
    server = _serve(tmp_path, port, env)
    try:
        _wait(_opener(), server, f"http://127.0.0.1:{port}/signup")
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    assert "links in emails use http://127.0.0.1:8000" in stderr
    assert "warning: FAIRNOTICE_BASE_URL is http://127.0.0.1:8000" in stderr
    assert f"port {port}" in stderr


@pytest.mark.parametrize(
    ("configured", "host", "port", "expected", "warned"),
    [
        (None, "127.0.0.1", 8711, "http://127.0.0.1:8711", False),
        (None, "::1", 8711, "http://[::1]:8711", False),
        (None, "0.0.0.0", 8711, "http://127.0.0.1:8711", True),
        ("http://localhost:8000/", "127.0.0.1", 8711, "http://localhost:8000", True),
        ("http://127.0.0.1:8711", "127.0.0.1", 8711, "http://127.0.0.1:8711", False),
        ("https://jobs.example.org", "127.0.0.1", 8711, "https://jobs.example.org", False),
    ],
)
def test_the_served_base_url(
    monkeypatch: pytest.MonkeyPatch,
    configured: str | None,
    host: str,
    port: int,
    expected: str,
    warned: bool,
) -> None:
    monkeypatch.delenv("FAIRNOTICE_BASE_URL", raising=False)
    settings = (
        Settings(_env_file=None, base_url=configured) if configured else Settings(_env_file=None)
    )
    base, warning = served_base_url(settings, host, port)
    assert base == expected
    assert (warning is not None) == warned
