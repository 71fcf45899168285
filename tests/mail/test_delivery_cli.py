"""`fairnotice send`, `outbox` and `worker` as a user runs them (real processes, real SMTP)."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.conftest import BASE, merge
from tests.mail.servers import smtp_server


def run(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FAIRNOTICE_")}
    clean.update({"FAIRNOTICE_DATA_DIR": str(folder / "var"), **env})
    return subprocess.run(
        [sys.executable, "-m", "fairnotice", *args],
        cwd=folder, env=clean, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def situation(folder: Path, name: str, **changes: Any) -> str:
    """BASE, but planned now for an interview six days ahead (so nothing has expired)."""
    start = (datetime.now(UTC) + timedelta(days=6)).replace(
        hour=13, minute=0, second=0, microsecond=0
    )
    end = start + timedelta(hours=1)
    data = merge(
        BASE,
        {
            "now": None,
            "interview": {"start": start.isoformat(), "end": end.isoformat()},
            "availability": None,
            **changes,
        },
    )
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def outbox(folder: Path) -> list[dict[str, Any]]:
    result = run(folder, "outbox", "--json")
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_send_then_worker_delivers_and_outbox_shows_it(tmp_path: Path) -> None:
    sent = run(tmp_path, "send", situation(tmp_path, "s.json"), "--now")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("queued 1 message(s) from plan 1")
    assert "no relay configured" in sent.stdout
    (row,) = outbox(tmp_path)
    assert (row["state"], row["to"], row["attempts"]) == ("pending", "j.doe@example.com", 0)
    assert row["message_id"].endswith("@example.org>")
    with smtp_server() as (port, recorder):
        relay = {
            "FAIRNOTICE_SMTP_HOST": "127.0.0.1",
            "FAIRNOTICE_SMTP_PORT": str(port),
            "FAIRNOTICE_SMTP_TLS": "none",
            "FAIRNOTICE_SMTP_FROM": "noreply@fairnotice.test",
        }
        worker = run(tmp_path, "worker", "--once", **relay)
    assert worker.returncode == 0, worker.stderr
    assert "sent=1" in worker.stdout
    (row,) = outbox(tmp_path)
    assert row["state"] == "sent" and row["attempts"] == 1 and row["sent_at"]
    (received,) = recorder.received
    assert received.message_id == row["message_id"]
    message = email.message_from_bytes(received.data, policy=policy.default)
    assert message["Reply-To"] == "alex@example.org"
    assert message["To"].addresses[0].addr_spec == "j.doe@example.com"
    listing = run(tmp_path, "outbox")
    assert "sent" in listing.stdout and "j.doe@example.com" in listing.stdout


def test_a_withdrawal_voids_the_reschedule_still_waiting_for_the_same_interview(
    tmp_path: Path,
) -> None:
    assert run(tmp_path, "send", situation(tmp_path, "r.json"), "--now").returncode == 0
    withdraw = situation(tmp_path, "w.json", intent="withdraw")
    assert run(tmp_path, "send", withdraw, "--now").returncode == 0
    first, second = sorted(outbox(tmp_path), key=lambda r: r["id"])
    assert first["state"] == "cancelled" and first["last_error"] == "interview ended"
    assert second["state"] == "pending"
    # the withdrawal itself goes out, though it closed the interview it is about
    with smtp_server() as (port, recorder):
        relay = {
            "FAIRNOTICE_SMTP_HOST": "127.0.0.1",
            "FAIRNOTICE_SMTP_PORT": str(port),
            "FAIRNOTICE_SMTP_TLS": "none",
            "FAIRNOTICE_SMTP_FROM": "noreply@fairnotice.test",
        }
        worker = run(tmp_path, "worker", "--once", **relay)
    assert worker.returncode == 0, worker.stderr
    assert "sent=1" in worker.stdout, worker.stdout
    (received,) = recorder.received
    assert received.message_id == second["message_id"]
    message = email.message_from_bytes(received.data, policy=policy.default)
    calendars = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert calendars and calendars[0].get_param("method") == "REPLY"
    assert "PARTSTAT=DECLINED" in calendars[0].get_content()


def test_without_a_relay_the_user_gets_the_eml_and_marks_it_sent(tmp_path: Path) -> None:
    assert run(tmp_path, "send", situation(tmp_path, "s.json"), "--now").returncode == 0
    (row,) = outbox(tmp_path)
    link = urlsplit(row["mailto"])
    assert (link.scheme, link.path) == ("mailto", "j.doe@example.com")
    fields = parse_qs(link.query)
    assert fields["subject"] == [row["subject"]]
    assert fields["body"][0].startswith("Sehr geehrter Herr Doe,\r\n")
    eml = run(tmp_path, "outbox", "--eml", str(row["id"]))
    assert eml.returncode == 0
    parsed = email.message_from_string(eml.stdout, policy=policy.default)
    assert parsed["Message-ID"] == row["message_id"]
    assert parsed["Subject"] == row["subject"]
    assert run(tmp_path, "outbox", "--mark-sent", str(row["id"])).returncode == 0
    (row,) = outbox(tmp_path)
    assert row["state"] == "sent"
    again = run(tmp_path, "outbox", "--mark-sent", str(row["id"]))
    assert again.returncode == 2 and "id: message" in again.stderr
    missing = run(tmp_path, "outbox", "--eml", "999")
    assert missing.returncode == 2 and "id:" in missing.stderr


def test_bad_input_exits_2_naming_the_field_and_writes_nothing(tmp_path: Path) -> None:
    bad = situation(tmp_path, "bad.json", intent="vanish")
    result = run(tmp_path, "send", bad)
    assert result.returncode == 2 and "intent" in result.stderr
    assert not (tmp_path / "var").exists()
    no_from = run(tmp_path, "worker", "--once", FAIRNOTICE_SMTP_HOST="127.0.0.1")
    assert no_from.returncode == 2 and "FAIRNOTICE_SMTP_FROM" in no_from.stderr
    batch = run(tmp_path, "worker", "--once", FAIRNOTICE_DELIVERY_BATCH_SIZE="0")
    assert batch.returncode == 2 and "FAIRNOTICE_DELIVERY_BATCH_SIZE" in batch.stderr
    tls = run(tmp_path, "worker", "--once", FAIRNOTICE_SMTP_TLS="ssl")
    assert tls.returncode == 2 and "FAIRNOTICE_SMTP_TLS" in tls.stderr
    assert not (tmp_path / "var").exists()
