"""Mangled calendars and invitations: an answer or BadInput, never any other exception."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairnotice.calendar import parse
from fairnotice.calendar.expand import busy_intervals
from fairnotice.calendar.invite import import_invitation
from fairnotice.errors import BadInput
from tests import fuzzing
from tests.calendar import invitations
from tests.calendar.test_import import FIXTURE_FILES

SOURCES = [
    invitations.google_ics(),
    invitations.outlook_ics(teams=True),
    invitations.apple_eml(),
    invitations.thunderbird_eml(),
    *(p.read_bytes() for p in FIXTURE_FILES if "recurrence" in p.name or "rdate" in p.name),
]
NASTY_LINES = [
    b"RRULE:FREQ=SECONDLY;COUNT=1000000000",
    b"RRULE:FREQ=MONTHLY;BYSETPOS=-9",
    b"DTSTART;TZID=Nowhere:20260101T000000",
    b"EXDATE:garbage",
    b"END:VEVENT",
    b"BEGIN:VEVENT",
    b"DURATION:-P1D",
    b"RDATE;VALUE=PERIOD:20260101T000000Z/PT1H",
    b"RECURRENCE-ID:20260105T000000Z",
    b"DTEND:19000101",
    b"\xff\xfe",
    b"",
]


def mangled() -> st.SearchStrategy[bytes]:
    """A real file with a few lines dropped, doubled, cut, replaced or changed (the
    strategy of tests/fuzzing.py, over these sources and lines)."""
    return fuzzing.mangled(tuple(SOURCES), tuple(NASTY_LINES))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mangled())
def test_mangled_input_imports_or_is_bad_input(data: bytes) -> None:
    try:
        interview = import_invitation(data)
    except BadInput as exc:
        assert exc.problems and all(field and what for field, what in exc.problems)
    else:
        assert interview.end > interview.start


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mangled())
def test_mangled_calendars_expand_or_are_bad_input(data: bytes) -> None:
    try:
        cals = parse.calendars(data, label="f.ics")
        found = busy_intervals(
            cals,
            start=datetime(2026, 1, 1, tzinfo=UTC),
            end=datetime(2026, 3, 1, tzinfo=UTC),
            floating=ZoneInfo("Europe/Berlin"),
            label="f.ics",
        )
    except BadInput as exc:
        assert exc.problems
    else:
        assert all(s < e for s, e in found)
