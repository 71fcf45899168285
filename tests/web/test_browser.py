"""The main flows in a real browser: Debian's Chromium driven by Playwright, on a live server.

Screenshots go to tests/artifacts/ (ignored by git). axe-core checks the main pages for
serious or critical accessibility violations. Chromium missing: skipped locally, failed
under CI=true (CI installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fairnotice.operations.positions import batches as fill_batches
from fairnotice.settings import Settings
from fairnotice.store.tables import Candidate, Interview, Offer, OutboxMessage
from fairnotice.web.app import create_app
from tests.web.employer_setup import written_bodies
from tests.web.live import free_port, serving

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = ROOT / "tests" / "web" / "js" / "node_modules" / "axe-core" / "axe.min.js"
INVITE = Path(__file__).parent / "fixtures" / "invite-outlook-de.ics"
PASSWORD = "a long passphrase"

pytestmark = pytest.mark.slow


def _require(path: Path | str, what: str) -> None:
    if not Path(path).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is required under CI=true: {path} is missing")
        pytest.skip(f"{what} not installed ({path})")


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, Any]]:
    _require(CHROMIUM, "Chromium")
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-browser-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(
            database_url=f"sqlite:///{folder / 'web.sqlite3'}",
            data_dir=folder,
            secret_key="b" * 40,
            base_url=base,
        ),
        clock=lambda: datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
    )
    with serving(app, port):
        yield {"app": app, "base": base}
    app.state.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium(live: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _submit(page: Any, button: Any) -> None:
    """Click a form's submit button and wait for the page it leads to."""
    with page.expect_navigation(wait_until="load"):
        button.click()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _context(chromium: Any, live: dict[str, Any], **kw: Any) -> Any:
    options = {"base_url": live["base"], "locale": "en-GB", "timezone_id": "Europe/Berlin", **kw}
    return chromium.new_context(**options)


