"""Proof that the news arrived (issue 17): a notice's "Got it" link.

Letters that change an interview are queued with the form of address of their "Got it"
paragraph (outbox.receipt_form); the composed letters never mention it, and the pure core
never knows a token. A row with a receipt_form gets its receipt when it is queued, in
the same transaction and bulk insert as the row (`issue_many`): a token from `secrets`,
kept as its SHA-256 (to find it) and sealed with the app's key. When the row goes out,
the worker's link writer only unseals it (no write, no commit at send time) and puts the
paragraph with the link before the letter's closing (`compose.receipt.placed`); a retry
writes the same link. The link only confirms that one notice, never acts on the
interview, and works for `LIFETIME` after it went (outbox.sent_at), whatever the
interview became since (a cancellation's link must work after the interview is closed:
that is its point). A receipt whose notice never went (voided, failed, still queued)
shows nowhere and is no link; one sent by hand (delivery.mark_sent) is deleted, as that
letter had no link.

GET shows the page and records `opened_at` once; only POST confirms (idempotent). A
notice not confirmed by `call_due` (C4: the recipient's next working day, or 4 hours
before the interview if sooner) is a call to-do (`unconfirmed`, read through the index
on (workspace_id, confirmed_at, call_due)). The stored call_due and expires_at are
counted from the row's `due` at queue time: lower bounds (a notice goes at or after its
due time), so the index finds every candidate; the real ones are counted from sent_at
when read.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.orm import Session

from fairnotice.compose import receipt
from fairnotice.errors import NotFound
from fairnotice.mail.outgoing import Outgoing
from fairnotice.model import Intent, MessageKind, Role
from fairnotice.operations.accounts.commands import digest
from fairnotice.operations.common import links
from fairnotice.store import bulk
from fairnotice.store.sealing import seal, unseal
from fairnotice.store.tables import Interview, OutboxMessage, Receipt
from fairnotice.todos import ReceiptFacts, call_due

LIFETIME = timedelta(days=60)  # a link works this long after its notice went
TOKEN_BYTES = 32
PATH = "/got-it/"
RECEIPTS = cast(Table, Receipt.__table__)


def key(session: Session, secret: str | None = None) -> str:
    """The key receipts are sealed with: the one given, else the one the session was made
    with (store.session.session_factory), else the configured one."""
    return secret or str(session.info.get("secret") or "") or links.secret_key(None)


def issue_many(
    session: Session, rows: Sequence[tuple[int, Mapping[str, Any]]], *, secret: str, now: datetime
) -> None:
    """The receipts of newly queued outbox rows ((id, row values) pairs; rows without a
    `receipt_form` are skipped), written in the queuing transaction in one bulk insert:
    sending then only unseals the token (no write). `expires_at` and `call_due` are set
    from the row's `due`: lower bounds of the real ones, counted from `sent_at` when they
    are read (`_expired`, `_call_due`), so the index on call_due still finds them."""
    wanted = [(i, row) for i, row in rows if row.get("receipt_form")]
    if not wanted:
        return
    ids = {row["interview_id"] for _, row in wanted if row.get("interview_id") is not None}
    zones: dict[int, str] = {}
    listed = sorted(ids)
    for start in range(0, len(listed), 500):
        for found, zone in session.execute(
            select(Interview.id, Interview.timezone).where(
                Interview.id.in_(listed[start : start + 500])
            )
        ):
            zones[int(found)] = zone
    values = []
    for outbox_id, row in wanted:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        due = row.get("due") or now
        values.append(
            {
                "workspace_id": row["workspace_id"],
                "outbox_id": outbox_id,
                "interview_id": row.get("interview_id"),
                "interview_sequence": row.get("interview_sequence"),
                "token_hash": digest(token),
                "sealed_token": seal(token, secret),
                "language": row.get("language") or "en",
                "created_at": now,
                "expires_at": due + LIFETIME,
                "call_due": call_due(
                    due, _zone(zones.get(row.get("interview_id") or 0)), start=row.get("deadline")
                ),
            }
        )
    bulk.insert_many(session, RECEIPTS, values)


def issue_for(session: Session, row: OutboxMessage, *, secret: str, now: datetime) -> None:
    """`issue_many` of one flushed outbox row (a single message's queuing)."""
    if row.receipt_form is None:
        return
    values = {
        "workspace_id": row.workspace_id,
        "receipt_form": row.receipt_form,
        "interview_id": row.interview_id,
        "interview_sequence": row.interview_sequence,
        "language": row.language,
        "due": row.due,
        "deadline": row.deadline,
    }
    issue_many(session, [(row.id, values)], secret=secret, now=now)


def url(sealed_token: str, *, secret: str, base_url: str) -> str:
    """The link of a stored receipt (CPU only: the token unsealed, nothing written)."""
    return f"{base_url.rstrip('/')}{PATH}{unseal(sealed_token, secret, what='link')}"


def placer(secret: str | None, *, base_url: str) -> Callable[[Outgoing, str, str], Outgoing]:
    """The worker's receipt hook (loop.Deliverer.receipts): a letter with its "Got it"
    paragraph and link before its closing, from the sealed token the claim read with its
    row and the row's form of address. CPU only, as the link writer's receipt part
    (outbox/commands.link_writer) without its read per message; the key is resolved once."""
    keys: list[str] = []

    def place(item: Outgoing, sealed_token: str, form: str) -> Outgoing:
        if not keys:
            keys.append(links.secret_key(secret))
        link = url(sealed_token, secret=keys[0], base_url=base_url)
        placed = receipt.placed(item.body, link, language=item.language, formal=form != "informal")
        return replace(item, body=placed)

    return place


def _expired(sent_at: datetime | None, now: datetime) -> bool:
    """A link works for LIFETIME from when its notice went; never before it went."""
    return sent_at is None or sent_at + LIFETIME <= now


def _call_due(sent_at: datetime, timezone: str | None, deadline: datetime | None) -> datetime:
    """C4, counted from when the notice went (in UTC, as stored times are read)."""
    return call_due(sent_at, _zone(timezone), start=deadline).astimezone(UTC)


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


def _find(session: Session, token: str) -> tuple[Receipt, datetime | None]:
    """The receipt and when its notice went; one whose notice never went (voided,
    failed, still queued) is no link."""
    if not token or len(token) > 100 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise NotFound("link")
    found = session.execute(
        select(Receipt, OutboxMessage.sent_at)
        .join(OutboxMessage, OutboxMessage.id == Receipt.outbox_id)
        .where(Receipt.token_hash == digest(token), OutboxMessage.state == "sent")
    ).one_or_none()
    if found is None:
        raise NotFound("link")
    return found[0], found[1]


def _shown(session: Session, row: Receipt, sent_at: datetime | None, now: datetime) -> Shown:
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
        expired=_expired(sent_at, now) and row.confirmed_at is None,
    )


