"""Migration 0008 on a database of 0007's time, with rows: states mapped, duplicate UIDs
made unique, nothing that hangs off an interview lost (SQLite rebuilds the table)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from fairnotice.store.session import downgrade, make_engine, upgrade

AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
START = datetime(2026, 3, 16, 13, 0, tzinfo=UTC)


def test_0008_maps_states_makes_uids_unique_and_keeps_offers_and_plans(database_url: str) -> None:
    downgrade(database_url, "0007")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            ws = conn.execute(
                text(
                    "INSERT INTO workspaces (kind, name, created_at) "
                    "VALUES ('organisation', 'o', :at) RETURNING id"
                ),
                {"at": AT},
            ).scalar_one()
            ids = []
            for status in ("rescheduling", "scheduled", "cancelled"):
                ids.append(
                    conn.execute(
                        text(
                            "INSERT INTO interviews (workspace_id, position, company, start, "
                            '"end", timezone, round, uid, sequence, status, contact, '
                            "interviewers, history_channel, created_at) VALUES (:ws, 'P', "
                            "'C', :s, :s, 'UTC', 1, 'same@fairnotice', 0, :st, '{}', '[]', "
                            "'email', :at) RETURNING id"
                        ),
                        {"ws": ws, "s": START, "st": status, "at": AT},
                    ).scalar_one()
                )
            conn.execute(
                text(
                    "INSERT INTO offers (workspace_id, interview_id, token_hash, expires_at, "
                    "state, language, timezone, reply_to, created_at) VALUES (:ws, :i, 'h', "
                    ":at, 'open', 'en', 'UTC', 'hr@example.com', :at)"
                ),
                {"ws": ws, "i": ids[0], "at": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO plans (workspace_id, interview_id, situation, plan, created_at) "
                    "VALUES (:ws, :i, '{}', '{}', :at)"
                ),
                {"ws": ws, "i": ids[1], "at": AT},
            )
        upgrade(database_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, status, uid FROM interviews ORDER BY id")).all()
            offers = conn.execute(text("SELECT interview_id, state FROM offers")).all()
            plans = conn.execute(text("SELECT interview_id FROM plans")).all()
        assert [r.status for r in rows] == ["offered", "scheduled", "cancelled"]
        assert rows[0].uid == "same@fairnotice"  # the oldest keeps its UID
        assert len({r.uid for r in rows}) == 3
        assert offers == [(ids[0], "open")] and plans == [(ids[1],)]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE interviews SET status = 'rescheduling'"))
    finally:
        engine.dispose()
