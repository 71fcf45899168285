"""A CalDAV account from a server address: its calendars found, and their busy time read.

Discovery follows RFC 6764 section 6 and RFC 4791 section 6.2: the address the user gave
(when it has a path), then `/.well-known/caldav`, then the server's root, is asked for
the DAV:current-user-principal; the principal for its CALDAV:calendar-home-set; the home
(Depth 1) for its calendars with their display name, colour (Apple's calendar-color) and
the reports they support. Busy time is read with a free-busy-query REPORT (RFC 4791
section 7.10: periods only, no event contents) where the calendar lists that report, and
with a calendar-query with a time range otherwise (or when the server refuses the
free-busy query after all).

Every request goes through `caldav.exchange`: the address guard, same-origin redirects,
size and time limits. Every href a server names is resolved against the address that
answered and must stay on the server's origin, so a hostile server cannot point the
next request elsewhere.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

from fairnotice.calendar.expand import Interval
from fairnotice.errors import N_, BadInput, Phrase
from fairnotice.operations.busy import caldav

DAV, CAL = "DAV:", "urn:ietf:params:xml:ns:caldav"
APPLE = "http://apple.com/ns/ical/"
MAX_ANSWER = 1024 * 1024  # a discovery answer (PROPFIND) of more is refused
MAX_CALENDARS = 50  # listed per account; more are left out
MAX_PERIODS = 50_000  # free-busy periods per calendar and reading
_NAME_LIMIT, _COLOUR = 200, re.compile(r"#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?")

_PRINCIPAL = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><d:current-user-principal/><c:calendar-home-set/></d:prop>
</d:propfind>"""
_HOME = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><c:calendar-home-set/></d:prop>
</d:propfind>"""
_CALENDARS = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"
    xmlns:a="http://apple.com/ns/ical/">
  <d:prop><d:resourcetype/><d:displayname/><a:calendar-color/><d:supported-report-set/>
    <c:supported-calendar-component-set/></d:prop>
</d:propfind>"""
_FREEBUSY = """<?xml version="1.0" encoding="utf-8"?>
<c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav">
  <c:time-range start="{start}" end="{end}"/>
</c:free-busy-query>"""


def _tag(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


@dataclass(frozen=True)
class Login:
    """What every request of one account carries, and the names of its form's fields."""

    username: str
    password: str
    allow_private: bool
    timeout: float = 10.0
    url_field: str = "server"
    password_field: str = "password"


@dataclass(frozen=True)
class Found:
    """One calendar of an account, as its server describes it."""

    href: str  # absolute URL of the collection
    name: str
    colour: str | None
    freebusy: bool  # the server lists free-busy-query among its reports


@dataclass(frozen=True)
class Discovered:
    home: str  # the calendar home set, absolute
    calendars: list[Found]


def _ask(url: str, body: bytes, depth: str, login: Login, method: str = "PROPFIND") -> ET.Element:
    return caldav.request(
        url,
        method=method,
        body=body,
        depth=depth,
        max_bytes=MAX_ANSWER,
        username=login.username,
        password=login.password,
        timeout=login.timeout,
        allow_private=login.allow_private,
        label=login.url_field,
        login_label=login.password_field,
    )[1]


def _same_origin(base: str, href: str, login: Login) -> str:
    """The href made absolute against `base`; refused when it leaves base's origin."""
    url = urljoin(base, href.strip())
    old, new = urlsplit(base), urlsplit(url)
    if (old.scheme, old.hostname, old.port) != (new.scheme, new.hostname, new.port):
        raise BadInput([(login.url_field, N_("the CalDAV server pointed to another server"))])
    return url


def _responses(root: ET.Element) -> Iterator[tuple[str, ET.Element]]:
    """Each response's href with the properties it found (status 200)."""
    for response in root.iter(_tag(DAV, "response")):
        href = response.findtext(_tag(DAV, "href"))
        if not href:
            continue
        for propstat in response.iter(_tag(DAV, "propstat")):
            if " 200 " in (propstat.findtext(_tag(DAV, "status")) or ""):
                prop = propstat.find(_tag(DAV, "prop"))
                if prop is not None:
                    yield href, prop


def _href_of(prop: ET.Element, ns: str, name: str) -> str | None:
    node = prop.find(_tag(ns, name))
    if node is None:
        return None
    return node.findtext(_tag(DAV, "href")) or None


def _starts(server: str) -> list[str]:
    parts = urlsplit(server)
    origin = f"{parts.scheme}://{parts.netloc}"
    found = [server] if parts.path not in ("", "/") else []
    return [*found, origin + "/.well-known/caldav", origin + "/"]


def _principal(server: str, login: Login) -> tuple[str, str | None]:
    """The principal's URL and, when that same answer names it, the calendar home."""
    last: BadInput | None = None
    for start in _starts(server):
        try:
            answered, root = caldav.request(
                start,
                method="PROPFIND",
                body=_PRINCIPAL,
                depth="0",
                max_bytes=MAX_ANSWER,
                username=login.username,
                password=login.password,
                timeout=login.timeout,
                allow_private=login.allow_private,
                label=login.url_field,
                login_label=login.password_field,
            )
        except caldav.Unanswered as exc:  # 404 or 405 here: try the next place
            last = exc
            continue
        for _, prop in _responses(root):
            home = _href_of(prop, CAL, "calendar-home-set")
            principal = _href_of(prop, DAV, "current-user-principal")
            if principal:
                return (
                    _same_origin(answered, principal, login),
                    _same_origin(answered, home, login) if home else None,
                )
    if last is not None:
        raise last
    raise BadInput([(login.url_field, N_("no CalDAV account found at this address"))])


def discover(server: str, login: Login) -> Discovered:
    """The account's calendar home and the calendars in it (events only), by name."""
    principal, home = _principal(server, login)
    if home is None:
        for _, prop in _responses(_ask(principal, _HOME, "0", login)):
            if found := _href_of(prop, CAL, "calendar-home-set"):
                home = _same_origin(principal, found, login)
                break
    if home is None:
        raise BadInput([(login.url_field, N_("the CalDAV server names no calendar home"))])
    calendars: list[Found] = []
    for href, prop in _responses(_ask(home, _CALENDARS, "1", login)):
        kind = prop.find(_tag(DAV, "resourcetype"))
        if kind is None or kind.find(_tag(CAL, "calendar")) is None:
            continue
        components = prop.find(_tag(CAL, "supported-calendar-component-set"))
        if (
            components is not None
            and len(components)
            and not any(c.get("name", "").upper() == "VEVENT" for c in components)
        ):
            continue  # a to-do list or a journal holds no busy time
        url = _same_origin(home, href, login)
        name = " ".join((prop.findtext(_tag(DAV, "displayname")) or "").split())
        colour = (prop.findtext(_tag(APPLE, "calendar-color")) or "").strip()
        reports = prop.find(_tag(DAV, "supported-report-set"))
        calendars.append(
            Found(
                href=url,
                name=(name or urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])[:_NAME_LIMIT],
                colour=colour[:7] if _COLOUR.fullmatch(colour) else None,
                freebusy=reports is not None
                and reports.find(f".//{_tag(CAL, 'free-busy-query')}") is not None,
            )
        )
        if len(calendars) >= MAX_CALENDARS:
            break
    return Discovered(home=home, calendars=sorted(calendars, key=lambda c: c.name.casefold()))


