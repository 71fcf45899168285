"""Remote busy sources asked again in the background, and a new one added.

The worker claims a batch of sources due (`refresh_due` passed, lease free; `FOR UPDATE
SKIP LOCKED` on PostgreSQL), asks each outside any transaction (sources.BusySource), and
writes the outcomes in one short transaction: an unchanged source (HTTP 304) only gets
its times moved on, so refreshing costs one conditional request and two statements per
batch; a changed one is parsed and expanded within its workspace's reading budget and its
intervals rewritten; a failed one is `failed` with its error (shown where it was added)
and, by the one rule (sources.why_not_answering), is never free time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.calendar.budget import ACCOUNT_WORK, Budget
from fairnotice.calendar.expand import Interval
from fairnotice.errors import N_, BadInput, NotFound, Phrase
from fairnotice.model import zone
from fairnotice.operations.busy import stored as busy
from fairnotice.operations.busy import subscriptions as _subscriptions  # noqa: F401 (its kind)
from fairnotice.operations.busy.sources import (
    REFRESH_EVERY,
    RETRY_AFTER,
    Changed,
    Opening,
    Validators,
    factory,
    shown_error,
    stored_error,
)
from fairnotice.operations.outbox.loop import worker_name
from fairnotice.store.sealing import Unsealable, seal, unseal
from fairnotice.store.session import transaction
from fairnotice.store.tables import BusyCalendar, BusyInterval

LEASE = timedelta(minutes=5)
BATCH = 50


@dataclass(frozen=True, slots=True)
class Due:
    """A claimed remote source: what asking it and reading its answer need."""

    id: int
    kind: str
    sealed: str
    validators: Validators
    timezone: str
    workspace_id: int
    busy: list[dict[str, str]]
    others_spent: int = 0
    owner_email: str = ""


@dataclass
class Outcome:
    """What one asking gave: nothing new (`intervals` None, no error), a new reading, or
    an error (kept as the user sees it)."""

    validators: Validators | None = None
    intervals: list[Interval] | None = None
    window: Interval | None = None
    source: str | None = None
    cost: int | None = None
    error: str | None = None


@dataclass
class Refreshed:
    unchanged: int = 0
    changed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.unchanged + self.changed + self.failed


def ask(
    due: Due, *, now: datetime, secret: str, allow_private: bool, timeout: float = 20.0
) -> Outcome:
    """Ask one source and read its answer (no transaction open): parse and expand a new
    text within the source's budget inside its workspace's. Never raises for the
    source's own faults: they are the outcome's error."""
    make = factory(due.kind)
    if make is None:
        return Outcome(error=Phrase("unknown kind of calendar: %(kind)s", kind=due.kind))
    try:
        address = unseal(due.sealed, secret, what=f"calendar {due.id}")
    except Unsealable:
        return Outcome(error=N_("the stored address cannot be decrypted; add the calendar again"))
    account = Budget(
        f"workspace {due.workspace_id}", work=ACCOUNT_WORK - due.others_spent, instances=2**62
    )
    budget = account.child(f"calendar {due.id}")
    window = (now - busy.READ_BEFORE, now + busy.READ_AHEAD)
    source = make(Opening(address, allow_private=allow_private, timeout=timeout))
    try:
        answer = source.refresh(validators=due.validators, window=window, budget=budget)
        if not isinstance(answer, Changed):
            return Outcome(validators=answer.validators)
        intervals = list(answer.intervals)
        if answer.ics is not None:
            claimed = busy._Claimed(due.id, answer.ics, due.busy, due.timezone)
            found, window = busy.expand_calendar(claimed, now=now, budget=budget)
            intervals += found
        return Outcome(
            validators=answer.validators,
            intervals=intervals,
            window=window,
            source=answer.ics,
            cost=budget.spent,
        )
    except BadInput as exc:
        return Outcome(error=exc.problems[0][1] if len(exc.problems) == 1 else str(exc))
    except Exception as exc:  # a bug in one source never stops the worker
        return Outcome(error=Phrase("could not be read (%(kind)s)", kind=type(exc).__name__))


def _claim(sessions: sessionmaker[Session], *, now: datetime, name: str, limit: int) -> list[Due]:
    """Take up to `limit` remote sources due, in their own committed transaction: two
    statements for the batch (the columns asking needs, read without loading rows)."""
    free = or_(BusyCalendar.lease_until.is_(None), BusyCalendar.lease_until < now)
    query = (
        select(
            BusyCalendar.id,
            BusyCalendar.remote_kind,
            BusyCalendar.remote_sealed,
            BusyCalendar.remote_etag,
            BusyCalendar.remote_modified,
            BusyCalendar.timezone,
            BusyCalendar.workspace_id,
            BusyCalendar.busy,
            BusyCalendar.read_cost,
            BusyCalendar.owner_email,
        )
        .where(BusyCalendar.remote_kind.is_not(None), BusyCalendar.refresh_due <= now, free)
        .order_by(BusyCalendar.refresh_due, BusyCalendar.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with transaction(sessions, write=True) as session:
        rows = session.execute(query).all()
        if not rows:
            return []
        session.execute(
            update(BusyCalendar)
            .where(BusyCalendar.id.in_([r.id for r in rows]))
            .values(claimed_by=name, lease_until=now + LEASE)
        )
        spent = {
            ws: busy.account_spent(session, ws) for ws in sorted({r.workspace_id for r in rows})
        }
        return [
            Due(
                id=r.id,
                kind=str(r.remote_kind),
                sealed=r.remote_sealed or "",
                validators=Validators(r.remote_etag, r.remote_modified),
                timezone=r.timezone,
                workspace_id=r.workspace_id,
                busy=list(r.busy or []),
                others_spent=spent[r.workspace_id] - (r.read_cost or 0),
                owner_email=r.owner_email,
            )
            for r in rows
        ]


def _values(outcome: Outcome, now: datetime) -> dict[str, Any]:
    """The row's new columns for an outcome (its intervals are written apart)."""
    values: dict[str, Any] = {"claimed_by": None, "lease_until": None}
    if outcome.error is not None:
        values.update(
            state="failed", error=stored_error(outcome.error), refresh_due=now + RETRY_AFTER
        )
        return values
    assert outcome.validators is not None
    values.update(
        state="ready",
        error=None,
        refreshed_at=now,
        refresh_due=now + REFRESH_EVERY,
        remote_etag=outcome.validators.etag,
        remote_modified=outcome.validators.last_modified,
    )
    if outcome.intervals is not None:
        values.update(read_at=now, read_cost=outcome.cost, source=outcome.source)
    return values


