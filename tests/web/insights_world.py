"""A hand-built history for the insights (issue 17): every row written with known times, so
that each figure is known before the page is asked.

Relative to `BASE` (30 days before the test clock's `START`, inside the default 90 days):

- A (position `other`): cancelled by the employer 2 hours before it (interviewer away).
- B: the candidate withdrew 5 days before it (accepted another offer; `why` only).
- C: the employer offered new times 36 hours before it (schedule conflict); the candidate
  picked one an hour later, 10 days ahead (moved once).
- D: booked twice by the employer: the first 7 days before the time it moved to (the
  time it had then is unknown: before the last move), the second 12 hours before the
  time it had, to a time 2 days ahead (moved twice).
- E: the candidate did not come; F took place; G was moved 4 times (imported, no events).
- H: cancelled 200 days before `START` (outside the default period).
- A fill of the main position: four candidates told, at 30 minutes, 5 hours and 2 days
  after the fill, the fourth not yet; the hired candidate is not told. The three letters
  sent carry a "Got it" link: the first confirmed, the second opened, the third not.
- Another organisation's cancellation, which no figure of this one may count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session

from fairnotice.store.tables import (
    Candidate,
    Interview,
    InterviewEvent,
    OutboxMessage,
    PlanRecord,
    Position,
    Receipt,
)
from tests.web.conftest import START, Browser
from tests.web.helpers import organisation, position

BASE = START - timedelta(days=30)
H = timedelta(hours=1)
D = timedelta(days=1)
FILL_DELAYS = (timedelta(minutes=30), 5 * H, 2 * D, None)


@dataclass
class History:
    org: int
    main: int  # the position most of the history is of
    other: int  # position of interview A only
    stranger_org: int
    stranger_position: int
    fill_at: datetime


class _Writer:
    def __init__(self, session: Session, workspace_id: int, actor: str) -> None:
        self.session, self.workspace_id, self.actor = session, workspace_id, actor
        self.n = 0

    def interview(
        self,
        position_id: int,
        start: datetime,
        *,
        status: str = "scheduled",
        previous: datetime | None = None,
        reschedules: int = 0,
    ) -> int:
        self.n += 1
        row = Interview(
            workspace_id=self.workspace_id,
            position_id=position_id,
            position="Paralegal",
            company="Muster & Partner GmbH",
            start=start,
            end=start + H,
            timezone="Europe/Berlin",
            uid=f"insights-{self.workspace_id}-{self.n}@example.com",
            status=status,
            contact={"name": f"Person {self.n}", "email": f"p{self.n}@example.org"},
            previous_start=previous,
            previous_end=previous + H if previous else None,
            reschedules=reschedules,
        )
        self.session.add(row)
        self.session.flush()
        self.event(row.id, start - 20 * D, "schedule")
        return row.id

    def event(
        self,
        interview_id: int,
        at: datetime,
        event: str,
        *,
        actor: str | None = None,
        why: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            InterviewEvent(
                workspace_id=self.workspace_id,
                interview_id=interview_id,
                at=at,
                actor=actor or self.actor,
                event=event,
                why=why,
                detail=detail,
            )
        )


def _reason(category: str) -> dict[str, Any]:
    return {"reason": {"category": category}}


def build(app: FastAPI, hr: Browser, stranger: Browser) -> History:
    """The history above; `hr` is a member of the organisation, `stranger` of another."""
    org = organisation(hr)
    main, other = position(hr, org, "Paralegal"), position(hr, org, "Clerk")
    stranger_org = organisation(stranger, "Fremd AB")
    stranger_position = position(stranger, stranger_org, "Lagerist")
    fill_at = BASE + 20 * D
    with app.state.sessions() as session:
        w = _Writer(session, org, "user:1")
        a = w.interview(other, BASE + 2 * D, status="cancelled")
        w.event(a, BASE + 2 * D - 2 * H, "cancel", detail=_reason("interviewer_unavailable"))
        b = w.interview(main, BASE + 10 * D, status="withdrawn")
        w.event(b, BASE + 5 * D, "withdraw", why="accepted_offer")
        c_old = BASE + 3 * D
        offered = c_old - 36 * H
        picked = offered + H
        c = w.interview(main, picked + 10 * D, status="rescheduled", previous=c_old, reschedules=1)
        w.event(c, offered, "offer", why="schedule_conflict", detail=_reason("schedule_conflict"))
        w.event(c, picked, "pick", actor="candidate", detail={"offer": 1, "slot": 1})
        d_first = BASE + 5 * D
        second = d_first - 12 * H
        d = w.interview(main, second + 2 * D, status="rescheduled", previous=d_first, reschedules=2)
        w.event(d, BASE - 2 * D, "book")
        w.event(d, second, "book")
        e = w.interview(main, BASE + D, status="no_show")
        w.event(e, BASE + D + H, "no_show")
        f = w.interview(main, BASE + 4 * D, status="took_place")
        w.event(f, BASE + 4 * D + 2 * H, "took_place")
        w.interview(main, BASE + 6 * D, status="rescheduled", previous=BASE, reschedules=4)
        h = w.interview(main, START - 199 * D, status="cancelled")
        w.event(h, START - 200 * D, "cancel", detail=_reason("illness"))
        _fill(session, org, main, fill_at)
        s = _Writer(session, stranger_org, "user:2")
        x = s.interview(stranger_position, BASE + 3 * D, status="cancelled")
        s.event(x, BASE + 3 * D - H, "cancel", detail=_reason("illness"))
        session.commit()
    return History(org, main, other, stranger_org, stranger_position, fill_at)


def _fill(session: Session, org: int, position_id: int, at: datetime) -> None:
    plan = PlanRecord(workspace_id=org, situation={}, plan={}, created_at=at)
    session.add(plan)
    session.flush()
    row = session.get(Position, position_id)
    assert row is not None
    row.status, row.fill_plan_id = "filled", plan.id
    session.add(
        Candidate(
            workspace_id=org,
            position_id=position_id,
            name="Hired Person",
            email="hired@example.org",
            status="hired",
        )
    )
    for n, delay in enumerate(FILL_DELAYS):
        email = f"told{n}@example.org"
        session.add(
            Candidate(
                workspace_id=org,
                position_id=position_id,
                name=f"Told {n}",
                email=email,
                status="informed",
            )
        )
        letter = OutboxMessage(
            workspace_id=org,
            recipient=email,
            body="The position is filled.",
            plan_id=plan.id,
            due=at,
            created_at=at,
            state="sent" if delay is not None else "pending",
            sent_at=at + delay if delay is not None else None,
        )
        session.add(letter)
        session.flush()
        if delay is not None:
            sent = at + delay
            session.add(
                Receipt(
                    workspace_id=org,
                    outbox_id=letter.id,
                    token_hash=f"{n:064d}",
                    sealed_token="sealed",
                    created_at=sent,
                    expires_at=sent + 60 * D,
                    call_due=sent + D,
                    opened_at=sent + H if n < 2 else None,
                    confirmed_at=sent + H if n == 0 else None,
                )
            )
