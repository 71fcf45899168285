"""Proof that the news arrived (issue 17): a notice's "Got it" link.

Letters that change an interview are queued with the form of address of their "Got it"
paragraph (outbox.receipt_form); the composed letters never mention it, and the pure core
never knows a token. When the outbox row goes out, the worker's link writer `issue`s its
receipt and puts the paragraph with the link before the letter's closing
(`compose.receipt.placed`): a token from `secrets`, kept as its SHA-256 (to
find it) and sealed with the app's key (to write the same link again if a send attempt is
retried), as pick links are (links.py). The link only confirms that one notice, never acts
on the interview, and works for `LIFETIME` after it went, whatever the interview became
since (a cancellation's link must work after the interview is closed: that is its point).

Created at send time, not when the row is queued: only a notice that leaves through the
outbox gets one, its call deadline is counted from when it went, and queuing (a fill of
50,000 letters) pays nothing for it.

GET shows the page and records `opened_at` once; only POST confirms (idempotent). A
notice not confirmed by `call_due` (C4: the recipient's next working day, or 4 hours
before the interview if sooner) is a call to-do (`unconfirmed`, read through the index
on (workspace_id, confirmed_at, call_due)).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from fairnotice.compose import receipt
from fairnotice.errors import NotFound
from fairnotice.model import Intent, MessageKind, Role
from fairnotice.operations.accounts.commands import digest
from fairnotice.store.sealing import seal, unseal
from fairnotice.store.tables import Interview, OutboxMessage, Receipt
from fairnotice.todos import ReceiptFacts, call_due

LIFETIME = timedelta(days=60)  # a link works this long after its notice went
TOKEN_BYTES = 32
PATH = "/got-it/"


def issue(session: Session, *, outbox_id: int, secret: str, now: datetime) -> str:
    """The token of the outbox row's receipt: made (and committed by the caller) the first
    time the row goes out, the same one on a retry."""
    stored = session.scalar(select(Receipt.sealed_token).where(Receipt.outbox_id == outbox_id))
    if stored is not None:
        return unseal(stored, secret, what="link")
    row = session.execute(
        select(
            OutboxMessage.workspace_id,
            OutboxMessage.interview_id,
            OutboxMessage.interview_sequence,
            OutboxMessage.language,
            OutboxMessage.deadline,
            Interview.timezone,
        )
        .outerjoin(Interview, Interview.id == OutboxMessage.interview_id)
        .where(OutboxMessage.id == outbox_id)
    ).one()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    zone = _zone(row.timezone)
    session.execute(
        insert(Receipt).values(
            workspace_id=row.workspace_id,
            outbox_id=outbox_id,
            interview_id=row.interview_id,
            interview_sequence=row.interview_sequence,
            token_hash=digest(token),
            sealed_token=seal(token, secret),
            language=row.language,
            created_at=now,
            expires_at=now + LIFETIME,
            call_due=call_due(now, zone, start=row.deadline),
        )
    )
    return token


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def in_letters(role: str, intent: str) -> bool:
    """Whether a plan's emails get a "Got it" paragraph when they leave through the
    outbox (what the plan page says under them)."""
    try:
        return receipt.wanted(Role(role), Intent(intent), MessageKind.email, "formal") is not None
    except ValueError:
        return False


def link(session: Session, *, outbox_id: int, secret: str, base_url: str, now: datetime) -> str:
    """The row's "Got it" link (its receipt issued the first time)."""
    token = issue(session, outbox_id=outbox_id, secret=secret, now=now)
    return f"{base_url.rstrip('/')}{PATH}{token}"


@dataclass(frozen=True)
class Shown:
    """What the link's page shows: the notice's subject, its sender, and whether it is
    confirmed; `expired`: the link no longer works."""

    id: int
    subject: str
    sender: str
    language: str
    confirmed_at: datetime | None
    expired: bool


def _find(session: Session, token: str) -> Receipt:
    if not token or len(token) > 100 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise NotFound("link")
    row = session.scalar(select(Receipt).where(Receipt.token_hash == digest(token)))
    if row is None:
        raise NotFound("link")
    return row


def _shown(session: Session, row: Receipt, now: datetime) -> Shown:
    subject, sender = session.execute(
        select(OutboxMessage.subject, OutboxMessage.sender_name).where(
            OutboxMessage.id == row.outbox_id
        )
    ).one()
    return Shown(
        id=row.id,
        subject=subject or "",
        sender=sender or "",
        language=row.language,
        confirmed_at=row.confirmed_at,
        expired=row.expires_at <= now and row.confirmed_at is None,
    )


def opened(session: Session, token: str, *, now: datetime) -> Shown:
    """The link's page: the first opening is recorded (never a confirmation)."""
    row = _find(session, token)
    if row.opened_at is None and row.expires_at > now:
        session.execute(
            update(Receipt)
            .where(Receipt.id == row.id, Receipt.opened_at.is_(None))
            .values(opened_at=now)
        )
    return _shown(session, row, now)


