"""Messages as outbox rows, written in the transaction of the change that causes them.

Nothing is sent here: delivery (SMTP workers) reads the rows in state "pending" later,
so a request never waits on a mail server and a rolled-back change sends nothing.

Every new row, whichever face or use case writes it (`fairnotice send`, the web app's
offers, picks, cancellations and filled positions, reminders, after-agreement drafts,
account mail), goes in through `enqueue` here and nowhere else (tests/test_outbox_writers.py
checks the source): it fills what every row needs (a Message-ID fixed before the first
try, so replies find their thread; no attempts yet; pending unless a draft), writes the
rows in bulk with their first history event and issues their "Got it" receipts. Writers
say what differs: `plan_rows` a plan's letters, `queue` one letter outside a plan, with a
deadline after which it must not go out and the interview (id, SEQUENCE) it is about, so
a later change to that interview voids it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.compose import receipt
from fairnotice.errors import N_, BadInput, Phrase
from fairnotice.mail.outgoing import Outgoing, new_message_id, render
from fairnotice.model import Action, ChannelKind, Intent, Message, Plan, Situation, Urgency
from fairnotice.model import Interview as InterviewFacts
from fairnotice.operations.common import links
from fairnotice.operations.outbox import receipts
from fairnotice.store import bulk
from fairnotice.store.tables import OutboxEvent, OutboxMessage, Receipt

MISSED_GRACE = timedelta(days=3)  # an apology for a missed interview, still worth sending
CHUNK = 500
# the tables themselves: rows written through Core, without the ORM's bookkeeping per row
MESSAGES = cast(Table, OutboxMessage.__table__)
EVENTS = cast(Table, OutboxEvent.__table__)
BULK = 1000  # rows written at once after which PostgreSQL's statistics are renewed
# what a new row holds unless its writer says otherwise: every row of a statement has the
# same columns (bulk.insert_many), so the ones a writer leaves out are given here
DEFAULTS: dict[str, Any] = {
    "kind": "email",
    "recipient_name": None,
    "sender_name": None,
    "reply_to": None,
    "subject": "",
    "language": "en",
    "calendar_method": None,
    "calendar_ics": None,
    "reference": None,
    "plan_id": None,
    "in_reply_to": None,
    "deadline": None,
    "interview_id": None,
    "interview_sequence": None,
    "receipt_form": None,
}
NEW_STATES = ("pending", "draft")  # a draft waits for the user to release it

Progress = Callable[[int, int], None]


def deadline_for(
    facts: InterviewFacts | None, plan: Plan, now: datetime, *, intent: Intent | None = None
) -> datetime | None:
    """When a message about `facts` stops making sense: at the interview's start, or a few
    days after `now` for a plan about a missed one (T4 still asks for a new date); none
    without an interview, nor for telling someone whose interview is over that the
    position is filled (that news never goes stale)."""
    if facts is None:
        return None
    if intent is Intent.position_filled and facts.start <= now:
        return None
    if plan.urgency is Urgency.missed and facts.start <= now:
        return max(now, facts.end) + MISSED_GRACE
    return facts.start


def plan_rows(
    *,
    workspace_id: int,
    situation: Situation,
    plan: Plan,
    plan_id: int,
    now: datetime,
    interviews: Mapping[str, tuple[int, int]],
    first_now: bool = False,
) -> list[dict[str, Any]]:
    """The outbox rows (column values) of a plan's unconditional email steps, due when
    their step is (`now` for the first with `first_now`). `interviews` maps an
    interview's UID to its stored (id, SEQUENCE)."""
    by_id = {m.id: m for m in plan.messages}
    by_email = {c.email: c for c in situation.candidates}
    form = plan.address.form if plan.address else situation.options.tone.value
    rows: list[dict[str, Any]] = []
    for step in plan.steps:
        if step.action is not Action.send or step.channel is not ChannelKind.email:
            continue
        if step.condition is not None or step.message not in by_id:
            continue
        message: Message = by_id[step.message]
        candidate = by_email.get(message.to)
        about = candidate.interview if candidate else situation.interview
        if candidate is not None and candidate.interview is None:
            about = None  # told the position is filled; no interview of theirs to miss
        interview = interviews.get(about.uid) if about and about.uid else None
        if situation.intent is Intent.position_filled and about and about.start <= now:
            # news that never goes stale: the interview took place or is under way (its
            # closing does not void the letter that tells of it)
            interview = None
        rows.append(
            {
                "workspace_id": workspace_id,
                "kind": message.kind.value,
                "recipient": message.to,
                "recipient_name": message.recipient
                or (candidate.name if candidate else situation.counterpart.name),
                "sender_name": situation.me.name,
                "reply_to": situation.me.email,
                "subject": message.subject or "",
                "body": message.body,
                "language": message.language.value,
                "calendar_method": message.calendar.method.value
                if message.calendar and message.calendar.method
                else None,
                "calendar_ics": message.calendar.ics if message.calendar else None,
                "due": now if first_now and not rows else step.due,
                "reference": f"plan:{plan_id}",
                "plan_id": plan_id,
                "deadline": deadline_for(about, plan, now, intent=situation.intent),
                "interview_id": interview[0] if interview else None,
                "interview_sequence": interview[1] if interview else None,
                "receipt_form": receipt.wanted(plan.role, plan.intent, message.kind, form),
            }
        )
    return rows