def opened(session: Session, token: str, *, now: datetime) -> Shown:
    """The link's page: the first opening is recorded (never a confirmation)."""
    row, sent_at = _find(session, token)
    if row.opened_at is None and not _expired(sent_at, now):
        session.execute(
            update(Receipt)
            .where(Receipt.id == row.id, Receipt.opened_at.is_(None))
            .values(opened_at=now)
        )
    return _shown(session, row, sent_at, now)


def confirm(session: Session, token: str, *, now: datetime) -> Shown:
    """The recipient says the notice reached them. Again: nothing changes. An expired
    link confirms nothing (`Shown.expired`)."""
    row, sent_at = _find(session, token)
    if row.confirmed_at is None and not _expired(sent_at, now):
        session.execute(
            update(Receipt)
            .where(Receipt.id == row.id, Receipt.confirmed_at.is_(None))
            .values(confirmed_at=now, opened_at=row.opened_at or now)
        )
        session.refresh(row)
    return _shown(session, row, sent_at, now)


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
    """outbox id -> its receipt's status (rows without a link, or not sent, are left out)."""
    ids = sorted(set(outbox_ids))
    found: dict[int, Status] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(
                Receipt.outbox_id,
                OutboxMessage.sent_at,
                Receipt.opened_at,
                Receipt.confirmed_at,
                Interview.timezone,
                OutboxMessage.deadline,
            )
            .join(OutboxMessage, OutboxMessage.id == Receipt.outbox_id)
            .outerjoin(Interview, Interview.id == Receipt.interview_id)
            .where(
                Receipt.outbox_id.in_(ids[start : start + 500]),
                OutboxMessage.state == "sent",
                OutboxMessage.sent_at.is_not(None),
            )
        )
        for outbox_id, sent, opened_at, confirmed_at, zone, deadline in rows:
            if sent is not None:
                due = _call_due(sent, zone, deadline)
                found[int(outbox_id)] = Status(sent, opened_at, confirmed_at, due)
    return found