def confirm(session: Session, token: str, *, now: datetime) -> Shown:
    """The recipient says the notice reached them. Again: nothing changes. An expired
    link confirms nothing (`Shown.expired`)."""
    row = _find(session, token)
    if row.confirmed_at is None and row.expires_at > now:
        session.execute(
            update(Receipt)
            .where(Receipt.id == row.id, Receipt.confirmed_at.is_(None))
            .values(confirmed_at=now, opened_at=row.opened_at or now)
        )
        session.refresh(row)
    return _shown(session, row, now)


@dataclass(frozen=True)
class Status:
    """What the sender sees of one notice's receipt."""

    sent_at: datetime | None
    opened_at: datetime | None
    confirmed_at: datetime | None
    call_due: datetime

    @property
    def state(self) -> str:
        """ "confirmed", "opened" or "sent"."""
        if self.confirmed_at is not None:
            return "confirmed"
        return "opened" if self.opened_at is not None else "sent"


def of_rows(session: Session, outbox_ids: Iterable[int]) -> dict[int, Status]:
    """outbox id -> its receipt's status (rows without a link are left out)."""
    ids = sorted(set(outbox_ids))
    found: dict[int, Status] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(
                Receipt.outbox_id,
                Receipt.created_at,
                Receipt.opened_at,
                Receipt.confirmed_at,
                Receipt.call_due,
            ).where(Receipt.outbox_id.in_(ids[start : start + 500]))
        )
        for outbox_id, sent, opened_at, confirmed_at, due in rows:
            found[int(outbox_id)] = Status(sent, opened_at, confirmed_at, due)
    return found


def counts(
    session: Session, *, workspace_id: int, reference: str | None = None, plan_id: int | None = None
) -> tuple[int, int]:
    """(confirmed, links sent) of a batch's notices (a filled position's progress)."""
    where = [Receipt.workspace_id == workspace_id, OutboxMessage.id == Receipt.outbox_id]
    if reference is not None:
        where.append(OutboxMessage.reference == reference)
    if plan_id is not None:
        where.append(OutboxMessage.plan_id == plan_id)
    confirmed, total = session.execute(
        select(func.count(Receipt.confirmed_at), func.count(Receipt.id)).where(*where)
    ).one()
    return int(confirmed or 0), int(total or 0)


def unconfirmed(
    session: Session, *, workspace_id: int, now: datetime, until: datetime
) -> list[ReceiptFacts]:
    """The notices that went, are not confirmed and become a call by `until`: read from
    the index on (workspace_id, confirmed_at, call_due). Left out: links expired, notices
    whose interview has changed since (another notice is about it now), and those whose
    interview began (a call cannot help any more)."""
    rows = session.execute(
        select(
            Receipt.id,
            Receipt.outbox_id,
            Receipt.call_due,
            Receipt.interview_id,
            OutboxMessage.recipient,
            OutboxMessage.recipient_name,
            OutboxMessage.subject,
            OutboxMessage.deadline,
            OutboxMessage.plan_id,
        )
        .join(OutboxMessage, OutboxMessage.id == Receipt.outbox_id)
        .outerjoin(Interview, Interview.id == Receipt.interview_id)
        .where(
            Receipt.workspace_id == workspace_id,
            Receipt.confirmed_at.is_(None),
            Receipt.call_due <= until,
            Receipt.expires_at > now,
            OutboxMessage.state == "sent",
            or_(OutboxMessage.deadline.is_(None), OutboxMessage.deadline > now),
            or_(
                Receipt.interview_id.is_(None),
                Receipt.interview_sequence.is_(None),
                Interview.sequence == Receipt.interview_sequence,
            ),
        )
        .order_by(Receipt.call_due, Receipt.id)
    )
    return [
        ReceiptFacts(
            id=r.id,
            outbox_id=r.outbox_id,
            due=r.call_due,
            person=r.recipient_name or r.recipient,
            recipient=r.recipient,
            subject=r.subject or "",
            interview_id=r.interview_id,
            deadline=r.deadline,
            plan_id=r.plan_id,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Notice:
    """A notice with a "Got it" link, as its sender sees it (the interview page, the API)."""

    outbox_id: int
    recipient: str
    subject: str
    status: Status
    language: str = "en"  # the letter's (its subject is in it)


def of_interview(
    session: Session, *, workspace_id: int, interview_id: int, limit: int = 50
) -> list[Notice]:
    """The interview's notices that went with a link, newest first."""
    rows = session.execute(
        select(
            Receipt.outbox_id,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            Receipt.created_at,
            Receipt.opened_at,
            Receipt.confirmed_at,
            Receipt.call_due,
            Receipt.language,
        )
        .join(OutboxMessage, OutboxMessage.id == Receipt.outbox_id)
        .where(Receipt.workspace_id == workspace_id, Receipt.interview_id == interview_id)
        .order_by(Receipt.created_at.desc(), Receipt.id.desc())
        .limit(limit)
    )
    return [
        Notice(r.outbox_id, r.recipient, r.subject or "", Status(*r[3:7]), r.language) for r in rows
    ]
