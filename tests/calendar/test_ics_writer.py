"""The iTIP writer (calendar/ics.py writes its objects itself): whatever the user typed,
icalendar reads back exactly the facts, every line fits in 75 octets, and no text can
add a property, a parameter or a component."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from fairnotice.calendar import ics

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
TRICKY = st.sampled_from(list(',;:\\"^\n\r\t\u2028 aZüé€😀=<>\x00\x7f'))
TEXT = st.text(alphabet=TRICKY | st.characters(codec="utf-8"), max_size=120)
NAME = st.text(alphabet=TRICKY | st.characters(codec="utf-8"), min_size=1, max_size=60)


def facts(summary: str, name: str, location: str, zone: str) -> ics.EventFacts:
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night Europe/Berlin goes to DST
    return ics.EventFacts(
        uid="u-1@example.com",
        sequence=2,
        start=start,
        end=start + timedelta(hours=1, minutes=15),
        timezone=zone,
        summary=summary,
        organizer=ics.Party(name, "org@example.com"),
        attendees=[ics.Party(name, "a@example.org"), ics.Party("", "b@example.org")],
        location=location or None,
        description=summary or None,
    )


def event_of(text: str) -> Calendar:
    calendar = Calendar.from_ical(text)
    (event,) = calendar.walk("VEVENT")
    return event


@settings(max_examples=150, deadline=None)
@given(
    summary=TEXT,
    name=NAME,
    location=TEXT,
    zone=st.sampled_from(["Europe/Berlin", "UTC", "America/New_York", "Asia/Kolkata"]),
    method=st.sampled_from(["request", "cancel", "counter", "reply"]),
)
def test_icalendar_reads_back_exactly_the_facts(
    summary: str, name: str, location: str, zone: str, method: str
) -> None:
    f = facts(summary, name, location, zone)
    if method == "request":
        text = ics.request(f, dtstamp=NOW)
    elif method == "cancel":
        text = ics.cancel(f, dtstamp=NOW)
    elif method == "counter":
        text = ics.counter(f, proposed=(f.start, f.end), comment=summary, dtstamp=NOW)
    else:
        text = ics.reply(f, attendee=f.attendees[0], partstat="DECLINED", comment=location,
                         dtstamp=NOW)  # fmt: skip
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75, line
    assert text.endswith("END:VCALENDAR\r\n") and "\n" not in text.replace("\r\n", "")
    for line in text.replace("\r\n ", "").split("\r\n"):
        if line.startswith(("SUMMARY:", "LOCATION:", "DESCRIPTION:", "COMMENT:")):
            value = line.split(":", 1)[1]  # RFC 5545 3.3.11: only escaped ; , \\ and \\n
            assert re.fullmatch(r"(?:[^\\;,\r\n]|\\[\\;,n])*", value), line
    calendar = Calendar.from_ical(text)
    assert [c.name for c in calendar.subcomponents if c.name != "VTIMEZONE"] == ["VEVENT"]
    assert str(calendar["METHOD"]) == method.upper()
    event = event_of(text)
    assert str(event["SUMMARY"]) == ics.clean_text(summary)
    assert event.decoded("DTSTART") == f.start and event.decoded("DTEND") == f.end
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["UID"]) == "u-1@example.com"
    assert event.decoded("SEQUENCE") == (3 if method == "cancel" else 2)
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:org@example.com"
    assert organizer.params["CN"] == ics.clean_param(name)
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    wanted = ["mailto:a@example.org"] + ([] if method == "reply" else ["mailto:b@example.org"])
    assert [str(a) for a in attendees] == wanted
    assert attendees[0].params["CN"] == ics.clean_param(name)
    if method == "reply":
        assert attendees[0].params["PARTSTAT"] == "DECLINED"
        if location:
            assert str(event["COMMENT"]) == ics.clean_text(location)
    else:
        if location:
            assert str(event["LOCATION"]) == ics.clean_text(location)
        if summary:
            assert str(event["DESCRIPTION"]) == ics.clean_text(summary)
    if zone != "UTC":
        assert event["DTSTART"].params["TZID"] == zone
        assert any(c.name == "VTIMEZONE" for c in calendar.subcomponents)


def test_folding_never_splits_a_character_or_an_escape_and_unfolds_to_the_line() -> None:
    for line in ["X:" + "ü" * 80, "X:" + "a" * 73 + "\\n" + "b" * 80, "X:" + "😀" * 40]:
        folded = ics.fold(line)
        pieces = folded.split("\r\n")
        assert len(pieces) > 1
        assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
        assert all(p.startswith(" ") for p in pieces[1:])
        assert all(not p.endswith("\\") for p in pieces[:-1])
        assert folded.replace("\r\n ", "") == line
    assert ics.fold("SHORT:line") == "SHORT:line"


def test_a_name_or_summary_cannot_start_a_property_or_component() -> None:
    hostile = 'Eve\r\nATTENDEE:mailto:x@evil.example\r\nEND:VEVENT\r\nBEGIN:VEVENT";X=Y:'
    text = ics.request(facts(hostile, hostile, hostile, "Europe/Berlin"), dtstamp=NOW)
    assert "\r\nATTENDEE:mailto:x@evil" not in text and "\r\nEND:VEVENT\r\nBEGIN" not in text
    event = event_of(text)
    assert [str(a) for a in event["ATTENDEE"]] == ["mailto:a@example.org", "mailto:b@example.org"]
    assert set(event["ORGANIZER"].params) == {"CN"}
