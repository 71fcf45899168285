"""A reply arrives (IMAP poll, uploaded or pasted .eml): match it to what we sent, read
the times it proposes, check them against the user's busy time, close "call if no reply".

Matching is by In-Reply-To/References against the Message-IDs fairnotice gave its own
messages; nothing else (subject lines, senders) is trusted. The one exception is the
user's own word: a reply added on a plan's page whose email the user marked as sent
themselves (mail program, mailto:, copied text) belongs to that plan, since fairnotice
never saw the Message-ID it answers. The same reply seen twice (re-polled, uploaded
again) is recorded once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.errors import BadInput
from fairnotice.mail.outgoing import is_message_id
from fairnotice.mail.replies import ImapAccount, fetch_new, read_message
from fairnotice.operations.busy.stored import owners_busy
from fairnotice.operations.common.clock import system_now
from fairnotice.operations.offers import commands as offers
from fairnotice.review.proposals import read_proposals
from fairnotice.settings import ImapSettings
from fairnotice.store.sealing import Unsealable, seal, unseal
from fairnotice.store.session import transaction
from fairnotice.store.tables import (
    Interview,
    Mailbox,
    OutboxMessage,
    PlanRecord,
    PlanStep,
    ReplyRecord,
)

POLL_EVERY = timedelta(seconds=60)


def env_mailbox(session: Session, imap: ImapSettings, *, secret: str | None = None) -> int | None:
    """The configured mailbox as a row of the CLI workspace (created or updated); its
    password is stored sealed (`secret`: the app's secret key, by default the configured)."""
    if not imap.host:
        return None
    if not imap.username:
        raise BadInput([("FAIRNOTICE_IMAP_USERNAME", "required when FAIRNOTICE_IMAP_HOST is set")])
    from fairnotice.operations.plans.sending import local_workspace

    workspace_id = local_workspace(session)
    box = session.scalar(
        select(Mailbox).where(
            Mailbox.workspace_id == workspace_id,
            Mailbox.host == imap.host,
            Mailbox.username == imap.username,
            Mailbox.folder == imap.folder,
        )
    )
    if box is None:
        box = connect_mailbox(
            session,
            workspace_id=workspace_id,
            host=imap.host,
            port=imap.port,
            username=imap.username,
            password=imap.password or "",
            tls=imap.tls,
            folder=imap.folder,
            secret=secret,
        )
    else:
        box.port, box.tls = imap.port, imap.tls
        box.password = seal(imap.password or "", app_secret(secret))
    return box.id


TlsMode = Literal["none", "starttls", "tls"]


def _busy(
    session: Session,
    record: PlanRecord | None,
    workspace_id: int,
    window: tuple[datetime, datetime] | None,
    *,
    now: datetime | None = None,
) -> tuple[list[tuple[datetime, datetime]], list[str]]:
    """The user's busy periods: the plan's own and their stored calendars' (as a worker
    read them), and why any stored calendar could not be used."""
    periods: list[tuple[datetime, datetime]] = []
    situation: dict[str, Any] = record.situation if record else {}
    for item in (situation.get("availability") or {}).get("busy", []):
        periods.append((datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"])))
    me = (situation.get("me") or {}).get("email")
    if window is None:
        return periods, []
    found, unread = (
        owners_busy(
            session,
            workspace_id=workspace_id,
            emails=[me],
            start=window[0],
            end=window[1],
            now=now,
        )
        if me
        else ([], [])
    )
    interview = (
        session.get(Interview, record.interview_id) if record and record.interview_id else None
    )
    if interview is not None and situation.get("role") == "employer":
        # an offer's plan keeps no copy of the interviewers' busy time: it is read here
        theirs, why = offers.interviewer_busy(
            session, interview=interview, start=window[0], end=window[1], now=now
        )
        found, unread = found + theirs, unread + why
    return sorted(set(periods + found)), unread


def checked(
    starts: list[tuple[datetime, str]],
    *,
    duration: timedelta,
    busy: list[tuple[datetime, datetime]],
    unread: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Each proposed time with 'free' or the busy periods it clashes with; never 'free'
    while a calendar of the user's is unread (`unchecked` says which)."""
    out = []
    for start, words in starts:
        end = start + duration
        clashes = [(a, b) for a, b in busy if a < end and start < b]
        out.append(
            {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "text": words,
                "free": not clashes and not unread,
                "clashes": [{"start": a.isoformat(), "end": b.isoformat()} for a, b in clashes],
                "unchecked": list(unread),
            }
        )
    return out


def sent_by_hand(session: Session, *, workspace_id: int, plan_id: int) -> bool:
    """Whether the user marked one of the plan's emails as sent themselves (their own mail
    program, a mailto: link, copied text): its replies then answer a Message-ID fairnotice
    never saw, and are known by the plan's page they are added on."""
    found = session.scalar(
        select(PlanStep.id)
        .where(
            PlanStep.workspace_id == workspace_id,
            PlanStep.plan_id == plan_id,
            PlanStep.action == "send",
            PlanStep.state == "done",
            PlanStep.outcome == "sent",
        )
        .limit(1)
    )
    return found is not None


def _plan_language(record: PlanRecord) -> str:
    messages = record.plan.get("messages") or [{}]
    return str(record.plan.get("language") or messages[0].get("language") or "en")


def _thread_facts(record: PlanRecord | None, language: str) -> tuple[str, str, timedelta]:
    """Language, zone and interview length of the thread the reply belongs to."""
    situation: dict[str, Any] = record.situation if record else {}
    interview = situation.get("interview") or {}
    zone = interview.get("timezone") or (situation.get("me") or {}).get("timezone") or "UTC"
    duration = timedelta(hours=1)
    if interview.get("start") and interview.get("end"):
        length = datetime.fromisoformat(interview["end"]) - datetime.fromisoformat(
            interview["start"]
        )
        if timedelta(0) < length <= timedelta(hours=24):
            duration = length
    return language, zone, duration


def thread_id(session: Session, *, workspace_id: int, plan_id: int) -> str | None:
    """The Message-ID a new email of the plan answers (In-Reply-To/References): its latest
    recorded reply's own, when that reply had one (a reply without one is known by a
    digest of its bytes, which no mail program could thread with)."""
    found = session.scalars(
        select(ReplyRecord.message_id)
        .where(ReplyRecord.workspace_id == workspace_id, ReplyRecord.plan_id == plan_id)
        .order_by(ReplyRecord.received_at.desc(), ReplyRecord.id.desc())
    )
    return next((m for m in found if not m.startswith("<sha256-") and is_message_id(m)), None)


def record_reply(
    session: Session,
    *,
    raw: bytes,
    source: str,
    now: datetime,
    workspace_id: int | None = None,
    plan_id: int | None = None,
) -> tuple[ReplyRecord, bool] | None:
    """Match, read and keep one reply: (the record, whether it is new), or None when it
    answers nothing fairnotice sent. `plan_id`: the plan whose page it was added on; a
    reply that matches no outbox message belongs to it when its email was sent by hand
    (`sent_by_hand`), since fairnotice never saw the Message-ID it answers."""
    try:
        incoming = read_message(raw)
    except ValueError as exc:
        raise BadInput([("message", str(exc))]) from None
    row = None
    if incoming.refers_to:
        query = select(OutboxMessage).where(OutboxMessage.message_id.in_(incoming.refers_to))
        if workspace_id is not None:
            query = query.where(OutboxMessage.workspace_id == workspace_id)
        row = session.scalars(query.limit(1)).first()
    record: PlanRecord | None = None
    if row is not None:
        workspace, plan, outbox_id = row.workspace_id, row.plan_id, row.id
        record = session.get(PlanRecord, row.plan_id) if row.plan_id else None
        language = row.language
    elif (
        plan_id is not None
        and workspace_id is not None
        and sent_by_hand(session, workspace_id=workspace_id, plan_id=plan_id)
    ):
        record = session.get(PlanRecord, plan_id)
        if record is None or record.workspace_id != workspace_id:
            return None
        workspace, plan, outbox_id = workspace_id, plan_id, None
        language = _plan_language(record)
    else:
        return None
    # a reply without a Message-ID is known again by its bytes (stable across processes)
    own_id = incoming.message_id or f"<sha256-{hashlib.sha256(raw).hexdigest()[:32]}@{source}>"
    existing = session.scalar(
        select(ReplyRecord).where(
            ReplyRecord.workspace_id == workspace, ReplyRecord.message_id == own_id
        )
    )
    if existing is not None:
        return existing, False
    language, zone, duration = _thread_facts(record, language)
    written = incoming.written or now
    found = read_proposals(incoming.text, language=language, zone=zone, written=written)
    starts = [(p.start, p.text) for p in found]
    window = (min(t for t, _ in starts), max(t for t, _ in starts) + duration) if starts else None
    busy, unread = _busy(session, record, workspace, window, now=now)
    proposals = checked(starts, duration=duration, busy=busy, unread=unread)
    reply = ReplyRecord(
        workspace_id=workspace,
        outbox_id=outbox_id,
        plan_id=plan,
        message_id=own_id[:300],
        sender=incoming.sender[:320],
        subject=incoming.subject,
        language=language,
        text=incoming.text,
        proposals=proposals,
        source=source,
        received_at=now,
    )
    session.add(reply)
    if plan is not None:
        for step in session.scalars(
            select(PlanStep).where(
                PlanStep.plan_id == plan,
                PlanStep.condition == "no_reply",
                PlanStep.state == "open",
            )
        ):
            step.state, step.outcome, step.done_at = "done", "replied", now
    session.flush()
    return reply, True


def connect_mailbox(
    session: Session,
    *,
    workspace_id: int,
    host: str,
    port: int,
    username: str,
    password: str,
    tls: str = "tls",
    folder: str = "INBOX",
    secret: str | None = None,
) -> Mailbox:
    """A mailbox to poll; the password is stored encrypted (Fernet, store/sealing.py)."""
    if tls not in ("none", "starttls", "tls"):
        raise BadInput([("tls", "one of none, starttls, tls")])
    if not host or not username:
        raise BadInput([("host" if not host else "username", "required")])
    box = Mailbox(
        workspace_id=workspace_id,
        host=host,
        port=port,
        tls=tls,
        username=username,
        password=seal(password, app_secret(secret)),
        folder=folder,
        last_uid=0,
    )
    session.add(box)
    session.flush()
    return box


def poll_mailboxes(
    sessions: sessionmaker[Session],
    *,
    clock: Callable[[], datetime] = system_now,
    stop: threading.Event | None = None,
    every: timedelta = POLL_EVERY,
    account: Callable[[Mailbox, str], ImapAccount] | None = None,
    secret: str | None = None,
) -> int:
    """Poll each mailbox not polled within `every`; how many replies were recorded.

    A mailbox is taken with SKIP LOCKED and its `polled_at` moved first, so two workers
    do not poll it at once; a failing server is written down and tried next round, and so
    is a password the secret key cannot decrypt (the error names the mailbox).
    """
    recorded = 0
    now = clock()
    with transaction(sessions, write=True) as session:
        boxes = list(
            session.scalars(
                select(Mailbox)
                .where((Mailbox.polled_at.is_(None)) | (Mailbox.polled_at <= now - every))
                .with_for_update(skip_locked=True)
            )
        )
        todo = []
        for box in boxes:
            box.polled_at = now
            try:
                password = mailbox_password(box, app_secret(secret))
            except Unsealable as exc:
                box.last_error = str(exc)[:1000]
                continue
            imap = (account or _account)(box, password)
            todo.append((box.id, imap, box.uidvalidity, box.last_uid))
    for box_id, imap, validity, last_uid in todo:
        if stop is not None and stop.is_set():
            break
        try:
            current, newest, messages = fetch_new(imap, uidvalidity=validity, last_uid=last_uid)
        except Exception as exc:  # imaplib, ssl and sockets each raise their own kinds
            with transaction(sessions, write=True) as session:
                failed = session.get(Mailbox, box_id)
                if failed is not None:
                    failed.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            continue
        with transaction(sessions, write=True) as session:
            polled = session.get(Mailbox, box_id)
            if polled is None:
                continue
            for _uid, raw in messages:
                try:
                    with session.begin_nested():
                        found = record_reply(
                            session, raw=raw, source="imap", now=clock(),
                            workspace_id=polled.workspace_id,
                        )  # fmt: skip
                    recorded += 1 if found is not None and found[1] else 0
                except (BadInput, IntegrityError):
                    continue
            polled.uidvalidity, polled.last_uid, polled.last_error = current, newest, None
    return recorded


def app_secret(secret: str | None = None) -> str:
    """The key that seals mailbox passwords: the one given, else the configured one
    (FAIRNOTICE_SECRET_KEY, else the data folder's secret_key, as the web app uses)."""
    if secret:
        return secret
    from fairnotice.settings import Settings

    return Settings().secret


def mailbox_password(box: Mailbox, secret: str) -> str:
    """The mailbox's password in plain text; Unsealable names the mailbox."""
    return unseal(box.password, secret, what=f"mailbox {box.id} ({box.username}@{box.host})")


def _account(box: Mailbox, password: str) -> ImapAccount:
    tls = box.tls if box.tls in ("none", "starttls", "tls") else "tls"
    return ImapAccount(
        host=box.host,
        port=box.port,
        username=box.username,
        password=password,
        tls=cast(TlsMode, tls),
        folder=box.folder,
    )
