"""Web load on loopback: the pick page, POST /api/v1/slots and POST /api/v1/plan against a
trivial JSON endpoint of the same app (GET /api/v1/health) under the same uvicorn server.

    .venv/bin/python bench/web_load.py [--seconds 4] [--clients 4 32]

One uvicorn worker in its own process (SQLite in a temporary folder, data made first
through the operations layer); the load comes from this process: a minimal HTTP/1.1
keep-alive client on asyncio streams (one connection per client), so the client costs
little next to the server. Every run is bounded by time and by count, and only
127.0.0.1 is contacted. Prints req/s, p50 and p99 per endpoint and client count, and the
goals of issue 4 (pick page and slots >= 50 % of the baseline, plan >= 500/s, p99 < 50 ms
at 32 clients).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_REQUESTS = 200_000  # per endpoint and client count, on top of the time bound
SPREAD = 16_000  # open offers for the "every link once" run
_TURN = itertools.count()  # one sequence across runs: a link is visited once at most


@dataclass(frozen=True)
class Target:
    name: str
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    paths: tuple[str, ...] = ()  # when given, the requests go to these in turn

    def requests(self) -> list[bytes]:
        return [self.request(path) for path in (self.paths or (self.path,))]

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
    from fairnotice.operations import accounts, offers, records
    from fairnotice.operations.schemas import InterviewCreate
    from fairnotice.store.session import make_engine, session_factory, transaction, upgrade
    from fairnotice.store.tables import BusyCalendar, Offer, OfferSlot

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
        busy = []
        for day in range(28):  # a busy interviewer: meetings most mornings and afternoons
            base = (now + timedelta(days=day)).replace(hour=8, minute=0, second=0)
            busy.append({"start": base.isoformat(), "end": (base + timedelta(hours=3)).isoformat()})
            busy.append(
                {
                    "start": (base + timedelta(hours=5)).isoformat(),
                    "end": (base + timedelta(hours=6, minutes=30)).isoformat(),
                }
            )
        calendar = BusyCalendar(workspace_id=org.id, owner_email="j.doe@example.com", busy=busy)
        session.add(calendar)
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
        spread = []  # more open offers, so that a run can visit pick pages never seen before
        for _ in range(SPREAD):
            link = secrets.token_urlsafe(32)
            extra = Offer(
                workspace_id=org.id,
                interview_id=interview.id,
                token_hash=accounts.digest(link),
                expires_at=now + timedelta(days=7),
                language="de",
                timezone="Europe/Berlin",
                reply_to="hr@example.com",
            )
            extra.slots = [OfferSlot(start=x.start, end=x.end) for x in made.offer.slots]
            session.add(extra)
            spread.append(link)
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
    payloads: list[bytes],
    stop: float,
    budget: list[int],
    out: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop and budget[0] > 0:
            budget[0] -= 1
            began = time.perf_counter()
            writer.write(payloads[next(_TURN) % len(payloads)])
            status = await _read_response(reader)
            out.append(time.perf_counter() - began)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def _load(
    port: int, target: Target, clients: int, seconds: float
) -> tuple[float, float, float, int]:
    payload = target.requests()
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
    began = time.perf_counter()
    await asyncio.gather(
        *(
            _client(port, payload, began + seconds, budget, latencies, errors)
            for _ in range(clients)
        )
    )
    elapsed = time.perf_counter() - began
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return len(latencies) / elapsed, p50, p99, len(errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[4, 32])
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
        results: dict[tuple[str, int], tuple[float, float, float, int]] = {}
        print(
            f"{'endpoint':32} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
        )
        for clients in args.clients:
            for target in targets:
                result = asyncio.run(_load(port, target, clients, args.seconds))
                results[(target.name, clients)] = result
                rps, p50, p99, errors = result
                print(
                    f"{target.name:32} {clients:>7} {rps:>8.0f} {p50:>8.1f} {p99:>8.1f} {errors:>6}"
                )
        top = max(args.clients)
        base = results[(targets[0].name, top)][0]
        print(f"\ngoals at {top} clients (one worker):")
        ok = True
        pick, spread, slots_t, plan_t = targets[1], targets[2], targets[3], targets[4]
        for target, goal in ((pick, 0.5), (spread, 0.5), (slots_t, 0.5)):
            ratio = results[(target.name, top)][0] / base
            ok &= ratio >= goal
            print(f"  {target.name}: {ratio:.0%} of the baseline's throughput (goal >= {goal:.0%})")
        plan_rps = results[(plan_t.name, top)][0]
        ok &= plan_rps >= 500
        print(f"  {plan_t.name}: {plan_rps:.0f} plans/s (goal >= 500)")
        for target in targets[1:]:
            p99 = results[(target.name, top)][2]
            ok &= p99 < 50
            print(f"  {target.name}: p99 {p99:.1f} ms (goal < 50 ms)")
        errors = sum(r[3] for r in results.values())
        print(f"  non-200 responses: {errors}")
        return 0 if ok and errors == 0 else 1
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
