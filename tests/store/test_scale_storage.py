"""Storage that does not grow with what nobody reads again (issue 18): a stored calendar's
iCalendar text kept compressed (new uploads and, by migration 0012, existing rows; the
downgrade gives the text back), and offers' plans without copies of busy time. On SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from fairnotice.io import validate
from fairnotice.model import Situation
from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.busy import stored as busy
from fairnotice.operations.offers import commands as offers
from fairnotice.store.session import downgrade, make_engine, session_factory, transaction, upgrade
from fairnotice.store.tables import BusyCalendar, BusyInterval
from tests.store.year_calendar import year_of_meetings

AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SOURCE = year_of_meetings("j.doe@example.com", first=AT, count=150).decode()
BUSY = [{"start": "2026-03-16T13:00:00+00:00", "end": "2026-03-16T16:00:00+00:00"}]


def _situation(*, pick_url: str | None) -> str:
    return json.dumps(
        {
            "role": "employer",
            "intent": "reschedule",
            "availability": {"busy": BUSY, "timezone": "Europe/Berlin"},
            "options": {"slot_count": 3, "pick_url": pick_url},
        }
    )


def _stored(url: str) -> bytes | str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(text("SELECT source FROM calendars")).scalar_one()
    finally:
        engine.dispose()
    return bytes(value) if isinstance(value, memoryview) else value


def test_0012_compresses_stored_sources_and_drops_offers_busy_copies(database_url: str) -> None:
    downgrade(database_url, "0011")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            ws = conn.execute(
                text(
                    "INSERT INTO workspaces (kind, name, created_at, pick_notice_minutes, "
                    "max_reschedules) VALUES ('organisation', 'o', :at, 720, 3) RETURNING id"
                ),
                {"at": AT},
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO calendars (workspace_id, owner_email, busy, created_at, "
                    "source, timezone, state) VALUES (:ws, 'j.doe@example.com', '[]', :at, "
                    ":source, 'Europe/Berlin', 'pending')"
                ),
                {"ws": ws, "at": AT, "source": SOURCE},
            )
            for pick_url in ("https://x.example/pick/abc", None):
                conn.execute(
                    text(
                        "INSERT INTO plans (workspace_id, situation, plan, created_at) "
                        "VALUES (:ws, :situation, '{}', :at)"
                    ),
                    {"ws": ws, "situation": _situation(pick_url=pick_url), "at": AT},
                )
        assert _stored(database_url) == SOURCE  # 0011's time: the text as it came
        upgrade(database_url)
        packed = _stored(database_url)
        assert isinstance(packed, bytes) and len(packed) < len(SOURCE) / 5
        with engine.connect() as conn:
            kept = [
                row[0] if isinstance(row[0], dict) else json.loads(row[0])
                for row in conn.execute(text("SELECT situation FROM plans ORDER BY id"))
            ]
        assert [k["availability"]["busy"] for k in kept] == [[], BUSY]  # the offer's only
        assert kept[0]["availability"]["timezone"] == "Europe/Berlin"
        sessions = session_factory(engine)
        with sessions() as session:
            assert session.scalars(select(BusyCalendar.source)).one() == SOURCE
        # the worker reads the converted row as any other
        assert busy.read_calendars(sessions, clock=lambda: AT) == 1
        with sessions() as session:
            assert session.scalars(select(BusyCalendar.state)).one() == "ready"
            assert len(session.scalars(select(BusyInterval.id)).all()) > 50
        downgrade(database_url, "0011")
        assert _stored(database_url) == SOURCE  # the downgrade gives the text back
    finally:
        engine.dispose()
        upgrade(database_url)


def test_an_uploaded_calendar_is_kept_compressed_and_loaded_only_when_read(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    try:
        with transaction(sessions, write=True) as session:
            ws = _organisation(session)
            busy.add_calendar(
                session,
                workspace_id=ws,
                owner_email="j.doe@example.com",
                ics=SOURCE.encode(),
                zone_name="Europe/Berlin",
            )
        packed = _stored(database_url)
        assert isinstance(packed, bytes) and len(packed) < len(SOURCE) / 5
        assert busy.read_calendars(sessions, clock=lambda: AT) == 1
        statements: list[str] = []
        with sessions() as session:
            connection = session.connection()

            def seen(*args: object) -> None:
                statements.append(str(args[2]))

            event.listen(connection, "before_cursor_execute", seen)
            row = session.scalars(select(BusyCalendar)).one()
            assert row.state == "ready"
            assert not any("source" in s for s in statements)  # a list never carries it
            assert row.source == SOURCE  # loaded when asked for
            assert any("source" in s for s in statements)
    finally:
        engine.dispose()


def _organisation(session: Session) -> int:
    user = accounts.sign_up(
        session, email="hr@example.com", name="HR", password="a long password here"
    )
    return accounts.create_organisation(session, user_id=user.id, name="Muster").id


def test_offers_without_busy_keeps_everything_but_the_busy_copy() -> None:
    facts = validate(
        Situation,
        {
            "now": AT.isoformat(),
            "role": "employer",
            "intent": "reschedule",
            "reason": {"category": "interviewer_unavailable"},
            "interview": {
                "position": "Paralegal",
                "company": "Muster",
                "start": "2026-03-12T09:00:00+00:00",
                "end": "2026-03-12T10:00:00+00:00",
                "timezone": "Europe/Berlin",
            },
            "me": {"name": "HR", "email": "hr@example.com"},
            "counterpart": {"name": "Lena Vogel", "email": "lena@example.org"},
            "availability": {"busy": BUSY, "timezone": "Europe/Berlin"},
        },
    )
    kept = offers.without_busy(facts)
    assert kept.availability is not None and kept.availability.busy == []
    assert kept.availability.timezone == "Europe/Berlin"
    assert kept.model_dump(exclude={"availability"}) == facts.model_dump(exclude={"availability"})
