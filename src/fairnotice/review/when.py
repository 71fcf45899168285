"""Dates and times in free text, in the ways natives write them, read to calendar values.

The one reader of day mentions and clock times: the draft reviewer checks a draft's dates
against the interview with it, and review/proposals.py reads the times a reply proposes.
Month and weekday names come from CLDR (Babel) for every regional locale of a language,
so "März", "Jänner", "mars", "Sept." are all known; the shapes around them ("17. März",
"17.3.", "tisdag den 17 mars", "kl. 10", "2 PM", "14 Uhr", "halb drei"), number words and
relative days are regular expressions kept as data in the lexicons. Matching is by value,
not by string: "17.3." and "Dienstag, 17. März" both name 17 March, and "2 PM" names
14:00. dateparser was measured as too slow for a 2,000-word draft in the time budget, and
CLDR names plus these shapes cover what a native writes in a short message.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
    day: int | None = None  # the day of month as written
    weekday: int | None = None  # 0 = Monday
    relative: int | None = None  # 0 today, 1 tomorrow
    month: int | None = None  # as written, day first ("3/4" is 3 April here)
    year: int | None = None

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
    hours: frozenset[int]  # the readings: "3" is 3:00 or 15:00, "3 pm" only 15:00
    minute: int
    hour: int = 0  # as written, in 24 hours where am/pm is given
    marked: bool = False  # am/pm or noon given, or a 24-hour value ("15", "0")

    def names(self, hour: int, minute: int) -> bool:
        return hour in self.hours and minute == self.minute


@dataclass(frozen=True, slots=True)
class Patterns:
    months: dict[str, int]
    weekdays: dict[str, int]
    numbers: dict[str, int]
    days: tuple[re.Pattern[str], ...]
    times: tuple[re.Pattern[str], ...]
    relative: re.Pattern[str]  # every relative day in one search: group r<n> is today + n


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
    numbers = {name.lower(): int(n) for name, n in data.get("numbers", {}).items()}
    fill = {
        "{month}": _alternation(months),
        "{weekday}": _alternation(weekdays),
        "{number}": _alternation(numbers) or "(?!)",
    }

    def build(shape: str) -> re.Pattern[str]:
        for hole, names in fill.items():
            shape = shape.replace(hole, names)
        return re.compile(shape, re.I)

    return Patterns(
        months=months,
        weekdays=weekdays,
        numbers=numbers,
        days=tuple(build(shape) for shape in data["day"]),
        times=tuple(build(shape) for shape in data["time"]),
        relative=build("|".join(f"(?P<r{int(r['days'])}>{r['shape']})" for r in data["relative"])),
    )


def _groups(match: re.Match[str]) -> dict[str, str]:
    """The groups that took part, "h2" read as "h": one shape may offer alternatives that
    each name their hour (a pattern cannot name two groups alike)."""
    out: dict[str, str] = {}
    for name, value in match.groupdict().items():
        if value is not None:
            out.setdefault(name.rstrip("0123456789"), value)
    return out


def _int(groups: dict[str, str], name: str) -> int | None:
    value = groups.get(name)
    return int(value) if value else None


def _year(groups: dict[str, str]) -> int | None:
    year = _int(groups, "y")
    return 2000 + year if year is not None and year < 100 else year


def _readings(match: re.Match[str], p: Patterns) -> DayMention | None:
    groups = _groups(match)
    day = _int(groups, "d")
    month = _int(groups, "m")
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
        if "either" in groups and 1 <= day <= 12 and 1 <= month <= 31:
            pairs.add((day, month))  # "3/4" can be read both ways
        if not pairs:
            return None
        return DayMention(
            match.start(),
            match.end(),
            frozenset(pairs),
            day=day,
            weekday=weekday,
            month=month,
            year=_year(groups),
        )
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


_JOINED = re.compile(r"[\s,]*(?:den|dem|the|am|,)?[\s,]*", re.I)


def days(text: str, lex: Lexicon) -> list[DayMention]:
    """Every day named in `text`, a weekday followed by its date merged into one."""
    p = patterns(lex)
    found: list[tuple[int, int, object]] = []
    for pattern in p.days:
        for match in pattern.finditer(text):
            mention = _readings(match, p)
            if mention is not None:
                found.append((mention.start, mention.end, mention))
    for match in p.relative.finditer(text):
        offset = int((match.lastgroup or "r0")[1:])
        found.append(
            (match.start(), match.end(), DayMention(match.start(), match.end(), relative=offset))
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
            and _JOINED.fullmatch(text[previous.end : mention.start])
        ):
            merged[-1] = replace(mention, start=previous.start, weekday=previous.weekday)
            continue
        merged.append(mention)
    return merged


def _number(token: str, p: Patterns) -> int | None:
    return int(token) if token.isdigit() else p.numbers.get(token.lower())


def _clock(groups: dict[str, str], p: Patterns) -> tuple[int, int, str] | None:
    """(hour, minute, "am"/"pm"/"") as written; "halb drei" is 2:30, "half past two" too."""
    if groups.get("noon"):
        return 12, 0, "pm"
    if groups.get("half") or groups.get("half_past"):
        hour = _number(groups.get("half") or groups.get("half_past") or "", p)
        if not hour:
            return None
        return (hour - 1) % 24 if groups.get("half") else hour, 30, ""
    hour = _number(groups.get("h") or "", p)
    if hour is None:
        return None
    meridiem = re.sub(r"[.\s]", "", groups.get("ap") or "").lower()
    return hour, int(groups.get("min") or 0), meridiem


def times(
    text: str, lex: Lexicon, day_mentions: Sequence[DayMention] | None = None
) -> list[TimeMention]:
    """Every time of day named in `text`; without am/pm a 12-hour reading is allowed too.
    A span read as a day ("17.03.2026") is no time: pass the text's `days` when known."""
    p = patterns(lex)
    taken = days(text, lex) if day_mentions is None else day_mentions
    starts = [d.start for d in taken]  # in text order, apart
    ends = [d.end for d in taken]
    found: list[tuple[int, int, object]] = []
    for pattern in p.times:
        for match in pattern.finditer(text):
            at = bisect_right(ends, match.start())
            if at < len(starts) and starts[at] < match.end():
                continue  # part of a day
            groups = _groups(match)
            clock = _clock(groups, p)
            if clock is None:
                continue
            hour, minute, meridiem = clock
            if hour > 24 or minute > 59:
                continue
            if meridiem in ("am", "pm"):
                if hour > 12:
                    continue
                hour = hour % 12 + (12 if meridiem == "pm" else 0)
                hours = {hour}
            else:
                hours = {hour % 24} | ({hour + 12} if hour < 12 else set())
            marked = bool(meridiem) or hour >= 13 or hour == 0
            if "half" in groups or "half_past" in groups:
                marked = False
            mention = TimeMention(
                match.start(), match.end(), frozenset(hours), minute, hour % 24, marked
            )
            found.append((match.start(), match.end(), mention))
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
