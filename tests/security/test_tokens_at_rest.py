"""Link tokens are never stored or logged in plain text: the outbox and the stored plan
hold a reference, the link is written when the message goes out or is shown, migration
0013 converts rows of earlier versions, the access log redacts token paths; the SQLite
files are 0600; a too-short key is a clear error that does not echo it."""

from __future__ import annotations

import email
import email.policy
import logging
import os
import re
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select, text

from fairnotice.mail.transport import MemoryTransport
from fairnotice.operations.accounts.commands import digest
from fairnotice.operations.outbox import delivery as delivery_ops
from fairnotice.settings import Settings
from fairnotice.store.session import downgrade, make_engine, upgrade
from fairnotice.store.tables import Base, OutboxMessage, PlanRecord
from fairnotice.web.app import create_app
from tests.web.conftest import Browser
from tests.web.employer_setup import Offered, offered, written_bodies
from tests.web.live import free_port


def everything_stored(app: FastAPI) -> str:
    """Every row of every table as text (what a copy of the database holds)."""
    with app.state.sessions() as session:
        return "\n".join(
            repr(row)
            for table in Base.metadata.sorted_tables
            for row in session.execute(text(f'SELECT * FROM "{table.name}"')).all()
        )


def token_of(setup: Offered) -> str:
    return setup.link.rsplit("/", 1)[1]


def test_no_link_token_is_stored_in_plain_text(
    app: FastAPI, browser: Browser, tally: Counter[str]
) -> None:
    setup = offered(app, browser)
    token = token_of(setup)
    stored = everything_stored(app)
    assert token not in stored
    with app.state.sessions() as session:
        bodies = session.scalars(select(OutboxMessage.body)).all()
        plans = session.scalars(select(PlanRecord)).all()
        assert any(f"/pick/[link:{digest(token)}]" in body for body in bodies), bodies
        assert any(f"[link:{digest(token)}]" in repr(p.plan) for p in plans)
    # the link works, and the plan page shows it written out for the user to send
    assert browser.http.get(f"/pick/{token}").status_code == 200
    with app.state.sessions() as session:
        plan = session.scalars(select(PlanRecord.id).where(PlanRecord.workspace_id == setup.org))
        plan_id = plan.first()
    page = browser.get(f"/w/{setup.org}/plans/{plan_id}")
    assert setup.link in page.text
    tally["link tokens looked for at rest"] += 1


def test_the_worker_writes_the_link_when_it_sends(app: FastAPI, browser: Browser) -> None:
    setup = offered(app, browser)
    memory = MemoryTransport()
    settings = app.state.settings.changed(smtp={"sender": "noreply@fairnotice.test"})
    worker = delivery_ops.deliverer(
        app.state.sessions,
        settings,
        clock=app.state.clock,
        transport=lambda: memory,
    )
    worker.drain()
    assert memory.sent, "nothing was sent"
    texts = []
    for envelope in memory.sent:
        message = email.message_from_bytes(envelope.data, policy=email.policy.default)
        body = message.get_body(("plain",))  # type: ignore[attr-defined]
        texts.append(body.get_content())
    assert any(setup.link in t for t in texts), texts
    assert not any("[link:" in t for t in texts)
    assert token_of(setup) not in everything_stored(app)


def test_the_outbox_eml_has_the_link_and_an_edit_keeps_none(app: FastAPI, browser: Browser) -> None:
    setup = offered(app, browser)
    with app.state.sessions() as session:
        row = session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.workspace_id == setup.org, OutboxMessage.body.contains("[link:")
            )
        ).first()
        plan_id = session.scalars(
            select(PlanRecord.id).where(PlanRecord.workspace_id == setup.org)
        ).first()
    eml = browser.get(f"/w/{setup.org}/outbox/{row}.eml")
    message = email.message_from_bytes(eml.content, policy=email.policy.default)
    assert setup.link in message.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    # the user pastes the link they were shown into their own words: stored as a reference
    browser.get(f"/w/{setup.org}/plans/{plan_id}")
    edited = browser.post(
        f"/w/{setup.org}/plans/{plan_id}/messages/m1",
        {"subject": "Neue Termine", "body": f"Bitte wählen Sie hier: {setup.link}"},
    )
    assert edited.status_code == 303, edited.text
    assert token_of(setup) not in everything_stored(app)
    draft = browser.get(f"/w/{setup.org}/plans/{plan_id}/messages/m1.eml")
    assert (
        setup.link
        in email.message_from_bytes(draft.content, policy=email.policy.default)
        .get_body(("plain",))
        .get_content()
    )  # type: ignore[attr-defined]


