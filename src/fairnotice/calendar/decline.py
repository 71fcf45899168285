"""METHOD:DECLINECOUNTER (RFC 5546, section 3.2.8): the organizer keeps the time that an
attendee's COUNTER proposed to change (K2).

The RFC's table is followed: ORGANIZER, DTSTAMP and UID once, an ATTENDEE for every
attendee, SEQUENCE echoing the original's, COMMENT for the organizer's words. libical's
restriction table (written from RFC 2446) allows neither ATTENDEE nor SEQUENCE here; where
the two disagree the RFC wins (tests/calendar/test_itip.py checks the RFC's table as data
and records libical's disagreement). The kept time is not repeated: DTSTART, DTEND and
SUMMARY are optional, and UID with SEQUENCE name the event and the version the answer is
about. Pure: `dtstamp` comes in as an argument; every text passes the same cleaning as the
other iTIP objects (calendar/ics.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from fairnotice.calendar.ics import PRODID, EventFacts, Party, clean_param, clean_text
from fairnotice.model import CalendarMethod


def _address(party: Party) -> vCalAddress:
    address = vCalAddress(f"mailto:{clean_param(party.email)}")
    if party.name:
        address.params["CN"] = clean_param(party.name)
    return address


def decline_counter(facts: EventFacts, *, comment: str | None, dtstamp: datetime) -> str:
    """The organizer's answer to a COUNTER: the event `facts` describes stays as it is.

    `facts.sequence` is the original's SEQUENCE (echoed, not raised: nothing changes) and
    `facts.attendees` are all of the event's attendees (RFC 5546: "MUST for all Attendees").
    """
    if not facts.attendees:
        raise ValueError("attendees: a DECLINECOUNTER names every attendee (RFC 5546 3.2.8)")
    event = Event()
    event.add("uid", clean_param(facts.uid))
    event.add("dtstamp", dtstamp.astimezone(UTC))
    event.add("sequence", facts.sequence)
    event.add("organizer", _address(facts.organizer))
    for party in facts.attendees:
        event.add("attendee", _address(party))
    if comment:
        event.add("comment", vText(clean_text(comment)))
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", CalendarMethod.DECLINECOUNTER.value)
    cal.add_component(event)
    return str(cal.to_ical().decode("utf-8"))