def _record(
    sessions: sessionmaker[Session], name: str, now: datetime, done: list[tuple[Due, Outcome]]
) -> None:
    """Write every outcome of a batch in one transaction, each only while the row is
    still ours (a lapsed lease lost it); unchanged ones in one statement."""
    if not done:
        return
    with transaction(sessions, write=True) as session:
        unchanged = [d.id for d, o in done if o.error is None and o.intervals is None]
        others = [(d, o) for d, o in done if not (o.error is None and o.intervals is None)]
        if unchanged:
            # a 304 after a failed try: the intervals kept are still the answer (its
            # validators are those of the text they came from)
            session.execute(
                update(BusyCalendar)
                .where(
                    BusyCalendar.id.in_(unchanged),
                    BusyCalendar.claimed_by == name,
                    BusyCalendar.window_end.is_not(None),
                )
                .values(
                    claimed_by=None,
                    lease_until=None,
                    state="ready",
                    error=None,
                    refreshed_at=now,
                    refresh_due=now + REFRESH_EVERY,
                )
            )
        for due, outcome in others:
            result = session.execute(
                update(BusyCalendar)
                .where(BusyCalendar.id == due.id, BusyCalendar.claimed_by == name)
                .values(**_values(outcome, now))
            )
            if result.rowcount and outcome.window is not None:  # type: ignore[attr-defined]
                busy.SqlIntervalStore(session).replace(
                    str(due.id), outcome.intervals or [], window=outcome.window
                )


def refresh_due(
    sessions: sessionmaker[Session],
    *,
    clock: Callable[[], datetime],
    secret: str,
    allow_private: bool = False,
    name: str | None = None,
    limit: int = 1000,
    batch: int = BATCH,
    stop: threading.Event | None = None,
    timeout: float = 20.0,
) -> Refreshed:
    """Ask every remote source due (at most `limit`), a batch at a time."""
    name = name or worker_name()
    counts = Refreshed()
    while counts.total < limit and not (stop is not None and stop.is_set()):
        claimed = _claim(sessions, now=clock(), name=name, limit=min(batch, limit - counts.total))
        if not claimed:
            break
        done: list[tuple[Due, Outcome]] = []
        for due in claimed:
            outcome = ask(
                due, now=clock(), secret=secret, allow_private=allow_private, timeout=timeout
            )
            done.append((due, outcome))
            if outcome.error is not None:
                counts.failed += 1
                counts.errors.append(f"calendar {due.id}: {outcome.error}")
            elif outcome.intervals is None:
                counts.unchanged += 1
            else:
                counts.changed += 1
        _record(sessions, name, clock(), done)
    return counts


