"""Delivery throughput, end to end, against a local aiosmtpd sink (its own process).

Baseline: raw smtplib sending the same number of pre-built messages over one connection.
Ours: a position filled for N candidates in three languages, each message with an iMIP
CANCEL: planned and rendered, enqueued in one transaction, delivered by `fairnotice
worker --once` subprocesses. SQLite with one worker; PostgreSQL with one and two workers.

    .venv/bin/python bench/delivery_throughput.py [--count 10000] [--skip-pg]

Goals (issue 5): SQLite, one worker: >= 50 % of the baseline's rate; PostgreSQL: near-linear
gain from one to two workers (on the delivery phase). Exit 1 when the SQLite goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from tests.worker.bulk import filled  # noqa: E402

from fairnotice.io import validate  # noqa: E402
from fairnotice.mail.outgoing import Outgoing, new_message_id, render  # noqa: E402
from fairnotice.model import Situation  # noqa: E402
from fairnotice.operations.plans.planning import plan_change  # noqa: E402
from fairnotice.operations.plans.sending import local_workspace, send_plan  # noqa: E402
from fairnotice.store.session import make_engine, session_factory, transaction, upgrade  # noqa: E402

PG_ADMIN = os.environ.get(
    "FAIRNOTICE_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sink(delay: float = 0.0) -> tuple[subprocess.Popen[bytes], int]:
    """aiosmtpd in its own process; with `delay`, each message takes that long to accept."""
    port = free_port()
    handler = ["_slow_sink.SlowSink", str(delay)] if delay else ["aiosmtpd.handlers.Sink"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent)}
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", *handler],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("aiosmtpd did not start")


def situation(count: int) -> Situation:
    planned = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    raw = filled(count, now=planned - timedelta(days=1), with_interview_every=1)
    return validate(Situation, raw)


def baseline(port: int, count: int) -> float:
    """Messages per second of raw smtplib over one connection, messages built beforehand."""
    plan = plan_change(situation=situation(count))
    now = datetime.now(UTC)
    built = []
    for message in plan.messages:
        item = Outgoing(
            message_id=new_message_id("j.doe@muster.example"),
            recipient=message.to,
            subject=message.subject or "",
            body=message.body,
            language=message.language.value,
            recipient_name=message.recipient,
            sender_name="Jonas Doe",
            calendar_method=message.calendar.method.value
            if message.calendar and message.calendar.method
            else None,
            calendar_ics=message.calendar.ics if message.calendar else None,
        )
        built.append((message.to, render(item, sender="noreply@fairnotice.test", date=now)))
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for to, data in built:
            smtp.sendmail("noreply@fairnotice.test", [to], data)
    return len(built) / (time.perf_counter() - start)


def enqueue(url: str, count: int) -> float:
    """Seconds to plan, render and enqueue `count` messages in one transaction."""
    upgrade(url)
    engine = make_engine(url)
    start = time.perf_counter()
    facts = situation(count)
    with transaction(session_factory(engine), write=True) as session:
        queued = send_plan(session, situation=facts, workspace_id=local_workspace(session))
    seconds = time.perf_counter() - start
    engine.dispose()
    assert queued.messages == count, queued
    return seconds


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process (0.0 if there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _is_postmaster(entry: Path) -> bool:
    try:
        return (entry / "cmdline").read_bytes().split(b"\0", 1)[0].endswith(b"/bin/postgres")
    except OSError:
        return False


class PostgresCpu(threading.Thread):
    """CPU seconds of PostgreSQL on behalf of one database while it runs: its backends
    and the server's own processes (WAL writer, checkpointer...), other databases' backends
    left out. Read from /proc every 50 ms; a backend's last moments before it exits are
    missed (at most 50 ms each)."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.database = database.encode()
        self.ours: dict[int, bool] = {}
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.done = threading.Event()
        self.postmaster = min(
            (
                int(p.name)
                for p in Path("/proc").iterdir()
                if p.name.isdigit() and _is_postmaster(p)
            ),
            default=-1,
        )
        self.sample(new=False)

    def sample(self, *, new: bool) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            if pid not in self.ours:  # each process looked at once (cmdline is slow-ish)
                try:
                    program = (entry / "cmdline").read_bytes()[:300].split(b"\0", 1)[0]
                except OSError:
                    continue
                if program.endswith(b"/bin/postgres") and pid != self.postmaster:
                    continue  # a backend just forked, not yet titled: look again
                client = b"(" in program or b"[local]" in program
                self.ours[pid] = program.startswith(b"postgres:") and (
                    not client or self.database in program
                )
            if self.ours[pid]:
                spent = cpu_seconds(pid)
                if spent:  # 0.0: gone meanwhile (or not started yet)
                    self.first.setdefault(pid, 0.0 if new else spent)
                    self.last[pid] = spent

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.sample(new=True)

    def total(self) -> float:
        self.done.set()
        self.join()
        self.sample(new=True)
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def machine_cpu() -> float:
    """CPU seconds the whole machine has been busy (all cores; /proc/stat, not idle or
    waiting for I/O): what our processes took and whatever else ran beside them."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


# CPU seconds each process spent in the last deliver(): "worker 1".., "sink", "postgres",
# and "others": the machine's busy time less ours (other work on the machine, the kernel)
CPU: dict[str, float] = {}
SENT: dict[str, int] = {}  # how many messages each worker sent (their share)


def deliver(url: str, port: int, workers: int, folder: Path, sink_pid: int = 0) -> float:
    """Seconds until `workers` processes running `worker --once` have sent everything;
    the CPU each spent, the sink's and PostgreSQL's in CPU (from /proc)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRNOTICE_")}
    env.update(
        FAIRNOTICE_DATABASE_URL=url,
        FAIRNOTICE_SMTP_HOST="127.0.0.1",
        FAIRNOTICE_SMTP_PORT=str(port),
        FAIRNOTICE_SMTP_TLS="none",
        FAIRNOTICE_SMTP_FROM="noreply@fairnotice.test",
        FAIRNOTICE_DELIVERY_PER_DOMAIN_PER_MINUTE="0",
        FAIRNOTICE_DELIVERY_BATCH_SIZE="100",
    )
    CPU.clear()
    SENT.clear()
    sink_before, machine_before = cpu_seconds(sink_pid), machine_cpu()
    postgres = PostgresCpu(url.rsplit("/", 1)[1]) if "postgresql" in url else None
    if postgres is not None:
        postgres.start()
    start = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "fairnotice", "worker", "--once"],
            env=env,
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    sent = 0
    for number, process in enumerate(processes, 1):
        assert process.stdout is not None
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)  # its own CPU, as it exits
        process.returncode = os.waitstatus_to_exitcode(status)
        CPU[f"worker {number}"] = usage.ru_utime + usage.ru_stime
        SENT[f"worker {number}"] = int(dict(p.split("=") for p in out.decode().split())["sent"])
        sent += SENT[f"worker {number}"]
    seconds = time.perf_counter() - start
    CPU["sink"] = cpu_seconds(sink_pid) - sink_before
    if postgres is not None:
        CPU["postgres"] = postgres.total()
    CPU["others"] = max(0.0, machine_cpu() - machine_before - sum(CPU.values()))
    return seconds if sent else float("nan")


