"""The delivery loop: claim due outbox rows, send them over one connection, record each.

Nothing is lost, by construction:

- A claim is its own committed transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
  workers never take the same row; `BEGIN IMMEDIATE` on SQLite). A claimed row is in
  state `sending` with a lease, renewed while the batch goes on; a worker killed at any
  point leaves it there, and once the lease runs out any worker claims it again.
- Each outcome is committed before the next message goes out, so a kill can repeat at
  most the one message whose answer was not yet written: the case of a connection that
  died after DATA, which SMTP itself cannot tell apart from a lost message.
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.mail.limits import DomainLimiter, Policy, Stats
from fairnotice.mail.outgoing import Outgoing, new_message_id, render
from fairnotice.mail.transport import Envelope, Outcome, Result, Transport
from fairnotice.store.session import WRITE, transaction
from fairnotice.store.tables import Interview, OutboxEvent, OutboxMessage

__all__ = ["DELIVERABLE", "FINAL", "Claimed", "Deliverer", "Policy", "Stats"]

DELIVERABLE = ("email", "follow_up_email", "reminder")
FINAL = frozenset({"sent", "failed", "expired", "cancelled"})


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


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _event(outbox_id: int, at: datetime, state: str, detail: str | None) -> dict[str, Any]:
    return {"outbox_id": outbox_id, "at": at, "state": state, "detail": detail}


def interview_verdict(
    *, found: tuple[str, int] | None, sequence: int | None, is_cancel: bool
) -> str | None:
    """Why a row tied to an interview (its `found` status and SEQUENCE now) must not go
    out any more, or None when it may."""
    if found is None:
        return "the interview was deleted since this message was queued"
    status, current = found
    if sequence is not None and current > sequence:
        return f"the interview changed since (SEQUENCE {sequence} -> {current})"
    if status == "cancelled" and not is_cancel:
        return "the interview was cancelled since this message was queued"
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
    ) -> None:
        self.sessions = sessions
        self.transport = transport
        self.sender = sender
        self.policy = policy or Policy()
        self.clock = clock
        self.name = name or worker_name()
        self.stop = stop or threading.Event()
        self.limiter = DomainLimiter(self.policy.per_domain_per_minute)
        self._writes: list[tuple[Claimed, dict[str, Any], str, str]] = []
        self._lease_end = self._renew_at = datetime.min.replace(tzinfo=UTC)
        self._lost = False  # the row about to be sent was taken over by another worker
        self._ours: set[int] | None = None  # after a lapsed lease: the rows still held

    # --- claiming ---------------------------------------------------------------------

    def claim(self, stats: Stats) -> list[Claimed]:
        now = self.clock()
        due = and_(OutboxMessage.state == "pending", OutboxMessage.due <= now)
        stale = and_(OutboxMessage.state == "sending", OutboxMessage.lease_until < now)
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.kind.in_(DELIVERABLE), or_(due, stale))
            .order_by(OutboxMessage.due, OutboxMessage.id)
            .limit(self.policy.batch)
            .with_for_update(skip_locked=True)
        )
        claimed: list[Claimed] = []
        with transaction(self.sessions, write=True) as session:
            rows = list(session.scalars(query))
            interviews = self._interviews(session, (r.interview_id for r in rows))
            events = []
            for row in rows:
                if row.state == "sending":
                    stats.reclaimed += 1
                    events.append(
                        _event(row.id, now, "reclaimed", f"lease of {row.claimed_by} ran out")
                    )
                verdict = self._verdict(row, interviews, now)
                if verdict is not None:
                    state, why = verdict
                    row.state, row.last_error, row.lease_until = state, why, None
                    events.append(_event(row.id, now, state, why))
                    setattr(stats, state, getattr(stats, state) + 1)
                    continue
                if row.message_id is None:
                    row.message_id = new_message_id(self.sender)
                row.state, row.claimed_by = "sending", self.name
                row.lease_until = now + self.policy.lease
                events.append(_event(row.id, now, "sending", self.name))
                claimed.append(_snapshot(row))
            if events:
                session.execute(insert(OutboxEvent), events)
        stats.claimed += len(claimed)
        self._lease_end = now + self.policy.lease
        self._renew_at = now + self.policy.lease / 3
        self._ours = None
        return claimed

    @staticmethod
    def _interviews(session: Session, ids: Iterable[int | None]) -> dict[int, Interview]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        found = session.scalars(select(Interview).where(Interview.id.in_(wanted)))
        return {row.id: row for row in found}

    @staticmethod
    def _verdict(
        row: OutboxMessage, interviews: dict[int, Interview], now: datetime
    ) -> tuple[str, str] | None:
        if row.deadline is not None and now >= row.deadline:
            return "expired", f"its deadline {row.deadline.isoformat()} has passed"
        if row.interview_id is None:
            return None
        interview = interviews.get(row.interview_id)
        why = interview_verdict(
            found=(interview.status, interview.sequence) if interview else None,
            sequence=row.interview_sequence,
            is_cancel=(row.calendar_method or "").upper() == "CANCEL",
        )
        return ("cancelled", why) if why else None

    # --- one batch ----------------------------------------------------------------------

    def run_batch(self) -> Stats:
        """Claim and deliver one batch; Stats.claimed == 0 means nothing was due.

        Outcomes are written in the transaction that opens before the next send (which
        also re-reads that message's interview), and always before a message is sent:
        one short write transaction per message, and a kill repeats at most one message.
        """
        stats = Stats()
        if self.transport is None or self.stop.is_set():
            return stats
        claimed = self.claim(stats)
        if not claimed:
            return stats
        transport = self.transport()
        engine = self.sessions.kw["bind"]
        with engine.connect() as conn:
            conn.execution_options(**WRITE)
            try:
                for index, entry in enumerate(claimed):
                    if self.stop.is_set():
                        self._release(claimed[index:], stats)
                        break
                    self._deliver(entry, transport, stats, conn)
            finally:
                self._flush(conn, None)
                transport.close()
        return stats

    def drain(self, *, max_batches: int | None = None) -> Stats:
        """Batches until nothing is due (or a stop is asked for)."""
        total = Stats()
        batches = 0
        while not self.stop.is_set():
            stats = self.run_batch()
            total.add(stats)
            batches += 1
            if stats.claimed == 0 or (max_batches is not None and batches >= max_batches):
                break
        return total

    def _deliver(
        self, entry: Claimed, transport: Transport, stats: Stats, conn: Connection
    ) -> None:
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
        why = self._flush(conn, entry)  # earlier outcomes written, this interview re-read
        if self._lost:  # our lease ran out and another worker has this row now
            stats.lost += 1
            return
        if why is not None:
            self._final(entry, "cancelled", why)
            stats.cancelled += 1
            return
        try:
            data = render(entry.item, sender=self.sender, date=now)
        except Exception as exc:  # one message that cannot be built never stalls the rest
            self._record(entry, Result(Outcome.permanent, None, f"cannot be sent: {exc}"), stats)
            return
        envelope = Envelope(self.sender, (entry.item.recipient,), data, entry.item.message_id)
        try:
            result = transport.send(envelope)
        except Exception as exc:  # a transport bug: retried with backoff, up to the max age
            result = Result(Outcome.temporary, None, f"{type(exc).__name__}: {exc}")
        self._record(entry, result, stats)

    # --- recording ----------------------------------------------------------------------

    def _mine(self, entry: Claimed) -> Any:
        return update(OutboxMessage).where(
            OutboxMessage.id == entry.id,
            OutboxMessage.state == "sending",
            OutboxMessage.claimed_by == self.name,
        )

    def _flush(self, conn: Connection, check: Claimed | None) -> str | None:
        """Commit the outcomes not yet written; with `check`, re-read its interview in the
        same transaction and say why it must not go out (or None)."""
        now = self.clock()
        self._lost = False
        renew = check is not None and now >= self._renew_at
        reread = check is not None and check.interview_id is not None
        if not self._writes and not reread and not renew:
            self._lost = check is not None and self._ours is not None and check.id not in self._ours
            return None
        why = None
        with conn.begin():
            if renew:
                self._renew(conn, now)
            if check is not None and self._ours is not None:
                self._lost = check.id not in self._ours
            events = []
            for entry, values, state, detail in self._writes:
                done = conn.execute(self._mine(entry).values(**values))
                if done.rowcount:  # 0: our lease was taken over; the row is theirs now
                    events.append(_event(entry.id, now, state, detail))
            if events:
                conn.execute(insert(OutboxEvent), events)
            if reread and check is not None:
                found = conn.execute(
                    select(Interview.status, Interview.sequence).where(
                        Interview.id == check.interview_id
                    )
                ).first()
                why = interview_verdict(
                    found=(str(found[0]), int(found[1])) if found else None,
                    sequence=check.interview_sequence,
                    is_cancel=check.is_cancel,
                )
        self._writes.clear()
        return why

    def _renew(self, conn: Connection, now: datetime) -> None:
        """Extend the lease of every row this worker still holds (a third of the way in),
        so a long batch is never taken over while alive; after a lapse, only the rows
        still held are sent."""
        held = conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claimed_by == self.name, OutboxMessage.state == "sending")
            .values(lease_until=now + self.policy.lease)
            .returning(OutboxMessage.id)
        ).scalars()
        if now >= self._lease_end:  # lapsed: what another worker reclaimed is not ours
            self._ours = set(held)
        else:
            held.all()
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

    def _release(self, entries: list[Claimed], stats: Stats) -> None:
        for entry in entries:
            values = {"state": "pending", "lease_until": None, "claimed_by": None}
            self._write(entry, values, "released", "worker stopping; not attempted")
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


def _snapshot(row: OutboxMessage) -> Claimed:
    assert row.message_id is not None
    item = Outgoing(
        message_id=row.message_id,
        recipient=row.recipient,
        subject=row.subject,
        body=row.body,
        language=row.language,
        recipient_name=row.recipient_name,
        sender_name=row.sender_name,
        reply_to=row.reply_to,
        in_reply_to=row.in_reply_to,
        calendar_method=row.calendar_method,
        calendar_ics=row.calendar_ics,
        auto=row.kind == "reminder",
    )
    return Claimed(
        id=row.id,
        item=item,
        created_at=row.created_at,
        attempts=row.attempts,
        deadline=row.deadline,
        interview_id=row.interview_id,
        interview_sequence=row.interview_sequence,
        is_cancel=(row.calendar_method or "").upper() == "CANCEL",
    )
