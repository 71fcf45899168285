"""The worker recovers by itself (issue 14): from a long SQLite lock, and past rows voided
since they were queued. Against a local aiosmtpd sink (its own process), with
`fairnotice worker` processes at their default settings (poll 10 s, batch 50; no
per-domain limit, as in the baseline).

    .venv/bin/python bench/worker_lock.py [--lock 60] [--count 300] [--live 1500 --voided 500]

1. Lock: `--count` messages due; another process holds SQLite's write lock (BEGIN
   EXCLUSIVE) for `--lock` seconds while a worker starts; measured: whether the worker is
   still alive, and the time from the release until everything is sent. Baseline: the
   same count sent by a fresh worker with no lock (start to last sent).
2. Voided: `--voided` rows whose deadline passed, queued ahead of `--live` live ones;
   measured: start to last sent, and first claim to last sent (start-up left out: on a
   busy machine it varies by seconds), against raw delivery of `--live` (the same
   worker, no voided rows ahead); and what one `fairnotice worker --once` sends of them.

Goals: the worker survives the lock and sends within baseline + 5 s of the release; the
voided rows cost at most 1.5x the raw delivery (first claim to last sent) and `--once`
sends every live row. Exit 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from delivery_throughput import sink  # noqa: E402
from sqlalchemy import Engine, func, select  # noqa: E402
from tests.mail.outbox_rows import seed  # noqa: E402

from fairnotice.store.session import make_engine, session_factory, upgrade  # noqa: E402
from fairnotice.store.tables import OutboxMessage  # noqa: E402


def env_for(url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRNOTICE_")}
    env.update(
        FAIRNOTICE_DATABASE_URL=url,
        FAIRNOTICE_SMTP_HOST="127.0.0.1",
        FAIRNOTICE_SMTP_PORT=str(port),
        FAIRNOTICE_SMTP_TLS="none",
        FAIRNOTICE_SMTP_FROM="noreply@fairnotice.test",
        FAIRNOTICE_DELIVERY_PER_DOMAIN_PER_MINUTE="0",
    )
    return env


def fresh(folder: Path, name: str) -> str:
    url = f"sqlite:///{folder / name}"
    upgrade(url)
    return url


def count(url: str, *where: object) -> int:
    """Rows of the outbox matching `where` (an engine of its own, closed after)."""
    engine = make_engine(url)
    try:
        return counting(engine, *where)
    finally:
        engine.dispose()


def counting(engine: Engine, *where: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(*where)).scalar() or 0)  # type: ignore[arg-type]


def sent(url: str) -> int:
    return count(url, OutboxMessage.state == "sent")


def queue(url: str, count: int, *, voided: bool = False) -> None:
    engine = make_engine(url)
    now = datetime.now(UTC)
    try:
        if voided:  # queued an hour ago, its deadline passed since
            at, gone = now - timedelta(hours=1), now - timedelta(minutes=5)
            seed(session_factory(engine), count, at=at, deadline=gone)
        else:
            seed(session_factory(engine), count, at=now - timedelta(minutes=1))
    finally:
        engine.dispose()


def worker(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "fairnotice", "worker", *args],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def until_sent(url: str, count: int, process: subprocess.Popen[bytes], timeout: float) -> float:
    """Seconds until `count` rows are sent (inf if the worker died or time ran out)."""
    return timed(url, count, process, timeout)[0]


def timed(
    url: str, count: int, process: subprocess.Popen[bytes], timeout: float
) -> tuple[float, float]:
    """Seconds until `count` rows are sent, from now and from the worker's first claim
    (its start-up left out: on a busy machine it varies by seconds)."""
    engine = make_engine(url)  # one for the polling, which costs CPU the worker needs
    start = time.monotonic()
    began = None
    try:
        while time.monotonic() - start < timeout:
            if began is None and counting(engine, OutboxMessage.state != "pending"):
                began = time.monotonic()  # claimed, voided or sent: the worker has begun
            if counting(engine, OutboxMessage.state == "sent") >= count:
                end = time.monotonic()
                return end - start, end - (began or start)
            if process.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        engine.dispose()
    return float("inf"), float("inf")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    process.communicate(timeout=60)


def warm_up(folder: Path, port: int) -> None:
    """One `worker --once` on an empty database first: the first start after a change
    compiles every module again, which the baseline should not pay alone."""
    url = fresh(folder, "warm.sqlite3")
    subprocess.run(
        [sys.executable, "-m", "fairnotice", "worker", "--once"],
        env=env_for(url, port), cwd=folder, capture_output=True, timeout=300, check=True,
    )  # fmt: skip


def lock_case(folder: Path, port: int, count: int, seconds: float) -> dict[str, float]:
    warm_up(folder, port)
    base_url = fresh(folder, "base.sqlite3")
    queue(base_url, count)
    process = worker(env_for(base_url, port), folder)
    baseline = until_sent(base_url, count, process, 300)
    stop(process)

    url = fresh(folder, "locked.sqlite3")
    queue(url, count)
    other = sqlite3.connect(str(folder / "locked.sqlite3"), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    other.execute("UPDATE workspaces SET name = name")
    process = worker(env_for(url, port), folder)
    time.sleep(seconds)
    alive = process.poll() is None
    sent_during = sent(url)
    other.execute("ROLLBACK")
    other.close()
    recovery = until_sent(url, count, process, 300)
    alive_after = process.poll() is None
    stop(process)
    return {
        "baseline_s": baseline,
        "alive_through_lock": float(alive),
        "sent_during_lock": float(sent_during),
        "recovery_s": recovery,
        "alive_after": float(alive_after),
    }


def voided_case(folder: Path, port: int, live: int, voided: int, repeat: int) -> dict[str, float]:
    """Raw and behind-voided runs interleaved `repeat` times; the medians."""
    runs: dict[str, list[float]] = {"raw": [], "raw_work": [], "behind": [], "behind_work": []}
    for attempt in range(repeat):
        raw_url = fresh(folder, f"raw{attempt}.sqlite3")
        queue(raw_url, live)
        process = worker(env_for(raw_url, port), folder)
        total, work = timed(raw_url, live, process, 600)
        runs["raw"].append(total)
        runs["raw_work"].append(work)
        stop(process)

        url = fresh(folder, f"voided{attempt}.sqlite3")
        queue(url, voided, voided=True)
        queue(url, live)
        process = worker(env_for(url, port), folder)
        total, work = timed(url, live, process, 600)
        runs["behind"].append(total)
        runs["behind_work"].append(work)
        stop(process)
    raw, raw_work, behind, behind_work = (
        statistics.median(runs[key]) for key in ("raw", "raw_work", "behind", "behind_work")
    )

    once_url = fresh(folder, "once.sqlite3")
    queue(once_url, voided, voided=True)
    queue(once_url, live)
    done = subprocess.run(
        [sys.executable, "-m", "fairnotice", "worker", "--once"],
        env=env_for(once_url, port), cwd=folder, capture_output=True, timeout=600,
    )  # fmt: skip
    return {
        "raw_s": raw,
        "behind_voided_s": behind,
        "ratio": behind / raw,
        "raw_work_s": raw_work,
        "behind_work_s": behind_work,
        "work_ratio": behind_work / raw_work,
        "once_sent": float(sent(once_url)),
        "once_exit": float(done.returncode),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=float, default=60.0, help="seconds the lock is held")
    parser.add_argument("--count", type=int, default=300, help="messages due during the lock")
    parser.add_argument("--live", type=int, default=1500)
    parser.add_argument("--voided", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="voided case runs (medians)")
    args = parser.parse_args()
    server, port = sink()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            locked = lock_case(folder, port, args.count, args.lock)
            voided = voided_case(folder, port, args.live, args.voided, args.repeat)
    finally:
        server.terminate()
        server.wait()
    print(
        f"lock {args.lock:.0f} s, {args.count} due: worker alive through it: "
        f"{bool(locked['alive_through_lock'])}, sent during it: {locked['sent_during_lock']:.0f}; "
        f"all sent {locked['recovery_s']:.2f} s after the release "
        f"(baseline, no lock: {locked['baseline_s']:.2f} s from start)"
    )
    print(
        f"{args.live} live behind {args.voided} voided (median of {args.repeat}): "
        f"{voided['behind_voided_s']:.2f} s "
        f"(raw delivery of {args.live}: {voided['raw_s']:.2f} s; x{voided['ratio']:.2f}); "
        f"from the first claim: {voided['behind_work_s']:.2f} s against "
        f"{voided['raw_work_s']:.2f} s (x{voided['work_ratio']:.2f}); "
        f"one worker --once sent {voided['once_sent']:.0f} of {args.live} "
        f"(exit {voided['once_exit']:.0f})"
    )
    ok = (
        locked["alive_through_lock"] == 1.0
        and locked["alive_after"] == 1.0
        and locked["recovery_s"] <= locked["baseline_s"] + 5
        and voided["work_ratio"] <= 1.5
        and voided["once_sent"] == args.live
        and voided["once_exit"] == 0
    )
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
