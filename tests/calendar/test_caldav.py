"""A CalDAV calendar by URL, against a real Radicale server started on 127.0.0.1."""

from __future__ import annotations

import base64
import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from fairnotice.errors import BadInput
from fairnotice.operations.busy import caldav
from fairnotice.operations.busy.calendars import load_calendar
from fairnotice.settings import Settings
from tests.calendar.realworld import missing
from tests.calendar.test_expand import ics
from tests.calendar.test_import import invoke

USER, PASSWORD = "alex", "s3cret:pw"


def with_login(url: str, password: str = PASSWORD) -> str:
    """The URL with user and (percent-encoded) password in it."""
    return url.replace("http://", f"http://{USER}:{password.replace(':', '%3A')}@")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(
    url: str,
    method: str,
    body: bytes | None = None,
    content_type: str = "text/calendar; charset=utf-8",
) -> int:
    request = urllib.request.Request(url, data=body, method=method)
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    if body is not None:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Radicale with one user and one calendar holding a meeting, a weekly series with a
    moved instance, and a cancelled event. Yields the calendar's URL."""
    if importlib.util.find_spec("radicale") is None:
        missing("Radicale (pip install radicale)")
    root = tmp_path_factory.mktemp("radicale")
    (root / "users").write_text(f"{USER}:{PASSWORD}\n")
    port = _free_port()
    config = root / "config"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n"
        f"[auth]\ntype = htpasswd\nhtpasswd_filename = {root / 'users'}\n"
        "htpasswd_encryption = plain\n"
        f"[storage]\nfilesystem_folder = {root / 'collections'}\n"
        "[rights]\ntype = owner_only\n[logging]\nlevel = warning\n"
    )
    log = (root / "radicale.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"Radicale stopped: {(root / 'radicale.log').read_text()}")
                time.sleep(0.1)
        calendar = f"{base}/{USER}/interviews/"
        _request(calendar, "MKCALENDAR")
        _request(
            calendar + "meeting.ics",
            "PUT",
            ics(
                "UID:meeting\nDTSTART;TZID=Europe/Berlin:20260316T090000\n"
                "DTEND;TZID=Europe/Berlin:20260316T103000"
            ),
        )
        _request(
            calendar + "weekly.ics",
            "PUT",
            ics(
                "UID:weekly\nDTSTART;TZID=Europe/Berlin:20260302T140000\nDURATION:PT1H\n"
                "RRULE:FREQ=WEEKLY;BYDAY=MO",
                "UID:weekly\nRECURRENCE-ID;TZID=Europe/Berlin:20260316T140000\n"
                "DTSTART;TZID=Europe/Berlin:20260316T160000\nDURATION:PT1H",
            ),
        )
        _request(
            calendar + "cancelled.ics",
            "PUT",
            ics("UID:off\nDTSTART:20260316T110000Z\nDURATION:PT1H\nSTATUS:CANCELLED"),
        )
        _request(
            calendar + "far.ics", "PUT", ics("UID:far\nDTSTART:20270101T110000Z\nDURATION:PT1H")
        )
        yield calendar
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_busy_time_from_caldav_with_credentials_in_the_url(server: str) -> None:
    url = with_login(server)
    found = load_calendar(
        url,
        start=datetime(2026, 3, 16, tzinfo=UTC),
        end=datetime(2026, 3, 17, tzinfo=UTC),
        floating=UTC,
    )
    assert found == [
        (datetime(2026, 3, 16, 8, tzinfo=UTC), datetime(2026, 3, 16, 9, 30, tzinfo=UTC)),
        (datetime(2026, 3, 16, 15, tzinfo=UTC), datetime(2026, 3, 16, 16, tzinfo=UTC)),
    ]


def test_slots_from_caldav_with_credentials_from_the_environment(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIRNOTICE_CALDAV_USERNAME", USER)
    monkeypatch.setenv("FAIRNOTICE_CALDAV_PASSWORD", PASSWORD)
    code, out, err, exc = invoke(
        "slots",
        "--calendar",
        server,
        "--duration",
        "60",
        "--tz",
        "Europe/Berlin",
        "--from",
        "2026-03-16T09:00:00+01:00",
        "--until",
        "2026-03-16T17:00:00+01:00",
        "--step",
        "60",
        "--json",
    )
    assert exc is None and code == 0, err
    # 09:00-10:30 meeting, 16:00-17:00 the moved weekly; 14:00 is free (moved away),
    # 12:00 UTC+1 = 11:00 UTC is free (cancelled).
    assert [row["start"][11:16] for row in json.loads(out)] == [
        "11:00",
        "12:00",
        "13:00",
        "14:00",
        "15:00",
    ]


def test_wrong_password_is_a_clear_error(server: str) -> None:
    url = with_login(server, "wrong")
    with pytest.raises(BadInput, match="401"):
        caldav.fetch(
            server,
            username=USER,
            password="wrong",
            start=datetime(2026, 3, 16, tzinfo=UTC),
            end=datetime(2026, 3, 17, tzinfo=UTC),
            max_bytes=1024 * 1024,
        )
    code, _, err, _ = invoke(
        "slots",
        "--calendar",
        url,
        "--duration",
        "60",
        "--tz",
        "UTC",
        "--from",
        "2026-03-16T09:00:00+00:00",
    )
    assert code == 2 and "401" in err and "wrong" not in err  # the password is not echoed


def test_answer_over_the_size_cap_is_refused(server: str) -> None:
    with pytest.raises(BadInput, match="larger than the limit"):
        caldav.fetch(
            server,
            username=USER,
            password=PASSWORD,
            start=datetime(2026, 3, 1, tzinfo=UTC),
            end=datetime(2026, 4, 1, tzinfo=UTC),
            max_bytes=200,
        )


def test_unreachable_server_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}/alex/cal/"
    with pytest.raises(BadInput, match="refused the connection: check the address"):
        caldav.fetch(
            url,
            start=datetime(2026, 3, 16, tzinfo=UTC),
            end=datetime(2026, 3, 17, tzinfo=UTC),
            max_bytes=1024,
            timeout=2,
        )


def test_credentials_are_not_part_of_the_url_sent() -> None:
    clean, user, password = caldav._credentials("https://bob:p%40ss@cal.example.org:8443/b/c/")
    assert (clean, user, password) == ("https://cal.example.org:8443/b/c/", "bob", "p@ss")


def test_the_environment_login_reaches_only_the_cli(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAIRNOTICE_CALDAV_USERNAME", "env-user")
    monkeypatch.setenv("FAIRNOTICE_CALDAV_PASSWORD", "env-pass")
    config = Settings(_env_file=None).calendars
    login = (config.caldav_username, config.caldav_password)
    assert caldav._credentials("https://cal.example.org/c/")[1:] == (None, None)
    assert caldav.cli_credentials("https://cal.example.org/c/", *login)[1:] == login
    assert login == ("env-user", "env-pass")
    assert caldav.cli_credentials("https://bob:pw@cal.example.org/c/", *login)[1:] == ("bob", "pw")


def test_a_broken_calendar_on_the_server_names_the_url_without_the_password(
    server: str,
) -> None:
    _request(
        server + "broken.ics",
        "PUT",
        ics("UID:b\nDTSTART;TZID=Nowhere/Land:20260316T100000\nDURATION:PT1H"),
    )
    url = with_login(server)
    try:
        code, _, err, _ = invoke(
            "slots",
            "--calendar",
            url,
            "--duration",
            "60",
            "--tz",
            "UTC",
            "--from",
            "2026-03-16T00:00:00+00:00",
        )
        assert code == 2, err
        assert server in err and "Nowhere/Land" in err
        assert "s3cret" not in err and USER + ":" not in err
    finally:
        _request(server + "broken.ics", "DELETE")
