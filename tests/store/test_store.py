"""The store on both databases: migrations, aware timestamps, workspace scoping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fairnotice.errors import NotFound
from fairnotice.operations.accounts import commands as accounts
from fairnotice.operations.common import records
from fairnotice.operations.common.schemas import PositionCreate
from fairnotice.settings import Settings, stored_secret
from fairnotice.store.session import make_engine, transaction, upgrade
from fairnotice.store.tables import Base, Position, User


def test_migration_creates_every_table_and_is_idempotent(database_url: str) -> None:
    upgrade(database_url)  # a second time changes nothing
    engine = make_engine(database_url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {t.name for t in Base.metadata.sorted_tables} <= names
    assert "alembic_version" in names


def test_timestamps_come_back_aware_in_utc(factory: sessionmaker[Session]) -> None:
    berlin = timezone(timedelta(hours=1))
    moment = datetime(2026, 3, 15, 14, 0, tzinfo=berlin)
    with transaction(factory, write=True) as session:
        session.add(User(email="a@example.org", name="A", password_hash="x", created_at=moment))
    with factory() as session:
        stored = session.scalar(select(User.created_at))
    assert stored == moment
    assert stored is not None and stored.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(factory: sessionmaker[Session]) -> None:
    with pytest.raises(Exception, match="naive"), transaction(factory, write=True) as session:
        session.add(
            User(
                email="b@example.org", name="B", password_hash="x", created_at=datetime(2026, 1, 1)
            )
        )
        session.flush()


def test_unique_email_is_enforced_by_the_database(factory: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), transaction(factory, write=True) as session:
        session.add(User(email="same@example.org", name="A", password_hash="x"))
        session.add(User(email="same@example.org", name="B", password_hash="y"))
        session.flush()


def test_objects_are_reached_only_through_their_workspace(factory: sessionmaker[Session]) -> None:
    with transaction(factory, write=True) as session:
        alice = accounts.sign_up(
            session, email="alice@example.org", name="Alice", password="correct horse 1"
        )
        bob = accounts.sign_up(
            session, email="bob@example.org", name="Bob", password="correct horse 2"
        )
        a_ws = accounts.personal_workspace(session, alice.id).id
        b_ws = accounts.personal_workspace(session, bob.id).id
        mine = records.create_position(
            session, workspace_id=a_ws, data=PositionCreate(title="T", company="C")
        )
        position_id = mine.id
    with factory() as session:
        assert records.scoped(session, Position, a_ws, position_id).title == "T"
        with pytest.raises(NotFound):
            records.scoped(session, Position, b_ws, position_id)
        with pytest.raises(NotFound):
            accounts.membership(session, user_id=bob.id, workspace_id=a_ws)


def test_settings_default_to_sqlite_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "SECRET_KEY", "DATA_DIR"):
        monkeypatch.delenv(f"FAIRNOTICE_{name}", raising=False)
    settings = Settings()
    assert settings.database == f"sqlite:///{(tmp_path / 'var' / 'fairnotice.sqlite3').resolve()}"
    key = settings.secret
    assert len(key) >= 32
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert stored_secret(tmp_path / "var") == key  # generated once, then read back


def test_settings_read_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAIRNOTICE_DATABASE_URL", "postgresql+psycopg://u@db/x")
    monkeypatch.setenv("FAIRNOTICE_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("FAIRNOTICE_BASE_URL", "https://fair.example")
    settings = Settings()
    assert settings.database == "postgresql+psycopg://u@db/x"
    assert settings.secret == "k" * 40
    assert settings.secure_cookies
    assert not (tmp_path / "var").exists()


def test_utc_roundtrip_of_now(factory: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    with transaction(factory, write=True) as session:
        session.add(User(email="c@example.org", name="C", password_hash="x", created_at=now))
    with factory() as session:
        assert session.scalar(select(User.created_at)) == now


def test_migrations_match_the_tables(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_the_head_read_off_the_migration_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from fairnotice.store.session import alembic_config, head_revision

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revision() == script.get_current_head()


def test_upgrade_of_a_database_at_the_head_skips_alembic_and_an_old_one_is_migrated(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    from sqlalchemy import create_engine, inspect, text

    from fairnotice.store.session import head_revision, upgrade

    url = f"sqlite:///{tmp_path}/old.sqlite3"
    upgrade(url, "0003")  # an older database: the fast path must not stop here
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        (version,) = connection.execute(text("SELECT version_num FROM alembic_version")).one()
    assert version == head_revision()
    assert "busy_intervals" in inspect(engine).get_table_names()
    engine.dispose()
    probe = (
        "import sys; from fairnotice.store.session import upgrade; "
        f"upgrade({url!r}); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