def test_0013_converts_links_stored_by_earlier_versions(
    app: FastAPI, browser: Browser, database_url: str, tally: Counter[str]
) -> None:
    setup = offered(app, browser)
    token = token_of(setup)
    app.state.engine.dispose()
    secret = app.state.settings.secret
    downgrade(database_url, "0012", secret=secret)  # the texts as 0012 kept them
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            bodies = conn.execute(text("SELECT body FROM outbox")).scalars().all()
            plans = conn.execute(text("SELECT plan FROM plans")).scalars().all()
    finally:
        engine.dispose()
    assert any(setup.link in b for b in bodies)
    assert any(token in str(p) for p in plans)
    upgrade(database_url, secret=secret)
    assert token not in everything_stored(app)
    assert browser.http.get(f"/pick/{token}").status_code == 200
    with app.state.sessions() as session:
        assert any(
            f"[link:{digest(token)}]" in b for b in session.scalars(select(OutboxMessage.body))
        )
    tally["stored links converted by 0013"] += 1


class Keep(logging.Handler):
    """The access log's lines as uvicorn writes them."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_the_access_log_never_holds_a_token(app: FastAPI, browser: Browser) -> None:
    setup = offered(app, browser)
    token = token_of(setup)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info", lifespan="off")
    keep = Keep()  # after the Config, which sets uvicorn's logging up anew
    logging.getLogger("uvicorn.access").addHandler(keep)
    logged = keep.lines
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/pick/{token}").status_code == 200
        assert httpx.get(f"{base}/pick/{token}?lang=de").status_code == 200
        assert httpx.get(f"{base}/reset/{token}").status_code in (200, 404)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        logging.getLogger("uvicorn.access").removeHandler(keep)
    assert any("/pick/[token]" in line for line in logged), logged
    assert not any(token in line for line in logged), logged


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "var"
    settings = Settings(data_dir=data, secret_key="mode-secret-key-0123456789abcdef")
    app = create_app(settings)
    with app.state.sessions() as session:
        session.execute(text("SELECT 1"))
    database = data / "fairnotice.sqlite3"
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists():
            assert _mode(path) == 0o600, (path, oct(_mode(path)))
    assert _mode(database) == 0o600
    assert _mode(data) & 0o077 == 0
    app.state.engine.dispose()
    # a database of an earlier version, world-readable, is narrowed when opened
    database.chmod(0o644)
    create_app(settings).state.engine.dispose()
    assert _mode(database) == 0o600


def test_a_too_short_key_is_a_clear_error_without_the_key(tmp_path: Path) -> None:
    key = "tooShort-9f3a"
    env: dict[str, Any] = {
        **os.environ,
        "FAIRNOTICE_SECRET_KEY": key,
        "FAIRNOTICE_DATA_DIR": str(tmp_path),
    }
    env.pop("FAIRNOTICE_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "fairnotice", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done
    assert "FAIRNOTICE_SECRET_KEY" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert key not in done.stderr + done.stdout


def test_a_reset_links_token_is_not_stored_either(
    app: FastAPI, browser: Browser, other_browser: Browser, tally: Counter[str]
) -> None:
    browser.sign_up("forgot@example.org")
    other_browser.get("/reset")
    assert other_browser.post("/reset", {"email": "forgot@example.org"}).status_code == 303
    (body,) = written_bodies(app, OutboxMessage.kind == "account")
    found = re.search(r"http://testserver/reset/([\w-]+)", body)
    assert found is not None, body
    assert found.group(1) not in everything_stored(app)
    with app.state.sessions() as session:
        stored = session.scalars(select(OutboxMessage.body)).all()
    assert any(f"/reset/[link:{digest(found.group(1))}]" in b for b in stored)
    assert other_browser.get(f"/reset/{found.group(1)}").status_code == 200
    tally["link tokens looked for at rest"] += 1


def test_the_outbox_pages_mail_link_carries_the_written_link(
    app: FastAPI, browser: Browser
) -> None:
    setup = offered(app, browser)
    page = browser.get(f"/w/{setup.org}/outbox")
    assert page.status_code == 200
    assert token_of(setup) in page.text  # inside the mailto: of the offer's letter
    assert "%5Blink%3A" not in page.text and "[link:" not in page.text


def test_a_data_folder_made_without_a_configured_key_is_private(tmp_path: Path) -> None:
    """The default set-up (no FAIRNOTICE_SECRET_KEY): the key file is written first, and
    it made the folder 0755; the migration lock beside the database was 0644."""
    data = tmp_path / "var"
    app = create_app(Settings(data_dir=data))
    app.state.engine.dispose()
    made = [data, *data.iterdir()]
    assert len(made) >= 3, made  # the folder, the key, the database (and its lock)
    for path in made:
        assert _mode(path) & 0o077 == 0, (path, oct(_mode(path)))
