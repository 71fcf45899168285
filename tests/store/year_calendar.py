"""An interviewer's calendar as Outlook exports it: a year of meetings, each with its
attendees, a location and a few lines of description (about 80-90 kB of iCalendar), made
with the icalendar library. Deterministic for a given seed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

TOPICS = (
    "Mandantengespräch",
    "Jour fixe Team Arbeitsrecht",
    "Court hearing preparation",
    "Styrelsemöte",
    "Review of the draft contract",
    "Onboarding new paralegals",
)


def year_of_meetings(owner: str, *, first: datetime, count: int = 260, seed: int = 1) -> bytes:
    """`count` meetings of `owner` on working days from `first` on (UTC), one or two a day."""
    pick = random.Random(seed)
    calendar = Calendar()
    calendar.add("prodid", "-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN")
    calendar.add("version", "2.0")
    day = first.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    made = 0
    while made < count:
        day += timedelta(days=1)
        if day.weekday() >= 5:
            continue
        for _ in range(pick.choice((1, 1, 2))):
            start = day + timedelta(hours=pick.randrange(7, 16), minutes=pick.choice((0, 30)))
            event = Event()
            event.add("uid", f"{made:06d}-{pick.getrandbits(64):016x}@outlook.example")
            event.add("dtstamp", first)
            event.add("dtstart", start)
            event.add("dtend", start + timedelta(minutes=pick.choice((30, 60, 90))))
            topic = pick.choice(TOPICS)
            event.add("summary", f"{topic} #{made}")
            event.add("location", f"Besprechungsraum {pick.randrange(1, 9)}, Friedrichstraße 10")
            event.add(
                "description",
                f"{topic}.\nAgenda: open points from last week, next steps, any other"
                f" business.\nDial-in: +49 30 {pick.randrange(1000000, 9999999)}",
            )
            organizer = vCalAddress(f"mailto:{owner}")
            organizer.params["cn"] = vText("Interviewer")
            event.add("organizer", organizer)
            for n in range(pick.randrange(1, 4)):
                attendee = vCalAddress(f"mailto:colleague{n}@muster.example")
                attendee.params["cn"] = vText(f"Colleague {n}")
                attendee.params["partstat"] = vText("ACCEPTED")
                event.add("attendee", attendee, encode=0)
            calendar.add_component(event)
            made += 1
    return calendar.to_ical()
