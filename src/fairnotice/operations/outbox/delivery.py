"""Delivery use cases: a worker's deliverer from the settings, follow-ups that fire, the
outbox as the user sees it, and what the user does by hand without a relay.

Configuration beyond CONTRACT.md's FAIRNOTICE_SMTP_* (`settings.smtp`) lives in
`settings.delivery` (FAIRNOTICE_DELIVERY_*): batch size, lease, backoff, maximum age,
per-domain rate, poll interval.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.compose import dates, receipt
from fairnotice.compose.context import after_agreement
from fairnotice.compose.notes import render_note
from fairnotice.compose.render import render as render_letter
from fairnotice.errors import BadInput, NotFound
from fairnotice.io import validate
from fairnotice.mail.outgoing import Outgoing, new_message_id
from fairnotice.mail.transport import SmtpConfig, SmtpTransport, Transport
from fairnotice.model import Intent, Language, MessageKind, Role, Situation, Urgency
from fairnotice.operations.common import links
from fairnotice.operations.common.clock import system_now
from fairnotice.operations.outbox import receipts
from fairnotice.operations.outbox.commands import enqueue, link_writer, with_links, written
from fairnotice.operations.outbox.limits import DomainLimiter
from fairnotice.operations.outbox.loop import Deliverer, Policy
from fairnotice.operations.replies.commands import thread_id
from fairnotice.settings import DeliverySettings, Settings
from fairnotice.store.tables import (
    OutboxEvent,
    OutboxMessage,
    PlanRecord,
    PlanStep,
    Receipt,
    ReplyRecord,
    User,
)


def policy(delivery: DeliverySettings) -> Policy:
    """The delivery loop's policy from FAIRNOTICE_DELIVERY_*."""
    return Policy(
        batch=delivery.batch_size,
        lease=timedelta(seconds=delivery.lease_seconds),
        retry_base=timedelta(seconds=delivery.retry_base_seconds),
        retry_cap=timedelta(seconds=delivery.retry_cap_seconds),
        max_age=timedelta(hours=delivery.max_age_hours),
        per_domain_per_minute=delivery.per_domain_per_minute,
    )


def relay(settings: Settings) -> SmtpConfig | None:
    """The configured relay, or None: then mail waits in the outbox for the user."""
    smtp = settings.smtp
    if not smtp.host:
        return None
    if not smtp.sender:
        raise BadInput([("FAIRNOTICE_SMTP_FROM", "required when FAIRNOTICE_SMTP_HOST is set")])
    return SmtpConfig(
        host=smtp.host,
        port=smtp.port,
        tls=smtp.tls,
        username=smtp.username,
        password=smtp.password,
        timeout=settings.delivery.smtp_timeout_seconds,
    )


def deliverer(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    clock: Callable[[], datetime] = system_now,
    stop: threading.Event | None = None,
    transport: Callable[[], Transport] | None = None,
    limiter: DomainLimiter | None = None,
) -> Deliverer:
    """A Deliverer for this process; `transport` replaces the relay (tests, benches);
    `limiter`: the per-domain rate shared with the process's other delivery threads."""
    config = relay(settings)
    if transport is None and config is not None:
        smtp = config

        def transport() -> Transport:
            return SmtpTransport(smtp)

    sender = settings.smtp.sender or "fairnotice@localhost"
    return Deliverer(
        sessions,
        transport,
        sender=sender,
        policy=policy(settings.delivery),
        clock=clock,
        stop=stop,
        limiter=limiter,
        links=link_writer(sessions, settings.secret, base_url=settings.base_url, clock=clock),
        receipts=receipts.placer(settings.secret, base_url=settings.base_url),
    )


# --- follow-ups ---------------------------------------------------------------------------


def _replied(session: Session, plan_id: int) -> bool:
    return bool(session.scalar(select(exists().where(ReplyRecord.plan_id == plan_id))))


