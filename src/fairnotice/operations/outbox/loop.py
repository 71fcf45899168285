"""The delivery loop: claim due outbox rows, send them over one connection, record each.

Nothing is lost, by construction:

- A claim is its own committed transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
  workers never take the same row; `BEGIN IMMEDIATE` on SQLite). A claimed row is in
  state `sending` with a lease, renewed while the batch goes on; a worker killed at any
  point leaves it there, and once the lease runs out any worker claims it again.
- Each outcome is committed before the next message's content goes out (while the relay
  answers that message's MAIL command; on PostgreSQL the outcome, its history event and
  the interview re-read are one statement, committed when it returns, synchronously as
  the server is set up), so a kill can repeat at most the one message whose
  answer was not yet written, the last one the relay accepted on that connection: the case
  of a connection that died after DATA, which SMTP itself cannot tell apart from a lost
  message.
- A graceful stop (SIGTERM) finishes the message in flight and hands the rest of the
  batch back at once: restarts send every message exactly once.
- Before every send the row's deadline and its interview are checked again: nothing goes
  out after its deadline or for an interview cancelled or changed since it was queued.

4xx answers and lost connections are retried with capped exponential backoff until the
row's maximum age; a 5xx fails the row at once with the server's words; a recipient
refused inside an accepted transaction is written down. A per-domain rate limit defers
rows instead of waiting, so one slow domain or bad message never stalls the queue.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Dialect, Engine, bindparam, insert, or_, select, union_all, update
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.lifecycle import CLOSED
from fairnotice.mail.outgoing import Outgoing, new_message_id, render
from fairnotice.mail.transport import Envelope, Outcome, Result, Transport
from fairnotice.operations.outbox.limits import DomainLimiter, Policy, Stats
from fairnotice.store.compiled import Compiled, raw_transaction
from fairnotice.store.tables import Interview, OutboxEvent, OutboxMessage, Receipt

__all__ = ["DELIVERABLE", "FINAL", "Claimed", "Deliverer", "Policy", "Stats", "taken"]

DELIVERABLE = ("email", "follow_up_email", "reminder", "account")  # account: resets
_CLOSED = frozenset(s.value for s in CLOSED)
FINAL = frozenset({"sent", "failed", "expired", "cancelled"})
LINK_REFERENCE = "[link:"  # operations/common/links.py: a link token, written at send time


@dataclass
class Claimed:
    """What the worker needs of a claimed row, detached from any session."""

    id: int
    item: Outgoing
    created_at: datetime
    attempts: int
    deadline: datetime | None
    interview_id: int | None
    interview_sequence: int | None
    is_cancel: bool
    receipt: bool = False  # gets a "Got it" paragraph and link (issue 17): `links` writes it
    receipt_form: str | None = None  # outbox.receipt_form: the paragraph's form of address
    sealed_receipt: str | None = None  # its receipt's sealed token, read with the claim


def taken(stats: Stats) -> bool:
    """Whether a batch found due rows: claimed to send, or voided at the claim."""
    return stats.claimed + stats.expired + stats.cancelled > 0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _event(outbox_id: int, at: datetime, state: str, detail: str | None) -> dict[str, Any]:
    return {"outbox_id": outbox_id, "at": at, "state": state, "detail": detail}


class Statements:
    """The delivery loop's per-message SQL, compiled once for a dialect (store/compiled)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        mine = (
            OutboxMessage.id == bindparam("v_row"),
            OutboxMessage.state == "sending",
            OutboxMessage.claimed_by == bindparam("v_worker"),
        )
        self._mine = mine
        self._outcomes: dict[frozenset[str], Compiled] = {}
        self._written: dict[tuple[frozenset[str], bool], Compiled] = {}
        # PostgreSQL runs data-modifying WITH: one statement, one round trip, for a write
        self.one_statement = dialect.name == "postgresql"
        self._due: dict[int, Compiled] = {}
        self.take = Compiled(
            dialect,
            update(OutboxMessage)
            .where(OutboxMessage.id == bindparam("v_row"))
            .values(
                state="sending",
                message_id=bindparam("v_message_id"),
                claimed_by=bindparam("v_worker"),
                lease_until=bindparam("v_lease"),
            ),
        )
        self.end = Compiled(
            dialect,
            update(OutboxMessage)
            .where(OutboxMessage.id == bindparam("v_row"))
            .values(state=bindparam("v_state"), last_error=bindparam("v_error"), lease_until=None),
        )
        self.event = Compiled(
            dialect,
            insert(OutboxEvent).values(
                {name: bindparam(name) for name in ("outbox_id", "at", "state", "detail")}
            ),
        )
        self.interview = Compiled(
            dialect,
            select(Interview.status, Interview.sequence).where(
                Interview.id == bindparam("v_interview")
            ),
        )
        self.renew = Compiled(
            dialect,
            update(OutboxMessage)
            .where(
                OutboxMessage.claimed_by == bindparam("v_worker"),
                OutboxMessage.state == "sending",
            )
            .values(lease_until=bindparam("v_lease"))
            .returning(OutboxMessage.id),
        )

    def due(self, batch: int) -> Compiled:
        """The next `batch` due rows (and rows whose lease ran out), locked on PostgreSQL
        (SKIP LOCKED: workers never wait for or take each other's rows), with their
        interview's status and SEQUENCE (None where it is gone) and their receipt's sealed
        token (None where they have none).

        The rows are chosen and locked by id alone, and only those read in full: sorting
        every due row with its bodies spilled to disk on PostgreSQL (17 MB, ~28 ms a claim
        with 10,000 due), as a lock under LIMIT keeps the sort from keeping just the top.
        Pending rows and rows whose lease ran out are chosen apart, each in (due, id) order
        (an OR of the two made the database read and sort every candidate row): pending
        ones straight from the index (state, due, id), which stops after `batch` rows
        however many are due. The interview is joined in: one statement where each
        interview took a query."""
        found = self._due.get(batch)
        if found is None:
            now = bindparam("v_now", type_=OutboxMessage.due.type)
            # kinds by OR: an IN list would expand at run time
            kinds = or_(*(OutboxMessage.kind == kind for kind in DELIVERABLE))

            def first(*where: Any) -> Any:
                chosen = (
                    select(OutboxMessage.id)
                    .where(*where, kinds)
                    .order_by(OutboxMessage.due, OutboxMessage.id)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                    .subquery()
                )
                return select(chosen.c.id)

            stale = first(OutboxMessage.state == "sending", OutboxMessage.lease_until < now)
            due = first(OutboxMessage.state == "pending", OutboxMessage.due <= now)
            chosen = union_all(stale, due).subquery("chosen")
            statement = (
                select(*_CLAIM_COLUMNS, Interview.status, Interview.sequence, Receipt.sealed_token)
                .select_from(chosen)
                .join(OutboxMessage, OutboxMessage.id == chosen.c.id)
                .outerjoin(Interview, Interview.id == OutboxMessage.interview_id)
                .outerjoin(Receipt, Receipt.outbox_id == OutboxMessage.id)
                .order_by(OutboxMessage.due, OutboxMessage.id)
                .limit(batch)
                # the rows' latest versions, as the lock saw them (this transaction holds
                # their locks already: no wait), not the statement's snapshot of them
                .with_for_update(of=OutboxMessage)
            )
            found = self._due[batch] = Compiled(self.dialect, statement)
        return found

    def outcome(self, values: dict[str, Any]) -> Compiled:
        """UPDATE of this row, if still ours, setting the columns `values` names."""
        keys = frozenset(values)
        found = self._outcomes.get(keys)
        if found is None:
            statement = (
                update(OutboxMessage)
                .where(*self._mine)
                .values({key: bindparam(key) for key in sorted(keys)})
            )
            found = self._outcomes[keys] = Compiled(self.dialect, statement)
        return found

    def written(self, values: dict[str, Any], reread: bool) -> Compiled:
        """PostgreSQL: `outcome(values)` and its history event (only where the UPDATE
        changed the row, as in the loop of `_flush`) in one statement, which returns the
        interview's status and SEQUENCE (`reread`), or nothing. Run alone in autocommit:
        one round trip, one implicit transaction, committed when it returns."""
        keys = frozenset(values)
        found = self._written.get((keys, reread))
        if found is None:
            done = (
                update(OutboxMessage)
                .where(*self._mine)
                .values({key: bindparam(key) for key in sorted(keys)})
                .returning(OutboxMessage.id)
                .cte("done")
            )
            event = OutboxEvent.__table__.c
            logged = (
                insert(OutboxEvent)
                .from_select(
                    ["outbox_id", "at", "state", "detail"],
                    select(
                        done.c.id,
                        bindparam("e_at", type_=event.at.type),
                        bindparam("e_state", type_=event.state.type),
                        bindparam("e_detail", type_=event.detail.type),
                    ),
                )
                .cte("logged")
            )
            final = (
                select(Interview.status, Interview.sequence).where(
                    Interview.id == bindparam("v_interview")
                )
                if reread
                else select(done.c.id)
            )
            found = Compiled(self.dialect, final.add_cte(logged))
            self._written[(keys, reread)] = found
        return found


