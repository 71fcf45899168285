"""A local HTTP server that publishes calendars as Google, Outlook.com and iCloud do: a GET
of a secret path answers the .ics with an ETag and Last-Modified, and 304 to a
conditional request that still matches (If-None-Match first, as RFC 9110 says). Each
path's answer can be changed, made to vanish (404/410) or grow; every request is kept.

Reached on 127.0.0.1, so the tests that use it turn on `allow_private` (production keeps
the address guard closed: FAIRNOTICE_CALDAV_ALLOW_PRIVATE is off by default).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Published:
    body: bytes
    etag: str
    modified: str = field(default_factory=lambda: formatdate(usegmt=True))
    status: int = 200
    location: str | None = None  # a redirect's target (status 301/302/307/308)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    status: int


class Calendars:
    """The server's state: what each path answers, and what it was asked."""

    def __init__(self) -> None:
        self.paths: dict[str, Published] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.version = 0

    def publish(self, path: str, body: bytes, *, status: int = 200) -> Published:
        with self.lock:
            self.version += 1
            found = Published(body, f'"v{self.version}"', status=status)
            self.paths[path] = found
            return found

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        with self.lock:
            self.paths[path] = Published(b"", "", status=status, location=location)

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            found = self.paths.get(path.split("?", 1)[0])
            extra: dict[str, str] = {}
            if found is None:
                status, extra, body = 404, {}, b"not found"
            elif found.location is not None:
                status, extra, body = found.status, {"Location": found.location}, b""
            elif found.status != 200:
                status, extra, body = found.status, {}, b"gone"
            else:
                extra = {"ETag": found.etag, "Last-Modified": found.modified}
                match = headers.get("if-none-match")
                since = headers.get("if-modified-since")
                unchanged = match == found.etag if match is not None else since == found.modified
                status, body = (304, b"") if unchanged else (200, found.body)
            self.seen.append(Seen(path, headers, status))
            return status, extra, body


def _handler(calendars: Calendars) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, body = calendars.answer(self.path, headers)
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving(host: str = "127.0.0.1") -> Iterator[tuple[str, Calendars]]:
    """A running server's base URL (http://host:port) and its state."""
    calendars = Calendars()
    server = ThreadingHTTPServer((host, 0), _handler(calendars))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}", calendars
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
