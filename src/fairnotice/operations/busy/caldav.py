"""A CalDAV calendar by URL: the events of a time range, as iCalendar bytes.

One `calendar-query` REPORT (RFC 4791 section 7.8) with a time-range filter, so the
server sends only what can matter. Credentials are explicit arguments: the CLI takes its
user's own from the URL or FAIRNOTICE_CALDAV_USERNAME / _PASSWORD (`cli_credentials`, given
`settings.calendars`); the web app passes what the user typed, so server-wide credentials
never go to a URL a web user chose. With `allow_private=False` (the web app) every address
the host resolves to, checked at connect time (no DNS rebinding), must be public; redirects
are followed only to the same scheme, host and port; the answer is size-capped and
time-boxed.
"""

from __future__ import annotations

import base64
import http.client
import io
import ipaddress
import socket
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import unquote, urlsplit, urlunsplit

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from fairnotice.errors import N_, BadInput, Phrase
from fairnotice.operations.busy import failures

_NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav"}
_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><c:calendar-data/></d:prop>
  <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
    <c:time-range start="{start}" end="{end}"/>
  </c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"""
_CHUNK = 64 * 1024


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def public(url: str) -> str:
    """The URL as it may be shown or stored: without a user name or password."""
    return _credentials(url)[0] if is_url(url) else url


def unsendable(url: str) -> bool:
    """Whether the address holds a space or control character: http.client refuses it
    with a message that quotes the whole address, and the address may be a secret."""
    return any(c <= " " or c == "\x7f" for c in url)


def without_login(typed: str) -> str:
    """An address as typed, to be shown again: a user name and password inside it left
    out, with or without a scheme (`user:pw@host/...` too), whatever else is wrong."""
    head, sep, rest = typed.partition("://")
    if not sep:
        head, rest = "", typed
    cut = min((i for i in (rest.find(c) for c in "/?#\\") if i >= 0), default=len(rest))
    host, tail = rest[:cut], rest[cut:]
    if "@" in host:
        return f"{head}{sep}{host.rpartition('@')[2]}{tail}"
    _, colon, port = host.partition(":")
    before_query = rest.split("?", 1)[0].split("#", 1)[0]
    if colon and not port.isdigit() and "@" in before_query:  # a "/" inside the password
        return f"{head}{sep}{rest[len(before_query.rpartition('@')[0]) + 1 :]}"
    return typed


def _credentials(url: str) -> tuple[str, str | None, str | None]:
    """The URL without its user part, and the user name and password it carries."""
    parts = urlsplit(url)
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), user, password


def cli_credentials(
    url: str, username: str | None, password: str | None
) -> tuple[str, str | None, str | None]:
    """For the CLI user's own calendars: the URL's user part, else the given login
    (FAIRNOTICE_CALDAV_USERNAME / _PASSWORD, `settings.calendars`)."""
    clean, in_url, secret = _credentials(url)
    return (
        clean,
        in_url if in_url is not None else username,
        secret if secret is not None else password,
    )


class RefusedAddress(OSError):
    """The host resolves to an address a web user may not make the server reach."""


def _public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # an IPv4 address inside: mapped (::ffff:a.b.c.d) or 6to4 (2002:AABB:CCDD::), which
        # a relay on the host's network turns back into that IPv4 address
        inside = ip.ipv4_mapped or ip.sixtofour
        if inside is not None and not _public_address(str(inside)):
            return False
        ip = ip.ipv4_mapped or ip
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _guarded_connection(
    address: tuple[str, int], timeout: float | None = None, source: Any = None
) -> socket.socket:
    """socket.create_connection, refusing a host with any non-public address."""
    host, port = address
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc.strerror}") from None
    if not found or not all(_public_address(str(info[4][0])) for info in found):
        raise RefusedAddress(f"{host} is a loopback, private, link-local or reserved address")
    error: OSError | None = None
    for family, kind, proto, _, peer in found:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            sock.connect(peer)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"cannot connect to {host}")


# --- one deadline for a whole exchange ------------------------------------------------------
#
# A socket timeout bounds each wait, not the whole answer: a server that sends a byte of
# its status line, headers or body just before each timeout keeps a reader busy for ever
# (slowloris in reverse). Every read of a connection opened inside `deadline(...)` waits
# at most until the deadline, across redirects too.

_deadlines = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every connection opened in this block (in this thread) answers within `seconds`."""
    before = getattr(_deadlines, "end", None)
    _deadlines.end = time.monotonic() + seconds
    try:
        yield
    finally:
        _deadlines.end = before


