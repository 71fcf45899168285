"""`fairnotice worker`: reads stored calendars, tells the candidates of positions being
filled (in batches), delivers what is due, fires due follow-ups, polls reply mailboxes.

Any number of workers may run against PostgreSQL; on SQLite one (or the one inside
`fairnotice serve`). SIGTERM and SIGINT stop a worker gracefully: the message in flight
is finished and recorded, the rest of its batch handed back at once. A `kill -9` loses
nothing either: the claimed rows come back when their lease runs out.

A worker never stalls and never dies of an error: each part of a round (calendars,
fills, follow-ups, replies, delivery) is guarded on its own, so one that fails does not
keep the others from running; a failed round is logged and the next one tried after a
capped, doubling wait ("database is locked" included: SQLite waits out its busy timeout,
the round fails, the next one waits again). Inside `fairnotice serve` a supervisor
restarts the loop should anything escape it. Every worker writes its health
(operations/outbox/health.py): heartbeat, last round, backlog, last error.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType

from sqlalchemy.orm import Session, sessionmaker

from fairnotice.mail.transport import Transport
from fairnotice.operations.busy import caldav_accounts as _caldav  # noqa: F401 (its kind)
from fairnotice.operations.busy import cloud as cloud_calendars
from fairnotice.operations.busy.refresh import refresh_due
from fairnotice.operations.busy.stored import read_calendars
from fairnotice.operations.common.clock import system_now
from fairnotice.operations.outbox import health
from fairnotice.operations.outbox.delivery import deliverer, fire_followups
from fairnotice.operations.outbox.limits import DomainLimiter, Policy
from fairnotice.operations.outbox.loop import Stats, taken, worker_name
from fairnotice.operations.outbox.parallel import drain_together, threads_for
from fairnotice.operations.positions import batches as fill_batches
from fairnotice.operations.replies.commands import POLL_EVERY, env_mailbox, poll_mailboxes
from fairnotice.settings import Settings
from fairnotice.store.session import transaction

log = logging.getLogger("fairnotice.worker")

FOLLOWUPS = 200  # plan steps a follow-up transaction takes at most

# the wait after a failed round: 1 s, doubling to a minute (jittered), reset by a good one
AFTER_FAILURE = Policy(retry_base=timedelta(seconds=1), retry_cap=timedelta(seconds=60))


@dataclass
class Round:
    """What one pass of the loop did, and which of its parts failed."""

    delivery: Stats = field(default_factory=Stats)
    reminded: int = 0
    replies: int = 0
    calendars: int = 0
    told: int = 0  # candidates of positions being filled, told this round
    fill_problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "part: Type: words", one per failure

    @property
    def busy(self) -> bool:
        """Whether the round found work (then the next one starts at once)."""
        return taken(self.delivery) or bool(self.calendars or self.told or self.reminded)


def _guarded(done: Round, part: str, step: Callable[[], None]) -> None:
    """Run one part of a round; an error is logged and noted, and the round goes on."""
    try:
        step()
    except Exception as exc:
        line = health.error_line(exc)
        done.errors.append(f"{part}: {line}")
        log.warning("fairnotice worker: %s failed: %s", part, line, exc_info=not _known(exc))


def _known(exc: Exception) -> bool:
    """Errors whose one line says everything (no traceback in the log)."""
    from sqlalchemy.exc import OperationalError

    return isinstance(exc, OperationalError | ConnectionError | TimeoutError)


def one_round(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    clock: Callable[[], datetime] = system_now,
    stop: threading.Event | None = None,
    transport: Callable[[], Transport] | None = None,
    poll_every: timedelta = POLL_EVERY,
    beat: Callable[[], None] | None = None,
) -> Round:
    """Calendars waiting to be read, positions being filled, follow-ups, replies, then
    every batch due now (`beat` is called between batches)."""
    done = Round()

    def calendars() -> None:
        done.calendars = read_calendars(sessions, clock=clock, stop=stop)
        cloud_calendars.install(sessions, settings)  # Microsoft 365 / Google reach their tokens
        asked = refresh_due(  # subscription links and other remote sources due
            sessions,
            clock=clock,
            secret=settings.secret,
            allow_private=settings.calendars.caldav_allow_private,
            stop=stop,
        )
        done.calendars += asked.changed + asked.failed  # an unchanged one is no work found

    def fills() -> None:
        filled = fill_batches.run(sessions, clock=clock, stop=stop, secret=settings.secret)
        done.told, done.fill_problems = filled.told, filled.problems

    def followups() -> None:
        """Batch after batch while a whole batch was due (closed ones count: replied or
        expired), like delivery past voided rows; a transaction each."""
        while stop is None or not stop.is_set():
            with transaction(sessions, write=True) as session:
                counts = fire_followups(session, now=clock(), limit=FOLLOWUPS)
            done.reminded += counts["reminded"]
            if sum(counts.values()) < FOLLOWUPS:
                break

    def replies() -> None:
        done.replies = poll_mailboxes(
            sessions, clock=clock, stop=stop, every=poll_every, secret=settings.secret
        )

    def deliver() -> None:
        """One deliverer per delivery thread (operations/outbox/parallel.py: 4 on PostgreSQL), with
        one per-domain rate limit between them."""
        dialect = sessions.kw["bind"].dialect.name
        shared = DomainLimiter(settings.delivery.per_domain_per_minute)
        workers = [
            deliverer(
                sessions,
                settings,
                clock=clock,
                stop=stop,
                transport=transport,
                limiter=shared,
            )
            for _ in range(threads_for(dialect, settings.delivery.threads))
        ]
        each = None if beat is None else (lambda _stats: beat())
        done.delivery = drain_together(workers, each=each)

    for part, step in (
        ("calendars", calendars),
        ("fills", fills),
        ("follow-ups", followups),
        ("replies", replies),
        ("delivery", deliver),
    ):
        if stop is not None and stop.is_set():
            break
        _guarded(done, part, step)
    return done


def install_signals(stop: threading.Event) -> None:
    """SIGTERM/SIGINT ask for a graceful stop (main thread only)."""

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)


class Heart:
    """Writes this worker's health (operations/outbox/health.py) without ever failing the loop:
    a write the database refuses is logged and tried again with the next beat."""

    def __init__(
        self, sessions: sessionmaker[Session], *, kind: str, clock: Callable[[], datetime]
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.beat = health.Beat(name=worker_name(), kind=kind, started_at=clock())

    def write(self, *, force: bool = False, stopped: bool = False, count: bool = False) -> None:
        now = self.clock()
        if not (force or stopped or self.beat.due(now)):
            return
        try:
            with transaction(self.sessions, write=True) as session:
                if count:
                    self.beat.backlog = health.backlog(session, now=now)
                health.write(session, self.beat, now=now, stopped=stopped)
        except Exception as exc:
            log.warning("fairnotice worker: health not written: %s", health.error_line(exc))

    def between_batches(self) -> None:
        """A long round still beats (every `health.BEAT`), its figures written at its end."""
        if self.clock() - (self.beat.written_at or self.beat.started_at) < health.BEAT:
            return
        self.write(force=True)


def run(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    once: bool,
    stop: threading.Event,
    clock: Callable[[], datetime] = system_now,
    transport: Callable[[], Transport] | None = None,
    report: Callable[[Round], None] | None = None,
    kind: str = "worker",
) -> Stats:
    """Rounds until stopped (or one round with `once`); the delivery totals.

    A round with a failed part is followed by a wait that doubles (1 s to a minute);
    the loop itself never ends on an error. With `once` the errors are in the report."""
    imap = settings.imap
    heart = Heart(sessions, kind=kind, clock=clock)
    mailbox_ready = not imap.host
    every = timedelta(seconds=imap.poll_seconds)
    total = Stats()
    try:
        while not stop.is_set():
            done = Round()
            if not mailbox_ready:

                def mailbox() -> None:
                    with transaction(sessions, write=True) as session:
                        env_mailbox(session, imap, secret=settings.secret)

                _guarded(done, "mailbox", mailbox)
                mailbox_ready = not done.errors
            if not done.errors:
                done = one_round(
                    sessions,
                    settings,
                    clock=clock,
                    stop=stop,
                    transport=transport,
                    poll_every=every,
                    beat=heart.between_batches,
                )
            total.add(done.delivery)
            error = "; ".join(done.errors) or None
            heart.beat.round_ended(done.delivery, at=clock(), worked=done.busy, error=error)
            heart.write(force=done.busy or error is not None, count=True)
            if report is not None:
                report(done)
            if once:
                break
            if done.errors:
                wait = AFTER_FAILURE.backoff(heart.beat.failures).total_seconds()
                log.warning("fairnotice worker: next round in %.0f s", wait)
                stop.wait(wait)
            elif not done.busy:
                stop.wait(settings.delivery.poll_seconds)
    finally:
        heart.write(stopped=True)
    return total


def log_round(done: Round) -> None:
    stats = {k: v for k, v in done.delivery.as_dict().items() if v}
    if stats or done.reminded or done.replies or done.calendars or done.told:
        parts = [f"{k}={v}" for k, v in stats.items()]
        if done.told:
            parts.append(f"told={done.told}")
        if done.calendars:
            parts.append(f"calendars={done.calendars}")
        if done.reminded:
            parts.append(f"reminders={done.reminded}")
        if done.replies:
            parts.append(f"replies={done.replies}")
        sys.stderr.write("fairnotice worker: " + " ".join(parts) + "\n")
        sys.stderr.flush()


def background(
    settings: Settings,
    *,
    stop: threading.Event,
    transport: Callable[[], Transport] | None = None,
) -> threading.Thread:
    """The worker inside `fairnotice serve` (SQLite: the one worker), as a daemon thread
    that supervises its loop: whatever escapes it is logged, and the loop (with a new
    engine) starts again after a doubling wait, until `stop`."""
    from fairnotice.store.session import make_engine, session_factory

    def supervise() -> None:
        restarts = 0
        while not stop.is_set():
            try:
                engine = make_engine(settings.database)
                try:
                    run(
                        session_factory(engine, secret=settings.secret),
                        settings,
                        once=False,
                        stop=stop,
                        report=log_round,
                        transport=transport,
                        kind="serve",
                    )
                finally:
                    engine.dispose()
            except Exception as exc:
                restarts += 1
                wait = AFTER_FAILURE.backoff(restarts).total_seconds()
                log.error(
                    "fairnotice worker: stopped by %s; restarting in %.0f s",
                    health.error_line(exc),
                    wait,
                    exc_info=True,
                )
                stop.wait(wait)

    thread = threading.Thread(target=supervise, name="fairnotice-worker", daemon=True)
    thread.start()
    return thread


def describe(status: health.Status, *, now: datetime) -> str:
    """`fairnotice worker --status` as text: running or not, backlog, each worker's last
    round and last error."""

    def ago(moment: datetime) -> str:
        seconds = int((now - moment).total_seconds())
        if seconds < 120:
            return f"{seconds} s ago"
        if seconds < 7200:
            return f"{seconds // 60} min ago"
        return f"{seconds // 3600} h ago"

    latest = status.latest
    if status.running:
        head = "delivery worker: running"
    elif latest is None:
        head = "delivery worker: not running (never seen)"
    else:
        head = f"delivery worker: not running (last heartbeat {ago(latest.heartbeat)})"
    lines = [head, f"backlog: {status.backlog} message(s) due"]
    for seen in status.workers:
        state = "running" if seen.running else ("stopped" if seen.stopped_at else "silent")
        lines.append(f"{seen.name} ({seen.kind}, {state}, heartbeat {ago(seen.heartbeat)})")
        if seen.round_at is not None:
            lines.append(
                f"  last round {seen.round_at.isoformat(timespec='seconds')}: "
                f"sent={seen.sent} voided={seen.voided} failed={seen.failed} "
                f"backlog={seen.backlog if seen.backlog is not None else '?'}"
            )
        if seen.last_error is not None and seen.last_error_at is not None:
            again = f", {seen.failures} round(s) in a row" if seen.failures else ""
            lines.append(
                f"  last error {seen.last_error_at.isoformat(timespec='seconds')}"
                f"{again}: {seen.last_error}"
            )
    return "\n".join(lines) + "\n"
