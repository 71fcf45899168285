"""Issue 11's journeys in Chromium, on SQLite and PostgreSQL: the employer schedules three
interviews (invitations go out), offers new times to two candidates who then go for the
same time, and fills the position while a pick link is open; a candidate agrees to a time
their counterpart proposed in a reply and sees it on the interview and in the calendar file.

After every step the page a user sees is checked, and so are the rows behind it and the
promises of issue 11 (`_promises`): nobody booked twice, no live pick link for an interview
not offered, nothing queued for a closed interview but its CANCEL, every letter in its
recipient's language. Screenshots go to tests/artifacts/ (git-ignored), named lc-<db>-*.
"""

from __future__ import annotations

import itertools
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.lifecycle import BOOKED, CLOSED, State
from fairnotice.operations.busy.stored import read_calendars
from fairnotice.operations.positions import batches as fill_batches
from fairnotice.settings import Settings
from fairnotice.store.tables import (
    Candidate,
    Interview,
    InterviewEvent,
    Offer,
    OfferSlot,
    OutboxMessage,
    Position,
)
from fairnotice.web.app import create_app
from tests.store.databases import _truncate
from tests.web.conftest import START, Clock
from tests.web.employer_setup import written_bodies
from tests.web.live import free_port, serving
from tests.web.test_browser import (
    ARGS,
    CHROMIUM,
    INVITE,
    PASSWORD,
    _require,
    _shot,
    _sign_in,
    _submit,
)

pytestmark = pytest.mark.slow

BERLIN = ZoneInfo("Europe/Berlin")
BUSY = Path(__file__).parent / "fixtures" / "interviewer-busy.ics"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/pick/[\w\-]+")
QUEUED = ("pending", "draft", "sending")
HR = "hr@example.com"
MARIA = "m.roth@example.com"
# who gets letters in which language: the candidates theirs, the interviewer hers (not
# the candidate's), the employer the language of their account
LANGUAGE = {
    "lena@example.org": "de",
    "sven@example.org": "sv",
    "tom@example.org": "en",
    MARIA: "de",
    HR: "en",
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """A live server with a clock the journeys set, on a fresh database of each kind."""
    _require(CHROMIUM, "Chromium")
    folder = Path(tempfile.mkdtemp(prefix="fairnotice-journeys-"))
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, folder / "web.sqlite3")
        url = f"sqlite:///{folder / 'web.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
        _truncate(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    clock = Clock()
    settings = Settings(database_url=url, data_dir=folder, secret_key="c" * 40, base_url=base)
    app = create_app(settings, clock=clock)
    with serving(app, port):
        yield {"app": app, "base": base, "clock": clock, "db": request.param}
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


def _context(chromium: Any, live: dict[str, Any], locale: str = "en-GB", **kw: Any) -> Any:
    return chromium.new_context(
        base_url=live["base"], locale=locale, timezone_id="Europe/Berlin", **kw
    )


def _shots(page: Any, live: dict[str, Any], name: str, phone: bool = False) -> None:
    """The page at 1280 px (and at 390 px, a phone, if asked), named by the database."""
    page.set_viewport_size({"width": 1280, "height": 800})
    _shot(page, f"lc-{live['db']}-{name}")
    if phone:
        page.set_viewport_size({"width": 390, "height": 844})
        _shot(page, f"lc-{live['db']}-{name}-phone")
        page.set_viewport_size({"width": 1280, "height": 800})


# --- what must hold after every step ---------------------------------------------------


def _promises(app: FastAPI) -> None:
    """Issue 11's invariants over every row of the database."""
    with app.state.sessions() as session:
        email_of = {i: e for i, e in session.execute(select(Candidate.id, Candidate.email))}
        interviews = session.scalars(select(Interview)).all()
        status = {i.id: i.status for i in interviews}

        def people(row: Interview) -> set[str]:
            found = {p["email"].lower() for p in row.interviewers}
            if row.candidate_id is not None:
                found.add(email_of[row.candidate_id].lower())
            return found

        booked = [i for i in interviews if State(i.status) in BOOKED]
        for a, b in itertools.combinations(booked, 2):
            shared = people(a) & people(b)
            assert not (shared and a.start < b.end and b.start < a.end), (
                f"{sorted(shared)} booked twice: {a.id} {a.start} and {b.id} {b.start}"
            )
        for offer in session.scalars(select(Offer).where(Offer.state == "open")):
            assert status[offer.interview_id] == State.offered.value, (
                f"offer {offer.id} open for interview {offer.interview_id} "
                f"({status[offer.interview_id]})"
            )
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.state.in_(QUEUED))):
            if row.interview_id is not None and State(status[row.interview_id]) in CLOSED:
                assert row.calendar_method == "CANCEL", (
                    f"{row.subject!r} to {row.recipient} queued for interview "
                    f"{row.interview_id} ({status[row.interview_id]})"
                )
        for row in session.scalars(select(OutboxMessage)):
            expected = LANGUAGE.get(row.recipient.lower())
            assert expected is None or row.language == expected, (
                f"{row.subject!r} to {row.recipient} in {row.language}, not {expected}"
            )


