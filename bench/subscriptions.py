"""Benchmark: what refreshing calendar subscriptions that did not change costs (issue 15).

1,000 subscription links, each a real .ics (Google's export shape, 20 events) on a local
server that answers as providers do (tests/calendar/ics_server.py, in its own process, so
its CPU is not counted here). The links are stored as the web app stores them (sealed)
and read once (200, parsed); then the worker's refresh (`refresh.refresh_due`) asks all
1,000 again: each answers 304 to If-None-Match. Measured: the worker process's CPU time
for that round, per subscription (goal: under 1 ms), and its wall time.

The production path is measured: the guarded opener (every address resolved and checked
at connect time, no proxy); only the check's verdict for 127.0.0.1 is turned to "public"
here, so that the local server can be reached through it. The unsealing of each link,
the claims and the outcome writes (one statement per batch of 50) are included.

Baseline in the same run: the same 1,000 conditional GETs with bare `http.client` (a new
connection each, as urllib makes), nothing else.

    .venv/bin/python bench/subscriptions.py [--count 1000] [--database URL]
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from fairnotice.operations.accounts import commands as accounts  # noqa: E402
from fairnotice.operations.busy import caldav, refresh, sources  # noqa: E402
from fairnotice.store.sealing import seal  # noqa: E402
from fairnotice.store.session import make_engine, session_factory, transaction, upgrade  # noqa: E402
from fairnotice.store.tables import BusyCalendar  # noqa: E402

GOAL_MS = 1.0
SECRET = "bench secret key, long enough to seal"
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)

_SERVER = """
import sys, time
sys.path.insert(0, {root!r})
from datetime import timedelta
from tests.calendar.ics_server import serving
from tests.operations.test_subscriptions import NOW, google_style
events = [(f"e{{i}}", NOW + timedelta(days=i, hours=2), NOW + timedelta(days=i, hours=3))
          for i in range(20)]
body = google_style(*events)
with serving() as (base, calendars):
    for i in range({count}):
        calendars.publish(f"/calendar/ical/secret-{{i:06d}}/basic.ics", body)
    print(base, flush=True)
    sys.stdin.read()
    print(sum(1 for s in calendars.seen if s.status == 304), flush=True)
"""


def _server(count: int) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _SERVER.format(root=str(ROOT), count=count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    return child, child.stdout.readline().strip()


def _links(base: str, count: int) -> list[str]:
    return [f"{base}/calendar/ical/secret-{i:06d}/basic.ics" for i in range(count)]


def _store(url: str, links: list[str]) -> int:
    """The links stored as the web app stores them, not read yet (due now)."""
    sessions = session_factory(make_engine(url))
    with transaction(sessions, write=True) as session:
        user = accounts.sign_up(
            session, email="bench@example.org", name="Bench", password="a long password here"
        )
        ws = accounts.personal_workspace(session, user.id).id
        session.add_all(
            BusyCalendar(
                workspace_id=ws,
                owner_email=f"person{i}@example.org",
                busy=[],
                timezone="Europe/Berlin",
                state="pending",
                remote_kind="subscription",
                remote_sealed=seal(link, SECRET),
                remote_hint="127.0.0.1…",
                refresh_due=NOW,
            )
            for i, link in enumerate(links)
        )
    return ws


def _baseline(links: list[str], etags: list[str]) -> float:
    """CPU seconds of bare conditional GETs, one connection each."""
    began = time.process_time()
    for link, etag in zip(links, etags, strict=True):
        host, _, path = link.removeprefix("http://").partition("/")
        name, _, port = host.partition(":")
        connection = http.client.HTTPConnection(name, int(port), timeout=10)
        connection.request("GET", "/" + path, headers={"If-None-Match": etag})
        response = connection.getresponse()
        response.read()
        assert response.status == 304, response.status
        connection.close()
    return time.process_time() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: SQLite)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-subs-"))
    url = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    child, base = _server(args.count)
    links = _links(base, args.count)
    ws = _store(url, links)
    # the guard stays in the path; only 127.0.0.1's verdict is "public" for this run
    caldav._public_address = lambda address: True  # type: ignore[assignment]
    sessions = session_factory(make_engine(url))

    began = time.monotonic()
    first = refresh.refresh_due(
        sessions, clock=lambda: NOW, secret=SECRET, allow_private=False, limit=args.count
    )
    first_wall = time.monotonic() - began
    assert first.changed == args.count, first

    later = NOW + sources.REFRESH_EVERY + timedelta(minutes=1)
    cpu, wall = time.process_time(), time.monotonic()
    again = refresh.refresh_due(
        sessions, clock=lambda: later, secret=SECRET, allow_private=False, limit=args.count
    )
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert again.unchanged == args.count and again.total == args.count, again
    with sessions() as session:
        etags = [
            str(e)
            for e in session.scalars(
                select(BusyCalendar.remote_etag)
                .where(BusyCalendar.workspace_id == ws)
                .order_by(BusyCalendar.id)
            )
        ]
        fresh = session.scalar(
            select(func.count()).where(
                BusyCalendar.workspace_id == ws, BusyCalendar.refreshed_at == later
            )
        )
    assert fresh == args.count
    baseline = _baseline(links, etags)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.close()
    answered_304 = int(child.stdout.readline().strip() or 0)
    child.wait(timeout=10)

    per = cpu / args.count * 1000
    base_per = baseline / args.count * 1000
    print(f"database: {url.split(':', 1)[0]}; {args.count} subscriptions, 20 events each")
    print(f"first reading (200, parsed): {first_wall:.2f} s wall")
    print(
        f"refresh, unchanged (304): {cpu * 1000:.0f} ms CPU = {per:.3f} ms each "
        f"(goal < {GOAL_MS} ms: {'met' if per < GOAL_MS else 'MISSED'}); {wall:.2f} s wall"
    )
    print(f"baseline, bare http.client conditional GET: {base_per:.3f} ms CPU each")
    print(
        f"overhead over the baseline: {per - base_per:.3f} ms each; server saw {answered_304} 304s"
    )


if __name__ == "__main__":
    main()