def _sign_up(page: Any, email: str, name: str) -> None:
    page.goto("/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    page.get_by_label("Your time zone").fill("Europe/Berlin")
    _submit(page, page.get_by_role("button", name="Sign up"))
    _sign_in(page, email)


def _sign_in(page: Any, email: str, german: bool = False) -> None:
    """After a sign-up: the sign-in page (a sign-up does not sign in, so that it never
    tells whether the address had an account), then the personal workspace."""
    page.wait_for_url(re.compile(r"/signin\?signed_up=1$"))
    page.get_by_label("E-Mail" if german else "Email").fill(email)
    page.get_by_label("Passwort" if german else "Password", exact=True).fill(PASSWORD)
    _submit(page, page.get_by_role("button", name="Anmelden" if german else "Sign in"))
    page.wait_for_url(re.compile(r"/w/\d+$"))


def _axe(page: Any) -> list[dict[str, Any]]:
    """Serious and critical violations of the page, by axe-core."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_sign_up_and_add_an_interview_from_an_invitation(
    chromium: Any, live: dict[str, Any]
) -> None:
    context = _context(chromium, live)
    page = context.new_page()
    _sign_up(page, "alex@example.org", "Alex Weber")
    assert page.get_by_role("heading", name="My interviews").is_visible(), page.content()[-3000:]
    _shot(page, "01-signed-up")
    _submit(page, page.get_by_role("link", name="Add an interview"))
    page.get_by_label("Invitation file (.ics or .eml)").set_input_files(str(INVITE))
    _submit(page, page.get_by_role("button", name="Import"))
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    assert page.get_by_role("heading", name=re.compile("Paralegal")).is_visible()
    assert "Jonas Doe" in page.content()
    assert "Monday, 16 March 2026, 14:00" in page.inner_text("dl.facts")
    _shot(page, "02-interview-imported")
    context.close()


def test_plan_a_german_reschedule_and_copy_the_email(chromium: Any, live: dict[str, Any]) -> None:
    context = _context(chromium, live, locale="de-DE")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live["base"])
    page = context.new_page()
    _sign_up_de(page)
    page.goto(page.url + "/interviews/new")
    _shot(page, "03a-new-interview-de")
    page.get_by_label("Einladungsdatei (.ics oder .eml)").set_input_files(str(INVITE))
    _submit(page, page.get_by_role("button", name="Importieren"))
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    page.get_by_label("Private Notiz (nur für dich, wird nie gesendet)").fill(
        "Probe der Hochzeit meiner Schwester"
    )
    _submit(page, page.get_by_role("button", name="Plan erstellen"))
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    body = page.locator("#body-m1").input_value()
    assert "Jonas Doe" in body and "Paralegal" in body and "Vorstellungsgespräch" in body
    assert "Hochzeit" not in body
    page.locator("#m1").get_by_role("button", name="Text kopieren").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == body
    assert page.locator("ol.timeline li").count() >= 2
    _shot(page, "03-plan-de")
    context.close()


def _sign_up_de(page: Any) -> None:
    page.goto("/signup")
    page.get_by_label("Dein Name").fill("Alex Weber")
    page.get_by_label("E-Mail").fill("alex.de@example.org")
    page.get_by_label("Passwort (mindestens 10 Zeichen)").fill(PASSWORD)
    _submit(page, page.get_by_role("button", name="Registrieren"))
    _sign_in(page, "alex.de@example.org", german=True)


def _employer(page: Any, email: str) -> str:
    _sign_up(page, email, "Jonas Doe")
    page.goto("/account")
    page.get_by_label("Organisation name").fill("Muster & Partner GmbH")
    _submit(page, page.get_by_role("button", name="Create an organisation"))
    page.wait_for_url(re.compile(r"/w/\d+$"))
    page.get_by_label("Title").fill("Paralegal")
    _submit(page, page.get_by_role("button", name="Add position"))
    page.wait_for_url(re.compile(r"/positions/\d+$"))
    return str(page.url)


def _add_candidate(
    page: Any, name: str, email: str, language: str, round_: int = 1, phone: str = ""
) -> None:
    page.locator("summary", has_text="Add a candidate").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Email", exact=True).fill(email)
    if phone:
        page.get_by_label("Phone").fill(phone)
    page.locator("#c-lang").select_option(language)
    page.get_by_label("Round reached").fill(str(round_))
    _submit(page, page.get_by_role("button", name="Add candidate"))


def _schedule(page: Any, candidate: str, day: str, *, past: bool = False) -> None:
    page.locator("summary", has_text="Schedule an interview").click()
    # the form of its own: "Adopt an invitation" below has a Candidate field too
    page.locator("#schedule-form").get_by_label("Candidate", exact=True).select_option(
        label=candidate
    )
    page.get_by_label("Date", exact=True).fill(day)
    page.get_by_label("From", exact=True).fill("10:00")
    page.get_by_label("To", exact=True).fill("11:00")
    page.get_by_label("Interviewers, one per line: Name email").fill(
        "Maria Roth m.roth@example.com"
    )
    _submit(page, page.get_by_role("button", name="Schedule"))
    if past:  # a time before today comes back with a warning to confirm
        expect(page.get_by_role("alert")).to_contain_text("is in the past")
        page.get_by_label("The date is right: keep it, although it is in the past").check()
        _submit(page, page.get_by_role("button", name="Schedule"))


def test_employer_offers_times_and_the_candidate_picks_from_the_link(
    chromium: Any, live: dict[str, Any]
) -> None:
    hr = _context(chromium, live)
    page = hr.new_page()
    _employer(page, "hr@example.com")
    _add_candidate(page, "Lena Vogel", "lena@example.org", "de")
    _schedule(page, "Lena Vogel", "2026-03-12")
    _submit(page, page.get_by_role("link", name="Lena Vogel"))
    _submit(page, page.get_by_role("button", name="Offer new times to the candidate"))
    _submit(page, page.get_by_role("button", name="Queue the offer"))  # after the preview
    page.wait_for_url(re.compile(r"/offers/\d+$"))
    _shot(page, "04-offer-sent")
    mail = written_bodies(live["app"], OutboxMessage.recipient == "lena@example.org")
    links = [m for body in mail for m in re.findall(r"http://127\.0\.0\.1:\d+/pick/[\w\-]+", body)]
    assert len(links) == 1
    candidate = _context(chromium, live, locale="de-DE")
    pick = candidate.new_page()
    response = pick.goto(links[0])
    assert response is not None and response.headers["referrer-policy"] == "no-referrer"
    assert pick.get_by_role("heading", name="Neuen Termin wählen").is_visible()
    _shot(pick, "05-pick-page-de")
    pick.get_by_role("radio").nth(1).check()
    _submit(pick, pick.get_by_role("button", name="Diesen Termin bestätigen"))
    assert "Ihr neuer Termin" in pick.content()  # as the offer's letter: Sie
    _shot(pick, "06-picked-de")
    with live["app"].state.sessions() as session:
        offer = session.scalar(select(Offer).where(Offer.reply_to == "hr@example.com"))
        assert offer is not None and offer.state == "picked"
        interview = session.get(Interview, offer.interview_id)
        assert interview is not None and interview.sequence == 1
    candidate.close()
    hr.close()


def test_position_filled_for_three_candidates(chromium: Any, live: dict[str, Any]) -> None:
    context = _context(chromium, live)
    page = context.new_page()
    position_url = _employer(page, "filled@example.com")
    _add_candidate(
        page, "Lena Vogel", "lena.f@example.org", "de", round_=2, phone="+49 170 5550112"
    )
    _add_candidate(page, "Sven Berg", "sven.f@example.org", "sv")
    _add_candidate(page, "Tom Baker", "tom.f@example.org", "en")
    _schedule(page, "Lena Vogel", "2026-03-05", past=True)
    _schedule(page, "Sven Berg", "2026-03-18")
    _schedule(page, "Tom Baker", "2026-03-19")
    page.goto(position_url)
    _shot(page, "07a-position-scheduled")
    _submit(page, page.get_by_role("link", name="The position is filled: tell the candidates"))
    assert "3 candidates will be told" in page.content()
    _shot(page, "07-filled-preview")
    _submit(page, page.get_by_role("button", name="Send to all"))
    page.wait_for_url(re.compile(r"/progress$"))
    expect(page.get_by_role("status")).to_be_visible()  # htmx polls and swaps it
    # the worker tells them in the background; the page polls until they are told
    app = live["app"]
    assert fill_batches.run(app.state.sessions, clock=app.state.clock).told == 3
    expect(page.get_by_role("status")).to_contain_text("3 candidates told")
    page.reload()
    assert "Call Lena Vogel" in page.content()
    _shot(page, "08-filled-progress")
    with live["app"].state.sessions() as session:
        informed = session.scalars(
            select(Candidate.status).where(Candidate.email.like("%.f@example.org"))
        ).all()
        methods = {
            m.recipient: m.calendar_method
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.recipient.like("%.f@example.org"))
            )
        }
    assert informed == ["informed"] * 3
    assert methods["sven.f@example.org"] == "CANCEL"
    context.close()


def test_main_pages_have_no_serious_accessibility_violations(
    chromium: Any, live: dict[str, Any]
) -> None:
    _require(AXE, "axe-core (make web-deps)")
    context = _context(chromium, live, bypass_csp=True)
    page = context.new_page()
    found: dict[str, Any] = {}
    page.goto("/")
    found["welcome"] = _axe(page)
    page.goto("/signup")
    found["signup"] = _axe(page)
    _sign_up(page, "a11y@example.org", "Ada Lovelace")
    found["dashboard"] = _axe(page)
    page.goto(page.url + "/interviews/new")
    found["interview_new"] = _axe(page)
    page.get_by_label("Invitation file (.ics or .eml)").set_input_files(str(INVITE))
    _submit(page, page.get_by_role("button", name="Import"))
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    found["interview"] = _axe(page)
    _submit(page, page.get_by_role("button", name="Make the plan"))
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    found["plan"] = _axe(page)
    position = _employer_again(page)
    found["position"] = _axe(page)
    page.goto(position + "/fill")
    found["fill"] = _axe(page)
    bodies = written_bodies(live["app"], OutboxMessage.recipient == "kim@example.org")
    link = next(
        m.group(0)
        for b in bodies
        for m in [re.search(r"http://127\.0\.0\.1:\d+/pick/[\w\-]+", b)]
        if m
    )
    page.goto(link)
    found["pick"] = _axe(page)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto("/rules")
    found["rules_phone"] = _axe(page)
    _shot(page, "09-rules-phone")
    context.close()
    problems = {name: [(v["id"], v["help"]) for v in found[name]] for name in found if found[name]}
    assert problems == {}, json.dumps(problems, indent=1)


def _employer_again(page: Any) -> str:
    page.goto("/account")
    page.get_by_label("Organisation name").fill("A11y AB")
    _submit(page, page.get_by_role("button", name="Create an organisation"))
    page.wait_for_url(re.compile(r"/w/\d+$"))
    page.get_by_label("Title").fill("Developer")
    _submit(page, page.get_by_role("button", name="Add position"))
    page.wait_for_url(re.compile(r"/positions/\d+$"))
    url = str(page.url)
    _add_candidate(page, "Kim Park", "kim@example.org", "en")
    _schedule(page, "Kim Park", "2026-03-13")
    _submit(page, page.get_by_role("link", name="Kim Park"))
    _submit(page, page.get_by_role("button", name="Offer new times to the candidate"))
    _submit(page, page.get_by_role("button", name="Queue the offer"))  # after the preview
    page.goto(url)
    return url


@pytest.mark.parametrize(
    ("lang", "greeting", "heading"), [("sv", "Hej", "Din plan"), ("en", "Dear", "Your plan")]
)
def test_the_plan_page_in_swedish_and_english(
    chromium: Any, live: dict[str, Any], lang: str, greeting: str, heading: str
) -> None:
    """The plan page in the viewer's language with the letters in the chosen one (the German
    page is 03-plan-de above); screenshots for a reader of each language."""
    context = _context(chromium, live)
    page = context.new_page()
    _sign_up(page, f"plan-{lang}@example.org", "Alex Weber")
    workspace = page.url
    page.locator("#lang-switch").select_option(lang)
    _submit(page, page.locator("form.lang button[type=submit]"))
    page.goto(workspace + "/interviews/new")
    page.locator("input#invite").set_input_files(str(INVITE))
    _submit(page, page.locator("form:has(input#invite) button[type=submit]"))
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    page.locator("#message_language").select_option(lang)
    _submit(page, page.locator("form[action$='/plan'] button[type=submit]").last)
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    assert page.locator("html").get_attribute("lang") == lang
    assert page.get_by_role("heading", name=heading).is_visible()
    body = page.locator("#body-m1").input_value()
    assert body.startswith(greeting) and "Paralegal" in body, body[:200]
    _shot(page, f"03-plan-{lang}")
    context.close()
