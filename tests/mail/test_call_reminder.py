"""The reminder to call when no reply came (note `call_reminder`), as `fire_followups`
queues it on SQLite and PostgreSQL: in each language it names whom to call, their
number, the position and company, and when the call was planned, in the user's own
clock (a due of 08:00 UTC is 09:00 in Berlin in winter, 10:00 in summer), with no
template braces left over. (A call step is only planned with a number; the note without
one is in tests/compose/test_note_snapshots.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.io import validate
from fairnotice.model import Situation
from fairnotice.operations.outbox.delivery import fire_followups
from fairnotice.operations.plans.sending import local_workspace, send_plan
from fairnotice.store.session import transaction
from fairnotice.store.tables import OutboxEvent, OutboxMessage, PlanStep, User
from tests.conftest import BASE, merge
from tests.mail.outbox_rows import Clock

WINTER = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # CET: 09:00 in Berlin
SUMMER = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)  # CEST: 10:00 in Berlin
# the clock as each language writes it in running text
LOCAL = {
    ("de", WINTER): "09:00 Uhr",
    ("de", SUMMER): "10:00 Uhr",
    ("sv", WINTER): "kl. 09.00",
    ("sv", SUMMER): "kl. 10.00",
    ("en", WINTER): "at 09:00",
    ("en", SUMMER): "at 10:00",
}
WORDS = {"de": "anrufen", "sv": "ring", "en": "call"}


def _situation(language: str, due: datetime) -> Situation:
    """BASE in `language`, its interview a week after `due` (summer or winter)."""
    shift = due.date() - WINTER.date()
    moved = {
        "now": (datetime.fromisoformat(BASE["now"]) + shift).isoformat(),
        "interview": {
            key: (datetime.fromisoformat(BASE["interview"][key]) + shift).isoformat()
            for key in ("start", "end")
        },
        "availability": None,
    }
    return validate(Situation, merge(BASE, {"language": language, **moved}))


def _reminder(
    sessions: sessionmaker[Session], situation: Situation, due: datetime
) -> tuple[OutboxMessage, list[tuple[str, str | None]]]:
    """Plan and queue `situation`, its "call if no reply" step due at `due`, then fire
    the follow-ups just after: the reminder row and its history."""
    clock = Clock(situation.now or due)
    with transaction(sessions, write=True) as session:
        queued = send_plan(
            session, situation=situation, workspace_id=local_workspace(session), clock=clock
        )
        session.execute(
            update(PlanStep)
            .where(PlanStep.plan_id == queued.plan_id, PlanStep.condition == "no_reply")
            .values(due=due)
        )
    with transaction(sessions, write=True) as session:
        assert fire_followups(session, now=due + timedelta(minutes=1))["reminded"] == 1
    with sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).one()
        session.expunge(row)
        history = session.execute(
            select(OutboxEvent.state, OutboxEvent.detail).where(OutboxEvent.outbox_id == row.id)
        ).all()
    return row, [(str(state), detail) for state, detail in history]


@pytest.mark.parametrize("due", [WINTER, SUMMER], ids=["winter", "summer"])
@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_the_reminder_names_whom_to_call_their_number_and_the_local_time(
    sessions: sessionmaker[Session], language: str, due: datetime
) -> None:
    row, history = _reminder(sessions, _situation(language, due), due)
    text = f"{row.subject}\n{row.body}"
    assert row.language == language and row.recipient == "alex@example.org"
    assert row.subject.lower().count(WORDS[language]) == 1 and "Jonas Doe" in row.subject
    for fact in ("Alex Weber", "Jonas Doe", "+49 30 000000", "Paralegal", "Muster & Partner"):
        assert fact in row.body, fact
    assert LOCAL[(language, due)] in row.body
    assert "08:00" not in text and "08.00" not in text and "T08" not in text  # not UTC
    assert "{" not in text and "}" not in text and "None" not in text
    ((state, detail),) = history  # one first event, from enqueue
    assert state == "pending" and str(detail).startswith("step ")


def test_an_account_gives_the_reminder_its_language_and_time_zone(
    sessions: sessionmaker[Session],
) -> None:
    """Alex's account says Swedish and New York: the German plan's reminder is written
    for Alex in Swedish, the call's time in New York (EDT since 8 March 2026: 04.00)."""
    with transaction(sessions, write=True) as session:
        session.add(
            User(
                email="alex@example.org",
                name="Alex Weber",
                password_hash="x",
                language="sv",
                timezone="America/New_York",
            )
        )
    row, _ = _reminder(sessions, _situation("de", WINTER), WINTER)
    assert row.language == "sv" and row.subject == "Påminnelse: ring Jonas Doe"
    assert "kl. 04.00" in row.body and "mejl" in row.body and "kl. 09.00" not in row.body
