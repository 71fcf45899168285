"""Several delivery threads in one worker process.

Each message's outcome is a durable commit before the next message's content goes out
(operations/outbox/loop.py). On PostgreSQL a commit waits for its WAL flush (about 10 ms here), so
one thread delivers at most about 100 messages a second whatever the relay could take.
Commits from several connections at once share their flushes, so a few threads multiply
the rate without weakening any guarantee: each thread is a `Deliverer` of its own (its
own name, claims and leases; `FOR UPDATE SKIP LOCKED` keeps them from ever taking each
other's rows), and they share the per-domain rate limit and the stop event. SQLite has
one writer at a time and commits without waiting for a disk flush (WAL, synchronous =
NORMAL); extra threads there only queue for its lock, so it keeps one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from fairnotice.operations.outbox.loop import Deliverer, Stats

POSTGRESQL_THREADS = 4
SQLITE_THREADS = 1


def threads_for(dialect: str, chosen: int | None) -> int:
    """How many delivery threads a worker runs: the one chosen, else the database's own."""
    if chosen is not None:
        return chosen
    return POSTGRESQL_THREADS if dialect == "postgresql" else SQLITE_THREADS


def drain_together(
    deliverers: Sequence[Deliverer], *, each: Callable[[Stats], None] | None = None
) -> Stats:
    """`Deliverer.drain` of every deliverer at once (the first in this thread, which
    alone calls `each`); their totals. An error of any thread is raised once all ended."""
    if not deliverers:
        return Stats()
    first, *others = deliverers
    results: list[Stats] = []
    errors: list[BaseException] = []

    def run(deliverer: Deliverer) -> None:
        try:
            results.append(deliverer.drain())
        except BaseException as exc:  # raised in the caller's thread below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(d,), name=f"fairnotice-delivery-{i}", daemon=True)
        for i, d in enumerate(others, 1)
    ]
    for thread in threads:
        thread.start()
    try:
        results.append(first.drain(each=each))
    except BaseException as exc:
        errors.append(exc)
    for thread in threads:
        thread.join()
    total = Stats()
    for stats in results:
        total.add(stats)
    if errors:
        raise errors[0]
    return total
