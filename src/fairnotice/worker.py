"""`fairnotice worker`: reads stored calendars, tells the candidates of positions being
filled (in batches), delivers what is due, fires due follow-ups, polls reply mailboxes.

Any number of workers may run against PostgreSQL; on SQLite one (or the one inside
`fairnotice serve`). SIGTERM and SIGINT stop a worker gracefully: the message in flight
is finished and recorded, the rest of its batch handed back at once. A `kill -9` loses
nothing either: the claimed rows come back when their lease runs out.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType

from sqlalchemy.orm import Session, sessionmaker

from fairnotice.mail.delivery import Stats
from fairnotice.mail.transport import Transport
from fairnotice.operations import fill_batches
from fairnotice.operations.busy import read_calendars
from fairnotice.operations.clock import system_now
from fairnotice.operations.delivery import DeliverySettings, deliverer, fire_followups
from fairnotice.operations.replies import POLL_EVERY, ImapSettings, env_mailbox, poll_mailboxes
from fairnotice.settings import Settings
from fairnotice.store.session import transaction


@dataclass
class Round:
    """What one pass of the loop did."""

    delivery: Stats = field(default_factory=Stats)
    reminded: int = 0
    replies: int = 0
    calendars: int = 0
    told: int = 0  # candidates of positions being filled, told this round
    fill_problems: list[str] = field(default_factory=list)


def one_round(
    sessions: sessionmaker[Session],
    settings: Settings,
    delivery: DeliverySettings,
    *,
    clock: Callable[[], datetime] = system_now,
    stop: threading.Event | None = None,
    transport: Callable[[], Transport] | None = None,
    poll_every: timedelta = POLL_EVERY,
) -> Round:
    """Calendars waiting to be read, positions being filled, follow-ups, replies, then
    every batch due now."""
    done = Round()
    done.calendars = read_calendars(sessions, clock=clock, stop=stop)
    filled = fill_batches.run(sessions, clock=clock, stop=stop)
    done.told, done.fill_problems = filled.told, filled.problems
    with transaction(sessions, write=True) as session:
        done.reminded = fire_followups(session, now=clock())["reminded"]
    done.replies = poll_mailboxes(sessions, clock=clock, stop=stop, every=poll_every)
    worker = deliverer(sessions, settings, delivery, clock=clock, stop=stop, transport=transport)
    done.delivery = worker.drain()
    return done


def install_signals(stop: threading.Event) -> None:
    """SIGTERM/SIGINT ask for a graceful stop (main thread only)."""

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)


def run(
    sessions: sessionmaker[Session],
    settings: Settings,
    delivery: DeliverySettings,
    *,
    once: bool,
    stop: threading.Event,
    clock: Callable[[], datetime] = system_now,
    transport: Callable[[], Transport] | None = None,
    report: Callable[[Round], None] | None = None,
    imap: ImapSettings | None = None,
) -> Stats:
    """Rounds until stopped (or one round with `once`); the delivery totals."""
    imap = imap or ImapSettings()
    with transaction(sessions, write=True) as session:
        env_mailbox(session, imap)
    every = timedelta(seconds=imap.poll_seconds)
    total = Stats()
    while not stop.is_set():
        done = one_round(
            sessions,
            settings,
            delivery,
            clock=clock,
            stop=stop,
            transport=transport,
            poll_every=every,
        )
        total.add(done.delivery)
        if report is not None:
            report(done)
        if once:
            break
        if done.delivery.claimed == 0 and done.calendars == 0 and done.told == 0:
            stop.wait(delivery.poll_seconds)
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


def background(settings: Settings, *, stop: threading.Event) -> threading.Thread:
    """The worker inside `fairnotice serve` (SQLite: the one worker), as a daemon thread."""
    from fairnotice.store.session import make_engine, session_factory

    engine = make_engine(settings.database)
    delivery = DeliverySettings()

    def work() -> None:
        try:
            run(
                session_factory(engine), settings, delivery, once=False, stop=stop, report=log_round
            )
        finally:
            engine.dispose()

    thread = threading.Thread(target=work, name="fairnotice-worker", daemon=True)
    thread.start()
    return thread
