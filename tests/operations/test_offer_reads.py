"""Offering new times reads the interviewers' busy time in the offer's window only, and
the offer's plan refers to that time instead of keeping a copy of it: a reply proposing a
time still finds the interviewer busy then. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.busy import stored as busy
from fairnotice.operations.common import records
from fairnotice.operations.common.schemas import InterviewCreate
from fairnotice.operations.offers import commands as offers
from fairnotice.operations.replies import commands as replies
from fairnotice.store.session import transaction
from fairnotice.store.tables import Interview, OutboxMessage, PlanRecord, User

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday
START = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)  # the interview: Thu 12 Mar, 10:00 Berlin
# the interviewer's afternoon on Mon 16 Mar, from the stored calendar
MEETING = (datetime(2026, 3, 16, 13, 0, tzinfo=UTC), datetime(2026, 3, 16, 16, 0, tzinfo=UTC))
PAST = 300  # the interviewer's interviews of the past years


def _create(**changes: Any) -> InterviewCreate:
    data: dict[str, Any] = {
        "position": "Paralegal",
        "company": "Muster & Partner",
        "start": START.isoformat(),
        "end": (START + timedelta(hours=1)).isoformat(),
        "timezone": "Europe/Berlin",
        "contact": {"name": "Lena Vogel", "email": "lena@example.org"},
        "interviewers": [{"name": "Jonas Doe", "email": "j.doe@example.com"}],
    }
    data.update(changes)
    return InterviewCreate.model_validate(data)


def _world(factory: sessionmaker[Session]) -> tuple[int, int, int]:
    """An organisation whose interviewer has a stored calendar and PAST interviews behind
    him (booked, never closed), and the interview to move; (user, workspace, interview)."""
    with transaction(factory, write=True) as session:
        user = accounts.sign_up(
            session, email="hr@example.com", name="HR", password="a long password here"
        )
        org = accounts.create_organisation(session, user_id=user.id, name="Muster & Partner")
        busy.add_calendar(
            session,
            workspace_id=org.id,
            owner_email="j.doe@example.com",
            ics=None,
            busy=[MEETING],
        )
        row = records.create_interview(session, workspace_id=org.id, data=_create())
        ids = (user.id, org.id, row.id)
        for n in range(PAST):
            began = NOW - timedelta(days=700 - 2 * n)
            session.add(
                Interview(
                    workspace_id=org.id,
                    position="Paralegal",
                    company="Muster & Partner",
                    start=began,
                    end=began + timedelta(hours=1),
                    timezone="Europe/Berlin",
                    uid=f"past-{n}@example.com",
                    status="scheduled",
                    contact={"name": f"Past {n}", "email": f"past{n}@example.org"},
                    interviewers=[{"name": "Jonas Doe", "email": "j.doe@example.com"}],
                )
            )
    return ids


def _offer(factory: sessionmaker[Session], ids: tuple[int, int, int]) -> offers.NewOffer:
    with transaction(factory, write=True) as session:
        user = session.get(User, ids[0])
        assert user is not None
        return offers.offer_times(
            session,
            workspace_id=ids[1],
            interview_id=ids[2],
            user=user,
            base_url="http://testserver",
            clock=lambda: NOW,
        )


def test_the_offer_reads_no_interview_outside_its_window(
    factory: sessionmaker[Session],
) -> None:
    ids = _world(factory)
    loaded: list[int] = []

    def count(target: Interview, context: object) -> None:
        loaded.append(target.id)

    event.listen(Interview, "load", count)
    try:
        made = _offer(factory, ids)
    finally:
        event.remove(Interview, "load", count)
    assert len(made.plan.proposed_slots) >= 3
    assert loaded == [ids[2]]  # the interview moved, not the interviewer's past ones
    slots = [(s.start, s.end) for s in made.plan.proposed_slots]
    assert not any(s < MEETING[1] and e > MEETING[0] for s, e in slots)


def test_the_offer_plan_keeps_no_busy_copy_and_a_reply_still_sees_the_busy_time(
    factory: sessionmaker[Session],
) -> None:
    ids = _world(factory)
    _offer(factory, ids)
    with transaction(factory, write=True) as session:
        record = session.scalars(select(PlanRecord).where(PlanRecord.interview_id == ids[2])).one()
        assert record.situation["availability"]["busy"] == []
        letter = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.plan_id == record.id, OutboxMessage.recipient == "lena@example.org"
            )
        ).one()
        mail = EmailMessage()
        mail["From"] = "Lena Vogel <lena@example.org>"
        mail["To"] = "hr@example.com"
        mail["Subject"] = "Re: new times"
        mail["Message-ID"] = "<reply-1@example.org>"
        mail["In-Reply-To"] = letter.message_id or ""
        mail["Date"] = "Tue, 10 Mar 2026 10:00:00 +0000"
        mail.set_content(
            "Hello,\n\nnone of these work for me. Could we meet on 16 March 2026 at 15:00"
            " instead?\n\nBest regards,\nLena"
        )
        found = replies.record_reply(
            session, raw=mail.as_bytes(), source="upload", now=NOW, workspace_id=ids[1]
        )
        assert found is not None
        (proposal,) = found[0].proposals
        assert proposal["free"] is False  # the interviewer's meeting, read from the calendar
        assert proposal["clashes"]
