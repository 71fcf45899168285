"""Dates and times in a draft, in the ways natives write them, resolved to calendar values.

Month and weekday names come from CLDR (Babel) for every regional locale of a language,
so "März", "Jänner", "mars", "Sept." are all known; the shapes around them ("17. März",
"17.3.", "tisdag den 17 mars", "kl. 10", "2 PM", "14 Uhr") are regular expressions kept as
data in the lexicons. Matching is by value, not by string: "17.3." and "Dienstag, 17. März"
both name 17 March, and "2 PM" names 14:00. dateparser was measured as too slow for a
2,000-word draft in the time budget, and CLDR names plus these shapes cover what a
native writes in a short message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from babel.dates import get_day_names, get_month_names

from fairnotice.compose import dates as formats
from fairnotice.model import Language, zone
from fairnotice.review.lexicon import Lexicon


@dataclass(frozen=True, slots=True)
class DayMention:
    """A day named in the draft: a full date, a bare day of month, a weekday, or today+n."""

    start: int
    end: int
    pairs: frozenset[tuple[int, int]] = frozenset()  # possible (month, day) readings
    day: int | None = None
    weekday: int | None = None  # 0 = Monday
    relative: int | None = None  # 0 today, 1 tomorrow

    def names(self, moment: date, today: date | None) -> bool:
        """True when this mention names the day `moment`."""
        if self.pairs:
            return (moment.month, moment.day) in self.pairs
        if self.day is not None:
            return self.day == moment.day
        if self.weekday is not None:
            return self.weekday == moment.weekday()
        if self.relative is not None and today is not None:
            return (moment - today).days == self.relative
        return False

    @property
    def key(self) -> object:
        """Identity for counting distinct days (a weekday and its date count once)."""
        if self.pairs:
            return tuple(sorted(self.pairs))
        if self.day is not None:
            return ("day", self.day)
        if self.weekday is not None:
            return ("weekday", self.weekday)
        return ("relative", self.relative)


@dataclass(frozen=True, slots=True)
class TimeMention:
    start: int
    end: int
    hours: frozenset[int]
    minute: int

    def names(self, hour: int, minute: int) -> bool:
        return hour in self.hours and minute == self.minute


@dataclass(frozen=True, slots=True)
class Patterns:
    months: dict[str, int]
    weekdays: dict[str, int]
    days: tuple[re.Pattern[str], ...]
    times: tuple[re.Pattern[str], ...]
    today: re.Pattern[str]
    tomorrow: re.Pattern[str]


def _alternation(names: dict[str, int]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


@cache
def patterns(lex: Lexicon) -> Patterns:
    data = lex.raw["dates"]
    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    for locale in data["locales"]:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=locale).items():
                    months[name.lower().rstrip(".")] = int(number)
        for number, name in get_day_names("wide", "format", locale=locale).items():
            weekdays[name.lower()] = int(number)
    for name, number in data.get("months_extra", {}).items():
        months[name.lower()] = int(number)
    for name, number in data.get("weekdays_extra", {}).items():
        weekdays[name.lower()] = int(number)
    fill = {"month": _alternation(months), "weekday": _alternation(weekdays)}

    def build(items: list[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(
            re.compile(
                p.replace("{month}", fill["month"]).replace("{weekday}", fill["weekday"]), re.I
            )
            for p in items
        )

    return Patterns(
        months=months,
        weekdays=weekdays,
        days=build(data["day"]),
        times=build(data["time"]),
        today=re.compile(data["today"], re.I),
        tomorrow=re.compile(data["tomorrow"], re.I),
    )


def _int(match: re.Match[str], name: str) -> int | None:
    value = match.groupdict().get(name)
    return int(value) if value else None


def _readings(match: re.Match[str], p: Patterns) -> DayMention | None:
    groups = match.groupdict()
    day = _int(match, "d")
    month = _int(match, "m")
    if groups.get("mon"):
        month = p.months.get(groups["mon"].lower().rstrip("."))
    weekday = p.weekdays.get(groups["wd"].lower()) if groups.get("wd") else None
    if groups.get("wd") and weekday is None:
        weekday = next(
            (n for w, n in p.weekdays.items() if groups["wd"].lower().startswith(w)), None
        )
    pairs: set[tuple[int, int]] = set()
    if day is not None and month is not None:
        if 1 <= month <= 12 and 1 <= day <= 31:
            pairs.add((month, day))
        if groups.get("either") is not None and 1 <= day <= 12 and 1 <= month <= 31:
            pairs.add((day, month))  # "3/4" can be read both ways
        if not pairs:
            return None
        return DayMention(match.start(), match.end(), frozenset(pairs), weekday=weekday)
    if day is not None:
        return DayMention(match.start(), match.end(), day=day) if 1 <= day <= 31 else None
    if weekday is not None:
        return DayMention(match.start(), match.end(), weekday=weekday)
    return None


def _outermost(found: list[tuple[int, int, object]]) -> list[tuple[int, int, object]]:
    found.sort(key=lambda item: (item[0], -(item[1] - item[0])))
    kept: list[tuple[int, int, object]] = []
    for item in found:
        if kept and item[0] < kept[-1][1]:
            continue
        kept.append(item)
    return kept


def days(text: str, lex: Lexicon) -> list[DayMention]:
    """Every day named in `text`, a weekday followed by its date merged into one."""
    p = patterns(lex)
    found: list[tuple[int, int, object]] = []
    for pattern in p.days:
        for match in pattern.finditer(text):
            mention = _readings(match, p)
            if mention is not None:
                found.append((mention.start, mention.end, mention))
    for offset, pattern in ((0, p.today), (1, p.tomorrow)):
        for match in pattern.finditer(text):
            found.append(
                (
                    match.start(),
                    match.end(),
                    DayMention(match.start(), match.end(), relative=offset),
                )
            )
    mentions = [m for _, _, m in _outermost(found) if isinstance(m, DayMention)]
    merged: list[DayMention] = []
    for mention in mentions:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.weekday is not None
            and not previous.pairs
            and previous.day is None
            and mention.weekday is None
            and (mention.pairs or mention.day is not None)
            and re.fullmatch(r"[\s,]*(?:den|the|am|,)?[\s,]*", text[previous.end : mention.start])
        ):
            merged[-1] = DayMention(
                previous.start, mention.end, mention.pairs, mention.day, previous.weekday
            )
            continue
        merged.append(mention)
    return merged


def times(text: str, lex: Lexicon) -> list[TimeMention]:
    """Every time of day named in `text`; without am/pm a 12-hour reading is allowed too."""
    found: list[tuple[int, int, object]] = []
    for pattern in patterns(lex).times:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            if groups.get("noon"):
                hour, minute, meridiem = 12, 0, "pm"
            else:
                hour = int(groups["h"])
                minute = int(groups.get("min") or 0)
                meridiem = (groups.get("ap") or "").replace(".", "").lower()
            if hour > 24 or minute > 59:
                continue
            if meridiem in ("am", "pm"):
                if hour > 12:
                    continue
                hours = {hour % 12 + (12 if meridiem == "pm" else 0)}
            else:
                hours = {hour % 24} | ({hour + 12} if hour < 12 else set())
            found.append(
                (
                    match.start(),
                    match.end(),
                    TimeMention(match.start(), match.end(), frozenset(hours), minute),
                )
            )
    return [m for _, _, m in _outermost(found) if isinstance(m, TimeMention)]


@dataclass(frozen=True, slots=True)
class Moment:
    """The interview's start as readers in the zones involved see it."""

    locals: tuple[datetime, ...]
    literal_dates: tuple[str, ...]  # as written, for messages
    literal_times: tuple[str, ...]

    @property
    def folded_dates(self) -> tuple[str, ...]:
        return tuple(s.casefold() for s in self.literal_dates)

    @property
    def folded_times(self) -> tuple[str, ...]:
        return tuple(s.casefold() for s in self.literal_times)

    def named_by_day(self, mention: DayMention, today: date | None) -> bool:
        return any(mention.names(local.date(), today) for local in self.locals)

    def named_by_time(self, mention: TimeMention) -> bool:
        return any(mention.names(local.hour, local.minute) for local in self.locals)


def moment(start: datetime, zones: list[str], language: Language) -> Moment:
    """The interview start in each zone, plus the strings Babel writes for it there."""
    unique = list(dict.fromkeys(zones))
    local = tuple(start.astimezone(zone(z)) for z in unique)
    literal_dates = []
    literal_times = []
    for z in unique:
        literal_dates += [
            formats.long_date(start, z, language),
            formats.short_date(start, z, language),
        ]
        literal_times += [formats.clock_time(start, z, language)]
    return Moment(local, tuple(literal_dates), tuple(literal_times))
