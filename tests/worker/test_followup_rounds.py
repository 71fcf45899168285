"""Follow-ups go on while steps are due, closed ones included (issue 14, item 2): 250
"call if no reply" steps are due, the first 250 about interviews that have begun (closed
without a reminder), then 30 live ones; one worker round reminds all 30 (it used to stop
after the first 200 steps, all closed, and leave the rest for later rounds)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.settings import Settings
from fairnotice.store.session import transaction
from fairnotice.store.tables import OutboxMessage, PlanRecord, PlanStep
from fairnotice.worker import Round, run
from tests.mail.outbox_rows import START, Clock, workspace
from tests.worker.processes import url_of


def _plans(sessions: sessionmaker[Session], count: int, *, begun: bool, due_in: int) -> None:
    """`count` plans whose 'call if no reply' step fell due `due_in` minutes from START."""
    ws = workspace(sessions)
    start = START - timedelta(hours=1) if begun else START + timedelta(days=3)
    with transaction(sessions, write=True) as session:
        for i in range(count):
            record = PlanRecord(
                workspace_id=ws,
                situation={
                    "interview": {"start": start.isoformat(), "position": "Paralegal",
                                  "company": "Muster & Partner GmbH"},
                    "me": {"name": "Alex Weber", "email": "alex@example.org"},
                    "counterpart": {"name": "Jonas Doe", "phone": "+49 30 1234567"},
                },
                plan={"language": "de", "urgency": "normal", "steps": []},
            )  # fmt: skip
            session.add(record)
            session.flush()
            session.add(
                PlanStep(
                    plan_id=record.id,
                    workspace_id=ws,
                    order=2,
                    due=START + timedelta(minutes=due_in, seconds=i),
                    action="call",
                    label=f"Anruf {i}",
                    condition="no_reply",
                )
            )


def test_one_round_reminds_past_a_batch_of_closed_steps(
    sessions: sessionmaker[Session],
) -> None:
    _plans(sessions, 250, begun=True, due_in=-60)  # due first, each closed as expired
    _plans(sessions, 30, begun=False, due_in=-30)
    clock = Clock(now=START)
    rounds: list[Round] = []
    run(
        sessions,
        Settings(database_url=url_of(sessions)),
        once=True,
        stop=threading.Event(),
        clock=clock,
        report=rounds.append,
    )
    assert [r.errors for r in rounds] == [[]]
    assert rounds[0].reminded == 30
    with sessions() as session:
        reminders = session.scalar(select(func.count()).where(OutboxMessage.kind == "reminder"))
        outcomes = dict(
            session.execute(select(PlanStep.outcome, func.count()).group_by(PlanStep.outcome)).all()
        )
    assert reminders == 30
    assert outcomes == {"expired": 250, None: 30}  # the live ones stay open, reminded
