"""A plan without an account in Chromium (issue 17), on SQLite and PostgreSQL: a visitor
whose browser speaks German starts on the landing page, types the interview, plans a new
time and downloads the email as .eml; nothing is stored. Screenshots go to
/tmp/shots/anon-<db>-*.png."""

from __future__ import annotations

import email
import email.policy
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from fairnotice.settings import Settings
from fairnotice.store.tables import Base
from fairnotice.web.app import create_app
from tests.store.databases import _truncate
from tests.web.conftest import Clock
from tests.web.live import free_port, serving
from tests.web.test_browser import ARGS, CHROMIUM, _require, _submit

pytestmark = pytest.mark.slow

SHOTS = Path("/tmp/shots")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    _require(CHROMIUM, "Chromium")
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-anon-"))
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, folder / "web.sqlite3")
        url = f"sqlite:///{folder / 'web.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
        _truncate(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(database_url=url, data_dir=folder, secret_key="a" * 40, base_url=base)
    app = create_app(settings, clock=Clock())
    with serving(app, port):
        yield {"app": app, "base": base, "db": request.param}
    app.state.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


def _rows(app: Any) -> dict[str, int]:
    with app.state.sessions() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def test_a_german_visitor_plans_a_new_time_and_downloads_the_email(
    live: dict[str, Any],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    before = _rows(live["app"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = f"anon-{live['db']}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(
            base_url=live["base"],
            locale="de-DE",
            timezone_id="Europe/Berlin",
            accept_downloads=True,
        )
        page = context.new_page()
        page.goto("/")
        first = page.locator("main a").first
        expect(first).to_have_text("Ich muss ein Vorstellungsgespräch ändern")
        page.screenshot(path=str(SHOTS / f"{shot}-landing.png"), full_page=True)
        _submit(page, first)
        expect(page.locator("h1")).to_have_text("Ein Vorstellungsgespräch ändern")
        expect(page.locator("#my_timezone")).to_have_value("Europe/Berlin")  # from the browser
        page.fill("#my_name", "Alex Weber")
        page.fill("#my_email", "alex@example.org")
        page.locator("summary", has_text="Oder gib die Angaben selbst ein").click()
        page.fill("#position", "Backend-Entwicklerin")
        page.fill("#company", "Beispiel GmbH")
        page.fill("#date", "2026-03-13")
        page.fill("#start_time", "10:00")
        page.fill("#end_time", "11:00")
        page.fill("#contact_name", "Maria Schmidt")
        page.fill("#contact_salutation", "Frau")
        page.fill("#contact_email", "maria.schmidt@beispiel.example")
        page.get_by_label("Einen neuen Termin (verschieben)").check()
        page.select_option("#reason", "illness")
        page.screenshot(path=str(SHOTS / f"{shot}-form.png"), full_page=True)
        _submit(page, page.get_by_role("button", name="Plan erstellen"))
        expect(page.locator("h1")).to_contain_text("Dein Plan")
        expect(page.locator("h1")).to_contain_text("Backend-Entwicklerin")
        page.screenshot(path=str(SHOTS / f"{shot}-plan.png"), full_page=True)
        email_article = page.locator("article.message.email").first
        subject = email_article.locator("input[name=subject]").input_value()
        with page.expect_download() as waiting:
            email_article.get_by_role("button", name=".eml herunterladen").click()
        download = waiting.value
        assert download.suggested_filename.endswith(".eml")
        path = download.path()
        assert path is not None
        parsed = email.message_from_bytes(Path(path).read_bytes(), policy=email.policy.default)
        assert parsed["To"].addresses[0].addr_spec == "maria.schmidt@beispiel.example"
        assert parsed["Subject"] == subject and "Backend-Entwicklerin" in subject
        assert parsed["Content-Language"] == "de"
        text = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Frau Schmidt" in text and "Alex Weber" in text
        # the reviewer: its findings swapped in under the message (htmx)
        email_article.get_by_role("button", name="Diese Nachricht prüfen").click()
        expect(email_article.locator(".findings")).to_contain_text("Die Prüfung hat")
        page.screenshot(path=str(SHOTS / f"{shot}-checked.png"), full_page=True)
        context.close()
        browser.close()
    assert _rows(live["app"]) == before
