"""Times a reply proposes ("Wie wäre es mit Donnerstag um 15 Uhr?", "Passar onsdag kl. 13?",
"How about Thursday at 3pm?"), read in the thread's language and zone.

The text is searched for day mentions (weekdays, tomorrow, dates) and clock times; each
time is paired with the nearest day of its sentence, so "Donnerstag geht nicht, aber
Freitag um 9" proposes Friday only, and a day joined by "oder/eller/or" to a day with a
time shares it ("Montag oder Dienstag um 11"). Dates written with a month name are read
by dateparser; weekdays, relative days and numeric dates by rules that know what
"nächste Woche", "halb drei" and a bare "um 3" (15:00 in office hours) mean.
Pure: the moment the reply was written comes in as an argument.
"""

from __future__ import annotations

import itertools
import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS: dict[str, dict[str, int]] = {
    "de": {"montag": 1, "dienstag": 2, "mittwoch": 3, "donnerstag": 4, "freitag": 5,
           "samstag": 6, "sonntag": 7},
    "sv": {"måndag": 1, "tisdag": 2, "onsdag": 3, "torsdag": 4, "fredag": 5, "lördag": 6,
           "söndag": 7},
    "en": {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
           "saturday": 6, "sunday": 7},
}  # fmt: skip
MONTHS: dict[str, str] = {
    "de": r"januar|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november"
    r"|dezember|jan|feb|mär|apr|jun|jul|aug|sep|sept|okt|nov|dez",
    "sv": r"januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|nov|dec",
    "en": r"january|february|march|april|may|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec",
}
NUMBERS: dict[str, dict[str, int]] = {
    "de": {"eins": 1, "ein": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6,
           "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12},
    "sv": {"ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8,
           "nio": 9, "tio": 10, "elva": 11, "tolv": 12},
    "en": {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12},
}  # fmt: skip
RELATIVE: dict[str, list[tuple[str, int]]] = {
    "de": [(r"übermorgen", 2), (r"(?<!guten )(?<!am )(?<!jeden )\bmorgen\b", 1),
           (r"\bheute\b", 0)],
    "sv": [(r"\bi\s?övermorgon\b", 2), (r"\bi\s?morgon\b", 1), (r"\bi\s?dag\b", 0)],
    "en": [(r"\bthe day after tomorrow\b|\bday after tomorrow\b", 2), (r"\btomorrow\b", 1),
           (r"\btoday\b", 0)],
}  # fmt: skip
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
DATE_ORDER = {"de": "DMY", "sv": "DMY", "en": "DMY"}
SAME_TIME = {
    "de": r"(?:zur )?(?:gleichen|selben) (?:uhr)?zeit|gleiche uhrzeit",
    "sv": r"samma tid(?:punkt)?",
    "en": r"(?:at )?the same time",
}


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


@dataclass
class _Time:
    start: int
    end: int
    hour: int
    minute: int
    marked: bool  # am/pm given or a 24-hour value


@lru_cache(maxsize=3)
def _patterns(lang: str) -> dict[str, re.Pattern[str]]:
    months = MONTHS[lang]
    words = "|".join(sorted(NUMBERS[lang], key=len, reverse=True))
    wd = "|".join(WEEKDAYS[lang])

    def hhmm(n: int) -> str:
        return rf"(?P<h{n}>[01]?\d|2[0-3])(?:[:.](?P<m{n}>[0-5]\d))?"

    if lang == "de":
        clock = (
            rf"(?:zwischen|von)\s+{hhmm(5)}(?:\s*uhr)?\s*(?:und|bis)\s*\d{{1,2}}(?:[:.]\d\d)?\s*uhr"
            rf"|\b{hhmm(6)}\s*[-–]\s*\d{{1,2}}(?:[:.]\d\d)?\s*uhr"
            rf"|halb\s+(?P<half>\d{{1,2}}|{words})\b"
            rf"|\b(?P<h2>[01]?\d|2[0-3])[:.](?P<m2>[0-5]\d)(?:\s*uhr)?"
            rf"|\b(?P<h3>[01]?\d|2[0-3])\s*uhr(?:\s+(?P<m3>[0-5]\d)\b)?"
            rf"|\b(?:um|gegen|ab)\s+(?P<h4>[01]?\d|2[0-3]|{words})\b(?![.:]\d)(?:\s*uhr\b)?"
        )
    elif lang == "sv":
        clock = (
            rf"(?:mellan)\s+(?:kl\.?\s*)?{hhmm(5)}\s*(?:och)\s*\d{{1,2}}(?:[:.]\d\d)?"
            rf"|\bkl(?:\.|ockan)?\s*{hhmm(6)}\s*[-–]\s*\d{{1,2}}(?:[:.]\d\d)?"
            rf"|halv\s+(?P<half>\d{{1,2}}|{words})\b"
            rf"|\bkl(?:\.|ockan)?\s*(?P<h2>[01]?\d|2[0-3])(?:[:.](?P<m2>[0-5]\d))?"
            rf"|\bklockan\s+(?P<h4>{words})\b"
            rf"|\b(?P<h3>[01]?\d|2[0-3])[:.](?P<m3>[0-5]\d)\b"
        )
    else:
        ampm = r"(?P<ap>a\.?m\.?|p\.?m\.?)"
        clock = (
            rf"\b(?:between|from)\s+{hhmm(5)}\s*(?:and|to|-|–)\s*\d{{1,2}}(?:[:.]\d\d)?\s*(?P<ap1>[ap]\.?m\.?)?"
            rf"|half past\s+(?P<half>\d{{1,2}}|{words})\b"
            rf"|\b(?P<noon>noon|midday)\b"
            rf"|\b(?P<h7>1[0-2]|0?[1-9]|{words})\s*o['’]clock\b"
            rf"|\b(?P<h2>1[0-2]|0?[1-9])(?:[:.](?P<m2>[0-5]\d))?\s*{ampm}"
            rf"|\b(?P<h3>[01]?\d|2[0-3])[:.](?P<m3>[0-5]\d)\b"
            rf"|\bat\s+(?P<h4>[01]?\d|2[0-3]|{words})(?:[:.](?P<m4>[0-5]\d))?"
            rf"(?:\s*(?P<ap2>[ap]\.?m\.?))?\b(?!\s*(?:{months}))"
        )
    suffix = {
        "de": r"(?:vormittags?|nachmittags?|mittags?|abends?|morgens?|früh)?",
        "sv": r"(?:en|s)?(?:förmiddag(?:en)?|eftermiddag(?:en)?|kväll(?:en)?)?",
        "en": "",
    }[lang]  # 'Donnerstagvormittag', 'tisdagseftermiddag'
    day_words = "|".join(rf"{w}{suffix}" for w in WEEKDAYS[lang])
    if lang == "en":
        dated = (
            rf"\b(?:{months})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
            rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{months})\b"
            rf"|\bthe\s+\d{{1,2}}(?:st|nd|rd|th)\b"
            rf"|(?<=day )\d{{1,2}}(?:st|nd|rd|th)\b"
        )
    elif lang == "de":
        dated = rf"\b\d{{1,2}}\.\s*(?:{months})\b"
    else:
        dated = rf"\b\d{{1,2}}(?::[ae])?\s+(?:{months})\b"
    return {
        "clock": re.compile(clock),
        "weekday": re.compile(rf"\b(?P<wd>{day_words})\b"),
        "dated": re.compile(dated),
        "numeric": re.compile(
            r"\b(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})\b"
            r"|\b(?P<d2>[0-3]?\d)\.(?P<mo2>[01]?\d)\.(?P<y2>\d{4}|\d{2})?(?!\d)"
            r"|\b(?P<d3>[0-3]?\d)/(?P<mo3>[01]?\d)\b"
        ),
        "relative": re.compile("|".join(f"(?:{p})" for p, _ in RELATIVE[lang])),
        "next_week": re.compile(NEXT_WEEK[lang]),
        "join": re.compile(rf"^[\s,]*(?:{JOIN[lang]})[\s,]*(?:am|on|på|den)?\s*$"),
        "afternoon": re.compile(AFTERNOON[lang]),
        "same": re.compile(SAME_TIME[lang]),
        "weekday_names": re.compile(rf"^(?:{wd})"),
    }