def enqueue(
    session: Session,
    rows: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    detail: str = "queued",
    sender: str | None = None,
    progress: Progress | None = None,
    secret: str | None = None,
) -> list[int]:
    """Write new outbox rows (column values; `DEFAULTS` for those left out): the one
    writer of the outbox. Each gets what every row needs: a Message-ID (in the domain
    of `sender`, by default of its own `reply_to`) unless it has one, no attempts,
    `created_at` and `due` `now` unless given, state "pending" unless "draft"; each its
    first history event (`detail`, at `now`), and a row with a `receipt_form` its "Got
    it" receipt (token sealed with `secret`, by default the session's: receipts.key).
    Written in bulk; their ids, in the order of `rows`."""
    full = [_filled(row, now=now, sender=sender) for row in rows]
    session.flush()  # the rows they refer to (plans, interviews) written first
    ids: list[int] = []
    key = receipts.key(session, secret) if any(row["receipt_form"] for row in full) else ""
    for start in range(0, len(full), CHUNK):
        chunk = full[start : start + CHUNK]
        written = _written(session, chunk)
        events = [
            {"outbox_id": i, "at": now, "state": row["state"], "detail": detail}
            for i, row in zip(written, chunk, strict=True)
        ]
        bulk.insert_many(session, EVENTS, events)
        if key:
            receipts.issue_many(
                session, list(zip(written, chunk, strict=True)), secret=key, now=now
            )
        ids += written
        if progress is not None:
            progress(start + len(chunk), len(full))
    if len(full) >= BULK and session.get_bind().dialect.name == "postgresql":
        # Workers claim due rows from the index (state, due, id) and stop after a batch,
        # but only when PostgreSQL knows that many rows are due; until autovacuum gets to
        # the table (a minute or more) it would read and sort all of them on every claim.
        session.execute(text("ANALYZE outbox (state, due, kind)"))
    return ids


def _filled(row: Mapping[str, Any], *, now: datetime, sender: str | None) -> dict[str, Any]:
    """`row` with what every new row needs (see `enqueue`)."""
    values = {**DEFAULTS, "due": now, "created_at": now, "state": "pending", **row}
    if values["state"] not in NEW_STATES:
        raise ValueError(f"a new outbox row is pending or a draft, not {values['state']!r}")
    values["attempts"] = 0
    if not values.get("message_id"):
        values["message_id"] = new_message_id(sender or values["reply_to"] or "")
    return values


