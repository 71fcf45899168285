"""Times a reply proposes ("Wie wäre es mit Donnerstag um 15 Uhr?", "Passar onsdag kl. 13?",
"How about Thursday at 3pm?"), read in the thread's language and zone.

Day mentions (weekdays, relative days, dates) and clock times are found by the reviewer's
reader (review/when.py, CLDR names and the lexicons' shapes); this module gives them the
meaning of a proposal. Each time is paired with the nearest day of its sentence, so
"Donnerstag geht nicht, aber Freitag um 9" proposes Friday only, and a day joined by
"oder/eller/or" to a day with a time shares it ("Montag oder Dienstag um 11"). A weekday
is its next date ("nächste Woche": the week after this one), a date without a year the
next one to come, and a bare "um 3" is 15:00 (office hours).
Pure: the moment the reply was written comes in as an argument.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from fairnotice.model import Language
from fairnotice.review import when
from fairnotice.review.lexicon import lexicon

NEXT_WEEK = {
    "de": r"nächste[nr]? woche|kommende[nr]? woche",
    "sv": r"nästa vecka|kommande vecka",
    "en": r"next week",
}
JOIN = {"de": r"oder|und|bzw\.?|/", "sv": r"eller|och|/", "en": r"or|and|/"}
AFTERNOON = {
    "de": r"nachmittag|abend",
    "sv": r"eftermiddag|efter lunch|kväll",
    "en": r"afternoon|evening",
}
SAME_TIME = {
    "de": r"(?:zur )?(?:gleichen|selben) (?:uhr)?zeit|gleiche uhrzeit",
    "sv": r"samma tid(?:punkt)?",
    "en": r"(?:at )?the same time",
}


_LANGUAGES = frozenset(language.value for language in Language)


@dataclass(frozen=True)
class Proposal:
    start: datetime
    text: str  # the words it was read from


@dataclass
class _Day:
    start: int
    end: int
    value: date
    explicit: bool


@cache
def _patterns(lang: str) -> dict[str, re.Pattern[str]]:
    return {
        "next_week": re.compile(NEXT_WEEK[lang]),
        "join": re.compile(rf"^[\s,]*(?:{JOIN[lang]})[\s,]*(?:am|on|på|den)?\s*$"),
        "afternoon": re.compile(AFTERNOON[lang]),
        "same": re.compile(SAME_TIME[lang]),
    }


_SENTENCE = re.compile(r"[!?\n;]|(?<![\d])(?<!\bkl)(?<!\bca)\.(?=\s+[A-ZÄÖÅÜ])")


def _sentences(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for match in _SENTENCE.finditer(text):
        bounds.append((start, match.end()))
        start = match.end()
    bounds.append((start, len(text)))
    return bounds


def _future(day: int, month: int, year: int | None, base: date) -> date | None:
    for candidate_year in (year,) if year else (base.year, base.year + 1):
        try:
            value = date(candidate_year, month, day)
        except ValueError:
            return None
        if year or value >= base:
            return value
    return None


def _day_of_month(day: int, today: date) -> date | None:
    """'the 19th', 'am 17.': that day of this month, else of the next."""
    month = today.replace(day=1)
    value = _future(day, month.month, month.year, today)
    if value is None or value < today:
        following = (month + timedelta(days=32)).replace(day=1)
        value = _future(day, following.month, following.year, today)
    return value


def _weekday(
    mention: when.DayMention, low: str, lang: str, today: date, sentence: tuple[int, int]
) -> date:
    """The next such weekday; 'nächste Woche Dienstag' the one of the week after this."""
    assert mention.weekday is not None
    p = _patterns(lang)
    lo, hi = sentence
    before = low[lo : mention.start]
    after = low[mention.end : min(hi, mention.end + 20)]
    if p["next_week"].search(before) or p["next_week"].match(after.strip()):
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return monday + timedelta(days=mention.weekday)
    return today + timedelta(days=(mention.weekday - today.weekday()) % 7 or 7)


def _day(
    mention: when.DayMention, low: str, lang: str, today: date, sentence: tuple[int, int]
) -> _Day | None:
    """The date a day mention means in a reply written `today`; a date beats its weekday."""
    if mention.day is not None and mention.month is not None:
        value = _future(mention.day, mention.month, mention.year, today)
    elif mention.day is not None:
        value = _day_of_month(mention.day, today)
    elif mention.relative is not None:
        return _Day(mention.start, mention.end, today + timedelta(days=mention.relative), False)
    elif mention.weekday is not None:
        value = _weekday(mention, low, lang, today, sentence)
        return _Day(mention.start, mention.end, value, False)
    else:
        return None
    return _Day(mention.start, mention.end, value, True) if value else None


def _days(
    text: str, low: str, lang: str, today: date, sentences: list[tuple[int, int]]
) -> tuple[list[_Day], list[when.DayMention]]:
    mentions = when.days(text, lexicon(Language(lang)))
    found = []
    for mention in mentions:
        sentence = next((a, b) for a, b in sentences if a <= mention.start < b)
        day = _day(mention, low, lang, today, sentence)
        if day is not None:
            found.append(day)
    return _merged(found, low), mentions


def _merged(days: list[_Day], low: str) -> list[_Day]:
    """'Montag, den 16. März' is one day: an explicit date wins over its weekday. The reader
    joins a weekday and its date already; this also joins 'morgen, Mittwoch' and a date
    followed by its weekday."""
    out: list[_Day] = []
    for day in days:
        if out and re.fullmatch(r"[\s,]*(?:den|dem|the)?[\s,]*", low[out[-1].end : day.start]):
            prev = out[-1]
            value = day.value if day.explicit or not prev.explicit else prev.value
            out[-1] = _Day(prev.start, day.end, value, prev.explicit or day.explicit)
            continue
        out.append(day)
    return out


def _hour_in_office(t: when.TimeMention, sentence: str, lang: str) -> int:
    """A bare '3' means 15:00 in office hours; 'afternoon' stretches that to 8."""
    if t.marked:
        return t.hour
    latest = 8 if _patterns(lang)["afternoon"].search(sentence) else 6
    return t.hour + 12 if 1 <= t.hour <= latest else t.hour


def read_proposals(text: str, *, language: str, zone: str, written: datetime) -> list[Proposal]:
    """Every start time `text` proposes, as aware datetimes in `zone`, in text order."""
    lang = language if language in _LANGUAGES else "en"
    low = text.lower()
    if len(low) != len(text):  # keep offsets aligned with the original text
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    tz = ZoneInfo(zone)
    base = written.astimezone(tz)
    sentences = _sentences(text)  # capitals mark a new sentence: the original text
    days, mentions = _days(text, low, lang, base.date(), sentences)
    times = when.times(text, lexicon(Language(lang)), mentions)
    found: list[Proposal] = []
    seen: set[datetime] = set()
    timed: dict[int, list[when.TimeMention]] = {}
    last_times: list[when.TimeMention] = []
    for lo, hi in sentences:
        in_days = [d for d in days if lo <= d.start < hi]
        for t in (t for t in times if lo <= t.start < hi):
            before = [d for d in in_days if d.end <= t.start]
            after = [d for d in in_days if d.start >= t.end]
            day = before[-1] if before else (after[0] if after else None)
            if day is not None:
                timed.setdefault(id(day), []).append(t)
        # a day without a time joined to the next day that has one shares its times
        join = _patterns(lang)["join"]
        for first, second in reversed(list(itertools.pairwise(in_days))):
            joined = join.match(low[first.end : second.start])
            if id(first) not in timed and id(second) in timed and joined:
                timed[id(first)] = timed[id(second)]
        # 'onsdagen den 25 mars samma tid': the time last proposed, on this day too
        if _patterns(lang)["same"].search(low[lo:hi]):
            previous = last_times
            for day in in_days:
                if id(day) in timed:
                    previous = timed[id(day)]
                elif previous:
                    timed[id(day)] = list(previous)
        for day in in_days:
            for t in timed.get(id(day), []):
                hour = _hour_in_office(t, low[lo:hi], lang)
                start = datetime.combine(day.value, time(hour, t.minute), tzinfo=tz)
                if start not in seen:
                    seen.add(start)
                    words = text[min(day.start, t.start) : max(day.end, t.end)]
                    found.append(Proposal(start, " ".join(words.split())))
            last_times = timed.get(id(day), last_times)
    return found
