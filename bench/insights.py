"""Fair notice, measured, at scale (issue 17): the insights page of an organisation with
10,000 candidates and 50,000 audit events.

For each database (SQLite, PostgreSQL) a world is written in bulk: one organisation, 20
positions, a candidate with one interview each, and their audit trail over the last 90
days (the page's default period): every interview scheduled; offers, picks, bookings,
edits of time, cancellations with an employer's reason, withdrawals, outcomes, corrections
of the record; one position filled with 2,000 candidates told (their letters sent at known
delays). The events are written in time order, as an audit trail is. Then a uvicorn
process serves it (`fairnotice.web.app:serve_app`, as `fairnotice serve`) and this process
measures through HTTP, one request at a time, the insights page (all positions and one),
its CSV and `GET /api/v1/insights`, beside the health endpoint of the same run (the
baseline): p50 and p99 and their ratio to the health endpoint's, and the server process's
CPU time per request (user + system, from /proc/PID/stat), which a loaded machine
stretches less than wall time.

    .venv/bin/python bench/insights.py                # both databases
    options: --candidates N, --events N, --samples N, --skip-pg, --skip-sqlite

Goal: the insights page's p99 < 200 ms. Exit 1 when it is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from delivery_throughput import drop, pg_database  # noqa: E402
from scale import PASSWORD, server, signed_in  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from fairnotice.operations.accounts import commands as accounts  # noqa: E402
from fairnotice.store.session import make_engine, session_factory, transaction, upgrade  # noqa: E402
from fairnotice.store.tables import (  # noqa: E402
    Candidate,
    Interview,
    InterviewEvent,
    OutboxMessage,
    PlanRecord,
    Position,
)

POSITIONS = 20
CHUNK = 5000
TOLD = 2000  # candidates of the filled position told
REASONS = ("interviewer_unavailable", "illness", "emergency", "schedule_conflict", "other")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class World:
    url: str
    workspace: int
    position: int
    token: str
    events: int


def build(url: str, candidates: int, events: int, now: datetime) -> World:
    """The organisation, its candidates, interviews and `events` audit events."""
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    rng = random.Random(17)
    try:
        with transaction(sessions, write=True) as session:
            user = accounts.sign_up(
                session, email="recruiter@muster.example", name="Lea Roth", password=PASSWORD
            )
            ws = accounts.create_organisation(session, user_id=user.id, name="Muster GmbH").id
            token = accounts.issue_api_token(
                session, user_id=user.id, workspace_id=ws, label="bench"
            )
            positions = []
            for n in range(POSITIONS):
                row = Position(workspace_id=ws, title=f"Position {n}", company="Muster GmbH")
                session.add(row)
                session.flush()
                positions.append(row.id)
            _rows(
                session, Candidate, (_candidate(ws, positions, i, now) for i in range(candidates))
            )
            first = session.scalar(
                select(Candidate.id).where(Candidate.workspace_id == ws).order_by(Candidate.id)
            )
            assert first is not None
            plan = PlanRecord(
                workspace_id=ws, situation={}, plan={}, created_at=now - timedelta(days=20)
            )
            session.add(plan)
            session.flush()
            filled = session.get(Position, positions[1])
            assert filled is not None
            filled.status, filled.fill_plan_id = "filled", plan.id
            interviews = [_interview(ws, positions, first, i, now, rng) for i in range(candidates)]
            _rows(session, Interview, (row for row, _ in interviews))
            ids = list(
                session.scalars(
                    select(Interview.id).where(Interview.workspace_id == ws).order_by(Interview.id)
                )
            )
            # in time order, as an audit trail is written (ids follow time: what the
            # (workspace_id, at) index finds lies together, not all over the table)
            trail = sorted(_events(ws, ids, interviews, events, now, rng), key=lambda e: e["at"])
            written = _rows(session, InterviewEvent, trail)
            _rows(session, OutboxMessage, _told(ws, positions[1], plan.id, first, candidates, now))
        if engine.dialect.name == "postgresql":  # what autovacuum does after bulk writes
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        return World(url, ws, positions[0], token, written)
    finally:
        engine.dispose()


def _rows(session: Any, table: Any, rows: Any) -> int:
    chunk: list[dict[str, Any]] = []
    n = 0
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            session.execute(insert(table), chunk)
            n, chunk = n + len(chunk), []
    if chunk:
        session.execute(insert(table), chunk)
        n += len(chunk)
    return n


def _candidate(ws: int, positions: list[int], i: int, now: datetime) -> dict[str, Any]:
    informed = i % POSITIONS == 1 and i // POSITIONS < TOLD
    return {
        "workspace_id": ws,
        "position_id": positions[i % POSITIONS],
        "name": f"Kandidat{i} Nachname{i}",
        "email": f"cand{i}@domain{i % 20}.example",
        "status": "informed" if informed else "active",
        "created_at": now - timedelta(days=100),
    }


def _interview(
    ws: int, positions: list[int], first: int, i: int, now: datetime, rng: random.Random
) -> tuple[dict[str, Any], datetime]:
    """An interview starting in the last 80 days or the next 10; (row, scheduled at)."""
    start = now - timedelta(days=80) + timedelta(minutes=rng.randrange(90 * 24 * 60))
    scheduled = start - timedelta(days=rng.uniform(5, 20))
    row = {
        "workspace_id": ws,
        "position_id": positions[i % POSITIONS],
        "candidate_id": first + i,
        "position": "Paralegal",
        "company": "Muster GmbH",
        "start": start,
        "end": start + timedelta(hours=1),
        "previous_start": start - timedelta(days=2),
        "previous_end": start - timedelta(days=2, hours=-1),
        "timezone": "Europe/Berlin",
        "uid": f"bench-{i}@fairnotice",
        "status": "scheduled",
        "contact": {"name": f"Kandidat{i}", "email": f"cand{i}@domain{i % 20}.example"},
        "interviewers": [],
        "reschedules": rng.choice((0, 0, 0, 1, 1, 2, 3)),
        "created_at": scheduled,
    }
    return row, scheduled


def _events(
    ws: int,
    ids: list[int],
    interviews: list[tuple[dict[str, Any], datetime]],
    total: int,
    now: datetime,
    rng: random.Random,
) -> Any:
    """A schedule event for each interview, then a mix of the lifecycle's other events
    (a third of them corrections of the record, which no figure reads) up to `total`."""
    mix = [
        ("offer", "user:1"),
        ("pick", "candidate"),
        ("book", "user:1"),
        ("edit_time", "user:1"),
        ("cancel", "user:1"),
        ("withdraw", "user:1"),
        ("took_place", "user:1"),
        ("no_show", "user:1"),
        ("fill", "worker"),
        ("edit_details", "user:1"),
        ("edit_details", "user:1"),
        ("edit_details", "user:1"),
        ("decline", "candidate"),
        ("withdraw_offer", "user:1"),
    ]
    for interview_id, (_, scheduled) in zip(ids, interviews, strict=True):
        yield _event(ws, interview_id, max(scheduled, now - timedelta(days=89)), "schedule", "cli")
    for n in range(total - len(ids)):
        k = rng.randrange(len(ids))
        row, scheduled = interviews[k]
        event, actor = mix[n % len(mix)]
        at = min(now, scheduled + (row["start"] - scheduled) * rng.random())
        detail = None
        if event in ("cancel", "offer"):
            detail = {"reason": {"category": rng.choice(REASONS)}}
        yield _event(ws, ids[k], at, event, actor, detail)


def _event(
    ws: int,
    interview_id: int,
    at: datetime,
    event: str,
    actor: str,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "workspace_id": ws,
        "interview_id": interview_id,
        "at": at,
        "actor": actor,
        "event": event,
        "from_state": "scheduled",
        "to_state": "scheduled",
        "why": None,
        "detail": detail,
    }


def _told(ws: int, position: int, plan: int, first: int, candidates: int, now: datetime) -> Any:
    """The filled position's letters, sent from 5 minutes to 3 days after the fill."""
    filled = now - timedelta(days=20)
    for i in range(1, candidates, POSITIONS):
        if i // POSITIONS >= TOLD:
            break
        yield {
            "workspace_id": ws,
            "kind": "email",
            "recipient": f"cand{i}@domain{i % 20}.example",
            "subject": "Die Stelle ist besetzt",
            "body": "Guten Tag, die Stelle ist besetzt.",
            "plan_id": plan,
            "due": filled,
            "state": "sent",
            "sent_at": filled + timedelta(minutes=5 + (i * 37) % (3 * 24 * 60)),
            "message_id": f"<bench-told-{i}@fairnotice>",
            "created_at": filled,
        }


