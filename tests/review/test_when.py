"""The one reader of days and clock times (review/when.py), in each language, as both the
draft reviewer and the reading of a reply's proposals use it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from fairnotice.model import Language
from fairnotice.review import when
from fairnotice.review.lexicon import lexicon
from fairnotice.review.proposals import read_proposals

# A Tuesday, the moment the replies below were written.
WRITTEN = datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def _day(language: str, text: str) -> when.DayMention:
    (found,) = when.days(text, lexicon(Language(language)))
    return found


@pytest.mark.parametrize(
    ("language", "text", "weekday"),
    [
        ("de", "Donnerstag", 3),
        ("de", "Donnerstagvormittag", 3),
        ("de", "Sonnabend", 5),
        ("sv", "torsdag", 3),
        ("sv", "tisdagseftermiddag", 1),
        ("en", "Thursday", 3),
        ("en", "Mondays", 0),
    ],
)
def test_weekdays_come_from_cldr_names(language: str, text: str, weekday: int) -> None:
    assert _day(language, text).weekday == weekday


@pytest.mark.parametrize(
    ("language", "text", "day", "month", "year"),
    [
        ("de", "17. März", 17, 3, None),
        ("de", "3. Jänner", 3, 1, None),  # Austrian, from CLDR de_AT
        ("de", "17.03.2026", 17, 3, 2026),
        ("de", "17.3.26", 17, 3, 2026),
        ("de", "17/3", 17, 3, None),
        ("sv", "17:e mars", 17, 3, None),
        ("sv", "17 sept.", 17, 9, None),
        ("sv", "17/3", 17, 3, None),
        ("en", "17th of March", 17, 3, None),
        ("en", "Sept 17", 17, 9, None),
        ("en", "2026-03-17", 17, 3, 2026),
        ("en", "17/3", 17, 3, None),
    ],
)
def test_dates_keep_day_month_and_year_as_written(
    language: str, text: str, day: int, month: int, year: int | None
) -> None:
    found = _day(language, text)
    assert (found.day, found.month, found.year) == (day, month, year)
    assert (month, day) in found.pairs


@pytest.mark.parametrize(
    ("language", "text", "days"),
    [
        ("de", "heute", 0),
        ("de", "Geht es morgen?", 1),
        ("de", "Morgen geht es.", 1),
        ("de", "übermorgen", 2),
        ("sv", "i dag", 0),
        ("sv", "imorgon", 1),
        ("sv", "i övermorgon", 2),
        ("en", "today", 0),
        ("en", "tomorrow", 1),
        ("en", "the day after tomorrow", 2),
    ],
)
def test_relative_days(language: str, text: str, days: int) -> None:
    assert _day(language, text).relative == days


def test_good_morning_is_no_day() -> None:
    assert when.days("Guten Morgen Frau Berg, danke!", lexicon(Language.de)) == []


@pytest.mark.parametrize(
    ("language", "text", "hour", "minute", "marked"),
    [
        ("de", "um 14 Uhr", 14, 0, True),
        ("de", "14 Uhr 30", 14, 30, True),
        ("de", "um drei", 3, 0, False),
        ("de", "halb drei", 2, 30, False),
        ("de", "zwischen 14 und 16 Uhr", 14, 0, True),
        ("sv", "kl. 10", 10, 0, False),
        ("sv", "klockan tio", 10, 0, False),
        ("sv", "halv tre", 2, 30, False),
        ("sv", "mellan 13 och 15", 13, 0, True),
        ("en", "2 PM", 14, 0, True),
        ("en", "at 2.30 p.m.", 14, 30, True),
        ("en", "half past two", 2, 30, False),
        ("en", "eleven o'clock", 11, 0, False),
        ("en", "at noon", 12, 0, True),
    ],
)
def test_clock_shapes(language: str, text: str, hour: int, minute: int, marked: bool) -> None:
    (found,) = when.times(text, lexicon(Language(language)))
    assert (found.hour, found.minute, found.marked) == (hour, minute, marked)
    assert found.names(hour, minute)
    # without am/pm or a 24-hour value the afternoon reading is allowed too
    assert found.names(hour + 12, minute) is (not marked and hour < 12)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Ich bitte um ein Gespräch."),
        ("de", "am 17.03.2026"),  # a date, not 17:03
        ("en", "At one point I was unsure."),
        ("sv", "den 10.10.2026"),
    ],
)
def test_no_time_where_none_is_written(language: str, text: str) -> None:
    assert when.times(text, lexicon(Language(language))) == []


@pytest.mark.parametrize(
    ("language", "text", "start"),
    [
        ("de", "Ginge auch der 3. Jänner um halb drei?", "2027-01-03T14:30"),
        ("de", "Passt Donnerstag, 12.3., 14 Uhr 30?", "2026-03-12T14:30"),
        ("sv", "Passar 17 sept. kl. 10?", "2026-09-17T10:00"),
        ("sv", "Går det i övermorgon klockan tre?", "2026-03-12T15:00"),
        ("en", "How about Sept 17 at eleven o'clock?", "2026-09-17T11:00"),
        ("en", "Could we do the day after tomorrow at 2 PM?", "2026-03-12T14:00"),
    ],
)
def test_a_reply_reads_its_days_and_times_with_the_same_reader(
    language: str, text: str, start: str
) -> None:
    """Names only CLDR knows ("Jänner", "sept.") and the shared shapes reach the proposals."""
    found = read_proposals(text, language=language, zone="Europe/Berlin", written=WRITTEN)
    assert [p.start.strftime("%Y-%m-%dT%H:%M") for p in found] == [start]
