"""Messages as outbox rows, written in the transaction of the change that causes them.

Nothing is sent here: delivery (SMTP workers) reads the rows in state "pending" later,
so a request never waits on a mail server and a rolled-back change sends nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairnotice.model import Action, ChannelKind, Plan
from fairnotice.store.tables import OutboxMessage


def queue(
    session: Session,
    *,
    workspace_id: int,
    recipient: str,
    subject: str,
    body: str,
    language: str,
    due: datetime,
    method: str | None = None,
    ics_text: str | None = None,
    kind: str = "email",
    reference: str | None = None,
    interview: tuple[int, int] | None = None,
) -> OutboxMessage:
    """One row; `interview` (id, SEQUENCE) lets delivery drop it when that interview
    changes or is cancelled before it goes out."""
    row = OutboxMessage(
        workspace_id=workspace_id,
        kind=kind,
        recipient=recipient,
        subject=subject,
        body=body,
        language=language,
        calendar_method=method,
        calendar_ics=ics_text,
        due=due,
        reference=reference,
        interview_id=interview[0] if interview else None,
        interview_sequence=interview[1] if interview else None,
    )
    session.add(row)
    return row


def queue_plan_emails(
    session: Session,
    *,
    workspace_id: int,
    plan: Plan,
    reference: str,
    interview: tuple[int, int] | None = None,
) -> list[OutboxMessage]:
    """Every unconditional email step of a plan, due when its step is."""
    by_id = {m.id: m for m in plan.messages}
    rows = []
    for step in plan.steps:
        if step.action is not Action.send or step.channel is not ChannelKind.email:
            continue
        if step.condition is not None or step.message not in by_id:
            continue
        message = by_id[step.message]
        rows.append(
            queue(
                session,
                workspace_id=workspace_id,
                recipient=message.to,
                subject=message.subject or "",
                body=message.body,
                language=message.language.value,
                due=step.due,
                method=message.calendar.method.value
                if message.calendar and message.calendar.method
                else None,
                ics_text=message.calendar.ics if message.calendar else None,
                kind=message.kind.value,
                reference=reference,
                interview=interview,
            )
        )
    return rows


def progress(session: Session, *, workspace_id: int, reference: str) -> dict[str, int]:
    """How many of a batch's messages are in each state (the progress view)."""
    rows = session.execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.workspace_id == workspace_id, OutboxMessage.reference == reference)
        .group_by(OutboxMessage.state)
    )
    return {str(state): int(count) for state, count in rows}


def listed(session: Session, *, workspace_id: int, limit: int = 200) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.workspace_id == workspace_id)
            .order_by(OutboxMessage.due, OutboxMessage.id)
            .limit(limit)
        )
    )
