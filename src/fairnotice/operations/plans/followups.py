"""What happens to a stored plan after it is made, in the web app: a message checked
before it goes (issue 6), its emails queued, a reply taken in, a new time agreed.

Each function is one use case inside the caller's transaction; the web routes stay thin.
"""

from __future__ import annotations

import email.policy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.errors import N_, BadInput, Conflict, NotFound, TooLarge
from fairnotice.io import validate
from fairnotice.lifecycle import ACTIVE, Event, State
from fairnotice.model import Findings, Intent, Plan, Situation, zone
from fairnotice.operations.interviews import transitions
from fairnotice.operations.interviews.commands import agreement
from fairnotice.operations.outbox import commands as outbox
from fairnotice.operations.outbox.delivery import draft_after_agreement
from fairnotice.operations.plans.commands import get_plan
from fairnotice.operations.replies.commands import record_reply, sent_by_hand
from fairnotice.review import review
from fairnotice.store.tables import Interview, OutboxMessage, PlanRecord, ReplyRecord

MAX_REPLY = 1024 * 1024
_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:[ \t]")


@dataclass(frozen=True)
class Checked:
    """A draft as reviewed: the text the spans point into, and the findings."""

    text: str
    findings: Findings

    def marked(self) -> list[dict[str, Any]]:
        """Each finding with the passage its span marks (None where something is missing)."""
        return [
            {
                "rule": f.rule,
                "severity": f.severity.value,
                "text": f.text,
                "passage": self.text[f.span[0] : f.span[1]] if f.span else None,
            }
            for f in self.findings.findings
        ]


def check_message(
    record: PlanRecord, *, message_id: str, subject: str | None, body: str, now: datetime
) -> Checked:
    """Review the user's current words for one of the plan's messages against the plan's
    situation: the checks of `fairnotice review --situation` (the subject is read as the
    CLI reads an e-mail's)."""
    return check_words(
        record.plan, record.situation, message_id=message_id, subject=subject, body=body, now=now
    )


def check_words(
    plan: Mapping[str, Any],
    situation_json: Mapping[str, Any],
    *,
    message_id: str,
    subject: str | None,
    body: str,
    now: datetime,
) -> Checked:
    """`check_message` on a plan and situation as JSON, nothing read or stored (a plan
    without an account carries them in its form)."""
    message = next((m for m in plan["messages"] if m["id"] == message_id), None)
    if message is None:
        raise NotFound("message")
    if not body.strip() or len(body) > 20_000 or "\x00" in body:
        raise BadInput([("body", N_("must be 1 to 20000 characters"))])
    situation = validate(Situation, dict(situation_json))
    text = body.replace("\r\n", "\n")
    if subject and subject.strip():
        text = f"Subject: {subject.strip()}\n\n{text}"
    findings = review(
        text,
        situation=situation,
        intent=situation.intent,
        language=message.get("language"),
        now=now,
    )
    return Checked(text=text, findings=findings)


def stored_plan(record: PlanRecord) -> Plan:
    """The plan as kept, the user's edits included, as the contract model."""
    plan = dict(record.plan)
    plan["messages"] = [
        {k: v for k, v in m.items() if k != "edited"} for m in record.plan["messages"]
    ]
    return validate(Plan, plan)


def queue_emails(session: Session, *, workspace_id: int, plan_id: int, now: datetime) -> list[int]:
    """The plan's unconditional emails (with the user's edits) into the outbox, each due
    as its step says, once: the same rows `fairnotice send` writes."""
    record = get_plan(session, workspace_id=workspace_id, plan_id=plan_id)
    queued = outbox.of_plan(session, workspace_id=workspace_id, plan_id=plan_id)
    if any(r.kind != "reminder" and r.state != "draft" for r in queued):
        raise Conflict(N_("plan: its emails are already in the outbox"))
    interviews: dict[str, tuple[int, int]] = {}
    situation = validate(Situation, record.situation)
    if record.interview_id is not None:
        row = session.get(Interview, record.interview_id)
        if row is not None and situation.intent is Intent.withdraw:
            # the interview closes before the letter is queued (it would void it); the
            # letter that tells of the withdrawal is news that never goes stale, so it is
            # not tied to the closed interview (its send-time check would void it)
            withdraw(session, workspace_id=workspace_id, plan_id=record.id, row=row, now=now)
        elif row is not None:
            interviews[row.uid] = (row.id, row.sequence)
    ids = outbox.queue_plan_emails(
        session,
        workspace_id=workspace_id,
        situation=situation,
        plan=stored_plan(record),
        plan_id=record.id,
        now=now,
        interviews=interviews,
    )
    if not ids:
        raise BadInput([("plan", N_("has no email to send"))])
    return ids


def withdraw(
    session: Session, *, workspace_id: int, plan_id: int, row: Interview, now: datetime
) -> None:
    """The candidate withdraws from the web as `fairnotice send` does: the interview moves
    to `withdrawn` through the lifecycle (queued letters about it voided, offers closed).
    An interview already closed stays as it is (withdrawing after a cancellation is still
    worth the letter)."""
    if State(row.status) not in ACTIVE:
        return
    transitions.apply(
        session,
        workspace_id=workspace_id,
        interview_id=row.id,
        event=Event.withdraw,
        actor="user",
        now=now,
        why="withdrawal queued from the plan page",
        detail={"plan": plan_id},
    )


def _is_mail(text: str) -> bool:
    head = text.lstrip().split("\n\n", 1)[0].splitlines()
    return len(head) >= 2 and all(_HEADER.match(line) or line[:1] in " \t" for line in head)


