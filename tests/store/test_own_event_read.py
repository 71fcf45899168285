"""An offer leaves the interview's own event out of its interviewers' stored calendars
(K1) without parsing a calendar that cannot hold it (issue 18): `owners_busy` reads the
calendar's UIDs from its text (unfolded) and parses it only when the interview's UID is
among them, or a given period is exactly the interview. Either way the busy time is what
parsing every calendar gives. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.calendar.expand import Interval, OwnEvent, merge
from fairnotice.operations.busy import stored as busy
from tests.store.test_busy_intervals import NOW, store, workspace

DAY = datetime(2026, 3, 12, tzinfo=UTC)
OWN = OwnEvent(uid="interview-7@fairnotice", start=DAY.replace(hour=10), end=DAY.replace(hour=11))
WINDOW = (DAY - timedelta(days=2), DAY + timedelta(days=2))


def _event(uid_line: str, start: int, end: int) -> str:
    return (
        f"BEGIN:VEVENT\r\n{uid_line}\r\nDTSTAMP:20260301T000000Z\r\n"
        f"DTSTART:20260312T{start:02d}0000Z\r\nDTEND:20260312T{end:02d}0000Z\r\n"
        "SUMMARY:Meeting\r\nEND:VEVENT\r\n"
    )


def _calendar(*events: str) -> bytes:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    return f"{head}{''.join(events)}END:VCALENDAR\r\n".encode()


BEFORE = _event("UID:before@example.org", 9, 10)
AFTER = _event("UID:after@example.org", 11, 12)
CALENDARS = {
    # the interview itself between two meetings: parsed, the interview left out
    "own": (_calendar(BEFORE, _event(f"UID:{OWN.uid}", 10, 11), AFTER), True),
    # its UID folded over two lines, or written in lower case with a parameter
    "folded": (_calendar(BEFORE, _event("UID:interview-7@fair\r\n notice", 10, 11), AFTER), True),
    "lower": (_calendar(_event(f"uid;x-test=1:{OWN.uid}", 10, 11), AFTER), True),
    # a real clash with another meeting over the interview: nothing to leave out
    "clash": (_calendar(BEFORE, _event("UID:clash@example.org", 10, 12)), False),
    "near": (_calendar(_event("UID:interview-77@fairnotice", 9, 11), AFTER), False),
}


def _busy(factory: sessionmaker[Session], ws: int) -> list[Interval]:
    with factory() as session:
        found, unread = busy.owners_busy(
            session,
            workspace_id=ws,
            emails=["j.doe@example.com"],
            start=WINDOW[0],
            end=WINDOW[1],
            own=OWN,
            now=NOW,
        )
    assert unread == []
    return merge(found)


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_the_own_event_is_left_out_parsing_only_what_may_hold_it(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    ics, holds_own = CALENDARS[name]
    ws = workspace(factory)
    store(factory, ws, ics)
    busy.read_calendars(factory, clock=lambda: NOW)
    busy._uids_kept.clear()
    parsed: list[int] = []
    parse = busy._parsed

    def counted(row: busy.BusyCalendar) -> object:
        parsed.append(row.id)
        return parse(row)

    monkeypatch.setattr(busy, "_parsed", counted)
    found = _busy(factory, ws)
    assert bool(parsed) is holds_own
    # what parsing the calendar every time gives
    monkeypatch.setattr(busy, "_may_hold", lambda row, own: True)
    assert found == _busy(factory, ws)
    assert parsed  # the reference did parse
    own = (OWN.start, OWN.end)
    if holds_own:
        assert not any(s < own[1] and e > own[0] and e - s <= own[1] - own[0] for s, e in found)
        assert (DAY.replace(hour=11), DAY.replace(hour=12)) in found
    else:  # the clash stays
        assert any(s <= own[0] and e >= own[1] for s, e in found)