class _DeadlineReader(io.RawIOBase):
    """A socket's reading side that gives up at the deadline, however the bytes trickle."""

    def __init__(self, sock: socket.socket, end: float) -> None:
        super().__init__()
        # the socket's own reader: it keeps the socket open until it is closed itself
        # (urllib closes the connection before the body is read)
        self._raw: Any = sock.makefile("rb", buffering=0)
        self._sock, self._end = sock, end
        self._per_wait = sock.gettimeout()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the server took too long to answer")
        self._sock.settimeout(left if self._per_wait is None else min(left, self._per_wait))
        return int(self._raw.readinto(buffer) or 0)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineSocket:
    """The connection's socket as http.client uses it, its reads bounded by a deadline."""

    def __init__(self, sock: socket.socket, end: float) -> None:
        self._sock, self._end = sock, end

    def makefile(self, mode: str = "r", *args: Any, **kw: Any) -> IO[bytes]:
        assert "b" in mode and "w" not in mode
        return io.BufferedReader(_DeadlineReader(self._sock, self._end))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _bounded(sock: Any) -> Any:
    end = getattr(_deadlines, "end", None)
    return sock if end is None or sock is None else _DeadlineSocket(sock, end)


class _TimedHTTP(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        self.sock = _bounded(self.sock)


class _TimedHTTPS(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()  # the TLS handshake is bounded by the socket timeout
        self.sock = _bounded(self.sock)


class _GuardedHTTP(_TimedHTTP):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._create_connection = _guarded_connection


class _GuardedHTTPS(_TimedHTTPS):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._create_connection = _guarded_connection


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTP, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPS, req)


class _TimedHTTPHandler(urllib.request.HTTPHandler):
    """Private addresses allowed (tests, a server's own network), the deadline kept."""

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_TimedHTTP, req)


class _TimedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_TimedHTTPS, req)


def undrained(fp: IO[bytes]) -> None:
    """Close a redirect's answer before urllib reads all of it: its body is never used,
    and urllib's own handler reads it whole, of any size, into memory."""
    fp.close()


