"""UI languages (gettext catalogs under locale/), the viewer's language and date formats.

The `.po` catalogs are compiled in memory at start, so the repository holds only the
sources that translators edit; `make messages` re-extracts them from the templates.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_timezone_name
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from fairnotice.errors import N_, Verbatim
from fairnotice.model import zone

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "de", "sv")
NAMES = {"en": "English", "de": "Deutsch", "sv": "Svenska"}
_BABEL_LOCALE = {"en": "en_GB", "de": "de_DE", "sv": "sv_SE"}


@lru_cache(maxsize=8)
def _locale(language: str) -> Locale:
    """Babel's locale object, parsed once (parsing a locale name costs more than a format)."""
    return Locale.parse(_BABEL_LOCALE.get(language, "en_GB"))


@lru_cache(maxsize=8)
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of `language`; English is the source language (no catalog)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


@lru_cache(maxsize=8)
def gettext_for(language: str) -> Callable[..., str]:
    """The templates' `_`: a message in `language`, with %(name)s values filled in."""
    catalog = translations(language)

    def gettext(message: str, **values: Any) -> str:
        text = catalog.gettext(message)
        return text % values if values else text

    return gettext


# pydantic's own texts (the validation of forms), as templates with their values
_VALIDATION = [
    (re.compile(r"^Input should be less than or equal to (?P<limit>\S+)$"),
     N_("Input should be less than or equal to %(limit)s")),
    (re.compile(r"^Input should be greater than or equal to (?P<limit>\S+)$"),
     N_("Input should be greater than or equal to %(limit)s")),
    (re.compile(r"^String should have at least (?P<limit>\d+) characters?$"),
     N_("String should have at least %(limit)s character(s)")),
    (re.compile(r"^String should have at most (?P<limit>\d+) characters?$"),
     N_("String should have at most %(limit)s character(s)")),
    (re.compile(r"^Input should be (?P<choices>'.*)$"), N_("Input should be %(choices)s")),
    (re.compile(r"^String should match pattern .*$"), N_("this is not in the expected form")),
    (re.compile(r"^Input should be a valid integer.*$"), N_("a whole number is needed here")),
    (re.compile(r"^unknown time zone (?P<zone>'.*') \(expected an IANA name like Europe/Berlin\)$"),
     N_("unknown time zone %(zone)s (expected an IANA name like Europe/Berlin)")),
    (re.compile(r"^required field is missing$"), N_("required field is missing")),
    (re.compile(r"^unknown field$"), N_("unknown field")),
    (re.compile(r"^Input should be a valid (datetime|date|time)\b.*$"),
     N_("this is not a valid date and time (like 2026-03-12 14:30)")),
    (re.compile(r"^Input should have timezone info$"),
     N_("a time with its offset from UTC is needed here (like +01:00)")),
    (re.compile(r"^Input should be a valid (number|decimal).*$"), N_("a number is needed here")),
    (re.compile(r"^Input should be a valid (list|dictionary|string|boolean|tuple).*$"),
     N_("this is not in the expected form")),
    (re.compile(r"^(List|Tuple|Value|Set) should have at most (?P<limit>\d+) items?\b.*$"),
     N_("at most %(limit)s entries")),
    (re.compile(r"^(List|Tuple|Value|Set) should have at least (?P<limit>\d+) items?\b.*$"),
     N_("at least %(limit)s entries")),
]  # fmt: skip

# The calendar package's words for a file it cannot read (an upload refused, or a stored
# calendar's or subscription's last reading, "calendar 5: ..."), put plainly: no parser
# text, no VEVENT or MIME type on a page.
_LABELLED = r"^(?:[^:]{1,80}: )?"
_CALENDAR = [
    (re.compile(_LABELLED + r"(not valid iCalendar\b|components nested too deeply"
                r"|holds no calendar \(VCALENDAR\) component).*$", re.S),
     N_("this is not a calendar file (.ics) that can be read")),
    (re.compile(_LABELLED + r"neither an iCalendar file nor an email carrying one$"),
     N_("this is neither a calendar file (.ics) nor an email with an invitation (.eml)")),
    (re.compile(_LABELLED + r"the email carries no calendar \(no text/calendar or .ics part\)$"),
     N_("this email has no invitation attached (no calendar file)")),
    (re.compile(_LABELLED + r"holds no event \(VEVENT\)$"),
     N_("this calendar holds no appointment")),
    (re.compile(_LABELLED + r"not text in a known encoding\b.*$"),
     N_("this file is not text that can be read")),
]  # fmt: skip


