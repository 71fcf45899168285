"""TZID -> IANA zone name, the way real invitations write their zones.

Google and Apple write IANA names; Outlook/Exchange write Windows names ("W. Europe
Standard Time") with a VTIMEZONE; Thunderbird and libical prefix IANA names
("/mozilla.org/20070129_1/Europe/Berlin"); some tools invent a name and define it only in
their VTIMEZONE ("Customized Time Zone"). The first three map by name; the last maps to
the IANA zone whose offsets agree with the definition. Anything else is unknown, and an
unknown zone is an error, never a silent UTC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

# Prefixes that libical, Thunderbird and khal put before an IANA name.
_PREFIXES = re.compile(
    r"^(?:/mozilla\.org/[^/]+/|/freeassociation\.sourceforge\.net/(?:Tzfile/)?"
    r"|/softwarestudio\.org/(?:Olson_\d+_\d+/)?|/citadel\.org/[^/]+/|posix/|right/|/)"
)
# Windows names are case-insensitive in practice; Outlook sometimes drops " Time".
_WINDOWS = {name.casefold(): iana for name, iana in WINDOWS_TO_OLSON.items()}
_WINDOWS_PRIMARY = frozenset(WINDOWS_TO_OLSON.values())


@lru_cache(maxsize=1024)
def iana(name: str) -> ZoneInfo | None:
    """The zone of an IANA name, or None (never raises on odd text)."""
    if not name or name.startswith((".", "/")) or ".." in name or "\\" in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@lru_cache(maxsize=1024)
def by_name(tzid: str) -> str | None:
    """The IANA name a TZID stands for by its name alone, or None."""
    text = tzid.strip().strip('"')
    if text.upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
        return "UTC"
    if iana(text) is not None:
        return text
    stripped = _PREFIXES.sub("", text)
    if stripped != text and iana(stripped) is not None:
        return stripped
    folded = text.casefold()
    for key in (folded, f"{folded} time", folded.removesuffix(" time")):
        if key in _WINDOWS:
            return _WINDOWS[key]
    return None


def _samples(year: int) -> list[datetime]:
    """Instants spread over two years, dense enough to see every DST rule in use."""
    start = datetime(year - 1, 1, 1, tzinfo=UTC)
    return [start + timedelta(days=7 * week, hours=12) for week in range(0, 105)]


@lru_cache(maxsize=64)
def _offsets(key: str, year: int) -> tuple[timedelta | None, ...]:
    zone = ZoneInfo(key)
    return tuple(moment.astimezone(zone).utcoffset() for moment in _samples(year))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


@lru_cache(maxsize=256)
def _candidates() -> tuple[str, ...]:
    skip = ("Etc/", "SystemV/", "posix", "right/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
    return tuple(sorted(z for z in available_timezones() if not z.startswith(skip)))


def by_behaviour(tzid: str, definition: tzinfo, moments: Sequence[datetime]) -> str | None:
    """The IANA zone whose UTC offsets best match a VTIMEZONE definition.

    The zone must agree at `moments` (the event's own start and end) and on at least
    nine samples in ten over the two years around them: old Windows definitions differ
    from the tz database by a day or two around a transition. Ties go to a zone whose city
    appears in the TZID, then to the zone Windows maps to (each Windows zone's main city),
    then alphabetically.
    """
    year = moments[0].year
    samples = _samples(year)
    wanted = tuple(m.astimezone(definition).utcoffset() for m in samples)
    exact = [m.astimezone(definition).utcoffset() for m in moments]
    label = _ascii(tzid).replace(" ", "_")
    best: tuple[int, int, int, str] | None = None
    for name in _candidates():
        zone = ZoneInfo(name)
        if [m.astimezone(zone).utcoffset() for m in moments] != exact:
            continue
        agree = sum(a == b for a, b in zip(_offsets(name, year), wanted, strict=True))
        if agree * 10 < len(samples) * 9:
            continue
        city = _ascii(name.rsplit("/", 1)[-1])
        rank = (-agree, 0 if city in label else 1, 0 if name in _WINDOWS_PRIMARY else 1, name)
        if best is None or rank < best:
            best = rank
    return best[3] if best else None