class _SameOrigin(urllib.request.HTTPRedirectHandler):
    """Follow a redirect (keeping method, body and login) only within one origin."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if code not in (301, 302, 307, 308) or (new.scheme, new.hostname, new.port) != (
            old.scheme,
            old.hostname,
            old.port,
        ):
            return None  # the 3xx becomes an error the caller sees
        undrained(fp)
        return urllib.request.Request(
            newurl, data=req.data, headers=dict(req.header_items()), method=req.get_method()
        )


def _opener(allow_private: bool) -> urllib.request.OpenerDirector:
    if allow_private:
        return urllib.request.build_opener(_TimedHTTPHandler, _TimedHTTPSHandler, _SameOrigin)
    # No proxies: the address checked must be the address connected to.
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _GuardedHTTPHandler, _GuardedHTTPSHandler, _SameOrigin
    )


SLOW = N_("the CalDAV server took too long to answer")


def read_bounded(
    response: IO[bytes], *, max_bytes: int, deadline: float, label: str, slow: str = SLOW
) -> bytes:
    """At most max_bytes + 1 bytes, before the deadline (a server cannot dribble forever);
    past it, BadInput `slow` on `label`. Shared by CalDAV and subscription links."""
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        if time.monotonic() > deadline:
            raise BadInput([(label, slow)])
        chunk = response.read(min(_CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def exchange(
    url: str,
    *,
    method: str,
    body: bytes | None,
    depth: str,
    max_bytes: int,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 30.0,
    allow_private: bool = True,
    label: str | None = None,
    login_label: str | None = None,
    content_type: str = "application/xml; charset=utf-8",
) -> tuple[str, bytes]:
    """One WebDAV request (PROPFIND or REPORT) under the guard: the URL that answered
    (after same-origin redirects) and its body, at most `max_bytes`. Problems are named
    `label` (default: the URL without any user part); a refused login (401/403) is named
    `login_label`. No message ever holds the password."""
    clean = public(url)
    label = label or clean
    parts = urlsplit(clean)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput([(label, N_("must be an http:// or https:// address"))])
    req = urllib.request.Request(clean, data=body, method=method)
    req.add_header("Depth", depth)
    req.add_header("Content-Type", content_type)
    if username is not None:
        token = base64.b64encode(f"{username}:{password or ''}".encode()).decode("ascii")
        req.add_header("Authorization", f"Basic {token}")
    end = time.monotonic() + timeout
    try:
        with deadline(timeout), _opener(allow_private).open(req, timeout=timeout) as response:
            answered = str(response.geturl())
            data = read_bounded(response, max_bytes=max_bytes, deadline=end, label=label)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in (401, 403):
            raise Refused(
                [
                    (
                        login_label or label,
                        Phrase("the CalDAV server refused the login (%(code)s)", code=exc.code),
                    )
                ]
            ) from None
        raise Unanswered([(label, failures.answered(exc.code))], code=exc.code) from None
    except (urllib.error.URLError, TimeoutError) as exc:
        reason = exc if isinstance(exc, TimeoutError) else exc.reason
        if isinstance(reason, TimeoutError):  # no answer within the deadline
            raise BadInput([(label, N_("the CalDAV server took too long to answer"))]) from None
        assert isinstance(exc, urllib.error.URLError)
        if isinstance(exc.reason, RefusedAddress):
            raise BadInput(
                [(label, Phrase("not allowed: %(reason)s", reason=exc.reason))]
            ) from None
        raise BadInput([(label, failures.unreachable(exc.reason))]) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise BadInput([(label, failures.unreachable(exc))]) from None
    if len(data) > max_bytes:
        raise BadInput(
            [
                (
                    label,
                    Phrase("the CalDAV answer is larger than the limit of %(max)s", max=max_bytes),
                )
            ]
        )
    return answered, data


def request(url: str, *, label: str | None = None, **kw: Any) -> tuple[str, ET.Element]:
    """`exchange`, its answer parsed as XML (a multistatus)."""
    answered, data = exchange(url, label=label, **kw)
    what = label or public(url)
    try:
        # no DTD: a multistatus never needs one, and its entities are how an answer
        # within the size limit grows a thousandfold in memory
        root: ET.Element = safe_xml.fromstring(data, forbid_dtd=True)
    except ET.ParseError as exc:
        raise BadInput(
            [(what, Phrase("the CalDAV answer is not valid XML: %(error)s", error=exc))]
        ) from None
    except DefusedXmlException:
        raise BadInput([(what, N_("the CalDAV answer declares a DTD or entities"))]) from None
    return answered, root


class Refused(BadInput):
    """The server refused the login (401 or 403)."""


class Unanswered(BadInput):
    """The server answered with another error status (`code`)."""

    def __init__(self, problems: Iterable[tuple[str, str]], *, code: int) -> None:
        super().__init__(problems)
        self.code = code


def fetch(
    url: str,
    *,
    start: datetime,
    end: datetime,
    max_bytes: int,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 30.0,
    allow_private: bool = True,
    label: str | None = None,
    login_label: str | None = None,
) -> list[bytes]:
    """Every calendar object of the collection at `url` with events in [start, end).

    Problems are named `label` (default: the URL without any user part); a refused login
    (401/403) is named `login_label`. No message ever holds the password.
    """
    body = _QUERY.format(start=_stamp(start), end=_stamp(end)).encode("utf-8")
    _, root = request(
        url,
        method="REPORT",
        body=body,
        depth="1",
        max_bytes=max_bytes,
        username=username,
        password=password,
        timeout=timeout,
        allow_private=allow_private,
        label=label,
        login_label=login_label,
    )
    return [
        node.text.encode("utf-8")
        for node in root.iterfind(".//d:response/d:propstat/d:prop/c:calendar-data", _NS)
        if node.text
    ]
