"""New times to propose (R4, E2, K1): free for the proposer, inside both sides' working hours;
and the proposer's own busy time during the original interview (K1).

The proposer's busy periods come in the situation's availability (the operations layer
adds the busy time of any calendars first); the original interview time counts as busy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice, takewhile
from typing import Literal
from zoneinfo import ZoneInfo

from fairnotice.calendar.slots import BusyIndex, Hours, each_free_slot
from fairnotice.model import Availability, Role, Situation, parse_clock, zone
from fairnotice.rules import timing

HORIZON = timedelta(days=28)  # how far ahead proposals may reach


def proposer_hours(situation: Situation) -> Hours:
    """The proposer's working hours in their own zone (availability, else office hours)."""
    availability = situation.availability or Availability()
    hours = availability.working_hours
    return Hours(
        zone=zone(availability.timezone or situation.me.timezone),
        start=parse_clock(hours.start),
        end=parse_clock(hours.end),
        days=frozenset(hours.days),
    )


def own_clashes(situation: Situation) -> list[tuple[datetime, datetime]]:
    """K1: the parts of the interview's time that the proposer's own busy periods cover,
    earliest first. A busy period that is exactly the interview is the interview itself
    (calendars and busy lists usually carry it), not a clash."""
    interview = situation.interview
    start, end = interview.start, interview.end
    parts = sorted(
        (max(p.start, start), min(p.end, end))
        for p in (situation.availability or Availability()).busy
        if p.start < end and p.end > start and not (p.start == start and p.end == end)
    )
    merged: list[tuple[datetime, datetime]] = []
    for first, last in parts:
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


# Times of day in the recipient's zone: a person offers a morning, a midday and an
# afternoon rather than three mornings (R4, E2).
Part = Literal["morning", "midday", "afternoon"]
_PART_ORDER: dict[bool, tuple[Part, ...]] = {
    False: ("morning", "afternoon", "midday"),  # a candidate's proposals
    True: ("morning", "midday", "afternoon"),  # an employer's: early, midday, late
}
_WHY: dict[str, dict[str, str]] = {
    "de": {
        "morning": "vormittags",
        "midday": "über Mittag",
        "afternoon": "nachmittags",
        "early": "gleich zu Tagesbeginn",
        "late": "zum Ende des Arbeitstags",
        "after": "nach dem ursprünglichen Termin",
        "before": "vor dem ursprünglichen Termin",
        "other_day": "ein anderer Tag als die übrigen Vorschläge",
    },
    "sv": {
        "morning": "på förmiddagen",
        "midday": "vid lunchtid",
        "afternoon": "på eftermiddagen",
        "early": "tidigt på dagen",
        "late": "i slutet av arbetsdagen",
        "after": "efter den ursprungliga tiden",
        "before": "före den ursprungliga tiden",
        "other_day": "en annan dag än de andra förslagen",
    },
    "en": {
        "morning": "in the morning",
        "midday": "around midday",
        "afternoon": "in the afternoon",
        "early": "early in the working day",
        "late": "at the end of the working day",
        "after": "after the original date",
        "before": "before the original date",
        "other_day": "a different day from the other options",
    },
}


def why_in(text: str, language: str) -> str:
    """A proposal's `why`, written in its letter's language, for a reader of `language`
    (the employer's page shows the candidate's times in the employer's words); a text
    that is no `why` stays as it is."""
    for words in _WHY.values():
        for key, value in words.items():
            if value == text:
                return _WHY.get(language, _WHY["en"])[key]
    return text


@dataclass(frozen=True, slots=True)
class Proposal:
    start: datetime
    end: datetime
    why: str


def _part(moment: datetime, tz: ZoneInfo) -> Part:
    clock = moment.astimezone(tz).time()
    if clock < time(11, 30):
        return "morning"
    if clock < time(14, 0):
        return "midday"
    return "afternoon"


# The time a person would name within each part of the day (recipient's clock).
_PREFERRED = {"morning": time(10, 0), "midday": time(12, 30), "afternoon": time(14, 30)}


def _distance(moment: datetime, tz: ZoneInfo, target: time, employer: bool, part: Part) -> int:
    """How far a start is from the time a person would pick in its part of the day. An
    employer's early and late options sit at the edges of the day (before and after a
    working candidate's own day), so the earliest morning and the latest afternoon win."""
    local = moment.astimezone(tz)
    minutes = local.hour * 60 + local.minute
    if employer and part == "morning":
        return minutes
    if employer and part == "afternoon":
        return -minutes
    return abs(minutes - (target.hour * 60 + target.minute))


SEARCHED = 2000  # slots at most looked at (28 days of half hours hold fewer)


