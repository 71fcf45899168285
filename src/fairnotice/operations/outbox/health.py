"""The delivery worker's health: each worker process writes a heartbeat with its last
round (sent, voided, failed), the backlog after it and its last error; the status page
and `fairnotice worker --status` read them back.

A worker beats after every round that did something or failed, at least every `BEAT`
while idle, and between the batches of a long round. A heartbeat older than `STALE`
reads as "not running" (the process died, or the database refuses its writes).
Errors are kept as one short line: a database error's text without its SQL and
parameters, which may hold someone's address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fairnotice.operations.outbox.loop import DELIVERABLE, Stats
from fairnotice.store.tables import OutboxMessage, WorkerHealth

BEAT = timedelta(seconds=30)
STALE = timedelta(minutes=3)
FORGET = timedelta(days=7)  # rows of workers gone this long are dropped
ERROR_CHARS = 500


def error_line(exc: BaseException) -> str:
    """`Type: message` on one line; a database error by its driver's first line alone
    (PostgreSQL's DETAIL and SQLAlchemy's SQL may quote someone's data)."""
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    first = next((line for line in str(inner).splitlines() if line.strip()), "")
    words = " ".join(first.split()) or repr(inner)
    return f"{type(inner).__name__}: {words}"[:ERROR_CHARS]


def voided(stats: Stats) -> int:
    return stats.expired + stats.cancelled


@dataclass
class Beat:
    """This worker process's health, kept in memory and written when it beats."""

    name: str
    kind: str
    started_at: datetime
    rounds: int = 0
    round_at: datetime | None = None
    sent: int = 0
    voided: int = 0
    failed: int = 0
    backlog: int | None = None
    failures: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    written_at: datetime | None = None
    unsaved: bool = field(default=True)

    def round_ended(
        self, stats: Stats, *, at: datetime, worked: bool, error: str | None = None
    ) -> None:
        """A round ended. Its figures are kept where it found work or failed: "last
        round" is the last one that did something, not the idle poll a second ago;
        `error` names the parts that failed (counted in a row until a round succeeds)."""
        self.rounds += 1
        if worked or error is not None:
            self.round_at = at
            self.sent, self.voided, self.failed = stats.sent, voided(stats), stats.failed
            self.unsaved = True
        if error is None:
            self.unsaved = self.unsaved or self.failures > 0
            self.failures = 0
        else:
            self.failures += 1
            self.last_error, self.last_error_at = error, at

    def due(self, now: datetime) -> bool:
        """Whether to write now: something to tell, or the idle heartbeat is due."""
        return self.unsaved or self.written_at is None or now - self.written_at >= BEAT

    def values(self, now: datetime) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "started_at": self.started_at,
            "heartbeat": now,
            "stopped_at": None,
            "rounds": self.rounds,
            "round_at": self.round_at,
            "round_sent": self.sent,
            "round_voided": self.voided,
            "round_failed": self.failed,
            "backlog": self.backlog,
            "failures": self.failures,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
        }


def backlog(session: Session, *, now: datetime, workspace_id: int | None = None) -> int:
    """Rows the worker would send now: pending and due, or claimed by a worker whose lease
    ran out."""
    query = select(func.count()).where(
        OutboxMessage.kind.in_(DELIVERABLE),
        or_(
            (OutboxMessage.state == "pending") & (OutboxMessage.due <= now),
            (OutboxMessage.state == "sending") & (OutboxMessage.lease_until < now),
        ),
    )
    if workspace_id is not None:
        query = query.where(OutboxMessage.workspace_id == workspace_id)
    return int(session.scalar(query) or 0)


def write(session: Session, beat: Beat, *, now: datetime, stopped: bool = False) -> None:
    """Upsert this worker's row (in the caller's write transaction)."""
    values = beat.values(now)
    if stopped:
        values["stopped_at"] = now
    changed = session.execute(
        update(WorkerHealth).where(WorkerHealth.name == beat.name).values(values)
    ).rowcount  # type: ignore[attr-defined]
    if not changed:
        session.execute(
            delete(WorkerHealth).where(WorkerHealth.heartbeat < now - FORGET)
        )  # a new worker tidies up after the long gone
        session.add(WorkerHealth(name=beat.name, **values))
        session.flush()
    beat.written_at, beat.unsaved = now, False


@dataclass(frozen=True)
class Seen:
    """One worker as the status shows it."""

    name: str
    kind: str
    running: bool
    started_at: datetime
    heartbeat: datetime
    stopped_at: datetime | None
    rounds: int
    round_at: datetime | None
    sent: int
    voided: int
    failed: int
    backlog: int | None
    failures: int
    last_error: str | None
    last_error_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in self.__dict__.items()
        }


def workers(session: Session, *, now: datetime) -> list[Seen]:
    """Every worker seen in the last `FORGET`, the latest heartbeat first; `running`
    where it beat within `STALE` and did not stop."""
    rows = session.scalars(
        select(WorkerHealth)
        .where(WorkerHealth.heartbeat >= now - FORGET)
        .order_by(WorkerHealth.heartbeat.desc())
    )
    return [
        Seen(
            name=row.name,
            kind=row.kind,
            running=row.stopped_at is None and now - row.heartbeat < STALE,
            started_at=row.started_at,
            heartbeat=row.heartbeat,
            stopped_at=row.stopped_at,
            rounds=row.rounds,
            round_at=row.round_at,
            sent=row.round_sent,
            voided=row.round_voided,
            failed=row.round_failed,
            backlog=row.backlog,
            failures=row.failures,
            last_error=row.last_error,
            last_error_at=row.last_error_at,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Status:
    """The delivery as a whole: is any worker running, the backlog now, the workers."""

    running: bool
    backlog: int
    workers: list[Seen]

    @property
    def latest(self) -> Seen | None:
        return self.workers[0] if self.workers else None

    def last_error(self) -> Seen | None:
        """The worker whose error is the latest (None when no worker failed)."""
        failed = [w for w in self.workers if w.last_error_at is not None]
        return max(failed, key=lambda w: w.last_error_at or w.heartbeat) if failed else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "backlog": self.backlog,
            "workers": [w.as_dict() for w in self.workers],
        }


def status(session: Session, *, now: datetime, workspace_id: int | None = None) -> Status:
    """The health of delivery; the backlog of one workspace where `workspace_id` is given."""
    seen = workers(session, now=now)
    return Status(
        running=any(w.running for w in seen),
        backlog=backlog(session, now=now, workspace_id=workspace_id),
        workers=seen,
    )