def _rows(app: FastAPI, model: Any, *where: Any) -> list[Any]:
    with app.state.sessions() as session:
        found = list(session.scalars(select(model).where(*where)))
        session.expunge_all()
    return found


def _interview_of(app: FastAPI, email: str) -> Interview:
    with app.state.sessions() as session:
        row = session.scalar(
            select(Interview)
            .join(Candidate, Candidate.id == Interview.candidate_id)
            .where(Candidate.email == email)
        )
        assert row is not None, email
        session.expunge(row)
    return row


def _slots(app: FastAPI, interview_id: int) -> list[OfferSlot]:
    """The slots of the interview's newest offer, in time order."""
    with app.state.sessions() as session:
        offer = session.scalar(
            select(Offer).where(Offer.interview_id == interview_id).order_by(Offer.id.desc())
        )
        assert offer is not None
        found = list(
            session.scalars(
                select(OfferSlot).where(OfferSlot.offer_id == offer.id).order_by(OfferSlot.start)
            )
        )
        session.expunge_all()
    return found


def _link(app: FastAPI, email: str) -> str:
    """The pick link of the newest letter to `email` that has one."""
    bodies = [b for b in written_bodies(app, OutboxMessage.recipient == email) if LINK.search(b)]
    assert bodies, f"no pick link sent to {email}"
    found = LINK.search(bodies[-1])
    assert found is not None
    return found.group(0)


def _overlap(a: OfferSlot, b: OfferSlot) -> bool:
    return a.start < b.end and b.start < a.end


# --- the employer's steps ---------------------------------------------------------------