def counts(
    session: Session, *, workspace_id: int, reference: str | None = None, plan_id: int | None = None
) -> tuple[int, int]:
    """(confirmed, links sent) of a batch's notices (a filled position's progress)."""
    where = [
        Receipt.workspace_id == workspace_id,
        OutboxMessage.id == Receipt.outbox_id,
        OutboxMessage.state == "sent",
    ]
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
            OutboxMessage.sent_at,
            Interview.timezone,
        )
        .join(OutboxMessage, OutboxMessage.id == Receipt.outbox_id)
        .outerjoin(Interview, Interview.id == Receipt.interview_id)
        .where(
            Receipt.workspace_id == workspace_id,
            Receipt.confirmed_at.is_(None),
            Receipt.call_due <= until,  # a lower bound of the real one (`issue_many`)
            OutboxMessage.state == "sent",
            OutboxMessage.sent_at > now - LIFETIME,
            or_(OutboxMessage.deadline.is_(None), OutboxMessage.deadline > now),
            or_(
                Receipt.interview_id.is_(None),
                Receipt.interview_sequence.is_(None),
                Interview.sequence == Receipt.interview_sequence,
            ),
        )
        .order_by(Receipt.call_due, Receipt.id)
    )
    found = []
    for r in rows:
        due = _call_due(r.sent_at, r.timezone, r.deadline)
        if due <= until:
            found.append(
                ReceiptFacts(
                    id=r.id,
                    outbox_id=r.outbox_id,
                    due=due,
                    person=r.recipient_name or r.recipient,
                    recipient=r.recipient,
                    subject=r.subject or "",
                    interview_id=r.interview_id,
                    deadline=r.deadline,
                    plan_id=r.plan_id,
                )
            )
    return sorted(found, key=lambda f: (f.due, f.id))


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
            OutboxMessage.sent_at,
            Receipt.opened_at,
            Receipt.confirmed_at,
            Interview.timezone,
            OutboxMessage.deadline,
            Receipt.language,
        )
        .join(OutboxMessage, OutboxMessage.id == Receipt.outbox_id)
        .outerjoin(Interview, Interview.id == Receipt.interview_id)
        .where(
            Receipt.workspace_id == workspace_id,
            Receipt.interview_id == interview_id,
            OutboxMessage.state == "sent",
            OutboxMessage.sent_at.is_not(None),
        )
        .order_by(OutboxMessage.sent_at.desc(), Receipt.id.desc())
        .limit(limit)
    )
    return [
        Notice(
            r.outbox_id,
            r.recipient,
            r.subject or "",
            Status(
                r.sent_at, r.opened_at, r.confirmed_at, _call_due(r.sent_at, r.timezone, r.deadline)
            ),
            r.language,
        )
        for r in rows
    ]
