"""Where a delivered message's time goes: claim, render, SMTP, outcome write (in-process).

    .venv/bin/python bench/delivery_phases.py [--count 2000] [--pg]

Same workload as delivery_throughput.py (position filled, iMIP CANCEL each), SQLite (or
PostgreSQL with --pg), one Deliverer in this process, aiosmtpd Sink in its own; each phase
timed by wrapping the function that does it (no profiler: it inflates small Python calls
several times). The outcome write runs while the relay answers MAIL, so "write" is also
inside "smtp". On PostgreSQL the statements and commits the driver was asked to run are
counted too (each one a round trip to the server, but for the rows of an executemany).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import delivery_throughput as bench  # noqa: E402

from fairnotice.mail.transport import SmtpConfig, SmtpTransport  # noqa: E402
from fairnotice.operations.outbox import loop as delivery  # noqa: E402
from fairnotice.operations.plans.planning import system_now  # noqa: E402
from fairnotice.store.session import make_engine, session_factory  # noqa: E402

SPENT: Counter[str] = Counter()


def timed(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - start

    return wrapper


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    count = args.count
    calls: Counter[str] = Counter()
    if args.pg:
        import psycopg

        def counted(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                calls[name] += 1
                return call(*args, **kwargs)

            return wrapper

        psycopg.Cursor.execute = counted("execute", psycopg.Cursor.execute)  # type: ignore[method-assign]
        psycopg.Cursor.executemany = counted("executemany", psycopg.Cursor.executemany)  # type: ignore[method-assign]
        psycopg.Connection.commit = counted("commit", psycopg.Connection.commit)  # type: ignore[method-assign]
    delivery.render = timed("render", delivery.render)  # type: ignore[assignment]
    delivery.Deliverer._flush = timed("write", delivery.Deliverer._flush)  # type: ignore[method-assign]
    delivery.Deliverer.claim = timed("claim", delivery.Deliverer.claim)  # type: ignore[method-assign]
    SmtpTransport.send = timed("smtp", SmtpTransport.send)  # type: ignore[method-assign]
    server, port = bench.sink()
    try:
        baseline = bench.baseline(port, count)
        made = bench.pg_database() if args.pg else None
        with tempfile.TemporaryDirectory() as folder:
            url = made[0] if made else f"sqlite:///{folder}/bench.sqlite3"
            enqueue = bench.enqueue(url, count)
            calls.clear()
            engine = make_engine(url)
            worker = delivery.Deliverer(
                session_factory(engine),
                lambda: SmtpTransport(SmtpConfig("127.0.0.1", port, tls="none")),
                sender="noreply@fairnotice.test",
                policy=delivery.Policy(batch=100),
                clock=system_now,
            )
            start = time.perf_counter()
            stats = worker.drain()
            deliver = time.perf_counter() - start
            engine.dispose()
        if made:
            bench.drop(made[1])
    finally:
        server.terminate()
        server.wait()
    assert stats.sent == count, stats
    print(f"baseline (raw smtplib, pre-built): {baseline:.0f} msg/s ({1000 / baseline:.2f} ms)")
    print(f"enqueue: {1000 * enqueue / count:.2f} ms/msg")
    print(f"deliver: {count / deliver:.0f} msg/s ({1000 * deliver / count:.2f} ms/msg)")
    for name in ("claim", "render", "smtp", "write"):
        note = " (inside smtp: while the relay answers MAIL)" if name == "write" else ""
        print(f"  {name}: {1000 * SPENT[name] / count:.2f} ms/msg{note}")
    if calls:
        each = ", ".join(f"{name} {n / count:.2f}" for name, n in sorted(calls.items()))
        print(f"  driver calls per message: {each}")
    end_to_end = count / (enqueue + deliver)
    print(
        f"in-process end to end: {end_to_end:.0f} msg/s = {end_to_end / baseline:.0%} of baseline"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
