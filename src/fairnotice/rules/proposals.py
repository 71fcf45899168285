"""New times to propose (R4, E2, K1): free for the proposer, inside both sides' working hours;
and the proposer's own busy time during the original interview (K1).

The proposer's busy periods come in the situation's availability (the operations layer
adds the busy time of any calendars first); the original interview time counts as busy.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fairnotice.calendar.slots import BusyIndex, Hours, free_slots
from fairnotice.model import Availability, Situation, parse_clock, zone
from fairnotice.rules import timing

HORIZON = timedelta(days=28)  # how far ahead proposals may reach
FIRST_LOOK = timedelta(days=7)


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


def propose(situation: Situation, now: datetime, *, count: int) -> list[tuple[datetime, datetime]]:
    """Up to `count` slots, one per day, earliest first, in the recipient's zone.

    Each lasts as long as the interview, starts at least one working day from now (R4),
    lies inside the proposer's and the recipient's working hours and clashes with no busy
    period nor the original interview (K1).
    """
    interview = situation.interview
    mine = proposer_hours(situation)
    theirs = Hours(zone=zone(situation.counterpart.timezone))
    busy = [(p.start, p.end) for p in (situation.availability or Availability()).busy]
    busy.append((interview.start, interview.end))
    index = BusyIndex(busy)
    earliest = timing.add_working_days(now, 1, mine)
    found: list[tuple[datetime, datetime]] = []
    # Most searches end within the first week; look further only when they do not.
    for reach in (FIRST_LOOK, HORIZON):
        found = free_slots(
            busy=index,
            hours=[mine, theirs],
            duration=interview.end - interview.start,
            earliest=earliest,
            latest=earliest + reach,
            grid_zone=mine.zone,
            count=count,
            one_per_day=True,
        )
        if len(found) >= count:
            break
    return [(s.astimezone(theirs.zone), e.astimezone(theirs.zone)) for s, e in found]