def cpu_line(label: str, count: int, seconds: float) -> str:
    """CPU per message of each process, and of all, against what the cores can give."""
    parts = [f"{name} {1000 * spent / count:.2f}" for name, spent in CPU.items()]
    ours = sum(spent for name, spent in CPU.items() if name != "others")
    busy = ours + CPU.get("others", 0.0)
    cores = os.cpu_count() or 1
    shares = "/".join(str(n) for n in SENT.values())
    return (
        f"{label} (sent {shares}): CPU ms/msg: {', '.join(parts)}; ours {1000 * ours / count:.2f} "
        f"= {ours / seconds:.2f} cores, machine busy {busy / seconds:.2f} of {cores} cores "
        f"over {seconds:.1f} s (load {os.getloadavg()[0]:.2f})"
    )


def pg_database() -> tuple[str, str] | None:
    name = f"fairnotice_bench_{os.getpid()}"
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # no PostgreSQL here
        print(f"PostgreSQL skipped: {str(exc).splitlines()[0]}")
        return None
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def drop(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--relay-delay", type=float, default=0.02, help="seconds per message")
    parser.add_argument("--slow-count", type=int, default=2000)
    parser.add_argument(
        "--pg-only", action="store_true", help="PostgreSQL runs only (no baseline, no SQLite)"
    )
    args = parser.parse_args()
    count = args.count
    server, port = sink()
    results: dict[str, float] = {}
    cpu: list[str] = []
    try:
        if not args.pg_only:
            before = cpu_seconds(server.pid)
            results["baseline_rate"] = baseline(port, count)
            spent = cpu_seconds(server.pid) - before
            cpu.append(f"raw smtplib baseline: the sink's CPU {1000 * spent / count:.2f} ms/msg")
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/bench.sqlite3"
                results["sqlite_enqueue_s"] = enqueue(url, count)
                results["sqlite_deliver_s"] = deliver(url, port, 1, Path(folder), server.pid)
            cpu.append(cpu_line("SQLite, 1 worker", count, results["sqlite_deliver_s"]))
            total = results["sqlite_enqueue_s"] + results["sqlite_deliver_s"]
            results["sqlite_rate"] = count / total
            results["sqlite_deliver_rate"] = count / results["sqlite_deliver_s"]
            results["sqlite_vs_baseline"] = results["sqlite_rate"] / results["baseline_rate"]
        if not args.skip_pg:
            for workers in (1, 2):
                made = pg_database()
                if made is None:
                    break
                url, name = made
                try:
                    with tempfile.TemporaryDirectory() as folder:
                        results[f"pg{workers}_enqueue_s"] = enqueue(url, count)
                        seconds = deliver(url, port, workers, Path(folder), server.pid)
                    results[f"pg{workers}_deliver_rate"] = count / seconds
                    cpu.append(cpu_line(f"PostgreSQL, {workers} worker(s)", count, seconds))
                finally:
                    drop(name)
            if "pg2_deliver_rate" in results:
                results["pg_gain_1_to_2"] = (
                    results["pg2_deliver_rate"] / results["pg1_deliver_rate"]
                )
                slow, slow_port = sink(args.relay_delay)
                try:
                    for workers in (1, 2):
                        made = pg_database()
                        assert made is not None
                        url, name = made
                        try:
                            with tempfile.TemporaryDirectory() as folder:
                                enqueue(url, args.slow_count)
                                seconds = deliver(url, slow_port, workers, Path(folder), slow.pid)
                            results[f"pg{workers}_slow_relay_rate"] = args.slow_count / seconds
                            cpu.append(
                                cpu_line(
                                    f"PostgreSQL, {workers} worker(s), slow relay",
                                    args.slow_count,
                                    seconds,
                                )
                            )
                        finally:
                            drop(name)
                finally:
                    slow.terminate()
                    slow.wait()
                results["pg_slow_relay_gain_1_to_2"] = (
                    results["pg2_slow_relay_rate"] / results["pg1_slow_relay_rate"]
                )
    finally:
        server.terminate()
        server.wait()
    print(json.dumps({k: round(v, 3) for k, v in results.items()}, indent=2))
    print("\n".join(cpu))
    if not args.pg_only:
        print(
            f"SQLite, 1 worker, end to end: {results['sqlite_rate']:.0f} msg/s = "
            f"{100 * results['sqlite_vs_baseline']:.0f} % of raw smtplib "
            f"({results['baseline_rate']:.0f} msg/s); goal >= 50 %"
        )
    if "pg_gain_1_to_2" in results:
        print(
            f"PostgreSQL delivery: 1 worker {results['pg1_deliver_rate']:.0f} msg/s, "
            f"2 workers {results['pg2_deliver_rate']:.0f} msg/s, "
            f"gain x{results['pg_gain_1_to_2']:.2f}"
        )
        print(
            f"PostgreSQL, relay taking {1000 * args.relay_delay:.0f} ms per message: "
            f"1 worker {results['pg1_slow_relay_rate']:.0f} msg/s, "
            f"2 workers {results['pg2_slow_relay_rate']:.0f} msg/s, "
            f"gain x{results['pg_slow_relay_gain_1_to_2']:.2f}"
        )
    return 0 if args.pg_only or results["sqlite_vs_baseline"] >= 0.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
