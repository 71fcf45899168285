"""Migration 0010 on a database of 0009's time, with rows: the session and reset tables
appear, a member's unknown role becomes "member" and no other role is taken from then on;
the downgrade takes it all back, on SQLite (a table rebuilt) and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from fairnotice.store.session import downgrade, make_engine, upgrade

AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _member(conn: object, role: str) -> None:
    run = conn.execute  # type: ignore[attr-defined]
    user = run(
        text(
            "INSERT INTO users (email, name, password_hash, language, timezone, created_at) "
            "VALUES (:e, 'N', 'h', 'en', 'UTC', :at) RETURNING id"
        ),
        {"e": f"{role}@example.org", "at": AT},
    ).scalar_one()
    ws = run(
        text(
            "INSERT INTO workspaces (kind, name, created_at) VALUES ('organisation', 'o', :at) "
            "RETURNING id"
        ),
        {"at": AT},
    ).scalar_one()
    run(
        text("INSERT INTO members (workspace_id, user_id, role) VALUES (:w, :u, :r)"),
        {"w": ws, "u": user, "r": role},
    )


def test_0010_adds_sessions_and_resets_and_checks_roles_both_ways(database_url: str) -> None:
    downgrade(database_url, "0009")
    engine = make_engine(database_url)
    try:
        assert "auth_sessions" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            for role in ("owner", "member", "admin"):
                _member(conn, role)
        upgrade(database_url)
        names = set(inspect(engine).get_table_names())
        assert {"auth_sessions", "password_resets"} <= names
        with engine.connect() as conn:
            roles = conn.execute(text("SELECT role FROM members ORDER BY id")).scalars().all()
            assert roles == ["owner", "member", "member"]
            with pytest.raises(IntegrityError):
                conn.execute(text("UPDATE members SET role = 'boss'"))
            conn.rollback()
            user = conn.execute(text("SELECT min(id) FROM users")).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO auth_sessions (user_id, token_hash, created_at, seen_at) "
                    "VALUES (:u, :h, :at, :at)"
                ),
                {"u": user, "h": "a" * 64, "at": AT},
            )
            with pytest.raises(IntegrityError):  # one row per session id
                conn.execute(
                    text(
                        "INSERT INTO auth_sessions (user_id, token_hash, created_at, seen_at) "
                        "VALUES (:u, :h, :at, :at)"
                    ),
                    {"u": user, "h": "a" * 64, "at": AT},
                )
            conn.rollback()
        downgrade(database_url, "0009")
        names = set(inspect(engine).get_table_names())
        assert not {"auth_sessions", "password_resets"} & names
        with engine.begin() as conn:
            conn.execute(text("UPDATE members SET role = 'boss' WHERE role = 'member'"))
            conn.execute(text("UPDATE members SET role = 'member' WHERE role = 'boss'"))
    finally:
        engine.dispose()
        upgrade(database_url)
