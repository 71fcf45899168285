"""A calendar server's failure reads as a plain reason in every language (issue 19): never
the protocol's words (PROPFIND, "Unsupported method", an SSL library's code), never an
exception's own text. Against real local servers: Python's own HTTP server, which answers
a WebDAV request with "501 Unsupported method ('PROPFIND')", and a closed port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fairnotice.errors import BadInput
from fairnotice.operations.busy import caldav
from fairnotice.web import i18n

NO_CALENDARS = {
    "en": "the server does not offer calendars at this address: check the address",
    "de": "der Server bietet unter dieser Adresse keine Kalender an: prüfe die Adresse",
    "sv": "servern erbjuder inga kalendrar på den här adressen: kontrollera adressen",
}
REFUSED = {
    "en": "the server refused the connection: check the address and port",
    "de": "der Server hat die Verbindung abgelehnt: prüfe Adresse und Port",
    "sv": "servern vägrade anslutningen: kontrollera adress och port",
}
PROTOCOL_WORDS = ("PROPFIND", "Unsupported", "501", "Errno", "refused]", "ECONNREFUSED")


class _Plain(BaseHTTPRequestHandler):
    """A web server with no WebDAV: any method but GET is its own 501 answer."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def plain() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Plain)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dav/"
    finally:
        server.shutdown()
        server.server_close()


def _refusal(url: str) -> str | object:
    with pytest.raises(BadInput) as failed:
        caldav.request(url, method="PROPFIND", body=b"", depth="0", max_bytes=10_000, timeout=5)
    [(_, why)] = failed.value.problems
    return why


def test_a_server_without_webdav_is_said_to_offer_no_calendars_in_every_language(
    plain: str,
) -> None:
    why = _refusal(plain)
    for language, text in NO_CALENDARS.items():
        shown = i18n.translate(why, language)
        assert shown == text
        assert not [word for word in PROTOCOL_WORDS if word in shown]


def test_a_closed_port_is_a_plain_reason_not_the_sockets_text() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    why = _refusal(f"http://127.0.0.1:{port}/dav/")
    for language, text in REFUSED.items():
        shown = i18n.translate(why, language)
        assert shown == text
        assert not [word for word in PROTOCOL_WORDS if word in shown]
