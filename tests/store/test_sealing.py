"""Mailbox passwords encrypted at rest (Fernet, key by HKDF from the secret key), and
migration 0005 sealing plain rows and opening them again on downgrade, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from fairnotice.mail.replies import ImapAccount
from fairnotice.operations.replies.commands import connect_mailbox, poll_mailboxes
from fairnotice.store.sealing import PREFIX, Unsealable, is_sealed, seal, unseal
from fairnotice.store.session import downgrade, make_engine, session_factory, upgrade
from fairnotice.store.tables import Mailbox, Workspace

KEY = "test-secret-key-0123456789abcdef"
OTHER = "another-secret-key-0123456789abcdef"
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_seal_round_trip_and_a_wrong_key_names_the_owner() -> None:
    sealed = seal("hunter2 ünïcode", KEY)
    assert sealed.startswith(PREFIX) and "hunter2" not in sealed
    assert seal("hunter2 ünïcode", KEY) != sealed  # a fresh IV every time
    assert unseal(sealed, KEY, what="mailbox 7") == "hunter2 ünïcode"
    with pytest.raises(Unsealable, match=r"^mailbox 7 \(a@imap\.example\):"):
        unseal(sealed, OTHER, what="mailbox 7 (a@imap.example)")
    with pytest.raises(Unsealable):
        unseal(PREFIX + "not-a-token", KEY, what="mailbox 7")
    assert unseal("plain", KEY, what="x") == "plain"  # stored before sealing


def _workspace(session: object) -> int:
    row = Workspace(kind="personal", name="w")
    session.add(row)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    return row.id


def test_connected_mailboxes_store_only_the_sealed_password(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        ws = _workspace(session)
        box = connect_mailbox(session, workspace_id=ws, host="127.0.0.1", port=1,
                              username="alex", password="s3cret pass", tls="none",
                              secret=KEY)  # fmt: skip
        box_id = box.id
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT password FROM mailboxes")).scalar_one()
    assert is_sealed(stored) and "s3cret" not in stored
    seen: list[str] = []

    def account(box: Mailbox, password: str) -> ImapAccount:
        seen.append(password)
        return ImapAccount("127.0.0.1", 1, box.username, password, tls="none", timeout=1)

    poll_mailboxes(sessions, clock=lambda: NOW, account=account, secret=KEY)
    assert seen == ["s3cret pass"]  # the worker logs in with the plain password
    later = lambda: NOW.replace(hour=12)  # noqa: E731
    poll_mailboxes(sessions, clock=later, account=account, secret=OTHER)
    assert seen == ["s3cret pass"]  # never tried with garbage
    with sessions() as session:
        polled = session.get(Mailbox, box_id)
        assert polled is not None and polled.last_error is not None
        assert polled.last_error.startswith(f"mailbox {box_id} (alex@127.0.0.1):")
        assert "cannot be decrypted" in polled.last_error
    engine.dispose()


def test_migration_0005_seals_plain_rows_and_downgrade_opens_them(database_url: str) -> None:
    downgrade(database_url, "0004", secret=KEY)
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            # the columns of 0004's time (today's model has more, with defaults)
            ws = conn.execute(
                text(
                    "INSERT INTO workspaces (kind, name, created_at) "
                    "VALUES ('personal', 'w', :at) RETURNING id"
                ),
                {"at": NOW},
            ).scalar_one()
            for user, password in (("a", "plain-one"), ("b", "x" * 300)):
                conn.execute(
                    text(
                        "INSERT INTO mailboxes (workspace_id, host, port, tls, username, "
                        "password, folder, last_uid) VALUES (:ws, 'imap.example', 993, 'tls', "
                        ":u, :p, 'INBOX', 0)"
                    ),
                    {"ws": ws, "u": user, "p": password},
                )
        upgrade(database_url, secret=KEY)
        with engine.connect() as conn:
            rows = conn.execute(select(Mailbox.username, Mailbox.password).order_by("id")).all()
        assert all(is_sealed(p) for _, p in rows)
        assert [unseal(p, KEY, what=u) for u, p in rows] == ["plain-one", "x" * 300]
        upgrade(database_url, secret=KEY)  # again: nothing sealed twice
        with engine.connect() as conn:
            again = conn.execute(select(Mailbox.password).order_by("id")).scalars().all()
        assert again == [p for _, p in rows]

        with pytest.raises(Unsealable, match=r"mailbox \d+ \(a@imap\.example\)"):
            downgrade(database_url, "0004", secret=OTHER)
        with engine.connect() as conn:
            kept = conn.execute(select(Mailbox.password).order_by("id")).scalars().all()
        assert kept == [p for _, p in rows]  # nothing half-opened

        downgrade(database_url, "0004", secret=KEY)
        with engine.connect() as conn:
            opened = conn.execute(text("SELECT password FROM mailboxes ORDER BY id")).all()
        assert [p for (p,) in opened] == ["plain-one", "x" * 300]
    finally:
        engine.dispose()
        upgrade(database_url, secret=KEY)