def _first_days(
    found: Iterable[tuple[datetime, datetime]], tz: ZoneInfo, original_day: date, count: int
) -> dict[date, list[tuple[datetime, datetime]]]:
    """The free slots of the first `count` whole days in `tz` (never the original's day),
    read only that far: the slots come in time order, so a day is whole once a slot of a
    later day shows, and the days after those are never chosen (one proposal a day)."""
    by_day: dict[date, list[tuple[datetime, datetime]]] = {}
    last: date | None = None
    for start, end in found:
        day = start.astimezone(tz).date()
        if day == original_day:  # never the day of the time just called off
            continue
        if day != last:
            if last is not None and len(by_day) >= count:
                break
            last = day
            by_day[day] = []
        by_day[day].append((start, end))
    return by_day


def spread_proposals(
    situation: Situation, now: datetime, *, count: int, language: str = "en"
) -> list[Proposal]:
    """Up to `count` times a considerate person would offer, in the recipient's zone.

    Each lasts as long as the interview, starts at least one working day from now (R4),
    lies inside the proposer's and the recipient's working hours and clashes with no busy
    period nor the original interview (K1). They are spread over different days, one a day,
    and different times of day. A candidate's proposals
    prefer the days after the original date and never fall on its day; an employer's skip
    the very next morning and offer early, midday and late times, so a candidate who works
    can take one (E2). Each says why it was chosen, in `language`.
    """
    interview = situation.interview
    settings = situation.options.proposals
    employer = situation.role is Role.employer
    mine = proposer_hours(situation)
    theirs = Hours(zone=zone(situation.counterpart.timezone))
    busy = [(p.start, p.end) for p in (situation.availability or Availability()).busy]
    busy.append((interview.start, interview.end))
    earliest = timing.add_working_days(now, 1, mine)
    skip_morning = (
        settings.skip_first_morning if settings.skip_first_morning is not None else employer
    )
    if skip_morning:
        # Not the very next morning: the candidate needs a day to arrange time off.
        opening = timing.opening_at_or_after(earliest, theirs).astimezone(theirs.zone)
        earliest = max(earliest, opening.replace(hour=12, minute=0))
    if settings.earliest is not None:
        earliest = max(earliest, settings.earliest)
    index, latest = BusyIndex(busy), earliest + HORIZON

    def search(start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The free slots from `start` on: those of the whole window that start there."""
        found = each_free_slot(
            busy=index,
            hours=[mine, theirs],
            duration=interview.end - interview.start,
            earliest=start,
            latest=latest,
            grid_zone=mine.zone,
        )
        return islice(found, SEARCHED)

    tz = theirs.zone
    original_day = interview.start.astimezone(tz).date()
    after_original = settings.after_original
    if after_original if after_original is not None else not employer:
        # The days after the original's are chosen first: read from its day on, and the
        # days before it only when too few come after.
        noon = datetime.combine(original_day, time(12), tzinfo=tz)
        by_day = _first_days(search(max(earliest, noon)), tz, original_day, count)
        if len(by_day) < count:
            before = takewhile(
                lambda s: s[0].astimezone(tz).date() < original_day, search(earliest)
            )
            by_day = {**_first_days(before, tz, original_day, SEARCHED), **by_day}
    else:
        by_day = _first_days(search(earliest), tz, original_day, count)
    if after_original is None:
        after_original = not employer and any(d > original_day for d in by_day)
    days = sorted(by_day)
    if after_original:
        days = [d for d in days if d > original_day] + [d for d in days if d < original_day]
    order = _PART_ORDER[employer]
    words = _WHY.get(language, _WHY["en"])
    chosen: list[Proposal] = []
    used_parts: list[Part] = []
    for day in days:
        if len(chosen) >= count:
            break
        options = [(o, _part(o[0], tz)) for o in by_day[day]]  # each start's part once
        wanted = [p for p in order if p not in used_parts] or list(order)
        wanted = wanted[len(used_parts) % len(wanted) :] + wanted[: len(used_parts) % len(wanted)]
        for part in (*wanted, *order):
            fitting = [o for o, its in options if its == part]
            if fitting:
                break
        start, end = min(
            fitting, key=lambda o: _distance(o[0], tz, _PREFERRED[part], employer, part)
        )
        used_parts.append(part)
        if len(used_parts) >= len(order):
            used_parts = []
        label = {"morning": "early", "afternoon": "late"}.get(part, part) if employer else part
        why = [words[label]]
        if not employer:
            why.insert(0, words["after" if day > original_day else "before"])
        chosen.append(Proposal(start.astimezone(tz), end.astimezone(tz), ", ".join(why)))
    chosen.sort(key=lambda p: p.start)
    return chosen
