"""Two real CalDAV servers, started on 127.0.0.1 for a test: Radicale (htpasswd login) and
Xandikos (no login of its own: it is meant to sit behind a proxy that checks one).

Each start gets a fresh data folder, so a test sees only the calendars it made. Missing
servers skip locally and fail under CI=true (tests/calendar/realworld.missing).
"""

from __future__ import annotations

import base64
import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from tests.calendar.realworld import missing

SERVERS = ("radicale", "xandikos")
USER, PASSWORD = "alex", "app-pw:7Hq2 x"  # a colon and a space: sent as they are


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running server: its bare address, the login, and where its calendars live."""

    kind: str
    base: str
    home: str
    process: subprocess.Popen[bytes]
    username: str = USER
    password: str = PASSWORD
    made: list[str] = field(default_factory=list)

    def ask(self, url: str, method: str, body: bytes | None = None, content_type: str = "") -> int:
        request = urllib.request.Request(url, data=body, method=method)
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        if body is not None:
            request.add_header("Content-Type", content_type or "application/xml; charset=utf-8")
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)

    def calendar(
        self, slug: str, name: str, colour: str | None = None, components: str = "VEVENT"
    ) -> str:
        """A new calendar in the home, with a display name, colour and component set."""
        url = f"{self.home}{slug}/"
        props = f"<D:displayname>{escape(name)}</D:displayname>"
        if colour:
            props += f"<A:calendar-color>{colour}</A:calendar-color>"
        props += (
            "<C:supported-calendar-component-set>"
            f'<C:comp name="{components}"/></C:supported-calendar-component-set>'
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'
            ' xmlns:A="http://apple.com/ns/ical/">'
            f"<D:set><D:prop>{props}</D:prop></D:set></C:mkcalendar>"
        ).encode()
        self.ask(url, "MKCALENDAR", body)
        self.made.append(url)
        return url

    def event(
        self, calendar: str, uid: str, start: str, end: str, summary: str, extra: str = ""
    ) -> None:
        """One event (UTC times as `20260316T080000Z`); `extra` adds lines (an RRULE)."""
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//fairnotice tests//EN",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20260301T000000Z",
            f"DTSTART:{start}",
            f"DTEND:{end}",
            f"SUMMARY:{summary}",
            *([extra] if extra else []),
            "END:VEVENT",
            "END:VCALENDAR",
        ]
        body = ("\r\n".join(lines) + "\r\n").encode()
        self.ask(f"{calendar}{uid}.ics", "PUT", body, "text/calendar; charset=utf-8")

    def remove(self, url: str) -> None:
        self.ask(url, "DELETE")


def _wait(port: int, process: subprocess.Popen[bytes], log: Path, kind: str) -> None:
    for _ in range(150):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"{kind} stopped: {log.read_text()}")
            time.sleep(0.1)
    pytest.fail(f"{kind} did not start: {log.read_text()}")


def _radicale(root: Path, port: int) -> tuple[list[str], str]:
    (root / "users").write_text(f"{USER}:{PASSWORD}\n")
    config = root / "config"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n"
        f"[auth]\ntype = htpasswd\nhtpasswd_filename = {root / 'users'}\n"
        "htpasswd_encryption = plain\n"
        f"[storage]\nfilesystem_folder = {root / 'collections'}\n"
        "[rights]\ntype = owner_only\n[logging]\nlevel = warning\n"
    )
    return [sys.executable, "-m", "radicale", "--config", str(config)], f"/{USER}/"


def _xandikos(root: Path, port: int) -> tuple[list[str], str]:
    command = [
        sys.executable,
        "-m",
        "xandikos",
        "serve",
        "--defaults",
        "-d",
        str(root / "data"),
        "--state-dir",
        str(root / "state"),
        "-l",
        "127.0.0.1",
        "-p",
        str(port),
        "--no-detect-systemd",
    ]
    return command, "/user/calendars/"


def start(kind: str, root: Path) -> Server:
    if importlib.util.find_spec(kind) is None:
        missing(f"{kind} (pip install {kind}; `make install` installs it)")
    port = free_port()
    command, home = (_radicale if kind == "radicale" else _xandikos)(root, port)
    log = root / f"{kind}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    _wait(port, process, log, kind)
    base = f"http://127.0.0.1:{port}"
    return Server(kind=kind, base=base, home=base + home, process=process)


@pytest.fixture(params=SERVERS)
def dav(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A fresh Radicale, then a fresh Xandikos."""
    root = tmp_path / request.param
    root.mkdir()
    server = start(str(request.param), root)
    try:
        yield server
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "radicale"
    root.mkdir()
    server = start("radicale", root)
    try:
        yield server
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