def pasted_reply(session: Session, *, workspace_id: int, plan_id: int, text: str) -> bytes:
    """A pasted reply as message bytes. Pasted with its headers it is taken as it is;
    pasted as bare text on a plan's page, it answers that plan's latest email (the user
    says so by pasting it there)."""
    if _is_mail(text):
        return text.encode("utf-8")
    rows = [
        r
        for r in outbox.of_plan(session, workspace_id=workspace_id, plan_id=plan_id)
        if r.kind != "reminder" and r.message_id and r.state != "draft"
    ]
    mail = EmailMessage(policy=email.policy.SMTP)
    if rows:
        latest = max(rows, key=lambda r: (r.due, r.id))
        mail["From"] = latest.recipient
        mail["Subject"] = f"Re: {latest.subject}"
        mail["In-Reply-To"] = str(latest.message_id)
        mail["References"] = str(latest.message_id)
    elif sent_by_hand(session, workspace_id=workspace_id, plan_id=plan_id):
        # sent from the user's own mail program: the reply answers the plan's email to
        # whom it went (take_reply files it under this plan)
        record = get_plan(session, workspace_id=workspace_id, plan_id=plan_id)
        sent = [m for m in record.plan["messages"] if m.get("to") and "@" in str(m["to"])]
        if sent:
            mail["From"] = str(sent[0]["to"])
            mail["Subject"] = f"Re: {sent[0].get('subject') or ''}"
    else:
        raise BadInput([("reply", NOT_SENT_YET)])
    mail.set_content(text)
    return mail.as_bytes()


NOT_SENT_YET = N_(
    "this plan has sent no email a reply could answer yet: put its emails in the outbox, "
    "or, if you sent one yourself, mark its step as sent first"
)


def take_reply(
    session: Session,
    *,
    workspace_id: int,
    raw: bytes,
    source: str,
    now: datetime,
    plan_id: int | None = None,
) -> ReplyRecord:
    """Match and keep a reply (see operations.replies.record_reply); BadInput when it
    answers nothing this workspace sent. `plan_id`: the plan's page it was added on (a
    reply to an email the user sent themselves belongs to that plan)."""
    if len(raw) > MAX_REPLY:
        raise TooLarge([("reply", N_("larger than 1 MiB"))])
    found = record_reply(
        session, raw=raw, source=source, now=now, workspace_id=workspace_id, plan_id=plan_id
    )
    if found is None:
        raise BadInput(
            [
                (
                    "reply",
                    N_(
                        "it does not answer an email fairnotice sent for you; if you sent "
                        "the email yourself, mark its step as sent first"
                    ),
                )
            ]
        )
    return found[0]


def replies_of(session: Session, *, workspace_id: int, plan_id: int) -> list[ReplyRecord]:
    return list(
        session.scalars(
            select(ReplyRecord)
            .where(ReplyRecord.workspace_id == workspace_id, ReplyRecord.plan_id == plan_id)
            .order_by(ReplyRecord.received_at, ReplyRecord.id)
        )
    )


def parse_agreed(value: str, zone_name: str) -> datetime:
    """The agreed start: RFC 3339, or a local "YYYY-MM-DDTHH:MM" in the user's zone."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadInput([("agreed", N_("a date and time like 2026-03-17T15:00"))]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(zone_name))
    return moment


def agree(
    session: Session,
    *,
    workspace_id: int,
    plan_id: int,
    agreed: datetime,
    now: datetime,
    actor: str = "user",
) -> list[OutboxMessage]:
    """ "New time agreed": the plan's interview moves to the agreed time (Event.agree:
    SEQUENCE + 1, the previous time kept), the after-agreement note becomes a draft to
    check and release, and "call if no reply" is closed. Once per plan."""
    record = get_plan(session, workspace_id=workspace_id, plan_id=plan_id)
    if agreed <= now:
        raise BadInput([("agreed", N_("lies in the past"))])
    queued = outbox.of_plan(session, workspace_id=workspace_id, plan_id=plan_id)
    if any(r.kind == "follow_up_email" and r.state == "draft" for r in queued) or (
        record.interview_id is not None
        and agreement(session, interview_id=record.interview_id, plan_id=plan_id) is not None
    ):
        raise Conflict(N_("plan: the new time is already agreed"))
    end: datetime | None = None
    if record.interview_id is not None:
        row = session.get(Interview, record.interview_id)
        if row is not None:
            end = agreed + (row.end - row.start)
            transitions.apply(
                session,
                workspace_id=workspace_id,
                interview_id=row.id,
                event=Event.agree,
                actor=actor,
                now=now,
                new_time=(agreed, end),
                detail={
                    "plan": plan_id,
                    "start": agreed.isoformat(),
                    "end": end.isoformat(),
                    "previous_start": row.start.isoformat(),
                    "previous_end": row.end.isoformat(),
                },
            )
    return draft_after_agreement(
        session,
        workspace_id=workspace_id,
        plan_id=plan_id,
        agreed=agreed,
        agreed_end=end,
        now=now,
    )


def reword_draft(
    session: Session, *, workspace_id: int, row_id: int, subject: str | None, body: str | None
) -> None:
    """The user's own words for a draft before it is released (the reviewer saw them)."""
    row = session.get(OutboxMessage, row_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound("outbox message")
    if row.state != "draft":
        return  # release names the problem
    if body is not None:
        if not body.strip() or "\x00" in body:
            raise BadInput([("body", N_("must be 1 to 20000 characters"))])
        row.body = body.replace("\r\n", "\n")
    if subject is not None:
        if any(c in subject for c in "\r\n\x00"):
            raise BadInput([("subject", N_("one line of at most 300 characters"))])
        row.subject = subject