def fire_followups(session: Session, *, now: datetime, limit: int = 200) -> dict[str, int]:
    """'Call if no reply' steps that are due: closed where a reply came, else a reminder
    to the user (outbox, and the dashboard lists the open step). Call inside a write
    transaction; rows are locked so two workers never remind twice."""
    steps = list(
        session.scalars(
            select(PlanStep)
            .where(
                PlanStep.state == "open",
                PlanStep.condition == "no_reply",
                PlanStep.due <= now,
                PlanStep.reminded_at.is_(None),
            )
            .order_by(PlanStep.due)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    counts = {"replied": 0, "expired": 0, "reminded": 0}
    for step in steps:
        if _replied(session, step.plan_id):
            step.state, step.outcome, step.done_at = "done", "replied", now
            counts["replied"] += 1
            continue
        record = session.get(PlanRecord, step.plan_id)
        if record is None:
            continue
        if _interview_over(record, now):
            step.state, step.outcome, step.done_at = "done", "expired", now
            counts["expired"] += 1
            continue
        _queue_reminder(session, record, step, now)
        step.reminded_at = now
        counts["reminded"] += 1
    return counts


def _interview_over(record: PlanRecord, now: datetime) -> bool:
    """A reminder to call about an interview that has begun is noise (unless the plan is
    about a missed one)."""
    start = (record.situation.get("interview") or {}).get("start")
    if not start or record.plan.get("urgency") == "missed":
        return False
    return datetime.fromisoformat(start) <= now


def _queue_reminder(session: Session, record: PlanRecord, step: PlanStep, now: datetime) -> None:
    """The user's reminder to call (note `call_reminder`): whom, their number if known,
    about which position, and when the call was planned, in the user's language and zone
    (their account's, else the plan's language and the situation's zones)."""
    plan, situation = record.plan, record.situation
    me: dict[str, Any] = situation.get("me") or {}
    interview: dict[str, Any] = situation.get("interview") or {}
    target: dict[str, Any] = next(
        (s.get("to") or {} for s in plan.get("steps", []) if s.get("order") == step.order), {}
    )
    account = session.scalar(select(User).where(User.email == me.get("email", "")))
    language = _known(account.language if account else plan.get("language"))
    subject, body = render_note(
        "call_reminder",
        language,
        recipient=me.get("name") or "",
        person=target.get("name") or step.label,
        phone=target.get("phone") or (situation.get("counterpart") or {}).get("phone") or "",
        position=interview.get("position", ""),
        company=interview.get("company", ""),
        when=dates.when(step.due, _own_zone(account, me, interview), language),
    )
    enqueue(
        session,
        [
            {
                "workspace_id": record.workspace_id,
                "kind": "reminder",
                "recipient": me.get("email", ""),
                "recipient_name": me.get("name"),
                "sender_name": "fairnotice",
                "subject": subject,
                "body": body,
                "language": language.value,
                "reference": f"plan:{record.id}",
                "plan_id": record.id,
            }
        ],
        now=now,
        detail=f"step {step.order}",
        sender=me.get("email", ""),
    )


def _known(language: str | None) -> Language:
    """`language` if fairnotice writes it, else English."""
    try:
        return Language(language or "en")
    except ValueError:
        return Language.en


def _own_zone(account: User | None, me: dict[str, Any], interview: dict[str, Any]) -> str:
    """The user's time zone: their account's, else the one the plan gives them; a plan's
    default "UTC" means none was given, then the interview's zone is the nearer guess."""
    for found in (account.timezone if account else None, me.get("timezone")):
        if found and found != "UTC":
            return str(found)
    return str(interview.get("timezone") or "UTC")


def draft_after_agreement(
    session: Session,
    *,
    workspace_id: int,
    plan_id: int,
    agreed: datetime,
    now: datetime,
    agreed_end: datetime | None = None,
) -> list[OutboxMessage]:
    """The new time is agreed: the plan's after-agreement notes become drafts (R5) for the
    user to check and release, naming the agreed time (unless the user rewrote the note),
    and the 'no reply' steps are closed."""
    record = session.get(PlanRecord, plan_id)
    if record is None or record.workspace_id != workspace_id:
        raise NotFound("plan")
    plan, situation = record.plan, record.situation
    facts = validate(Situation, situation)
    end = agreed_end or agreed + (facts.interview.end - facts.interview.start)
    messages = {m["id"]: m for m in plan.get("messages", [])}
    answers = thread_id(session, workspace_id=workspace_id, plan_id=plan_id)
    form = (plan.get("address") or {}).get("form") or facts.options.tone.value
    got_it = receipt.wanted(
        Role(plan.get("role", facts.role)),
        Intent(plan.get("intent", facts.intent)),
        MessageKind.follow_up_email,
        form,
    )
    rows = []
    for step in plan.get("steps", []):
        if step.get("condition") != "after_agreement" or step.get("message") not in messages:
            continue
        message = messages[step["message"]]
        if message.get("kind") not in ("email", "follow_up_email"):
            continue
        subject, body = message.get("subject") or "", message["body"]
        if not message.get("edited"):
            named = after_agreement(
                facts,
                language=Language(message.get("language", "en")),
                urgency=Urgency(plan.get("urgency", "normal")),
                start=agreed,
                end=end,
            )
            new_subject, body = render_letter(named, MessageKind.follow_up_email)
            subject = new_subject or subject
        rows.append(
            {
                "workspace_id": workspace_id,
                "kind": "follow_up_email",
                "recipient": message["to"],
                "recipient_name": situation.get("counterpart", {}).get("name"),
                "sender_name": situation.get("me", {}).get("name"),
                "reply_to": situation.get("me", {}).get("email"),
                "subject": subject,
                "body": body,
                "language": message.get("language", "en"),
                "state": "draft",
                "reference": f"plan:{plan_id}",
                "plan_id": plan_id,
                "in_reply_to": answers,
                "deadline": agreed,
                "receipt_form": got_it,  # issued with the draft (none if sent by hand)
            }
        )
    for plan_step in record.steps:
        if plan_step.condition == "no_reply" and plan_step.state == "open":
            plan_step.state, plan_step.outcome, plan_step.done_at = "done", "replied", now
    detail = f"new time agreed: {agreed.isoformat()}"
    ids = enqueue(session, rows, now=now, detail=detail)
    return [session.get_one(OutboxMessage, i) for i in ids]


# --- the outbox as the user sees it -------------------------------------------------------


def _log(session: Session, row: OutboxMessage, at: datetime, state: str, detail: str) -> None:
    session.add(OutboxEvent(outbox_id=row.id, at=at, state=state, detail=detail))


def _row(session: Session, row_id: int, workspace_id: int | None) -> OutboxMessage:
    row = session.get(OutboxMessage, row_id)
    if row is None or (workspace_id is not None and row.workspace_id != workspace_id):
        raise NotFound("outbox message")
    return row


def release(session: Session, *, row_id: int, now: datetime, workspace_id: int | None) -> None:
    """A draft the user checked goes out with the next worker round."""
    from fairnotice.errors import N_, Phrase  # texts the web pages translate

    try:
        row = _row(session, row_id, workspace_id)
    except NotFound:
        raise NotFound(N_("outbox message")) from None
    if row.state != "draft":
        now_is = {  # the texts are translated on the web pages (the state names are not)
            "pending": N_("it is already waiting in the outbox"),
            "sending": N_("it is being sent"),
            "sent": N_("it has been sent"),
            "failed": N_("it could not be sent"),
            "expired": N_("it was not sent: too late"),
            "cancelled": N_("it was cancelled"),
        }
        said = now_is.get(row.state) or Phrase("its state is %(state)s", state=row.state)
        raise BadInput(
            [("id", Phrase("message %(id)s cannot be released: %(why)s", id=row_id, why=said))]
        )
    row.state, row.due = "pending", now
    _log(session, row, now, "pending", "released by the user")


def mark_sent(session: Session, *, row_id: int, now: datetime, workspace_id: int | None) -> None:
    """The user sent it themselves (from the .eml or mailto: link): never send it again."""
    from fairnotice.errors import N_, Phrase  # texts the web pages translate

    try:
        row = _row(session, row_id, workspace_id)
    except NotFound:
        raise NotFound(N_("outbox message")) from None
    if row.state not in ("pending", "draft", "failed"):
        now_is = {  # the texts are translated on the web pages (the state names are not)
            "sending": N_("it is being sent right now"),
            "sent": N_("it has been sent already"),
            "expired": N_("it was not sent: too late"),
            "cancelled": N_("it was cancelled"),
        }
        said = now_is.get(row.state) or Phrase("its state is %(state)s", state=row.state)
        raise BadInput(
            [
                (
                    "id",
                    Phrase("message %(id)s cannot be marked as sent: %(why)s", id=row_id, why=said),
                )
            ]
        )
    row.state, row.sent_at, row.lease_until = "sent", now, None
    # it went without the "Got it" link (only the worker writes it): no receipt to show
    session.execute(delete(Receipt).where(Receipt.outbox_id == row.id))
    _log(session, row, now, "sent", "sent by the user")


def as_eml(
    session: Session,
    *,
    row_id: int,
    workspace_id: int | None,
    now: datetime,
    secret: str | None = None,
) -> bytes:
    """The message as the user's mail program opens it (same bytes a relay would get,
    its links written with the app's key `secret`, by default the configured one)."""
    from fairnotice.errors import N_  # texts the web pages translate

    try:
        row = _row(session, row_id, workspace_id)
    except NotFound:
        raise NotFound(N_("outbox message")) from None
    if row.message_id is None:
        row.message_id = new_message_id(row.reply_to or row.recipient)
    item = Outgoing(
        message_id=row.message_id,
        recipient=row.recipient,
        subject=row.subject,
        body=row.body,  # sent by hand: no "Got it" link (only the worker adds one)
        language=row.language,
        recipient_name=row.recipient_name,
        sender_name=row.sender_name,
        in_reply_to=row.in_reply_to,
        calendar_method=row.calendar_method,
        calendar_ics=row.calendar_ics,
        draft=True,  # the user opens it and sends it: Outlook shows it as a draft
    )
    item = with_links(session, item, workspace_id=row.workspace_id, secret=secret, strict=False)
    return written(item, sender=row.reply_to or row.recipient, date=now)


def listing(
    session: Session,
    *,
    workspace_id: int | None = None,
    limit: int = 500,
    secret: str | None = None,
) -> list[dict[str, Any]]:
    """The outbox, soonest first: recipient, subject, due, state, attempts, last error, and
    a mailto: link with the message (its pick links written out with the key `secret`)."""
    query = select(OutboxMessage).order_by(OutboxMessage.due, OutboxMessage.id).limit(limit)
    if workspace_id is not None:
        query = query.where(OutboxMessage.workspace_id == workspace_id)
    return [
        {
            "id": row.id,
            "to": row.recipient,
            "subject": row.subject,
            "kind": row.kind,
            "due": row.due.isoformat(),
            "state": row.state,
            "attempts": row.attempts,
            "deadline": row.deadline.isoformat() if row.deadline else None,
            "sent_at": row.sent_at.isoformat() if row.sent_at else None,
            "last_error": row.last_error,
            "message_id": row.message_id,
            "mailto": mailto(
                row.recipient,
                row.subject,
                links.reveal(
                    session, workspace_id=row.workspace_id, texts=[row.body], secret=secret
                )[0],
            ),
        }
        for row in session.scalars(query)
    ]


def mailto_writer(
    session: Session, *, workspace_id: int, secret: str | None
) -> Callable[[str, str, str], str]:
    """`mailto` for a page of the workspace's outbox rows: their pick links written out."""

    def write(to: str, subject: str, body: str) -> str:
        shown = links.reveal(session, workspace_id=workspace_id, texts=[body], secret=secret)
        return mailto(to, subject, shown[0])  # sent by hand: no "Got it" link

    return write


def mailto(to: str, subject: str, body: str) -> str:
    """A mailto: link (RFC 6068) that opens the message in the user's mail program."""
    query = urlencode({"subject": subject, "body": body.replace("\n", "\r\n")}, quote_via=quote)
    return f"mailto:{quote(to, safe='@')}?{query}"


def history(session: Session, *, row_id: int) -> list[dict[str, Any]]:
    events = session.scalars(
        select(OutboxEvent).where(OutboxEvent.outbox_id == row_id).order_by(OutboxEvent.id)
    )
    return [{"at": e.at.isoformat(), "state": e.state, "detail": e.detail} for e in events]
