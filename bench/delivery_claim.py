"""The delivery claim with a long queue: `N` messages enqueued in one bulk send to a fresh
PostgreSQL database, then the claim statement (batch 100) timed, with its plan.

    .venv/bin/python bench/delivery_claim.py --count 30000 [--plan]

The claim must not grow with the queue: it should read about one batch of rows, however
many are due. Prints the median of 20 runs of the statement (each rolled back, so every
run claims the same first rows)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import delivery_throughput as bench

from fairnotice.operations.outbox.loop import Statements
from fairnotice.store.session import make_engine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--plan", action="store_true", help="print EXPLAIN ANALYZE too")
    args = parser.parse_args()
    made = bench.pg_database()
    if made is None:
        return 1
    url, name = made
    try:
        bench.enqueue(url, args.count)
        engine = make_engine(url)
        claim = Statements(engine.dialect).due(100)
        connection = engine.raw_connection()
        cursor = connection.cursor()
        params = claim.params({"v_now": datetime.now(UTC)})
        if args.plan:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + claim.sql, params)
            print("\n".join(line for (line,) in cursor.fetchall()))
            connection.rollback()
        times = []
        for _ in range(20):
            start = time.perf_counter()
            cursor.execute(claim.sql, params)
            rows = cursor.fetchall()
            connection.rollback()
            times.append(time.perf_counter() - start)
        assert len(rows) == 100, len(rows)
        print(
            f"{args.count} due: the claim statement takes {statistics.median(times) * 1e3:.1f} ms"
        )
        connection.close()
        engine.dispose()
    finally:
        bench.drop(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