_SENTENCE = re.compile(r"[!?\n;]|(?<![\d])(?<!\bkl)(?<!\bca)\.(?=\s+[A-ZÄÖÅÜ])")


def _sentences(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for match in _SENTENCE.finditer(text):
        bounds.append((start, match.end()))
        start = match.end()
    bounds.append((start, len(text)))
    return bounds


_HOURS = ("h2", "h3", "h4", "h5", "h6", "h7")
_MINUTES = ("m2", "m3", "m4", "m5", "m6")


def _number(token: str | None, lang: str) -> int | None:
    if token is None:
        return None
    return int(token) if token.isdigit() else NUMBERS[lang].get(token)


def _times(low: str, lang: str, taken: list[tuple[int, int]]) -> list[_Time]:
    found = []
    for m in _patterns(lang)["clock"].finditer(low):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        g = {k: v for k, v in m.groupdict().items() if v is not None}
        if "noon" in g:
            found.append(_Time(m.start(), m.end(), 12, 0, True))
            continue
        if "half" in g:
            hour = _number(g["half"], lang)
            if hour:
                # 'halb drei' / 'halv tre' is 2:30; 'half past two' too
                hour = hour if lang == "en" else (hour - 1) % 24
                found.append(_Time(m.start(), m.end(), hour, 30, False))
            continue
        hour = next((_number(g[k], lang) for k in _HOURS if k in g), None)
        if hour is None:
            continue
        minute = int(next((g[k] for k in _MINUTES if k in g), "0"))
        ap = (g.get("ap") or g.get("ap1") or g.get("ap2") or "").replace(".", "")
        if ap == "pm" and hour < 12:
            hour += 12
        elif ap == "am" and hour == 12:
            hour = 0
        marked = bool(ap) or hour >= 13 or hour == 0
        found.append(_Time(m.start(), m.end(), hour, minute, marked))
    return found


def _future(day: int, month: int, year: int | None, base: date) -> date | None:
    for candidate_year in (year,) if year else (base.year, base.year + 1):
        try:
            value = date(candidate_year, month, day)
        except ValueError:
            return None
        if year or value >= base:
            return value
    return None


def _dateparser(phrase: str, lang: str, base: datetime) -> date | None:
    import dateparser

    settings: Any = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base.replace(tzinfo=None),
        "DATE_ORDER": DATE_ORDER[lang],
        "REQUIRE_PARTS": ["day"],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = dateparser.parse(phrase, languages=[lang], settings=settings)
    return found.date() if found else None


def _days(low: str, lang: str, base: datetime, sentences: list[tuple[int, int]]) -> list[_Day]:
    p = _patterns(lang)
    today = base.date()
    days: list[_Day] = []
    for m in p["numeric"].finditer(low):
        g = m.groupdict()
        if g["y"]:
            value = _future(int(g["d"]), int(g["mo"]), int(g["y"]), today)
        elif g["d2"]:
            year = g["y2"]
            y = (2000 + int(year) if len(year) == 2 else int(year)) if year else None
            value = _future(int(g["d2"]), int(g["mo2"]), y, today)
        else:
            value = _future(int(g["d3"]), int(g["mo3"]), None, today)
        if value:
            days.append(_Day(m.start(), m.end(), value, True))
    for m in p["dated"].finditer(low):
        if any(d.start <= m.start() < d.end for d in days):
            continue
        ordinal = re.fullmatch(r"(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)", m.group(0))
        if ordinal:  # 'the 19th', 'Monday 23rd': that day of this month or the next
            day = int(ordinal.group(1))
            month = today.replace(day=1)
            value = _future(day, month.month, month.year, today)
            if value is None or value < today:
                following = (month + timedelta(days=32)).replace(day=1)
                value = _future(day, following.month, following.year, today)
            if value:
                days.append(_Day(m.start(), m.end(), value, True))
            continue
        value = _dateparser(m.group(0), lang, base)
        if value:
            days.append(_Day(m.start(), m.end(), value, True))
    for m in p["relative"].finditer(low):
        offset = next(o for pat, o in RELATIVE[lang] if re.fullmatch(pat, m.group(0)))
        days.append(_Day(m.start(), m.end(), today + timedelta(days=offset), False))
    for m in p["weekday"].finditer(low):
        name = p["weekday_names"].match(m.group("wd"))
        assert name is not None
        iso = WEEKDAYS[lang][name.group(0)]
        lo, hi = next((a, b) for a, b in sentences if a <= m.start() < b)
        before = low[lo : m.start()]
        after = low[m.end() : min(hi, m.end() + 20)]
        next_week = bool(p["next_week"].search(before) or p["next_week"].match(after.strip()))
        if next_week:
            monday = today - timedelta(days=today.isoweekday() - 1) + timedelta(days=7)
            value = monday + timedelta(days=iso - 1)
        else:
            ahead = (iso - today.isoweekday()) % 7 or 7
            value = today + timedelta(days=ahead)
        days.append(_Day(m.start(), m.end(), value, False))
    days.sort(key=lambda d: d.start)
    return _merged(days, low)


def _merged(days: list[_Day], low: str) -> list[_Day]:
    """'Montag, den 16. März' is one day: an explicit date wins over its weekday."""
    out: list[_Day] = []
    for day in days:
        if out and re.fullmatch(r"[\s,]*(?:den|dem|the)?[\s,]*", low[out[-1].end : day.start]):
            prev = out[-1]
            value = day.value if day.explicit or not prev.explicit else prev.value
            out[-1] = _Day(prev.start, day.end, value, prev.explicit or day.explicit)
            continue
        out.append(day)
    return out


def _hour_in_office(t: _Time, sentence: str, lang: str) -> int:
    """A bare '3' means 15:00 in office hours; 'afternoon' stretches that to 8."""
    if t.marked:
        return t.hour
    latest = 8 if _patterns(lang)["afternoon"].search(sentence) else 6
    return t.hour + 12 if 1 <= t.hour <= latest else t.hour


def read_proposals(text: str, *, language: str, zone: str, written: datetime) -> list[Proposal]:
    """Every start time `text` proposes, as aware datetimes in `zone`, in text order."""
    lang = language if language in WEEKDAYS else "en"
    low = text.lower()
    if len(low) != len(text):  # keep offsets aligned with the original text
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    tz = ZoneInfo(zone)
    base = written.astimezone(tz)
    sentences = _sentences(text)  # capitals mark a new sentence: the original text
    days = _days(low, lang, base, sentences)
    times = _times(low, lang, [(d.start, d.end) for d in days])
    found: list[Proposal] = []
    seen: set[datetime] = set()
    timed: dict[int, list[_Time]] = {}
    last_times: list[_Time] = []
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
