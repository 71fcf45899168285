"""Dates and times the way a native reader of each language writes them (CLDR via Babel).

Never format a date by hand: the recipient's locale and zone decide the words and order.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache

from babel.dates import format_date, format_time

from fairnotice.model import Language, zone

# Zones whose readers expect a regional variant of the language's dates.
_REGIONAL = {
    "Europe/Vienna": "de_AT",
    "Europe/Zurich": "de_CH",
    "Europe/Vaduz": "de_CH",
    "Europe/Helsinki": "sv_FI",
    "Europe/Mariehamn": "sv_FI",
    "Europe/London": "en_GB",
    "Europe/Dublin": "en_IE",
    "Australia/Sydney": "en_AU",
    "Australia/Melbourne": "en_AU",
}


@lru_cache(maxsize=256)
def locale_for(language: Language, zone_name: str) -> str:
    """The CLDR locale for a reader of `language` living in `zone_name`."""
    regional = _REGIONAL.get(zone_name)
    if regional and regional.startswith(language.value):
        return regional
    if language is Language.en:
        return "en_US" if zone_name.startswith(("America/", "US/", "Pacific/Honolulu")) else "en_GB"
    return {"de": "de_DE", "sv": "sv_SE"}[language.value]


# How a native joins a date and a time in running text ("um", "kl.", "at").
_DATE_TIME_JOIN = {
    "de": "{date} um {time} Uhr",
    "sv": "{date} kl. {time}",
    "en": "{date} at {time}",
}
_TIME_ONLY = {"de": "{time} Uhr", "sv": "kl. {time}", "en": "{time}"}


@lru_cache(maxsize=8192)
def _day_names(day: date, locale: str) -> tuple[str, str]:
    """The full date and the date without the year, as the locale writes them."""
    full = format_date(day, "full", locale=locale)
    if locale.startswith("de"):
        pattern = "EEEE, d. MMMM"
    elif locale.startswith("en_US"):
        pattern = "EEEE, MMMM d"
    else:
        pattern = "EEEE d MMMM"
    return full, format_date(day, pattern, locale=locale)


@lru_cache(maxsize=4096)
def _clock(hour: int, minute: int, locale: str) -> str:
    # CLDR 42+ puts a narrow no-break space before AM/PM; plain-text mail clients show it
    # as a box or a stray "?", and readers search for "9:00 AM" with a plain space.
    return format_time(time(hour, minute), "short", locale=locale).replace("\u202f", " ")


def _parts(moment: datetime, zone_name: str, locale: str) -> tuple[str, str, str]:
    """(full date, date without year, time of day) of `moment` in `zone_name`.

    Cached by local day and by clock time rather than by instant: plans for many
    different moments share a few hundred days and a few dozen times of day.
    """
    local = moment.astimezone(zone(zone_name))
    full, short = _day_names(local.date(), locale)
    return full, short, _clock(local.hour, local.minute, locale)


def long_date(moment: datetime, zone_name: str, language: Language) -> str:
    """'Sonntag, 15. März 2026', 'söndag 15 mars 2026', 'Sunday, 15 March 2026'."""
    return _parts(moment, zone_name, locale_for(language, zone_name))[0]


def short_date(moment: datetime, zone_name: str, language: Language) -> str:
    """The date without the year: 'Dienstag, 17. März', 'tisdag 17 mars', 'Tuesday 17 March'."""
    return _parts(moment, zone_name, locale_for(language, zone_name))[1]


def clock_time(moment: datetime, zone_name: str, language: Language) -> str:
    """'14:00', '14:00', '14:00' or '2:00 PM' as the locale writes a time of day."""
    return _parts(moment, zone_name, locale_for(language, zone_name))[2]


def when(moment: datetime, zone_name: str, language: Language, *, year: bool = True) -> str:
    """Date and time in running text: 'Sonntag, 15. März 2026 um 14:00 Uhr'."""
    full, short, clock = _parts(moment, zone_name, locale_for(language, zone_name))
    return _DATE_TIME_JOIN[language.value].format(date=full if year else short, time=clock)


def time_phrase(moment: datetime, zone_name: str, language: Language) -> str:
    """A time of day as running text: '14:00 Uhr', 'kl. 14:00', '2:00 PM'."""
    return _TIME_ONLY[language.value].format(time=clock_time(moment, zone_name, language))


def moment_phrases(moment: datetime, zone_name: str, language: Language) -> tuple[str, str, str]:
    """(`when`, `long_date`, `time_phrase`) of one moment, converted and looked up once."""
    code = language.value
    full, _, clock = _parts(moment, zone_name, locale_for(language, zone_name))
    return (
        _DATE_TIME_JOIN[code].format(date=full, time=clock),
        full,
        _TIME_ONLY[code].format(time=clock),
    )


_SPAN_AFFIXES = {"de": ("", " Uhr"), "sv": ("kl. ", ""), "en": ("", "")}


def span(start: datetime, end: datetime, zone_name: str, language: Language) -> str:
    """A slot in running text: 'Dienstag, 17. März, 10:00–11:00 Uhr'."""
    locale = locale_for(language, zone_name)
    _, day, first = _parts(start, zone_name, locale)
    local_end = end.astimezone(zone(zone_name))
    last = _clock(local_end.hour, local_end.minute, locale)
    prefix, suffix = _SPAN_AFFIXES[language.value]
    return f"{day}, {prefix}{first}–{last}{suffix}"
