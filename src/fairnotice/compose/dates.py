"""Dates and times the way a native reader of each language writes them (CLDR via Babel).

Never format a date by hand: the recipient's locale and zone decide the words and order.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
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
def locale_for(language: Language, zone_name: str, chosen: str | None = None) -> str:
    """The CLDR locale for a reader of `language` living in `zone_name`; `chosen` (a BCP 47
    tag such as en-US, from options.locale) wins when it is of the same language."""
    if chosen and chosen.startswith(language.value):
        return chosen.replace("-", "_")
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
    if locale.startswith("sv"):
        return f"{hour:02d}.{minute:02d}"  # Språkrådet: kl. 14.00, not 14:00
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


# --- zones named where the two sides' zones differ (M1) -----------------------------


def _short_alpha(text: str) -> bool:
    return text.isalpha() and len(text) <= 5


@lru_cache(maxsize=1024)
def _zone_label(zone_name: str, offset_minutes: int, on: date, locale: str) -> str:
    """A short name of a zone as the reader knows it: ET, PT, MEZ, CET, GMT; else UTC+9."""
    moment = datetime.combine(on, time(12), zone(zone_name))
    for pattern, where in (("v", "en_US"), ("z", locale), ("z", "en_GB")):
        text = format_time(moment, pattern, locale=where)
        if _short_alpha(text):
            return text
    hours, minutes = divmod(abs(offset_minutes), 60)
    sign = "+" if offset_minutes >= 0 else "−"
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def zone_label(moment: datetime, zone_name: str, language: Language) -> str:
    local = moment.astimezone(zone(zone_name))
    offset = local.utcoffset() or timedelta(0)
    return _zone_label(
        zone_name, int(offset.total_seconds() // 60), local.date(), locale_for(language, zone_name)
    )


def zones_differ(moment: datetime, one: str, other: str | None) -> bool:
    """Whether two readers' clocks show different times at `moment`."""
    if other is None or other == one:
        return False
    return moment.astimezone(zone(one)).utcoffset() != moment.astimezone(zone(other)).utcoffset()


def _clock_in(moment: datetime, zone_name: str, locale: str) -> str:
    local = moment.astimezone(zone(zone_name))
    return _clock(local.hour, local.minute, locale)


def _labelled(
    start: datetime, end: datetime | None, zone_name: str, language: Language, locale: str
) -> str:
    """'10:00 AM ET' or '10:00–11:00 Uhr MEZ': clock, the language's suffix, the zone."""
    first = _clock_in(start, zone_name, locale)
    text = first if end is None else f"{first}–{_clock_in(end, zone_name, locale)}"
    suffix = " Uhr" if language is Language.de else ""
    return f"{text}{suffix} {zone_label(start, zone_name, language)}"


def _other(
    start: datetime, end: datetime | None, other: str, language: Language, locale: str
) -> str:
    """The sender's own clock in brackets, as the reader writes clocks: ' (4:00 PM CET)'."""
    return f" ({_labelled(start, end, other, language, locale)})"


def phrases(
    moment: datetime,
    zone_name: str,
    language: Language,
    *,
    other_zone: str | None = None,
    chosen: str | None = None,
) -> tuple[str, str, str]:
    """(`when`, `long_date`, `time_phrase`) of one moment for a reader in `zone_name`; where
    the writer in `other_zone` reads another clock, both are named: the reader's first,
    the writer's in brackets ("um 10:00 Uhr MEZ (04:00 Uhr ET)")."""
    locale = locale_for(language, zone_name, chosen)
    full, _, clock = _parts(moment, zone_name, locale)
    code = language.value
    if not zones_differ(moment, zone_name, other_zone):
        return (
            _DATE_TIME_JOIN[code].format(date=full, time=clock),
            full,
            _TIME_ONLY[code].format(time=clock),
        )
    assert other_zone is not None
    both = _labelled(moment, None, zone_name, language, locale)
    both += _other(moment, None, other_zone, language, locale)
    return (
        _LABELLED_JOIN[code].format(date=full, time=both),
        full,
        _LABELLED_TIME[code].format(time=both),
    )


# With zones the German "Uhr" comes with each clock ("10:00 Uhr MEZ (04:00 Uhr ET)").
_LABELLED_JOIN = {"de": "{date} um {time}", "sv": "{date} kl. {time}", "en": "{date} at {time}"}
_LABELLED_TIME = {"de": "{time}", "sv": "kl. {time}", "en": "{time}"}


def labelled_span(
    start: datetime,
    end: datetime,
    zone_name: str,
    language: Language,
    *,
    other_zone: str | None = None,
    chosen: str | None = None,
) -> str:
    """A slot for a reader in `zone_name`, with both clocks where the zones differ:
    'Tuesday, March 17, 10:00–11:00 AM ET (3:00–4:00 PM CET)'."""
    locale = locale_for(language, zone_name, chosen)
    if not zones_differ(start, zone_name, other_zone):
        _, day, first = _parts(start, zone_name, locale)
        prefix, suffix = _SPAN_AFFIXES[language.value]
        return f"{day}, {prefix}{first}–{_clock_in(end, zone_name, locale)}{suffix}"
    assert other_zone is not None
    _, day, _ = _parts(start, zone_name, locale)
    prefix = _SPAN_AFFIXES[language.value][0]
    both = _labelled(start, end, zone_name, language, locale)
    return f"{day}, {prefix}{both}{_other(start, end, other_zone, language, locale)}"


_DAY_WORDS = {"de": ("heute", "morgen"), "sv": ("i dag", "i morgon"), "en": ("today", "tomorrow")}


def day_word(moment: datetime, now: datetime, zone_name: str, language: Language) -> str | None:
    """'heute', 'i morgon', 'tomorrow' when `moment` is on the reader's today or tomorrow."""
    tz = zone(zone_name)
    days = (moment.astimezone(tz).date() - now.astimezone(tz).date()).days
    return _DAY_WORDS[language.value][days] if days in (0, 1) else None


def spoken_when(
    moment: datetime, now: datetime, zone_name: str, language: Language, chosen: str | None = None
) -> str | None:
    """A near moment as people say it: 'heute um 14 Uhr', 'i morgon kl. 9', 'today at 2 PM'."""
    word = day_word(moment, now, zone_name, language)
    if word is None:
        return None
    local = moment.astimezone(zone(zone_name))
    if language is Language.de:
        clock = f"{local.hour}" if local.minute == 0 else f"{local.hour}:{local.minute:02d}"
        return f"{word} um {clock} Uhr"
    if language is Language.sv:
        clock = f"{local.hour}" if local.minute == 0 else f"{local.hour}.{local.minute:02d}"
        return f"{word} kl. {clock}"
    clock = _clock(local.hour, local.minute, locale_for(language, zone_name, chosen))
    return f"{word} at {clock}"