# --- reading busy time -------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def freebusy(url: str, login: Login, *, start: datetime, end: datetime) -> list[Interval]:
    """Busy periods of the calendar at `url` in [start, end), by free-busy-query."""
    body = _FREEBUSY.format(start=_stamp(start), end=_stamp(end)).encode("utf-8")
    _, data = caldav.exchange(
        url,
        method="REPORT",
        body=body,
        depth="1",
        max_bytes=MAX_ANSWER * 4,
        username=login.username,
        password=login.password,
        timeout=login.timeout,
        allow_private=login.allow_private,
        label=login.url_field,
        login_label=login.password_field,
    )
    return periods(data, label=login.url_field, start=start, end=end)


def periods(data: bytes, *, label: str, start: datetime, end: datetime) -> list[Interval]:
    """The busy FREEBUSY periods of a VFREEBUSY answer, clipped to [start, end).

    Read by hand (unfolded lines, `FREEBUSY;FBTYPE=...:start/end-or-duration,...`): the
    answer is small and flat, and a period list is all it may hold. FBTYPE=FREE is free;
    every other type (BUSY, BUSY-TENTATIVE, BUSY-UNAVAILABLE, one unknown) is busy."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput([(label, N_("the free-busy answer is not UTF-8 text"))]) from None
    if "BEGIN:VFREEBUSY" not in text.upper():
        raise BadInput([(label, N_("the free-busy answer holds no VFREEBUSY"))])
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    found: list[Interval] = []
    for line in unfolded.splitlines():
        name, _, value = line.partition(":")
        head, *params = name.split(";")
        if head.upper() != "FREEBUSY":
            continue
        kinds = [p.split("=", 1)[1].upper() for p in params if p.upper().startswith("FBTYPE=")]
        if kinds and kinds[0] == "FREE":
            continue
        for item in value.split(","):
            found.append(_period(item, label))
            if len(found) > MAX_PERIODS:
                raise BadInput([(label, Phrase("more than %(max)s busy periods", max=MAX_PERIODS))])
    return [(max(s, start), min(e, end)) for s, e in found if s < end and e > start]


_DURATION = re.compile(
    r"\+?P(?:(?P<w>\d{1,4})W|(?:(?P<d>\d{1,4})D)?(?:T(?:(?P<h>\d{1,5})H)?(?:(?P<m>\d{1,6})M)?"
    r"(?:(?P<s>\d{1,7})S)?)?)"
)


def _utc(text: str) -> datetime:
    """A FREEBUSY time: UTC, as RFC 5545 section 3.8.2.6 requires."""
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _period(item: str, label: str) -> Interval:
    first, _, last = item.strip().upper().partition("/")
    try:
        begin = _utc(first)
        if (match := _DURATION.fullmatch(last)) is not None and last not in ("P", "+P", "PT"):
            parts = {k: int(v or 0) for k, v in match.groupdict().items()}
            finish = begin + timedelta(
                weeks=parts["w"],
                days=parts["d"],
                hours=parts["h"],
                minutes=parts["m"],
                seconds=parts["s"],
            )
        else:
            finish = _utc(last)
        if finish < begin:
            raise ValueError(last)
    except (ValueError, OverflowError):
        raise BadInput(
            [(label, Phrase("not a free-busy period: %(period)s", period=item[:80]))]
        ) from None
    return begin, finish


def calendar_texts(url: str, login: Login, *, start: datetime, end: datetime) -> list[bytes]:
    """The calendar objects at `url` with events in [start, end) (calendar-query)."""
    return caldav.fetch(
        url,
        start=start,
        end=end,
        max_bytes=MAX_ANSWER * 4,
        username=login.username,
        password=login.password,
        timeout=login.timeout,
        allow_private=login.allow_private,
        label=login.url_field,
        login_label=login.password_field,
    )