# --- a new source ---------------------------------------------------------------------------


def first_reading(
    session: Session,
    *,
    kind: str,
    address: str,
    workspace_id: int,
    zone_name: str,
    now: datetime,
    allow_private: bool,
    field: str,
) -> tuple[Due, Outcome]:
    """Ask a source not stored yet (the caller then commits, or closes, the session: no
    transaction stays open while the server is asked). Its error is bad input naming
    `field`: a link that does not answer now is not stored."""
    zone(zone_name)
    spent = busy.account_spent(session, workspace_id)
    if spent >= ACCOUNT_WORK:
        what = N_("this workspace's calendars together cost all the reading allowed; remove one")
        raise BadInput([(field, what)])
    session.commit()  # nothing held while the server answers
    due = Due(
        id=0,
        kind=kind,
        sealed=address,
        validators=Validators(),
        timezone=zone_name,
        workspace_id=workspace_id,
        busy=[],
        others_spent=spent,
    )
    outcome = ask(due, now=now, secret="", allow_private=allow_private)
    if outcome.error is not None:
        raise BadInput([(field, outcome.error)])
    return due, outcome


def add_source(
    session: Session,
    *,
    kind: str,
    address: str,
    hint: str,
    owner_email: str,
    workspace_id: int,
    zone_name: str,
    now: datetime,
    secret: str,
    outcome: Outcome,
) -> BusyCalendar:
    """Store a source that answered (`first_reading`): its address sealed, its intervals."""
    assert outcome.validators is not None and outcome.window is not None
    row = BusyCalendar(
        workspace_id=workspace_id,
        owner_email=owner_email,
        busy=[],
        timezone=zone_name,
        state="ready",
        source=outcome.source,
        read_at=now,
        read_cost=outcome.cost,
        remote_kind=kind,
        remote_sealed=seal(address, secret),
        remote_hint=hint,
        remote_etag=outcome.validators.etag,
        remote_modified=outcome.validators.last_modified,
        refreshed_at=now,
        refresh_due=now + REFRESH_EVERY,
    )
    session.add(row)
    session.flush()
    busy.SqlIntervalStore(session).replace(
        str(row.id), outcome.intervals or [], window=outcome.window
    )
    return row


# --- what the pages show ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    """A remote source as a page shows it: never its address, only the hint."""

    id: int
    kind: str
    owner_email: str
    hint: str
    refreshed_at: datetime | None
    error: str | None  # the last try's error (a Phrase when it was one), or None
    answering: bool  # by the one rule, for the planning window from `now`


def listed(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    kind: str,
    emails: list[str] | None = None,
) -> list[Listed]:
    """The workspace's remote sources of `kind` (of `emails` only, when given), oldest
    first."""
    query = (
        select(BusyCalendar)
        .where(BusyCalendar.workspace_id == workspace_id, BusyCalendar.remote_kind == kind)
        .order_by(BusyCalendar.id)
    )
    wanted = {e.lower() for e in emails} if emails is not None else None
    found: list[Listed] = []
    for row in session.scalars(query):
        if wanted is not None and row.owner_email.lower() not in wanted:
            continue
        why = busy.why_unread(row, now, now + busy.PLANNING_WINDOW, now=now)
        found.append(
            Listed(
                id=row.id,
                kind=str(row.remote_kind),
                owner_email=row.owner_email,
                hint=row.remote_hint or "…",
                refreshed_at=row.refreshed_at,
                error=shown_error(row.error) if row.state == "failed" else None,
                answering=why is None,
            )
        )
    return found


def remove(session: Session, *, workspace_id: int, calendar_id: int, kind: str) -> None:
    """Forget a remote source of `kind`: its sealed address, text and intervals go with
    the row."""
    row = session.scalar(
        select(BusyCalendar).where(
            BusyCalendar.id == calendar_id,
            BusyCalendar.workspace_id == workspace_id,
            BusyCalendar.remote_kind == kind,
        )
    )
    if row is None:
        raise NotFound("calendar")
    session.execute(delete(BusyInterval).where(BusyInterval.calendar_id == row.id))
    session.delete(row)
