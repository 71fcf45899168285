"""W5 at every face: a status inquiry only when the employer cancelled or postponed and
went silent, or the interview passed without news.

A stored interview answers with its state (`lifecycle.inquiry_allowed`). A situation
alone (the CLI, an API plan about no stored interview) has no state: there an interview
whose end is still ahead is refused, since nothing says it was cancelled. Without this an
inquiry about an interview days ahead said it "did not take place as planned".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.errors import N_, BadInput, Phrase
from fairnotice.lifecycle import State, inquiry_allowed
from fairnotice.model import Intent, Situation
from fairnotice.store.tables import Interview

AHEAD = N_("the interview is still ahead: there is no silence to ask about yet")


def refused(why: str) -> BadInput:
    """The refusal, naming the field: the interview's end when it is about time, else the
    intent (the interview's state rules it out)."""
    field = "interview.end" if why == AHEAD else "intent"
    return BadInput([(field, Phrase("no status inquiry (W5): %(why)s", why=Phrase(why)))])


def check_interview(row: Interview, *, now: datetime) -> None:
    """BadInput naming why, unless W5 holds for the stored interview."""
    why = inquiry_allowed(State(row.status), start=row.start, end=row.end, now=now)
    if why is not None:
        raise refused(why)


def check_situation(situation: Situation, *, now: datetime) -> None:
    """For a situation without a stored state: refused while the interview's end is ahead."""
    if situation.intent is Intent.status_inquiry and situation.interview.end > now:
        raise refused(AHEAD)


def stored(session: Session, *, workspace_id: int, uid: str | None) -> Interview | None:
    """The workspace's interview with this UID, if it keeps one."""
    if not uid:
        return None
    return session.scalar(
        select(Interview)
        .where(Interview.workspace_id == workspace_id, Interview.uid == uid)
        .order_by(Interview.id.desc())
        .limit(1)
    )


def check_plan_request(
    session: Session, *, workspace_id: int, situation: Situation, now: datetime
) -> None:
    """POST /api/v1/plan: a status inquiry about an interview the workspace keeps is
    checked against its state; about any other, like the CLI, by its time alone (an
    interview still ahead is refused: nothing says it was cancelled)."""
    check_send(session, workspace_id=workspace_id, situation=situation, now=now)


def check_send(session: Session, *, workspace_id: int, situation: Situation, now: datetime) -> None:
    """`fairnotice send`: the stored interview's state where the CLI keeps one (an
    interview it recorded as cancelled may be asked about), else the situation alone."""
    if situation.intent is not Intent.status_inquiry:
        return
    row = stored(session, workspace_id=workspace_id, uid=situation.interview.uid)
    if row is not None:
        check_interview(row, now=now)
    else:
        check_situation(situation, now=now)
