"""Web load on loopback: the pick page, POST /api/v1/slots and POST /api/v1/plan against a
trivial JSON endpoint of the same app (GET /api/v1/health) under the same uvicorn server.

    .venv/bin/python bench/web_load.py [--seconds 4] [--clients 4 32] [--only slots plan]

One uvicorn worker in its own process (SQLite in a temporary folder, data made first
through the operations layer); the load comes from this process: a minimal HTTP/1.1
keep-alive client on asyncio streams (one connection per client), so the client costs
little next to the server. Every run is bounded by time and by count, and only
127.0.0.1 is contacted. The baseline runs right before each endpoint (the machine's other
load changes from minute to minute); pick links of the "every link once" runs are each
opened once in the whole benchmark. Prints req/s, p50, p99 and the server's CPU time per
request for each endpoint and client count, and the goals of issue 16: every request
through FastAPI's own routing, one worker serves the pick page, slots and plan at
>= 1,000 req/s each, with p99 < 50 ms at 32 clients (the baseline's figures beside them).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_REQUESTS = 200_000  # per endpoint and client count, on top of the time bound
GOAL_RPS = 1_000  # per worker, for each of the pick page, slots and plan (issue 16)
GOAL_P99_MS = 50.0  # at the largest client count (32 by default)
SPREAD = 50_000  # open offers for the "every link once" runs (each link is opened once)
_SOURCES: dict[str, Iterator[bytes]] = {}  # per target with paths, across runs


@dataclass(frozen=True)
class Target:
    name: str
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    paths: tuple[str, ...] = ()  # when given, the requests go to these in turn

    def source(self) -> Iterator[bytes]:
        """The requests to send: one again and again, or each of `paths` once in the whole
        benchmark (the clients stop when they run out)."""
        if not self.paths:
            return itertools.repeat(self.request(self.path))
        if self.name not in _SOURCES:
            _SOURCES[self.name] = iter([self.request(path) for path in self.paths])
        return _SOURCES[self.name]

    def request(self, path: str) -> bytes:
        lines = [f"{self.method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
        lines += [f"{k}: {v}" for k, v in self.headers]
        if self.method == "POST":
            lines += ["Content-Type: application/json", f"Content-Length: {len(self.body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(folder: Path) -> dict[str, str | int]:
    """A workspace with a token, a stored calendar and an open offer; returns their keys."""
    from sqlalchemy import func, insert, select

    from fairnotice.operations.accounts import commands as accounts
    from fairnotice.operations.busy import stored as busy
    from fairnotice.operations.common import records
    from fairnotice.operations.common.schemas import InterviewCreate
    from fairnotice.operations.offers import commands as offers
    from fairnotice.store.session import make_engine, session_factory, transaction, upgrade
    from fairnotice.store.tables import Offer, OfferSlot

    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC).replace(microsecond=0)
    start = (now + timedelta(days=3)).replace(hour=9, minute=0, second=0)
    with transaction(session_factory(engine), write=True) as session:
        user = accounts.sign_up(
            session, email="hr@example.com", name="Jonas Doe", password="a long passphrase"
        )
        org = accounts.create_organisation(session, user_id=user.id, name="Muster & Partner GmbH")
        token = accounts.issue_api_token(
            session, user_id=user.id, workspace_id=org.id, label="bench"
        )
        periods = []
        for day in range(28):  # a busy interviewer: meetings most mornings and afternoons
            base = (now + timedelta(days=day)).replace(hour=8, minute=0, second=0)
            periods.append((base, base + timedelta(hours=3)))
            periods.append((base + timedelta(hours=5), base + timedelta(hours=6, minutes=30)))
        calendar = busy.add_calendar(
            session, workspace_id=org.id, owner_email="j.doe@example.com", ics=None, busy=periods
        )
        interview = records.create_interview(
            session,
            workspace_id=org.id,
            data=InterviewCreate.model_validate(
                {
                    "position": "Paralegal",
                    "company": "Muster & Partner GmbH",
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                    "timezone": "Europe/Berlin",
                    "location": "Friedrichstraße 10, 10117 Berlin",
                    "contact": {
                        "name": "Lena Vogel",
                        "email": "lena@example.org",
                        "timezone": "Europe/Berlin",
                    },
                    "interviewers": [{"name": "Jonas Doe", "email": "j.doe@example.com"}],
                }
            ),
            confirm_clash=True,  # the interviewer's busy day is the point of the search
        )
        made = offers.offer_times(
            session,
            workspace_id=org.id,
            interview_id=interview.id,
            user=user,
            base_url="http://127.0.0.1",
            clock=lambda: now,
        )
        session.flush()
        calendar_id = calendar.id
        # More open offers, so that a run can open pick links never seen before: each with
        # its own token and its own three times (days and hours vary from offer to offer).
        first_id = int(session.scalar(select(func.max(Offer.id))) or 0) + 1
        spread = [secrets.token_urlsafe(32) for _ in range(SPREAD)]
        rows, slot_rows = [], []
        for i, link in enumerate(spread):
            offer_id = first_id + i
            rows.append(
                {
                    "id": offer_id,
                    "workspace_id": org.id,
                    "interview_id": interview.id,
                    "token_hash": accounts.digest(link),
                    "expires_at": now + timedelta(days=7),
                    "language": ("de", "sv", "en")[i % 3],
                    "timezone": ("Europe/Berlin", "Europe/Stockholm", "Europe/London")[i % 3],
                    "reply_to": "hr@example.com",
                }
            )
            day = now.replace(hour=7, minute=0, second=0) + timedelta(days=1 + i % 40)
            begin = day + timedelta(minutes=30 * ((i // 40) % 18))
            for k in range(3):
                moment = begin + timedelta(days=k, minutes=30 * k)
                slot_rows.append(
                    {"offer_id": offer_id, "start": moment, "end": moment + timedelta(hours=1)}
                )
        session.execute(insert(Offer), rows)
        session.execute(insert(OfferSlot), slot_rows)
    engine.dispose()
    return {
        "url": url,
        "token": token,
        "pick": made.pick_url.rsplit("/", 1)[1],
        "calendar": calendar_id,
        "spread": spread,
    }


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _client(
    port: int,
    payloads: Iterator[bytes],
    stop: float,
    budget: list[int],
    out: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop and budget[0] > 0:
            payload = next(payloads, None)
            if payload is None:
                break
            budget[0] -= 1
            began = time.perf_counter()
            writer.write(payload)
            status = await _read_response(reader)
            out.append(time.perf_counter() - began)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` (all its threads) so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Result:
    rps: float
    p50: float
    p99: float
    errors: int
    cpu_us: float  # the server's CPU time per request: what the machine's other load moves least


async def _load(port: int, pid: int, target: Target, clients: int, seconds: float) -> Result:
    payload = target.source()
    warm: list[float] = []
    await asyncio.gather(
        *(
            _client(port, payload, time.perf_counter() + 0.5, [500], warm, [])
            for _ in range(clients)
        )
    )
    latencies: list[float] = []
    errors: list[int] = []
    budget = [MAX_REQUESTS]
    cpu = cpu_seconds(pid)
    began = time.perf_counter()
    await asyncio.gather(
        *(
            _client(port, payload, began + seconds, budget, latencies, errors)
            for _ in range(clients)
        )
    )
    elapsed = time.perf_counter() - began
    cpu = cpu_seconds(pid) - cpu
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    count = len(latencies)
    return Result(count / elapsed, p50, p99, len(errors), cpu / count * 1e6)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[4, 32])
    parser.add_argument(
        "--only", nargs="+", default=[], help="run only the endpoints whose name has one of these"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-bench-"))
    keys = prepare(folder)
    port = free_port()
    env = {
        **os.environ,
        "FAIRNOTICE_DATABASE_URL": str(keys["url"]),
        "FAIRNOTICE_DATA_DIR": str(folder),
        "FAIRNOTICE_SECRET_KEY": "bench-secret-0123456789abcdef-0123",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "fairnotice.web.app:serve_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.1)
        auth = (("Authorization", f"Bearer {keys['token']}"),)
        situation = json.loads((ROOT / "examples" / "candidate-reschedule-de.json").read_text())
        now = datetime.now(UTC)
        slots = {
            "calendars": [keys["calendar"]],
            "duration": 60,
            "tz": "Europe/Berlin",
            "from": now.isoformat(),
            "until": (now + timedelta(days=14)).isoformat(),
            "count": 10,
        }
        targets = [
            Target("baseline GET /api/v1/health", "GET", "/api/v1/health"),
            Target("pick page GET /pick/{token}", "GET", f"/pick/{keys['pick']}"),
            Target(
                "pick page, every link once",
                "GET",
                "",
                paths=tuple(f"/pick/{link}" for link in keys["spread"]),
            ),
            Target("POST /api/v1/slots", "POST", "/api/v1/slots", json.dumps(slots).encode(), auth),
            Target(
                "POST /api/v1/plan", "POST", "/api/v1/plan", json.dumps(situation).encode(), auth
            ),
        ]
        results: dict[tuple[str, int], Result] = {}
        paired: dict[tuple[str, int], Result] = {}  # the baseline run just before each
        # The machine's load, since p99 and plans/s are absolute figures (ratios are not).
        print("load average at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        print(
            f"{'endpoint':32} {'clients':>7} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
            f" {'CPU us/req':>10} {'errors':>6}"
        )

        def run(target: Target, clients: int) -> Result:
            result = asyncio.run(_load(port, server.pid, target, clients, args.seconds))
            print(
                f"{target.name:32} {clients:>7} {result.rps:>8.0f} {result.p50:>7.1f}"
                f" {result.p99:>7.1f} {result.cpu_us:>10.0f} {result.errors:>6}"
            )
            if target.paths and next(target.source(), None) is None:
                print(f"  (all {len(target.paths)} links used: that run ended early)")
            return result

        for clients in args.clients:
            for target in targets[1:]:
                if args.only and not any(word in target.name for word in args.only):
                    continue
                # The baseline right before each endpoint: the machine's other load changes
                # within a minute, and each figure is read beside the baseline's.
                paired[(target.name, clients)] = run(targets[0], clients)
                results[(target.name, clients)] = run(target, clients)
        if args.only:
            return 0
        top = max(args.clients)
        print(f"\ngoals at {top} clients (one worker, issue 16):")
        ok = True
        for target in targets[1:]:
            got, base = results[(target.name, top)], paired[(target.name, top)]
            meets = got.rps >= GOAL_RPS and got.p99 < GOAL_P99_MS
            ok &= meets
            print(
                f"  {target.name}: {got.rps:.0f} req/s (goal >= {GOAL_RPS}),"
                f" p99 {got.p99:.1f} ms (goal < {GOAL_P99_MS} ms){'' if meets else '  MISSED'};"
                f" the baseline just before: {base.rps:.0f} req/s, p99 {base.p99:.1f} ms"
            )
        errors = sum(r.errors for r in [*results.values(), *paired.values()])
        print(f"  non-200 responses: {errors}")
        print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        return 0 if ok and errors == 0 else 1
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)  # its database holds 50,000 offers


if __name__ == "__main__":
    raise SystemExit(main())