def _written(session: Session, chunk: list[dict[str, Any]]) -> list[int]:
    """Insert `chunk`; the new ids in its order. The rows go in a few multi-row
    statements, each id read back with its row's Message-ID (unique, and every row has
    one): asking the database to return ids in the order given makes SQLite write one
    row a statement (50,000 statements for a fill of 50,000)."""
    written = bulk.insert_many(session, MESSAGES, chunk, returning=("message_id", "id"))
    found = {str(row[0]): int(row[1]) for row in written}
    return [found[str(row["message_id"])] for row in chunk]


def queue_plan_emails(
    session: Session,
    *,
    workspace_id: int,
    situation: Situation,
    plan: Plan,
    plan_id: int,
    now: datetime,
    interviews: Mapping[str, tuple[int, int]],
    secret: str | None = None,
) -> list[int]:
    """Every unconditional email step of a stored plan, queued; the new rows' ids."""
    rows = plan_rows(
        workspace_id=workspace_id,
        situation=situation,
        plan=plan,
        plan_id=plan_id,
        now=now,
        interviews=interviews,
    )
    return enqueue(session, rows, now=now, secret=secret)


def queue(
    session: Session,
    *,
    workspace_id: int,
    recipient: str,
    subject: str,
    body: str,
    language: str,
    due: datetime,
    sender: tuple[str, str],
    recipient_name: str | None = None,
    deadline: datetime | None = None,
    method: str | None = None,
    ics_text: str | None = None,
    kind: str = "email",
    reference: str | None = None,
    interview: tuple[int, int] | None = None,
    receipt_form: str | None = None,
    secret: str | None = None,
) -> int:
    """One row outside a plan (a confirmed pick, a declined offer), queued at `due`; its
    id. `sender` is the (name, address) replies go to. `interview` (id, SEQUENCE) lets
    delivery drop it when that interview changes or is cancelled before it goes out;
    `receipt_form`: the form of address of its "Got it" paragraph, if it gets one
    (compose/receipt.py; its receipt is issued by `enqueue`, sealed with `secret`, by
    default the session's: receipts.key)."""
    name, address = sender
    values = {
        "workspace_id": workspace_id,
        "kind": kind,
        "recipient": recipient,
        "recipient_name": recipient_name,
        "sender_name": name or None,
        "reply_to": address or None,
        "subject": subject,
        "body": body,
        "language": language,
        "calendar_method": method,
        "calendar_ics": ics_text,
        "due": due,
        "reference": reference,
        "deadline": deadline,
        "interview_id": interview[0] if interview else None,
        "interview_sequence": interview[1] if interview else None,
        "receipt_form": receipt_form,
    }
    (row_id,) = enqueue(session, [values], now=due, secret=secret)
    return row_id


def progress(session: Session, *, workspace_id: int, reference: str) -> dict[str, int]:
    """How many of a batch's messages are in each state (the progress view)."""
    rows = session.execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.workspace_id == workspace_id, OutboxMessage.reference == reference)
        .group_by(OutboxMessage.state)
    )
    return {str(state): int(count) for state, count in rows}


