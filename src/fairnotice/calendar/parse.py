"""Reading iCalendar text safely: size cap, any encoding clients use, errors that name where.

Pure: bytes in, icalendar components out. Every failure becomes `BadInput` naming the
source (`label`) and, where known, the component and property, so a broken file is a
clear error (CLI exit 2) and never a traceback.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta, tzinfo
from typing import Any, TypeVar

from icalendar import Calendar, Component

from fairnotice.calendar import zones
from fairnotice.calendar.budget import LINE, Budget
from fairnotice.errors import BadInput

DEFAULT_MAX_BYTES = 1024 * 1024
T = TypeVar("T")


def check_size(data: bytes, *, label: str, max_bytes: int) -> None:
    """Refuse input over the cap before any parsing work is spent on it."""
    if len(data) > max_bytes:
        raise BadInput([(label, f"is {len(data)} bytes, larger than the limit of {max_bytes}")])


def decode(data: bytes, *, label: str) -> str:
    """Text of an iCalendar file: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise BadInput([(label, f"not text in a known encoding (byte {exc.start})")]) from None


def calendars(
    data: bytes, *, label: str, max_bytes: int = DEFAULT_MAX_BYTES, budget: Budget | None = None
) -> list[Calendar]:
    """Every VCALENDAR in `data` (some servers concatenate several). Its content lines are
    charged to `budget` (by default one file's) before icalendar parses them: a megabyte
    of five-byte lines costs icalendar seconds."""
    check_size(data, label=label, max_bytes=max_bytes)
    text = decode(data, label=label)
    (budget or Budget(label)).spend(LINE * (max(text.count("\n"), text.count("\r")) + 1))
    if not text.lstrip().upper().startswith("BEGIN:"):
        raise BadInput([(label, "not a calendar file (.ics)")])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = Calendar.from_ical(text, multiple=True)
            if not any(isinstance(c, Calendar) for c in found):
                found = [_wrap(found)]
    except RecursionError:
        raise BadInput([(label, "components nested too deeply")]) from None
    except Exception as exc:  # icalendar raises ValueError, KeyError, IndexError, ...
        raise BadInput([(label, f"not valid iCalendar: {_short(exc)}")]) from None
    result = [c for c in found if isinstance(c, Calendar)]
    if not result:
        raise BadInput([(label, "holds no calendar (VCALENDAR) component")])
    return result


def _wrap(components: Sequence[Component]) -> Calendar:
    """A calendar around bare components (a lone VEVENT, as some tools export)."""
    cal = Calendar()
    for component in components:
        if component.name in ("VEVENT", "VTIMEZONE", "VFREEBUSY", "VTODO"):
            cal.add_component(component)
    return cal


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def prop(component: Component, name: str) -> Any:
    """A property by its upper-case name. icalendar stores names upper-cased, so reading
    the dict directly skips CaselessDict's per-call case folding on the hot path."""
    return dict.get(component, name)


def where(label: str, component: Component, prop: str | None = None) -> str:
    """'file.ics: VEVENT abc@x DTSTART': the field name of a BadInput."""
    uid = component.get("UID")
    name = f"{label}: {component.name}" + (f" {uid}" if uid else "")
    return f"{name} {prop}" if prop else name


Field = str | Callable[[], str]


def guarded(field: Field, read: Callable[[], T]) -> T:
    """Run `read`, turning any error from a broken value into BadInput on `field` (a name,
    or a callable that makes it: the name is only built when something is wrong)."""
    try:
        return read()
    except BadInput:
        raise
    except Exception as exc:
        name = field if isinstance(field, str) else field()
        raise BadInput([(name, f"cannot be read: {_short(exc)}")]) from None


def value(component: Component, prop: str, *, label: str) -> Any:
    """The parsed value (`.dt` for dates) of a property, or None when absent."""
    raw = dict.get(component, prop)
    if raw is None:
        return None
    if isinstance(raw, list):
        raise BadInput([(where(label, component, prop), "appears more than once")])
    try:
        found = raw.dt if hasattr(raw, "dt") else raw
    except Exception as exc:
        raise BadInput(
            [(where(label, component, prop), f"cannot be read: {_short(exc)}")]
        ) from None
    if isinstance(found, datetime):
        if found.tzinfo is None and "TZID" in raw.params:
            check_tzid(raw, found, where(label, component, prop))
    elif isinstance(found, time):
        raise BadInput([(where(label, component, prop), "is a bare time of day, not a date")])
    return found


def check_tzid(raw: Any, found: datetime, field: str) -> None:
    """A TZID that neither names a zone nor has a VTIMEZONE leaves the time floating."""
    params = getattr(raw, "params", {})
    tzid = params.get("TZID") if hasattr(params, "get") else None
    if tzid and found.tzinfo is None:
        message = f"unknown time zone TZID={tzid!r}: no IANA or Windows name and no VTIMEZONE"
        raise BadInput([(field, message + " defines it")])


def zone_name(
    tz: tzinfo | None, tzid: str | None, *, moments: Sequence[datetime], field: str
) -> str | None:
    """The IANA name of the zone a date-time was written in (None for floating)."""
    if tz is None:
        return None
    year = moments[0].year
    key = getattr(tz, "key", None)
    if isinstance(key, str) and zones.iana(key) is not None:
        return key
    if tzid:
        named = zones.by_name(tzid)
        # A VTIMEZONE in the file rules over its name when the two disagree.
        if named and all(
            m.astimezone(tz).utcoffset() == m.astimezone(zones.iana(named)).utcoffset()
            for m in moments
        ):
            return named
    if (
        tz.utcoffset(datetime(year, 1, 1)) == timedelta(0)
        and tz.utcoffset(datetime(year, 7, 1)) == timedelta(0)
        and not tzid
    ):
        return "UTC"
    found = zones.by_behaviour(tzid or "", tz, moments)
    if found is None:
        raise BadInput([(field, f"time zone {tzid!r} matches no IANA zone")])
    return found