# what a batch writes with: the engine, its DBAPI connection, the compiled statements
Db = tuple[Engine, Any, Statements]


def interview_verdict(
    *, found: tuple[str, int] | None, sequence: int | None, is_cancel: bool
) -> str | None:
    """Why a row tied to an interview (its `found` status and SEQUENCE now) must not go
    out any more, or None when it may.

    Every change that closes an interview goes through the lifecycle, which voids the rows
    queued before it in the same transaction and raises the SEQUENCE when the interview
    ends ahead of time (cancel, withdraw, fill). A row of a closed interview that still
    carries the current SEQUENCE was queued by that change or after it (the withdrawal
    itself, a letter after the interview took place) and goes; one queued without a
    SEQUENCE goes only as a CANCEL."""
    if found is None:
        return "the interview was deleted since this message was queued"
    status, current = found
    if sequence is not None and current > sequence:
        return f"the interview changed since (SEQUENCE {sequence} -> {current})"
    if sequence is None and status in _CLOSED and not is_cancel:
        return f"the interview is closed ({status}) since this message was queued"
    return None


class Deliverer:
    """One worker's delivery: claim a batch, send it over one connection, record each."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        transport: Callable[[], Transport] | None,
        *,
        sender: str,
        policy: Policy | None = None,
        clock: Callable[[], datetime],
        name: str | None = None,
        stop: threading.Event | None = None,
        links: Callable[[int, Outgoing], Outgoing] | None = None,
        limiter: DomainLimiter | None = None,  # shared by a worker's delivery threads
        receipts: Callable[[Outgoing, str, str], Outgoing] | None = None,
    ) -> None:
        self.sessions = sessions
        self.links = links  # writes the pick links a row's texts refer to (links.py)
        # writes a row's "Got it" paragraph from the sealed token its claim read (CPU
        # only: the per-message read of `links` cost more than sending the message)
        self.receipts = receipts
        self.transport = transport
        self.sender = sender
        self.policy = policy or Policy()
        self.clock = clock
        self.name = name or worker_name()
        self.stop = stop or threading.Event()
        self.limiter = limiter or DomainLimiter(self.policy.per_domain_per_minute)
        self._writes: list[tuple[Claimed, dict[str, Any], str, str]] = []
        self._lease_end = self._renew_at = datetime.min.replace(tzinfo=UTC)
        self._lost = False  # the row about to be sent was taken over by another worker
        self._ours: set[int] | None = None  # after a lapsed lease: the rows still held
        self._compiled: Statements | None = None

    # --- claiming ---------------------------------------------------------------------

    def claim(self, stats: Stats) -> list[Claimed]:
        """Take a batch of due rows (and rows whose lease ran out) in one committed
        transaction; rows past their deadline or for a changed interview end here.
        Statements compiled once, run on a DBAPI connection (the ORM's per-row flush cost
        more than sending)."""
        now = self.clock()
        lease = now + self.policy.lease
        engine = self.sessions.kw["bind"]
        statements = self._statements(engine.dialect)
        claimed: list[Claimed] = []
        connection = engine.raw_connection()
        try:
            with raw_transaction(engine, connection) as cursor:
                rows = [
                    dict(zip(_CLAIM_NAMES, values, strict=True))
                    for values in statements.due(self.policy.batch).fetch(cursor, {"v_now": now})
                ]
                interviews = {
                    row["interview_id"]: (str(row["interview_now"]), int(row["sequence_now"]))
                    for row in rows
                    if row["interview_now"] is not None
                }
                events = []
                taken: list[dict[str, Any]] = []
                for row in rows:
                    if row["state"] == "sending":
                        stats.reclaimed += 1
                        why = f"lease of {row['claimed_by']} ran out"
                        events.append(_event(row["id"], now, "reclaimed", why))
                    verdict = self._verdict(row, interviews, now)
                    if verdict is not None:
                        state, why = verdict
                        statements.end.execute(
                            cursor, {"v_row": row["id"], "v_state": state, "v_error": why}
                        )
                        events.append(_event(row["id"], now, state, why))
                        setattr(stats, state, getattr(stats, state) + 1)
                        continue
                    message_id = row["message_id"]
                    if message_id is None:  # fixed before the first try, kept for every retry
                        message_id = new_message_id(self.sender)
                    taken.append(
                        {"v_row": row["id"], "v_message_id": message_id, "v_worker": self.name,
                         "v_lease": lease}
                    )  # fmt: skip
                    events.append(_event(row["id"], now, "sending", self.name))
                    claimed.append(_snapshot(row, message_id))
                statements.take.execute_many(cursor, taken)
                statements.event.execute_many(cursor, events)
        finally:
            connection.close()  # back to the pool
        stats.claimed += len(claimed)
        self._lease_end = lease
        self._renew_at = now + self.policy.lease / 3
        self._ours = None
        return claimed

    @staticmethod
    def _verdict(
        row: dict[str, Any], interviews: dict[int, tuple[str, int]], now: datetime
    ) -> tuple[str, str] | None:
        deadline = row["deadline"]
        if deadline is not None and now >= deadline:
            return "expired", f"its deadline {deadline.isoformat()} has passed"
        if row["interview_id"] is None:
            return None
        why = interview_verdict(
            found=interviews.get(row["interview_id"]),
            sequence=row["interview_sequence"],
            is_cancel=(row["calendar_method"] or "").upper() == "CANCEL",
        )
        return ("cancelled", why) if why else None

    # --- one batch ----------------------------------------------------------------------

    def run_batch(self) -> Stats:
        """Claim and deliver one batch; nothing was due where `taken(stats)` is false.

        Outcomes are written in the transaction that opens once the next message's MAIL
        command is on its way (while the relay answers it) and that also re-reads that
        message's interview; always before the next message's content goes out: one short
        write transaction per message (on PostgreSQL one statement in autocommit, one
        round trip), and a kill repeats at most the last message the relay accepted on
        that connection.
        """
        stats = Stats()
        if self.transport is None or self.stop.is_set():
            return stats
        claimed = self.claim(stats)
        if not claimed:
            return stats
        engine = self.sessions.kw["bind"]
        statements = self._statements(engine.dialect)
        connection = engine.raw_connection()
        try:
            transport = self.transport()
        except Exception:  # the batch goes back at once, not when its lease runs out
            self._release(claimed, stats, "no connection to the relay; not attempted")
            try:
                self._flush((engine, connection, statements), None)
            finally:
                connection.close()
            raise
        try:
            for index, entry in enumerate(claimed):
                if self.stop.is_set():
                    self._release(claimed[index:], stats)
                    break
                self._deliver(entry, transport, stats, (engine, connection, statements))
        finally:
            try:
                self._flush((engine, connection, statements), None)
            finally:
                connection.close()  # back to the pool
                transport.close()
        return stats

    def _render(self, entry: Claimed) -> bytes | Exception:
        """The message's bytes, or why it cannot be built (recorded when its turn comes).

        A row's texts hold references in place of link tokens: they are written here, at
        send time, by `links`; without it such a message is not sent with a dead link. A
        row with only a receipt gets its paragraph from `receipts` and the token read
        with the claim, no database read."""
        try:
            item = entry.item
            if LINK_REFERENCE in item.body or LINK_REFERENCE in (item.calendar_ics or ""):
                if self.links is None:
                    raise ValueError("body: a pick link this worker cannot write (no key)")
                item = self.links(entry.id, item)
            elif entry.receipt_form and entry.sealed_receipt and self.receipts is not None:
                item = self.receipts(item, entry.sealed_receipt, entry.receipt_form)
            elif entry.receipt and self.links is not None:  # without it: no "Got it" line
                item = self.links(entry.id, item)
            return render(item, sender=self.sender, date=self.clock())
        except Exception as exc:  # one message that cannot be built never stalls the rest
            return exc

    def _statements(self, dialect: Dialect) -> Statements:
        if self._compiled is None or self._compiled.dialect is not dialect:
            self._compiled = Statements(dialect)
        return self._compiled

    def drain(
        self,
        *,
        max_batches: int | None = None,
        each: Callable[[Stats], None] | None = None,
    ) -> Stats:
        """Batches until nothing is due (or a stop is asked for); `each` hears of every
        batch (the worker's heartbeat).

        A batch whose rows were all voided at the claim (expired, or their interview
        changed since) sent nothing but was not empty: the rows behind it are due too, so
        the round goes on until a claim finds no row at all."""
        total = Stats()
        batches = 0
        while not self.stop.is_set():
            stats = self.run_batch()
            total.add(stats)
            batches += 1
            if each is not None:
                each(stats)
            if not taken(stats) or (max_batches is not None and batches >= max_batches):
                break
        return total

    def _deliver(self, entry: Claimed, transport: Transport, stats: Stats, db: Db) -> None:
        now = self.clock()
        if entry.deadline is not None and now >= entry.deadline:
            self._final(entry, "expired", f"its deadline {entry.deadline.isoformat()} has passed")
            stats.expired += 1
            return
        domain = entry.item.recipient.rpartition("@")[2].lower()
        wait = self.limiter.wait(domain, now)
        if wait > timedelta(0):
            self._defer(entry, now + wait, f"rate limit for {domain}")
            stats.deferred += 1
            return
        built = self._render(entry)
        if isinstance(built, Exception):
            if not self._withheld(entry, self._flush(db, entry), stats):
                why = f"cannot be sent: {built}"
                self._record(entry, Result(Outcome.permanent, None, why), stats)
            return
        checked: list[str | None] = []

        def meanwhile() -> str | None:
            """While the relay answers MAIL: the earlier outcomes are written and this
            message's interview re-read, all before its content goes out."""
            checked.append(self._flush(db, entry))
            return "lease lost" if self._lost else checked[-1]

        envelope = Envelope(self.sender, (entry.item.recipient,), built, entry.item.message_id)
        try:
            result = transport.send(envelope, meanwhile)
        except Exception as exc:  # a transport bug: retried with backoff, up to the max age
            result = Result(Outcome.temporary, None, f"{type(exc).__name__}: {exc}")
        if not checked:  # the connection failed before MAIL went out
            meanwhile()
        if not self._withheld(entry, checked[-1], stats):
            self._record(entry, result, stats)

    def _withheld(self, entry: Claimed, why: str | None, stats: Stats) -> bool:
        """After the check before sending: the row is another worker's now (lease lost),
        or its interview changed (`why`); either way this worker records no delivery."""
        if self._lost:
            stats.lost += 1
            return True
        if why is not None:
            self._final(entry, "cancelled", why)
            stats.cancelled += 1
            return True
        return False

    # --- recording ----------------------------------------------------------------------

    def _flush(self, db: Db, check: Claimed | None) -> str | None:
        """Commit the outcomes not yet written; with `check`, re-read its interview in the
        same transaction and say why it must not go out (or None)."""
        now = self.clock()
        self._lost = False
        renew = check is not None and now >= self._renew_at
        reread = check is not None and check.interview_id is not None
        if not self._writes and not reread and not renew:
            self._lost = check is not None and self._ours is not None and check.id not in self._ours
            return None
        engine, connection, statements = db
        if statements.one_statement and not renew and len(self._writes) <= 1:
            if check is not None and self._ours is not None:
                self._lost = check.id not in self._ours
            return self._flush_one(connection, statements, check if reread else None, now)
        why = None
        with raw_transaction(engine, connection) as cursor:
            if renew:
                self._renew(cursor, statements, now)
            if check is not None and self._ours is not None:
                self._lost = check.id not in self._ours
            events = []
            for entry, values, state, detail in self._writes:
                changed = statements.outcome(values).execute(
                    cursor, {"v_row": entry.id, "v_worker": self.name, **values}
                )
                if changed:  # 0: our lease was taken over; the row is theirs now
                    events.append(_event(entry.id, now, state, detail))
            statements.event.execute_many(cursor, events)
            if reread and check is not None:
                found = statements.interview.fetch(cursor, {"v_interview": check.interview_id})
                why = interview_verdict(
                    found=(str(found[0][0]), int(found[0][1])) if found else None,
                    sequence=check.interview_sequence,
                    is_cancel=check.is_cancel,
                )
        self._writes.clear()
        return why

    def _flush_one(
        self, connection: Any, statements: Statements, check: Claimed | None, now: datetime
    ) -> str | None:
        """`_flush` of at most one outcome, without a lease renewal, on PostgreSQL: the
        outcome, its event and `check`'s interview re-read are one statement run in
        autocommit (Statements.written), one round trip where BEGIN, UPDATE, INSERT,
        SELECT and COMMIT took five; committed, as before, when it returns."""
        interview = None if check is None else {"v_interview": check.interview_id}
        driver = connection.driver_connection
        driver.autocommit = True
        try:
            cursor = connection.cursor()
            try:
                if self._writes:
                    entry, values, state, detail = self._writes[0]
                    found = statements.written(values, interview is not None).fetch(
                        cursor,
                        {"v_row": entry.id, "v_worker": self.name, "e_at": now,
                         "e_state": state, "e_detail": detail, **values, **(interview or {})},
                    )  # fmt: skip
                elif interview is not None:
                    found = statements.interview.fetch(cursor, interview)
            finally:
                cursor.close()
        finally:
            if not driver.closed:  # a lost connection is dropped by the pool, not reused
                driver.autocommit = False
        self._writes.clear()
        if check is None:
            return None
        return interview_verdict(
            found=(str(found[0][0]), int(found[0][1])) if found else None,
            sequence=check.interview_sequence,
            is_cancel=check.is_cancel,
        )

    def _renew(self, cursor: Any, statements: Statements, now: datetime) -> None:
        """Extend the lease of every row this worker still holds (a third of the way in),
        so a long batch is never taken over while alive; after a lapse, only the rows
        still held are sent."""
        held = statements.renew.fetch(
            cursor, {"v_worker": self.name, "v_lease": now + self.policy.lease}
        )
        if now >= self._lease_end:  # lapsed: what another worker reclaimed is not ours
            self._ours = {int(row[0]) for row in held}
        self._lease_end = now + self.policy.lease
        self._renew_at = now + self.policy.lease / 3

    def _write(self, entry: Claimed, values: dict[str, Any], state: str, detail: str) -> None:
        self._writes.append((entry, values, state, detail))

    def _final(self, entry: Claimed, state: str, why: str) -> None:
        values = {"state": state, "last_error": why, "lease_until": None}
        self._write(entry, values, state, why)

    def _defer(self, entry: Claimed, when: datetime, why: str) -> None:
        values = {"state": "pending", "due": when, "lease_until": None, "claimed_by": None}
        self._write(entry, values, "deferred", f"{why}; next try {when.isoformat()}")

    def _release(
        self, entries: list[Claimed], stats: Stats, why: str = "worker stopping; not attempted"
    ) -> None:
        for entry in entries:
            values = {"state": "pending", "lease_until": None, "claimed_by": None}
            self._write(entry, values, "released", why)
            stats.released += 1

    def _record(self, entry: Claimed, result: Result, stats: Stats) -> None:
        now = self.clock()
        attempts = entry.attempts + 1
        base: dict[str, Any] = {"attempts": attempts, "lease_until": None}
        if result.outcome is Outcome.delivered:
            detail = result.words
            refused = "; ".join(f"{r}: {c} {w}" for r, (c, w) in result.refused.items())
            if refused:
                detail += f" (refused: {refused})"
            values = {**base, "state": "sent", "sent_at": now, "last_error": refused or None}
            self._write(entry, values, "sent", detail)
            stats.sent += 1
            return
        if result.outcome is Outcome.permanent:
            self._write(
                entry,
                {**base, "state": "failed", "last_error": result.words},
                "failed",
                result.words,
            )
            stats.failed += 1
            return
        words = result.words + (" (the message may have arrived)" if result.after_data else "")
        later = now + self.policy.backoff(attempts)
        too_old = now - entry.created_at >= self.policy.max_age
        too_late = entry.deadline is not None and later >= entry.deadline
        if too_old or too_late:
            why = f"gave up after {attempts} attempts: {words}"
            self._write(entry, {**base, "state": "failed", "last_error": why}, "failed", why)
            stats.failed += 1
            return
        values = {**base, "state": "pending", "due": later, "last_error": words, "claimed_by": None}
        self._write(entry, values, "retry", f"{words}; next try {later.isoformat()}")
        stats.retried += 1


_CLAIM_COLUMNS = [
    getattr(OutboxMessage, name)
    for name in (
        "id", "state", "claimed_by", "kind", "message_id", "recipient", "subject", "body",
        "language", "recipient_name", "sender_name", "reply_to", "in_reply_to",
        "calendar_method", "calendar_ics", "created_at", "attempts", "deadline",
        "interview_id", "interview_sequence", "receipt_form",
    )
]  # fmt: skip


_CLAIM_NAMES = [column.key for column in _CLAIM_COLUMNS] + [
    "interview_now", "sequence_now", "sealed_receipt"
]  # fmt: skip


def _snapshot(row: dict[str, Any], message_id: str) -> Claimed:
    item = Outgoing(
        message_id=message_id,
        recipient=row["recipient"],
        subject=row["subject"],
        body=row["body"],
        language=row["language"],
        recipient_name=row["recipient_name"],
        sender_name=row["sender_name"],
        reply_to=row["reply_to"],
        in_reply_to=row["in_reply_to"],
        calendar_method=row["calendar_method"],
        calendar_ics=row["calendar_ics"],
        auto=row["kind"] == "reminder",
    )
    return Claimed(
        id=row["id"],
        item=item,
        created_at=row["created_at"],
        attempts=row["attempts"],
        deadline=row["deadline"],
        interview_id=row["interview_id"],
        interview_sequence=row["interview_sequence"],
        is_cancel=(row["calendar_method"] or "").upper() == "CANCEL",
        receipt=row["receipt_form"] is not None,
        receipt_form=row["receipt_form"],
        sealed_receipt=row["sealed_receipt"],
    )
