"""A CalDAV calendar by URL: the events of a time range, as iCalendar bytes.

One `calendar-query` REPORT (RFC 4791 section 7.8) with a time-range filter, so the
server sends only what can matter. Credentials come from the URL's user part or from
FAIRNOTICE_CALDAV_USERNAME / FAIRNOTICE_CALDAV_PASSWORD; the answer is size-capped like
any calendar file.
"""

from __future__ import annotations

import base64
import os
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit, urlunsplit

from fairnotice.errors import BadInput

_NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav"}
_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><c:calendar-data/></d:prop>
  <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
    <c:time-range start="{start}" end="{end}"/>
  </c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def public(url: str) -> str:
    """The URL as it may be shown or stored: without a user name or password."""
    return _credentials(url)[0] if is_url(url) else url


def _credentials(url: str) -> tuple[str, str | None, str | None]:
    """The URL without its user part, and the user name and password to send."""
    parts = urlsplit(url)
    user = (
        unquote(parts.username) if parts.username else os.environ.get("FAIRNOTICE_CALDAV_USERNAME")
    )
    password = (
        unquote(parts.password) if parts.password else os.environ.get("FAIRNOTICE_CALDAV_PASSWORD")
    )
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), user, password


def fetch(
    url: str, *, start: datetime, end: datetime, max_bytes: int, timeout: float = 30.0
) -> list[bytes]:
    """Every calendar object of the collection at `url` with events in [start, end)."""
    clean, user, password = _credentials(url)
    body = _QUERY.format(start=_stamp(start), end=_stamp(end)).encode("utf-8")
    request = urllib.request.Request(clean, data=body, method="REPORT")
    request.add_header("Depth", "1")
    request.add_header("Content-Type", "application/xml; charset=utf-8")
    if user is not None:
        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise BadInput([(clean, f"the CalDAV server answered {exc.code} {exc.reason}")]) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise BadInput([(clean, f"cannot reach the CalDAV server: {exc}")]) from None
    if len(data) > max_bytes:
        raise BadInput([(clean, f"the CalDAV answer is larger than the limit of {max_bytes}")])
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise BadInput([(clean, f"the CalDAV answer is not valid XML: {exc}")]) from None
    found = [
        node.text.encode("utf-8")
        for node in root.iterfind(".//d:response/d:propstat/d:prop/c:calendar-data", _NS)
        if node.text
    ]
    return found
