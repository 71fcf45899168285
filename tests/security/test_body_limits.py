"""Request bodies are limited per route before authentication or parsing: 413 (JSON for
the API, a translated page for forms), measured by the bytes the app pulls from the
client and the memory it takes."""

from __future__ import annotations

import asyncio
import socket
import time
import tracemalloc
from collections import Counter
from typing import Any

import pytest
from fastapi import FastAPI

from fairnotice.web.guards import limit_for
from tests.web.conftest import Browser
from tests.web.live import free_port, serving

CHUNK = b"{" * 65536
HUGE = 200 * 1024 * 1024


def call(app: FastAPI, path: str, total: int, *, declared: bool) -> tuple[int, int, int]:
    """POST `total` bytes to `path` in-process, unauthenticated; (status, bytes the app
    pulled, peak memory in bytes while it ran)."""
    pulled = 0
    status = 0
    kind = b"application/json" if path.startswith("/api/") else b"application/x-www-form-urlencoded"
    headers = [(b"content-type", kind), (b"host", b"testserver")]
    if declared:
        headers.append((b"content-length", str(total).encode()))
    else:
        headers.append((b"transfer-encoding", b"chunked"))
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= total:
            await asyncio.sleep(3600)  # the client has nothing more to say
        size = min(len(CHUNK), total - pulled)
        pulled += size
        return {"type": "http.request", "body": CHUNK[:size], "more_body": pulled < total}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    tracemalloc.start()
    try:
        asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=60))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return status, pulled, peak


def test_a_declared_huge_body_to_the_api_is_refused_unread(
    app: FastAPI, tally: Counter[str]
) -> None:
    status, pulled, peak = call(app, "/api/v1/plan", HUGE, declared=True)
    assert status == 413
    assert pulled == 0
    assert peak < 5 * 1024 * 1024, peak
    tally["oversized bodies refused (declared length)"] += 1


@pytest.mark.parametrize("path", ["/api/v1/plan", "/api/v1/interviews/import", "/signin"])
def test_a_chunked_body_is_cut_off_at_the_limit(
    app: FastAPI, path: str, tally: Counter[str]
) -> None:
    limit = limit_for(path)
    status, pulled, peak = call(app, path, 64 * 1024 * 1024, declared=False)
    assert status == 413, status
    assert pulled <= limit + len(CHUNK), (pulled, limit)
    assert peak < 4 * limit + 8 * 1024 * 1024, (peak, limit)
    tally["oversized bodies refused (streamed)"] += 1


def test_a_real_server_answers_413_before_the_body_is_sent(app: FastAPI) -> None:
    """Over TCP: the headers of a 200 MB POST, no body; the answer comes at once."""
    port = free_port()
    with serving(app, port), socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/plan HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\n"
            + f"Content-Length: {HUGE}\r\n\r\n".encode()
            + b"{"
        )
        started = time.monotonic()
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert time.monotonic() - started < 5


def test_an_oversized_upload_is_413_in_the_viewers_language(
    app: FastAPI, browser: Browser, tally: Counter[str]
) -> None:
    ws = browser.sign_up("big@example.org")
    browser.http.cookies.set("lang", "de")  # harmless if the app reads another source
    browser.get(f"/w/{ws}/interviews/new")
    browser.post("/language", {"lang": "de", "next": "/"})
    for size in (1024 * 1024 + 100, 3 * 1024 * 1024):
        response = browser.post(
            f"/w/{ws}/interviews/import",
            files={"file": ("big.ics", b"B" * size, "text/calendar")},
        )
        assert response.status_code == 413, (size, response.status_code)
        assert "text/html" in response.headers["content-type"]
        assert 'lang="de"' in response.text, response.text[:300]
        assert "größer als" in response.text
        if size < 2 * 1024 * 1024:  # within the body limit, the route refuses the file: the
            # import form comes back (issue 19: a refused form is itself), the file named
            assert 'name="file"' in response.text and 'aria-invalid="true"' in response.text
        tally["oversized uploads refused"] += 1
    api = browser.http.post(
        "/api/v1/interviews/import", content=b"B" * (1024 * 1024 + 100),
        headers={"content-type": "text/calendar"},
    )  # fmt: skip
    assert api.status_code in (401, 413), api.status_code


def test_bodies_within_the_limit_still_work(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("fits@example.org")
    browser.get(f"/w/{ws}/interviews/new")
    from tests.web.helpers import INTERVIEW_FORM

    response = browser.post(f"/w/{ws}/interviews", {**INTERVIEW_FORM, "location": "x" * 900})
    assert response.status_code == 303, response.text


def test_the_plan_form_takes_the_calendar_its_page_promises() -> None:
    """The plan page accepts a calendar of up to 1 MiB with its form (it was cut at 512 KiB)."""
    assert limit_for("/w/3/interviews/7/plan") > 1024 * 1024
    assert limit_for("/w/3/interviews/7/edit") < 1024 * 1024