def _sign_up(page: Any, email: str, name: str) -> None:
    page.goto("/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    page.get_by_label("Your time zone").fill("Europe/Berlin")
    _submit(page, page.get_by_role("button", name="Sign up"))
    _sign_in(page, email)


def _add_candidate(page: Any, name: str, email: str, language: str) -> None:
    page.locator("summary", has_text="Add a candidate").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Email", exact=True).fill(email)
    page.locator("#c-lang").select_option(language)
    _submit(page, page.get_by_role("button", name="Add candidate"))
    expect(page.locator("table#candidates")).to_contain_text(email)


def _schedule(page: Any, candidate: str, day: str, start: str, end: str) -> None:
    form = page.locator("#schedule-form")
    if not form.is_visible():
        page.locator("summary", has_text="Schedule an interview").click()
    form.locator("#candidate_id").select_option(label=candidate)
    form.get_by_label("Date", exact=True).fill(day)
    form.get_by_label("From", exact=True).fill(start)
    form.get_by_label("To", exact=True).fill(end)
    form.locator("#interviewers").fill(f"Maria Roth {MARIA} de")
    _submit(page, form.get_by_role("button", name="Schedule"))


def _employer_sets_up(page: Any, live: dict[str, Any]) -> str:
    app = live["app"]
    _sign_up(page, HR, "Jonas Doe")
    page.goto("/account")
    page.get_by_label("Organisation name").fill("Muster & Partner GmbH")
    _submit(page, page.get_by_role("button", name="Create an organisation"))
    page.get_by_label("Title").fill("Paralegal")
    _submit(page, page.get_by_role("button", name="Add position"))
    page.wait_for_url(re.compile(r"/positions/\d+$"))
    position = str(page.url)
    _add_candidate(page, "Lena Vogel", "lena@example.org", "de")
    _add_candidate(page, "Sven Berg", "sven@example.org", "sv")
    _add_candidate(page, "Tom Baker", "tom@example.org", "en")
    assert len(_rows(app, Candidate)) == 3
    # the interviewer's calendar, read by the worker as `fairnotice worker` would
    page.locator("summary", has_text="Interviewers' calendars").click()
    # the upload's form (a subscription's form asks for an interviewer's email too)
    upload = page.locator("form", has=page.get_by_label("Calendar (.ics)"))
    upload.get_by_label("Interviewer's email").fill(MARIA)
    upload.get_by_label("Calendar (.ics)").set_input_files(str(BUSY))
    _submit(page, page.get_by_role("button", name="Upload"))
    assert read_calendars(app.state.sessions, clock=live["clock"]) == 1
    page.goto(position)
    expect(page.locator("#calendars")).to_contain_text(f"{MARIA}: read")
    _promises(app)
    return position


def _schedule_three(page: Any, live: dict[str, Any]) -> None:
    """Three interviews with Maria Roth; Sven's lands on her court day (K1) and is
    confirmed. Each candidate and Maria get a REQUEST, each in their own language."""
    app = live["app"]
    _schedule(page, "Lena Vogel", "2026-03-13", "10:00", "11:00")
    _schedule(page, "Tom Baker", "2026-03-16", "10:00", "11:00")
    _promises(app)
    _schedule(page, "Sven Berg", "2026-03-12", "10:00", "11:00")  # Thursday: court day
    clash = page.locator("#clashes")
    expect(clash).to_contain_text("Maria Roth is busy")
    expect(clash).to_contain_text("Thursday, 12 March 2026")
    assert len(_rows(app, Interview, Interview.status == "scheduled")) == 2  # not kept
    _shots(page, live, "01-k1-clash")
    clash.get_by_label("Schedule anyway").check()
    _submit(page, page.locator("#schedule-form").get_by_role("button", name="Schedule"))
    cards = page.locator("#iv-h ~ ul.cards")
    expect(cards.locator("li")).to_have_count(3)
    for name in ("Lena Vogel", "Sven Berg", "Tom Baker"):
        expect(cards.locator("li", has_text=name)).to_contain_text("scheduled")
    _shots(page, live, "02-three-scheduled")
    interviews = _rows(app, Interview)
    assert sorted(i.status for i in interviews) == ["scheduled"] * 3
    assert len({i.uid for i in interviews}) == 3  # a UID of its own each
    sven = _interview_of(app, "sven@example.org")
    events = _rows(app, InterviewEvent, InterviewEvent.interview_id == sven.id)
    assert [e.event for e in events] == ["schedule"]
    assert (events[0].detail or {}).get("clashes_confirmed"), events[0].detail
    for interview in interviews:
        letters = _rows(app, OutboxMessage, OutboxMessage.interview_id == interview.id)
        got = sorted((m.recipient, m.calendar_method, m.language) for m in letters)
        (candidate,) = {m.recipient for m in letters} - {MARIA}
        assert got == sorted(
            [(candidate, "REQUEST", LANGUAGE[candidate]), (MARIA, "REQUEST", "de")]
        ), got
        for letter in letters:
            assert f"UID:{interview.uid}" in (letter.calendar_ics or "").replace("\r\n ", "")
    _promises(app)


def _offer(page: Any, live: dict[str, Any], position: str, name: str) -> None:
    page.goto(position)
    _submit(page, page.locator("#iv-h ~ ul.cards").get_by_role("link", name=name))
    _submit(page, page.get_by_role("button", name="Offer new times to the candidate"))
    _submit(page, page.get_by_role("button", name="Queue the offer"))  # after the preview
    page.wait_for_url(re.compile(r"/offers/\d+$"))
    expect(page.get_by_role("heading", name="New times offered")).to_be_visible()
    _promises(live["app"])


# --- journey 1: the employer ---------------------------------------------------------------


def test_employer_schedules_offers_both_go_for_one_time_then_fills(
    chromium: Any, live: dict[str, Any]
) -> None:
    app, clock = live["app"], live["clock"]
    clock.now = START
    hr = _context(chromium, live)
    page = hr.new_page()
    position = _employer_sets_up(page, live)
    _schedule_three(page, live)
    sven, lena = _interview_of(app, "sven@example.org"), _interview_of(app, "lena@example.org")

    # New times for Sven, then for Lena: Sven's open offer holds its times for Maria,
    # so Lena's offer leaves them out, and her offer page says who holds what.
    _offer(page, live, position, "Sven Berg")
    sven_slots = _slots(app, sven.id)
    assert len(sven_slots) >= 3
    expect(page.locator("body")).to_contain_text("its times are held")
    _offer(page, live, position, "Lena Vogel")
    lena_slots = _slots(app, lena.id)
    assert len(lena_slots) >= 3
    assert not any(_overlap(a, b) for a in sven_slots for b in lena_slots)
    expect(page.locator("body")).to_contain_text("held for Sven Berg")
    _shots(page, live, "03-offer-with-holds")
    assert {i.status for i in _rows(app, Interview)} == {"offered", "scheduled"}

    # Lena opens her link (German) and looks at the times, and her current one.
    lena_ctx = _context(chromium, live, locale="de-DE")
    lena_page = lena_ctx.new_page()
    lena_link = _link(app, "lena@example.org")
    lena_page.goto(lena_link)
    expect(lena_page.get_by_role("heading", name="Neuen Termin wählen")).to_be_visible()
    expect(lena_page.locator("main")).to_contain_text("Paralegal · Muster & Partner GmbH")
    facts = lena_page.locator("dl.facts")  # the time being moved, in du-German
    expect(facts).to_contain_text("Bisheriger Termin (wird verschoben)")
    expect(facts).to_contain_text("Freitag, 13. März 2026, 10:00 – 11:00")
    expect(lena_page.locator('input[name="slot"]:checked')).to_have_count(0)  # none chosen
    first = lena_slots[0]
    wanted = lena_page.locator(f'input[name="slot"][value="{first.id}"]')
    expect(wanted).to_be_enabled()
    _shots(lena_page, live, "04-pick-de", phone=True)

    # Sven (Swedish) finds none of his times works and suggests Lena's first time.
    sven_ctx = _context(chromium, live, locale="sv-SE")
    sven_page = sven_ctx.new_page()
    sven_page.goto(_link(app, "sven@example.org"))
    expect(sven_page.get_by_role("heading", name="Välj en ny tid")).to_be_visible()
    _shots(sven_page, live, "05-pick-sv")
    local = first.start.astimezone(BERLIN)
    weekday = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
    words = f"Passar {weekday[local.weekday()]} den {local.day} mars kl. {local:%H:%M}?"
    sven_page.locator("summary", has_text="Ingen av tiderna passar").click()
    sven_page.get_by_label("När skulle det passa dig?").fill(words)
    _submit(sven_page, sven_page.get_by_role("button", name="Skicka mitt förslag"))
    expect(sven_page.get_by_role("status")).to_be_visible()
    (declined,) = _rows(app, Offer, Offer.interview_id == sven.id)
    assert (declined.state, declined.suggestion) == ("declined", words)
    _promises(app)

    # The employer sees the suggestion on Sven's interview, its time read from the words,
    # and books it with one click: Sven's interview moves to Lena's first time.
    page.goto(f"{position.rsplit('/positions', 1)[0]}/interviews/{sven.id}")
    suggestion = page.locator("#suggestion")
    expect(suggestion).to_contain_text(words)
    expect(suggestion.get_by_label("Start")).to_have_value(local.strftime("%Y-%m-%dT%H:%M"))
    _shots(page, live, "06-suggestion")
    _submit(page, suggestion.get_by_role("button", name="Book this time"))
    # the time is held for Lena by her open offer (same interviewer): a K1 clash, shown
    # and nothing booked until the employer confirms it
    suggestion = page.locator("#suggestion")
    expect(suggestion.locator("#clashes")).to_contain_text("held for Lena Vogel by an open offer")
    assert _interview_of(app, "sven@example.org").status == "offered"
    _shots(page, live, "06a-suggestion-held")
    suggestion.get_by_label("Book even if the time clashes for someone").check()
    _submit(page, suggestion.get_by_role("button", name="Book this time"))
    moved = _interview_of(app, "sven@example.org")
    assert (moved.status, moved.start, moved.sequence) == ("rescheduled", first.start, 1)
    expect(page.locator("dl.facts")).to_contain_text(local.strftime("%-d March 2026, %H:%M"))
    _promises(app)

    # Lena, on the page she opened before, confirms that same time: refused in German,
    # the times still free offered; nothing is booked for her.
    wanted.check()
    _submit(lena_page, lena_page.get_by_role("button", name="Diesen Termin bestätigen"))
    alert = lena_page.get_by_role("alert")
    expect(alert).to_have_text("Dieser Termin ist nicht mehr frei.")  # no "Angebot:"
    expect(lena_page.locator(f'input[name="slot"][value="{first.id}"]')).to_be_disabled()
    expect(lena_page.locator("label.slot", has_text="nicht mehr frei")).to_have_count(1)
    for other in lena_slots[1:]:
        expect(lena_page.locator(f'input[name="slot"][value="{other.id}"]')).to_be_enabled()
    _shots(lena_page, live, "07-pick-refused-de", phone=True)
    still = _interview_of(app, "lena@example.org")
    assert (still.status, still.start) == ("offered", lena.start)
    at_first = [i for i in _rows(app, Interview) if i.start == first.start]
    assert [(i.id, i.status) for i in at_first] == [(sven.id, "rescheduled")]  # one booking
    _promises(app)

    # The position is filled while Lena's link is still open (a second tab keeps the
    # form); the worker tells everyone.
    stale = lena_ctx.new_page()
    stale.goto(lena_link)
    page.goto(position)
    _submit(page, page.get_by_role("link", name="The position is filled: tell the candidates"))
    expect(page.locator("main")).to_contain_text("3 candidates will be told")
    _shots(page, live, "08-fill-preview")
    _submit(page, page.get_by_role("button", name="Send to all"))
    page.wait_for_url(re.compile(r"/progress$"))
    assert fill_batches.run(app.state.sessions, clock=clock).told == 3
    expect(page.get_by_role("status")).to_contain_text("3 candidates told", timeout=10_000)
    _shots(page, live, "09-fill-done")
    interviews = _rows(app, Interview)
    assert {i.status for i in interviews} == {"filled"}
    assert {c.status for c in _rows(app, Candidate)} == {"informed"}
    (filled,) = _rows(app, Position)
    assert filled.status == "filled"
    for interview in interviews:
        cancels = _rows(
            app,
            OutboxMessage,
            OutboxMessage.interview_id == interview.id,
            OutboxMessage.state.in_(QUEUED),
        )
        assert len(cancels) >= 2 and {m.calendar_method for m in cancels} == {"CANCEL"}
        assert MARIA in {m.recipient for m in cancels}
    told = _rows(app, OutboxMessage, OutboxMessage.calendar_method == "CANCEL")
    assert {m.recipient for m in told} >= set(LANGUAGE) - {HR}
    _promises(app)

    # Lena's open link now says, in German, that it no longer works and why.
    lena_page.goto(lena_link)
    expect(lena_page.get_by_role("alert")).to_have_text(
        "Dieser Link funktioniert nicht mehr, weil die Stelle inzwischen besetzt ist. "
        "Ein Schreiben dazu ist auf dem Weg zu Ihnen."  # as the offer's letter: Sie
    )
    assert lena_page.locator('input[name="slot"]').count() == 0
    _shots(lena_page, live, "10-link-closed-de", phone=True)
    (closed,) = _rows(app, Offer, Offer.interview_id == lena.id)
    assert closed.state == "closed"
    # the form still open in the other tab books nothing either, and says why
    stale.locator(f'input[name="slot"][value="{lena_slots[1].id}"]').check()
    with stale.expect_navigation(wait_until="load"):
        stale.get_by_role("button", name="Diesen Termin bestätigen").click()
    _shots(stale, live, "11-stale-pick-after-fill-de")
    expect(stale.get_by_role("alert")).to_contain_text("weil die Stelle inzwischen besetzt ist")
    assert {i.status for i in _rows(app, Interview)} == {"filled"}
    assert _rows(app, Offer, Offer.interview_id == lena.id)[0].picked_slot_id is None
    _promises(app)
    for context in (lena_ctx, sven_ctx, hr):
        context.close()


# --- journey 2: the candidate ----------------------------------------------------------------


def test_candidate_agrees_to_a_proposed_time_and_gets_it_in_the_calendar_file(
    chromium: Any, live: dict[str, Any]
) -> None:
    app, clock = live["app"], live["clock"]
    clock.now = START
    context = _context(chromium, live, locale="de-DE", accept_downloads=True)
    page = context.new_page()
    page.goto("/signup")
    page.get_by_label("Dein Name").fill("Alex Weber")
    page.get_by_label("E-Mail").fill("alex@example.org")
    page.get_by_label("Passwort (mindestens 10 Zeichen)").fill(PASSWORD)
    _submit(page, page.get_by_role("button", name="Registrieren"))
    _sign_in(page, "alex@example.org", german=True)
    home = str(page.url)
    ws = int(home.rsplit("/", 1)[1])
    mine = Interview.workspace_id == ws

    page.goto(home + "/interviews/new")
    page.get_by_label("Einladungsdatei (.ics oder .eml)").set_input_files(str(INVITE))
    _submit(page, page.get_by_role("button", name="Importieren"))
    page.wait_for_url(re.compile(r"/interviews/\d+$"))
    interview_url = str(page.url)
    expect(page.locator("dl.facts")).to_contain_text("Montag, 16. März 2026, 14:00")
    (imported,) = _rows(app, Interview, mine)
    assert (imported.status, imported.sequence) == ("scheduled", 0)
    _promises(app)

    _submit(page, page.get_by_role("button", name="Plan erstellen"))
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    plan_url = str(page.url)
    _submit(page, page.get_by_role("button", name=re.compile("Postausgang")))
    # no mail server here: the user sends it by hand and marks it as sent
    page.goto(home + "/outbox")
    row = page.locator("tbody tr").first
    _submit(page, row.get_by_role("button", name="Als gesendet markieren"))
    sent = _rows(app, OutboxMessage, OutboxMessage.workspace_id == ws)
    assert [m.state for m in sent] == ["sent"]
    _promises(app)

    page.goto(plan_url)
    page.get_by_label("Oder die Antwort hier einfügen").fill(
        "Guten Tag Frau Weber,\n\nkein Problem. Passt Ihnen Donnerstag, 19. März um 10 Uhr?\n\n"
        "Viele Grüße\nJonas Doe"
    )
    _submit(page, page.get_by_role("button", name="Antwort hinzufügen"))
    proposals = page.locator("ul.proposals li")
    expect(proposals).to_have_count(1)
    expect(proposals).to_contain_text("Donnerstag, 19. März 2026, 10:00")
    _shots(page, live, "12-reply-proposes")
    _submit(page, proposals.get_by_role("button", name="Diesen Termin zusagen"))
    agreed = page.locator(".agreed")
    expect(agreed).to_contain_text("Donnerstag, 19. März 2026, 10:00")
    expect(agreed).to_contain_text("Montag, 16. März 2026, 14:00")  # before
    _shots(page, live, "13-plan-agreed")
    new_start = datetime(2026, 3, 19, 10, 0, tzinfo=BERLIN)
    (moved,) = _rows(app, Interview, mine)
    assert (moved.start, moved.end - moved.start) == (new_start, timedelta(hours=1))
    assert moved.previous_start == datetime(2026, 3, 16, 13, 0, tzinfo=UTC)
    assert moved.sequence == 1 and moved.status == "rescheduled"
    _promises(app)

    with page.expect_download() as download:
        agreed.get_by_role("link", name=re.compile(r"\.ics")).click()
    calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == new_start
    assert int(event["SEQUENCE"]) > 0  # the invitation had SEQUENCE:0
    assert str(event["UID"]) == imported.uid

    page.goto(interview_url)
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Donnerstag, 19. März 2026, 10:00")
    expect(page.locator("main")).to_contain_text("Montag, 16. März 2026, 14:00")  # previous
    _shots(page, live, "14-interview-moved")
    context.close()
