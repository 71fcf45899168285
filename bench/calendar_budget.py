"""Benchmark: what the costliest calendar of at most 1 MiB costs to read, and whether a
SQLite write waits while a worker reads it (issue 14).

For each hostile shape in tests/calendar/hostile.py (parsing-heavy, dense series, filtered
sub-daily rules, impossible days, COUNT from 1900, one UID with overrides, RDATE lists,
tiny lines, busy periods): the file of 1 MiB, and the largest one the budget accepts
(found by bisection on the number of parts), each read in a fresh process as the worker
reads it (one file's budget), with its CPU time and the peak memory the reading added.
Goals: at most 2 s of CPU and 300 MB for every file, accepted or refused. The baseline in
the same run is icalendar's parse alone of the 1 MiB everyday file (plain events).

Then the worker reads the worst accepted calendar from a SQLite database while another
connection writes every 50 ms: the longest wait of a write (goal < 1 s).

    .venv/bin/python bench/calendar_budget.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.calendar import hostile  # noqa: E402

MIB = 1024 * 1024
CPU_GOAL, MEMORY_GOAL, WAIT_GOAL = 2.0, 300, 1.0

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from datetime import timedelta
from zoneinfo import ZoneInfo
from tests.calendar import hostile
from fairnotice.calendar import expand, parse
from fairnotice.calendar.budget import Budget
from fairnotice.errors import BadInput
import icalendar
data = hostile.fill(hostile.SHAPES[{shape!r}], {size}, parts={parts})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
began = time.process_time()
if {baseline}:
    icalendar.Calendar.from_ical(data.decode(), multiple=True)
    outcome = "parsed"
else:
    budget = Budget("calendar")
    try:
        found = parse.calendars(data, label="calendar", budget=budget)
        busy = expand.busy_intervals(
            found, start=hostile.NOW - timedelta(days=30), end=hostile.NOW + timedelta(days=365),
            floating=ZoneInfo("Europe/Berlin"), label="calendar", budget=budget)
        outcome = f"accepted ({{len(busy)}} busy periods)"
    except BadInput:
        outcome = "refused"
cpu = time.process_time() - began
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({{"cpu": cpu, "mb": grown, "outcome": outcome, "bytes": len(data)}}))
"""


def measure(shape: str, size: int = MIB, parts: int | None = None, baseline: bool = False) -> dict:
    code = _CHILD.format(root=str(ROOT), shape=shape, size=size, parts=parts, baseline=baseline)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def largest_accepted(shape: str) -> tuple[int, dict] | None:
    """The most parts of `shape` (within 1 MiB) the budget accepts, by bisection."""
    low, high = 0, len(hostile.fill(hostile.SHAPES[shape], MIB).split(b"BEGIN:V")) - 1
    best: tuple[int, dict] | None = None
    for _ in range(14):
        if high - low <= max(1, high // 50):
            break
        middle = (low + high + 1) // 2
        found = measure(shape, parts=middle)
        if found["outcome"].startswith("accepted"):
            low, best = middle, (middle, found)
        else:
            high = middle - 1
    return best


def write_waits(data: bytes) -> tuple[float, int, str]:
    """The worker reads `data` from a SQLite database; the longest wait of a write made
    meanwhile every 50 ms, how many writes, and the calendar's state after."""
    from sqlalchemy import select, text

    from fairnotice.operations.accounts import commands as accounts
    from fairnotice.operations.busy import stored as busy
    from fairnotice.store.session import make_engine, session_factory, transaction, upgrade
    from fairnotice.store.tables import BusyCalendar

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        engine = make_engine(url)
        factory = session_factory(engine)
        with transaction(factory, write=True) as session:
            user = accounts.sign_up(
                session, email="b@example.org", name="B", password="calendar budget bench 2026"
            )
            ws = accounts.personal_workspace(session, user.id).id
            row = busy.add_calendar(session, workspace_id=ws, owner_email="j@example.org", ics=data)
            calendar = row.id
        reader = threading.Thread(
            target=busy.read_calendars, args=(factory,), kwargs={"clock": lambda: hostile.NOW}
        )
        reader.start()
        waits = []
        while reader.is_alive():
            began = time.perf_counter()
            with transaction(factory, write=True) as session:
                session.execute(text("UPDATE users SET name = name WHERE id < 0"))
            waits.append(time.perf_counter() - began)
            time.sleep(0.05)
        reader.join()
        with factory() as session:
            state = session.scalar(select(BusyCalendar.state).where(BusyCalendar.id == calendar))
        engine.dispose()
    return max(waits, default=0.0), len(waits), str(state)


def main() -> int:
    base = measure("plain events", baseline=True)
    print(f"baseline: icalendar parses the 1 MiB everyday file in {base['cpu']:.2f} s CPU\n")
    print(f"{'shape':20} {'file':>9} {'CPU s':>6} {'x base':>6} {'MB':>5}  outcome")
    worst: tuple[float, str, bytes] = (0.0, "", b"")
    missed = False
    for shape in hostile.SHAPES:
        rows = [("1 MiB", measure(shape))]
        if not rows[0][1]["outcome"].startswith("accepted"):
            found = largest_accepted(shape)
            if found is not None:
                rows.append((f"{found[0]} parts", found[1]))
        for what, row in rows:
            ratio = row["cpu"] / base["cpu"]
            print(
                f"{shape:20} {row['bytes']:9} {row['cpu']:6.2f} {ratio:6.2f} {row['mb']:5.0f}"
                f"  {row['outcome']} ({what})"
            )
            missed |= row["cpu"] > CPU_GOAL or row["mb"] > MEMORY_GOAL
            if row["outcome"].startswith("accepted") and row["cpu"] > worst[0]:
                parts = None if what == "1 MiB" else int(what.split()[0])
                worst = (row["cpu"], shape, hostile.fill(hostile.SHAPES[shape], MIB, parts=parts))
    print(f"\nworst accepted: {worst[1]} ({len(worst[2])} bytes, {worst[0]:.2f} s CPU)")
    longest, writes, state = write_waits(worst[2])
    print(
        f"SQLite writes while the worker read it: {writes}, longest wait {longest * 1000:.0f} ms"
        f" (calendar {state})"
    )
    missed |= longest > WAIT_GOAL
    print(
        f"goals: CPU <= {CPU_GOAL} s, memory <= {MEMORY_GOAL} MB, write wait < {WAIT_GOAL} s:"
        f" {'missed' if missed else 'met'}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