def of_plan(
    session: Session, *, workspace_id: int, plan_id: int, limit: int | None = None
) -> list[OutboxMessage]:
    """The outbox rows a plan caused (its emails, reminders, after-agreement drafts); with
    `limit`, the first few (a fill's plan has a letter per candidate)."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.workspace_id == workspace_id, OutboxMessage.plan_id == plan_id)
            .order_by(OutboxMessage.due, OutboxMessage.id)
            .limit(limit)
        )
    )


def failures(
    session: Session, *, workspace_id: int, reference: str, limit: int = 20
) -> list[OutboxMessage]:
    """A batch's messages that failed, with the server's words (the progress view)."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.workspace_id == workspace_id,
                OutboxMessage.reference == reference,
                OutboxMessage.state == "failed",
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def drafts(session: Session, *, workspace_id: int, limit: int = 50) -> list[OutboxMessage]:
    """Drafts waiting for the user to check and release (after-agreement notes)."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.workspace_id == workspace_id, OutboxMessage.state == "draft")
            .order_by(OutboxMessage.due, OutboxMessage.id)
            .limit(limit)
        )
    )


def written(item: Outgoing, *, sender: str, date: datetime) -> bytes:
    """The message as the one email writer writes it (what a relay gets, what an .eml
    holds); a message it cannot carry is BadInput naming what is wrong (field "message")."""
    try:
        return render(item, sender=sender, date=date)
    except ValueError as exc:  # mail's text names the field first ("message_id: ...")
        field = str(exc).partition(":")[0]
        invalid = {
            "message_id": Phrase("its Message-ID %(id)s is not like <id@host>", id=item.message_id),
            "in_reply_to": Phrase(
                "the message it answers has no valid Message-ID (%(id)s)", id=item.in_reply_to
            ),
            "email": N_("an address in it cannot be carried in an email"),
        }
        why = invalid.get(field) or str(exc)
        raise BadInput(
            [("message", Phrase("it cannot be written as an email: %(why)s", why=why))]
        ) from None


def draft_eml(
    message: Mapping[str, Any],
    *,
    sender: tuple[str, str],
    now: datetime,
    in_reply_to: str | None = None,
) -> bytes:
    """A plan's message (CONTRACT's Message as stored) as an .eml the user opens in their
    mail program and sends: the outbox's writer, marked X-Unsent; `sender` is the user's
    (name, address); `in_reply_to`: the Message-ID it answers, when known (threading)."""
    name, address = sender
    calendar = message.get("calendar") or {}
    item = Outgoing(
        message_id=new_message_id(address),
        recipient=str(message["to"]),
        recipient_name=message.get("recipient") or None,
        sender_name=name or None,
        subject=str(message.get("subject") or ""),
        body=str(message["body"]),
        language=str(message.get("language") or "en"),
        calendar_method=calendar.get("method") if calendar.get("ics") else None,
        calendar_ics=calendar.get("ics") or None,
        in_reply_to=in_reply_to,
        draft=True,
    )
    return written(item, sender=address, date=now)


def with_links(
    session: Session, item: Outgoing, *, workspace_id: int, secret: str | None, strict: bool
) -> Outgoing:
    """The message with the pick links its texts refer to written out (links.py)."""
    texts = [item.body, item.calendar_ics or ""]
    hashes = links.referenced(texts)
    if not hashes:
        return item
    found = links.tokens(
        session, workspace_id=workspace_id, hashes=hashes, secret=links.secret_key(secret)
    )
    body, ics = (links.fill(text, found, strict=strict) for text in texts)
    return replace(item, body=body, calendar_ics=ics if item.calendar_ics else None)


def link_writer(
    sessions: sessionmaker[Session],
    secret: str | None,
    *,
    base_url: str = "",
    clock: Callable[[], datetime] | None = None,
) -> Callable[[int, Outgoing], Outgoing]:
    """The worker's hook (operations/outbox/loop.py): an outbox row's links written at send time,
    from its own workspace's offers; a link it cannot write fails the row. A row queued
    with a `receipt_form` gets its "Got it" paragraph and link before the letter's closing
    (compose/receipt.placed): its receipt was issued when the row was queued, so this only
    reads and unseals its token (one read, nothing written or committed; the same link
    on a retry). `clock` is no longer needed (kept for callers)."""
    del clock

    def write(row_id: int, item: Outgoing) -> Outgoing:
        with sessions() as session:
            found = session.execute(
                select(OutboxMessage.workspace_id, OutboxMessage.receipt_form, Receipt.sealed_token)
                .outerjoin(Receipt, Receipt.outbox_id == OutboxMessage.id)
                .where(OutboxMessage.id == row_id)
            ).one_or_none()
            if found is None:
                raise links.LinkUnavailable(f"outbox row {row_id} is gone")
            workspace_id, form, sealed = found
            item = with_links(session, item, workspace_id=workspace_id, secret=secret, strict=True)
        if form is None or sealed is None:  # no receipt: it goes without the paragraph
            return item
        url = receipts.url(sealed, secret=links.secret_key(secret), base_url=base_url)
        body = receipt.placed(item.body, url, language=item.language, formal=form != "informal")
        return replace(item, body=body)

    return write