def _validation(text: str, catalog: gettext.NullTranslations) -> str | None:
    """pydantic's text of a refused form field, translated, or None if not one of them."""
    for pattern, template in _VALIDATION + _CALENDAR:
        found = pattern.match(text)
        if found:
            values = found.groupdict()
            if "choices" in values:  # "'de', 'sv' or 'en'": no English word left in
                values["choices"] = values["choices"].replace("' or '", "', '")
            translated = catalog.gettext(template)
            return translated % values if values else translated
    return None


def validation_text(text: str, catalog: gettext.NullTranslations) -> str | None:
    """pydantic's text of a refused field in the catalog's language, or None (web.refusals)."""
    return _validation(text, catalog)


def translate(message: object, language: str, zone_name: str = "UTC") -> str:
    """An error text of the operations in `language`: a Phrase by its template (values put
    in, translated too when they are Phrases; a moment as the reader writes it, in
    `zone_name`, the viewer's zone), a fixed text by itself; English, or a text the catalog
    lacks, as it is."""
    if isinstance(message, datetime):
        moment = message if message.tzinfo else message.replace(tzinfo=UTC)
        return when(moment, language, zone_name)
    catalog = translations(language)
    template = getattr(message, "template", None)
    if template is None:
        if message is None:
            return ""
        if not isinstance(message, str) or not message:
            return str(message)
        return _validation(message, catalog) or catalog.gettext(message)
    values = {
        k: str(v) if isinstance(v, Verbatim) else translate(v, language, zone_name)
        for k, v in getattr(message, "values", {}).items()
    }
    text = catalog.gettext(template)
    try:
        return text % values if values else text
    except (KeyError, ValueError, TypeError):  # a catalog entry that lost a placeholder
        return str(message)


_KEY = re.compile(r"^[a-z][a-z_]*: ")


def unkeyed(message: object, language: str, zone_name: str = "UTC") -> str:
    """A conflict's text for a person, in `language`: the operations' texts start with the
    key of what they are about ("plan: ...") for the API and the CLI, which a page never
    shows; the rest is shown, starting with a capital."""
    text = translate(message, language, zone_name)
    english = getattr(message, "template", message)
    if isinstance(english, str) and _KEY.match(english):
        _, colon, rest = text.partition(": ")
        text = rest if colon and rest else text
    return text[:1].upper() + text[1:]


def negotiate(accept_language: str | None) -> str:
    """The best UI language for an Accept-Language header (q-values honoured), else en."""
    best, best_q = "en", -1.0
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()[:2]
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag in LANGUAGES and q > 0 and (q > best_q or (q == best_q and position == 0)):
            best, best_q = tag, q
    return best


@lru_cache(maxsize=8192)
def when(moment: datetime, language: str, zone_name: str) -> str:
    """A date and time as a native reader of `language` writes it, in the viewer's zone.

    Kept per (moment, language, zone): a pure function, and offered times fall on a grid,
    so pages repeat the same few thousand labels (Babel takes ~15 µs per label)."""
    tz = zone(zone_name)
    locale = _locale(language)
    local = moment.astimezone(tz)
    return (
        f"{format_date(local, format='full', locale=locale)}, "
        f"{format_time(local, format='short', locale=locale)}"
    )


@lru_cache(maxsize=8192)
def time_only(moment: datetime, language: str, zone_name: str) -> str:
    locale = _locale(language)
    return str(format_time(moment.astimezone(zone(zone_name)), format="short", locale=locale))


@lru_cache(maxsize=256)
def zone_label(zone_name: str, language: str) -> str:
    if zone_name in ("UTC", "Etc/UTC"):
        return "UTC"
    locale = _BABEL_LOCALE.get(language, "en_GB")
    name = str(get_timezone_name(zone(zone_name), locale=locale))
    return zone_name if "Unknown" in name else f"{name} ({zone_name})"


def day_label(day: date, language: str) -> str:
    """A short weekday and date for a column head: "Mo., 16. März", "Mon 16 Mar"."""
    locale = _BABEL_LOCALE.get(language, "en_GB")
    return str(format_skeleton("MMMEd", day, locale=locale))