# --- measuring ----------------------------------------------------------------------------


@dataclass
class Figure:
    p50: float  # ms
    p99: float
    cpu: float  # ms of the server's CPU time per request
    size: int
    status: int


def _cpu(pid: int) -> float:
    """The process's user + system CPU time so far, in ms (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return 1000 * (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def measure(pid: int, samples: int, call: Callable[[], httpx.Response]) -> Figure:
    for _ in range(3):
        call()  # warm: templates, statements, the chart cache's misses
    times: list[float] = []
    size = status = 0
    cpu_before = _cpu(pid)
    for _ in range(samples):
        began = time.perf_counter()
        response = call()
        times.append(1000 * (time.perf_counter() - began))
        size, status = max(size, len(response.content)), response.status_code
    cpu = (_cpu(pid) - cpu_before) / samples
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return Figure(statistics.median(times), p99, cpu, size, status)


def run(world: World, folder: Path, samples: int) -> dict[str, Figure]:
    ws = world.workspace
    found: dict[str, Figure] = {}
    with server(world.url, folder) as (port, pid):
        page = signed_in(port)
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {world.token}"},
            timeout=120,
        )
        calls: dict[str, Callable[[], httpx.Response]] = {
            "baseline GET /api/v1/health": lambda: api.get("/api/v1/health"),
            "insights page (90 days, all)": lambda: page.get(f"/w/{ws}/insights"),
            "insights page (one position)": lambda: page.get(
                f"/w/{ws}/insights", params={"position": str(world.position)}
            ),
            "insights CSV": lambda: page.get(f"/w/{ws}/insights.csv"),
            "GET /api/v1/insights": lambda: api.get("/api/v1/insights"),
        }
        for name, call in calls.items():
            found[name] = measure(pid, samples, call)
            if found[name].status != 200:
                raise SystemExit(f"{name} answered {found[name].status}")
    return found


def report(label: str, world: World, figures: dict[str, Figure]) -> list[str]:
    base = figures["baseline GET /api/v1/health"]
    print(f"\n## {label}: {world.events:,} audit events; p50 / p99 ms (× health), CPU ms/request")
    for name, f in figures.items():
        print(
            f"- {name}: {f.p50:.1f} / {f.p99:.1f} ms (×{f.p50 / base.p50:.1f} / "
            f"×{f.p99 / base.p99:.1f}), CPU {f.cpu:.1f} ms, {f.size / 1024:.0f} kB",
            flush=True,
        )
    top = figures["insights page (90 days, all)"]
    return [f"{label} insights page p99 {top.p99:.0f} ms"] if top.p99 >= 200 else []


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    missed: list[str] = []
    for database, skip in (("SQLite", args.skip_sqlite), ("PostgreSQL", args.skip_pg)):
        if skip:
            continue
        with tempfile.TemporaryDirectory(prefix="fairnotice-insights-") as name:
            folder = Path(name)
            made = None
            if database == "SQLite":
                url = f"sqlite:///{folder / 'insights.sqlite3'}"
            else:
                made = pg_database()
                if made is None:
                    continue
                url = made[0]
            try:
                began = time.perf_counter()
                world = build(url, args.candidates, args.events, now)
                print(f"{database}: built in {time.perf_counter() - began:.1f} s", flush=True)
                missed += report(database, world, run(world, folder, args.samples))
            finally:
                if made is not None:
                    drop(made[1])
    print("\ngoals missed:", "; ".join(missed) if missed else "none")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
