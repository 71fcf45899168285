"""Replies from the command line: `fairnotice reply FILE.eml`, and the worker polling the
IMAP mailbox of FAIRNOTICE_IMAP_* (a Dovecot of the test's own)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.mail.imap_server import dovecot
from tests.mail.servers import smtp_server
from tests.mail.test_delivery_cli import outbox, run, situation


def _sent(folder: Path) -> str:
    """A reschedule email queued and delivered; its Message-ID."""
    assert run(folder, "send", situation(folder, "s.json"), "--now").returncode == 0
    with smtp_server() as (port, _):
        worker = run(
            folder, "worker", "--once",
            FAIRNOTICE_SMTP_HOST="127.0.0.1", FAIRNOTICE_SMTP_PORT=str(port),
            FAIRNOTICE_SMTP_TLS="none", FAIRNOTICE_SMTP_FROM="noreply@fairnotice.test",
        )  # fmt: skip
    assert worker.returncode == 0, worker.stderr
    (row,) = outbox(folder)
    assert row["state"] == "sent"
    return str(row["message_id"])


def _reply(to_id: str, text: str, own: str) -> bytes:
    return (
        f"From: Jonas Doe <j.doe@example.com>\r\nSubject: AW: Termin\r\nMessage-ID: {own}\r\n"
        f"In-Reply-To: {to_id}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


def test_reply_command_reads_the_proposed_time_and_checks_it(tmp_path: Path) -> None:
    message_id = _sent(tmp_path)
    eml = tmp_path / "reply.eml"
    eml.write_bytes(_reply(message_id, "Passt Ihnen morgen um 10 Uhr?", "<r@muster.example>"))
    first = run(tmp_path, "reply", str(eml), "--json")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["new"] is True and result["plan"] == 1 and result["from"] == "j.doe@example.com"
    (proposal,) = result["proposals"]
    assert proposal["start"].endswith("T10:00:00+01:00") or proposal["start"].endswith(
        "T10:00:00+02:00"
    )
    assert proposal["free"] is True
    again = run(tmp_path, "reply", str(eml))
    assert again.returncode == 0 and "you are free then" in again.stdout
    assert json.loads(run(tmp_path, "reply", str(eml), "--json").stdout)["new"] is False
    stray = tmp_path / "stray.eml"
    stray.write_bytes(_reply("<nothing@else.example>", "Hallo", "<s@x.example>"))
    refused = run(tmp_path, "reply", str(stray))
    assert refused.returncode == 2 and "FILE: not a reply" in refused.stderr


def test_the_worker_polls_the_configured_imap_mailbox(tmp_path: Path) -> None:
    message_id = _sent(tmp_path)
    with dovecot() as imap:
        imap.append(_reply(message_id, "Wie wäre es mit Freitag um 9 Uhr?", "<i1@muster.example>"))
        env = {
            "FAIRNOTICE_IMAP_HOST": "127.0.0.1",
            "FAIRNOTICE_IMAP_PORT": str(imap.port),
            "FAIRNOTICE_IMAP_TLS": "none",
            "FAIRNOTICE_IMAP_USERNAME": imap.user,
            "FAIRNOTICE_IMAP_PASSWORD": imap.password,
        }
        worker = run(tmp_path, "worker", "--once", **env)
        assert worker.returncode == 0, worker.stderr
        assert "replies=1" in worker.stderr
        again = run(tmp_path, "worker", "--once", **env)  # polled within the minute: not again
        assert "replies=" not in again.stderr
    no_user = run(tmp_path, "worker", "--once", FAIRNOTICE_IMAP_HOST="127.0.0.1")
    assert no_user.returncode == 2 and "FAIRNOTICE_IMAP_USERNAME" in no_user.stderr
    with sqlite3.connect(tmp_path / "var" / "fairnotice.sqlite3") as db:
        rows = db.execute("select source, proposals from replies").fetchall()
        boxes = db.execute("select host, last_uid from mailboxes").fetchall()
    assert [r[0] for r in rows] == ["imap"]
    assert json.loads(rows[0][1])[0]["text"] == "Freitag um 9 Uhr"
    assert boxes == [("127.0.0.1", 1)]
