"""K1 through the operations the web app runs: the interview's own time is no clash.

A candidate plans a change of a stored interview (the week view's free blocks, an uploaded
calendar); an employer offers new times with the interviewers' stored calendars read by a
worker. The interview's own event (same UID) sits in those calendars, often right next to
another event; and every block of the week view the candidate did not mark free counts
as busy. Neither is a clash with the interview; something else during it still is.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fairnotice.calendar.expand import OwnEvent
from fairnotice.io import validate
from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.busy import stored as busy
from fairnotice.operations.busy import uploads
from fairnotice.operations.common import records
from fairnotice.operations.common.schemas import InterviewCreate
from fairnotice.operations.offers import commands as offers
from fairnotice.operations.plans import commands as changes
from fairnotice.store.session import transaction
from fairnotice.store.tables import Interview, User
from tests.operations.k1_calendars import (
    AFTER,
    BEFORE,
    DENTIST,
    OWN,
    UID,
    calendar,
    event,
    k1,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday
BERLIN = ZoneInfo("Europe/Berlin")


def clock() -> datetime:
    return NOW


# --- the candidate: Mon 16 Mar 2026 14:00-15:00 Berlin, planned on Tue 10 Mar ---------------

CLASH_EN = "(Monday 16 March, 14:30–15:00)"


def _interview(**changes: Any) -> InterviewCreate:
    raw: dict[str, Any] = {
        "position": "Paralegal",
        "company": "Muster & Partner GmbH",
        "start": "2026-03-16T14:00:00+01:00",
        "end": "2026-03-16T15:00:00+01:00",
        "timezone": "Europe/Berlin",
        "uid": UID,
        "contact": {
            "name": "Jonas Doe",
            "email": "j.doe@example.com",
            "timezone": "Europe/Berlin",
        },
        **changes,
    }
    return validate(InterviewCreate, raw)


def candidate_setup(factory: sessionmaker[Session]) -> tuple[int, int, int]:
    """A candidate in Berlin with one stored interview: (user, workspace, interview)."""
    with transaction(factory, write=True) as session:
        user = accounts.sign_up(
            session,
            email="alex@example.org",
            name="Alex Weber",
            password="a long password here",
            timezone="Europe/Berlin",
        )
        ws = accounts.personal_workspace(session, user.id).id
        row = records.create_interview(session, workspace_id=ws, data=_interview())
        return user.id, ws, row.id


def plan_as_the_page_does(
    factory: sessionmaker[Session],
    *,
    free: list[str] | None = None,
    ics: bytes | None = None,
) -> dict[str, Any]:
    """What POST /w/{ws}/interviews/{id}/plan runs: the week view's marks and an uploaded
    calendar as busy time (without the interview's own), then the stored plan."""
    user_id, ws, interview_id = candidate_setup(factory)
    with transaction(factory, write=True) as session:
        user = session.get(User, user_id)
        row = session.get(Interview, interview_id)
        assert user is not None and row is not None
        own = changes.own_event(row)
        marked = (
            changes.busy_outside(
                free,
                days=changes.week_days(NOW, user.timezone),
                zone_name=user.timezone,
                interview=own,
            )
            if free
            else []
        )
        found = (
            uploads.busy_from_calendar(ics, now=NOW, zone_name=user.timezone, own=own)
            if ics
            else []
        )
        record = changes.plan_for_interview(
            session,
            workspace_id=ws,
            interview_id=interview_id,
            user=user,
            clock=clock,
            intent="reschedule",
            reason="family",
            note="",
            certainty="sure",
            language="en",
            busy=found + marked,
        )
        return dict(record.plan)


def starts_in_berlin(plan: dict[str, Any]) -> list[tuple[str, int]]:
    return [
        (moment.date().isoformat(), moment.hour)
        for s in plan["proposed_slots"]
        for moment in [datetime.fromisoformat(s["start"]).astimezone(BERLIN)]
    ]


def test_week_view_blocks_not_marked_free_are_no_clash(factory: sessionmaker[Session]) -> None:
    """The interview's block (Mon 16 Mar, 14:00) is not marked free: the week view's busy
    time must not be read as something else during the interview."""
    plan = plan_as_the_page_does(factory, free=["2026-03-17T14", "2026-03-19T10"])
    assert k1(plan) == []
    starts = starts_in_berlin(plan)  # still only the marked blocks are proposed
    assert starts and set(starts) <= {
        ("2026-03-17", 14),
        ("2026-03-17", 15),
        ("2026-03-19", 10),
        ("2026-03-19", 11),
    }


def test_week_view_marking_the_interviews_own_block_free_is_no_clash_either(
    factory: sessionmaker[Session],
) -> None:
    plan = plan_as_the_page_does(factory, free=["2026-03-16T14", "2026-03-18T10"])
    assert k1(plan) == []
    assert ("2026-03-16", 14) not in starts_in_berlin(plan)  # the interview's own time


def test_uploaded_calendar_own_event_between_two_others_is_no_clash(
    factory: sessionmaker[Session],
) -> None:
    """Prep right before, the interview (same UID), a stand-up right after: merged, they
    were one busy period 13:00-15:30 that covered the interview."""
    plan = plan_as_the_page_does(factory, ics=calendar(BEFORE, OWN, AFTER))
    assert k1(plan) == []


def test_uploaded_calendar_with_week_view_and_a_real_clash_warns(
    factory: sessionmaker[Session],
) -> None:
    plan = plan_as_the_page_does(
        factory, free=["2026-03-17T14"], ics=calendar(BEFORE, OWN, DENTIST, AFTER)
    )
    (text,) = k1(plan)
    assert CLASH_EN in text


def test_uploaded_calendar_without_uids_leaves_out_the_exact_event_only() -> None:
    """An interview without a UID: the event at exactly its time is its own."""
    start = datetime(2026, 3, 16, 14, tzinfo=BERLIN)
    own = OwnEvent(uid=None, start=start, end=start + timedelta(hours=1))
    other_uid = calendar(BEFORE, OWN.replace(UID, "copy@example.org"), AFTER)
    found = uploads.busy_from_calendar(other_uid, now=NOW, zone_name="Europe/Berlin", own=own)
    spans = [(datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"])) for b in found]
    assert spans == [
        (start - timedelta(hours=1), start),
        (start + timedelta(hours=1), start + timedelta(hours=1, minutes=30)),
    ]
    # With its UID known, only that UID is the interview's own: a copy under another UID
    # at the same time is kept (and the planner's exact-match rule tells it apart).
    named = OwnEvent(uid=UID, start=start, end=start + timedelta(hours=1))
    kept = uploads.busy_from_calendar(other_uid, now=NOW, zone_name="Europe/Berlin", own=named)
    assert len(kept) == 1


# --- the employer: Thu 12 Mar 2026 10:00-11:00 Berlin, offered new times on Tue 10 Mar ------

EMP_OWN = event(UID, "20260312T100000", "20260312T110000", "Interview: Lena Vogel")
EMP_BEFORE = event("sync@example.com", "20260312T090000", "20260312T100000", "Team sync")
EMP_AFTER = event("debrief@example.com", "20260312T110000", "20260312T113000", "Debrief")
EMP_CLASH = event("client@example.com", "20260312T103000", "20260312T120000", "Client call")


def offer_with_calendar(
    factory: sessionmaker[Session],
    *,
    ics: bytes | None = None,
    periods: list[tuple[datetime, datetime]] | None = None,
    when: tuple[str, str] = ("2026-03-12T10:00:00+01:00", "2026-03-12T11:00:00+01:00"),
) -> dict[str, Any]:
    """An organisation's interview with interviewer Jonas Doe, whose calendar a worker has
    read; the employer offers new times. The offer's plan (as stored)."""
    with transaction(factory, write=True) as session:
        user = accounts.sign_up(
            session, email="hr@example.com", name="HR", password="a long password here"
        )
        org = accounts.create_organisation(session, user_id=user.id, name="Muster & Partner")
        busy.add_calendar(
            session,
            workspace_id=org.id,
            owner_email="J.Doe@example.com",
            ics=ics,
            busy=periods or [],
            zone_name="Europe/Berlin",
        )
        row = records.create_interview(
            session,
            workspace_id=org.id,
            data=_interview(
                start=when[0],
                end=when[1],
                contact={"name": "Lena Vogel", "email": "lena@example.org"},
                interviewers=[{"name": "Jonas Doe", "email": "j.doe@example.com"}],
            ),
            confirm_clash=True,  # the calendar is not read yet: its busy time is unknown
        )
        ids = (user.id, org.id, row.id)
    busy.read_calendars(factory, clock=clock)  # what a worker does
    with transaction(factory, write=True) as session:
        user = session.get(User, ids[0])
        assert user is not None
        made = offers.offer_times(
            session,
            workspace_id=ids[1],
            interview_id=ids[2],
            user=user,
            base_url="http://testserver",
            clock=clock,
        )
        return made.plan.model_dump(mode="json")


def test_offer_interviewers_own_event_between_two_others_is_no_clash(
    factory: sessionmaker[Session],
) -> None:
    plan = offer_with_calendar(factory, ics=calendar(EMP_BEFORE, EMP_OWN, EMP_AFTER))
    assert k1(plan) == []
    assert len(plan["proposed_slots"]) >= 3


def test_offer_stored_periods_the_interview_and_next_to_it_are_no_clash(
    factory: sessionmaker[Session],
) -> None:
    """A calendar given as busy periods only: one is exactly the interview (its own)."""
    start = datetime(2026, 3, 12, 10, tzinfo=BERLIN)
    hour = timedelta(hours=1)
    plan = offer_with_calendar(
        factory,
        periods=[(start - hour, start), (start, start + hour), (start + hour, start + 2 * hour)],
    )
    assert k1(plan) == []


def test_offer_warns_of_a_real_clash_in_the_interviewers_calendar(
    factory: sessionmaker[Session],
) -> None:
    plan = offer_with_calendar(factory, ics=calendar(EMP_BEFORE, EMP_OWN, EMP_CLASH, EMP_AFTER))
    (text,) = k1(plan)
    assert "10:30" in text and "11:00" in text


def test_offer_warns_of_a_clash_with_an_interview_months_ahead(
    factory: sessionmaker[Session],
) -> None:
    """The interviewers' calendars are read up to the interview, not only for the six
    weeks the new times are looked for in (Fri 29 May, 80 days after the offer)."""
    far = (
        event(UID, "20260529T100000", "20260529T110000", "Interview: Lena Vogel"),
        event("client@example.com", "20260529T103000", "20260529T120000", "Client call"),
    )
    when = ("2026-05-29T10:00:00+02:00", "2026-05-29T11:00:00+02:00")
    plan = offer_with_calendar(factory, ics=calendar(*far), when=when)
    (text,) = k1(plan)
    assert "10:30" in text and "11:00" in text and "29" in text
