"""The CalDAV accounts page, in-process on SQLite and PostgreSQL, against a real Radicale:
connect from the bare server address, choose two calendars, the busy time counted; a
wrong password and a private address refused in the viewer's language by their field,
the form kept but the password; another workspace's account out of reach."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import func, select

from fairnotice.operations.busy import refresh
from fairnotice.operations.busy.stored import owners_busy
from fairnotice.store.tables import (
    Base,
    BusyCalendar,
    CaldavAccount,
    CaldavCalendar,
    Candidate,
    OfferSlot,
    PlanRecord,
)
from tests.calendar import caldav_servers
from tests.calendar.caldav_servers import Server
from tests.web.conftest import Browser
from tests.web.employer_setup import offered
from tests.web.helpers import add_interview, candidate, make_plan, organisation, position

radicale = caldav_servers.radicale  # the server, as a fixture
MARIA = "m.roth@example.com"
MEETING = (datetime(2026, 3, 16, 8, tzinfo=UTC), datetime(2026, 3, 16, 9, 30, tzinfo=UTC))
COURT = (datetime(2026, 3, 17, 7, tzinfo=UTC), datetime(2026, 3, 17, 15, tzinfo=UTC))
GYM = (datetime(2026, 3, 18, 16, tzinfo=UTC), datetime(2026, 3, 18, 17, tzinfo=UTC))


def allow_private(app: FastAPI) -> None:
    app.state.settings = app.state.settings.changed(calendars={"caldav_allow_private": True})


def calendars(server: Server) -> None:
    """Work and Court (to be chosen) and Private (not), each with one event."""
    for slug, name, colour, (start, end) in (
        ("work", "Work", "#3366FF", MEETING),
        ("court", "Court days", "#AA2200", COURT),
        ("private", "Private", None, GYM),
    ):
        url = server.calendar(slug, name, colour)
        server.event(url, slug, f"{start:%Y%m%dT%H%M%SZ}", f"{end:%Y%m%dT%H%M%SZ}", name)


def connect(browser: Browser, ws: int, server: Server, **changes: str) -> object:
    browser.get(f"/w/{ws}/caldav")
    form = {
        "owner_email": MARIA,
        "caldav_server": server.base,
        "caldav_username": server.username,
        "caldav_password": server.password,
        **changes,
    }
    return browser.post(f"/w/{ws}/caldav", form)


def proposals(app: FastAPI, plan_id: int) -> list[tuple[datetime, datetime]]:
    with app.state.sessions() as session:
        record = session.get(PlanRecord, plan_id)
        assert record is not None
        return [
            (datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]))
            for s in record.plan["proposed_slots"]
        ]


def everything_stored(app: FastAPI) -> str:
    with app.state.sessions() as session:
        return "\n".join(
            repr(session.execute(select(table)).all()) for table in Base.metadata.sorted_tables
        )


def test_an_employer_connects_an_account_and_two_chosen_calendars_count(
    app: FastAPI, browser: Browser, radicale: Server
) -> None:
    allow_private(app)
    calendars(radicale)
    browser.sign_up("hr@example.com")
    org = organisation(browser)
    response = connect(browser, org, radicale)
    assert response.status_code == 303, response.text
    page = browser.get(f"/w/{org}/caldav")
    assert page.status_code == 200
    names = re.findall(r'<label for="cal-(\d+)">(?:<svg.*?</svg> )?([^<]+)</label>', page.text)
    assert sorted(n for _, n in names) == ["Court days", "Private", "Work"]
    assert 'fill="#3366FF"' in page.text and radicale.password not in page.text
    ids = {name: number for number, name in names}
    account = int(re.findall(r'id="account-(\d+)"', page.text)[0])
    chosen = browser.post(
        f"/w/{org}/caldav/{account}/calendars", {"calendar": [ids["Work"], ids["Court days"]]}
    )
    assert chosen.status_code == 303, chosen.text
    page = browser.get(f"/w/{org}/caldav")
    assert page.text.count("last read") == 2 and "free/busy times only" in page.text
    with app.state.sessions() as session:
        found, unread = owners_busy(
            session,
            workspace_id=org,
            emails=[MARIA],
            start=datetime(2026, 3, 16, tzinfo=UTC),
            end=datetime(2026, 3, 21, tzinfo=UTC),
            now=app.state.clock(),
        )
    assert (sorted(found), unread) == ([MEETING, COURT], [])
    assert radicale.password not in everything_stored(app)
    # unticking all: nothing counts any more, the account stays
    assert browser.post(f"/w/{org}/caldav/{account}/calendars", {}).status_code == 303
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(BusyCalendar)) == 0
        assert session.scalar(select(func.count()).select_from(CaldavCalendar)) == 3


def test_a_wrong_password_comes_back_in_german_by_its_field_without_the_password(
    app: FastAPI, browser: Browser, radicale: Server
) -> None:
    allow_private(app)
    calendars(radicale)
    ws = browser.sign_up("kandidatin@example.org")
    browser.http.headers["accept-language"] = "de"
    wrong = "Zq7-wrong-app-pw"
    response = connect(browser, ws, radicale, caldav_password=wrong)
    assert response.status_code == 422
    problems = re.search(r'<div class="problems".*?</div>', response.text, re.S)
    assert problems is not None, response.text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", problems.group(0)))
    assert "App-Passwort" in text and "Anmeldung" in text and "401" in text, text
    assert wrong not in response.text and radicale.password not in response.text
    assert f'value="{radicale.base}"' in response.text  # the form as typed, but the password
    assert 'id="caldav_password" name="caldav_password" type="password"' in response.text
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CaldavAccount)) == 0
    assert wrong not in everything_stored(app)


def test_a_private_address_is_refused_in_production_mode(
    app: FastAPI, browser: Browser, radicale: Server
) -> None:
    calendars(radicale)  # the server is there and would answer
    browser.sign_up("hr@example.com")
    org = organisation(browser)
    response = connect(browser, org, radicale)
    assert response.status_code == 422
    problems = re.search(r'<div class="problems".*?</div>', response.text, re.S)
    assert problems is not None
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", problems.group(0)))
    assert "Server address" in text and "not allowed" in text and "private" in text, text
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CaldavAccount)) == 0


def test_another_workspace_cannot_reach_the_account(
    app: FastAPI, browser: Browser, other_browser: Browser, radicale: Server
) -> None:
    allow_private(app)
    calendars(radicale)
    browser.sign_up("hr@example.com")
    org = organisation(browser)
    assert connect(browser, org, radicale).status_code == 303
    with app.state.sessions() as session:
        account = session.scalar(select(CaldavAccount.id))
        some = session.scalar(select(CaldavCalendar.id))
    theirs = other_browser.sign_up("other@example.org")
    other_browser.get(f"/w/{theirs}/caldav")
    for url, data in (
        (f"/w/{theirs}/caldav/{account}/calendars", {"calendar": [some]}),
        (f"/w/{theirs}/caldav/{account}/delete", {}),
        (f"/w/{org}/caldav/{account}/delete", {}),
    ):
        assert other_browser.post(url, data).status_code == 404
    assert other_browser.get(f"/w/{org}/caldav").status_code == 404
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CaldavAccount)) == 1
        assert session.scalar(select(func.count()).select_from(BusyCalendar)) == 0


def test_a_candidates_own_caldav_calendar_marks_the_week_and_shapes_the_plan(
    app: FastAPI, browser: Browser, radicale: Server
) -> None:
    allow_private(app)
    ws = browser.sign_up("kandidatin@example.org")
    interview = add_interview(browser, ws)
    before = proposals(app, make_plan(browser, ws, interview))
    assert before
    first = before[0]
    work = radicale.calendar("work", "Work", "#3366FF")
    start, end = (moment.astimezone(UTC) for moment in first)
    radicale.event(work, "blocker", f"{start:%Y%m%dT%H%M%SZ}", f"{end:%Y%m%dT%H%M%SZ}", "x")
    assert connect(browser, ws, radicale, owner_email=MARIA).status_code == 303
    with app.state.sessions() as session:  # a candidate's calendars are their own
        assert session.scalar(select(CaldavAccount.owner_email)) == "kandidatin@example.org"
        (calendar,) = session.scalars(select(CaldavCalendar.id)).all()
    with app.state.sessions() as session:
        account = session.scalar(select(CaldavAccount.id))
    assert (
        browser.post(f"/w/{ws}/caldav/{account}/calendars", {"calendar": [calendar]}).status_code
        == 303
    )
    page = browser.get(f"/w/{ws}/interviews/{interview}")
    berlin = first[0].astimezone(ZoneInfo("Europe/Berlin"))
    block = berlin.hour - berlin.hour % 2  # the week view's two-hour blocks
    marked = re.search(
        rf'<td class="busy"><span class="busy-mark">[^<]*</span> <input type="checkbox" '
        rf'name="free" value="{berlin:%Y-%m-%d}T{block:02d}"',
        page.text,
    )
    assert marked is not None, "the calendar's busy time is not marked in the week view"
    after = proposals(app, make_plan(browser, ws, interview))
    assert after and all(not (s < first[1] and e > first[0]) for s, e in after), after


def test_a_calendar_that_stops_answering_shows_why_in_the_viewers_language(
    app: FastAPI, browser: Browser, radicale: Server
) -> None:
    allow_private(app)
    calendars(radicale)
    browser.sign_up("hr@example.com")
    org = organisation(browser)
    assert connect(browser, org, radicale).status_code == 303
    with app.state.sessions() as session:
        account = session.scalar(select(CaldavAccount.id))
        work = session.scalar(select(CaldavCalendar.id).where(CaldavCalendar.name == "Work"))
    chosen = browser.post(f"/w/{org}/caldav/{account}/calendars", {"calendar": [work]})
    assert chosen.status_code == 303
    radicale.remove(f"{radicale.home}work/")
    app.state.clock.advance(minutes=31)
    done = refresh.refresh_due(
        app.state.sessions,
        clock=app.state.clock,
        secret=app.state.settings.secret,
        allow_private=True,
    )
    assert done.failed == 1, done
    browser.http.headers["accept-language"] = "de"
    page = browser.get(f"/w/{org}/caldav")
    state = re.search(rf'id="cal-{work}-state">(.*?)</span>\s*</div>', page.text, re.S)
    assert state is not None, page.text
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", state.group(1)))
    assert "konnte nicht gelesen werden: den Kalender gibt es nicht mehr (404)" in words, words
    assert "CalDAV-Server antwortete" not in words, words  # no protocol words
    assert "keine Zeit gilt als frei" in words, words


def test_k1_at_scheduling_counts_the_interviewers_caldav_calendar(
    app: FastAPI, browser: Browser, radicale: Server
) -> None:
    allow_private(app)
    calendars(radicale)
    browser.sign_up("hr@example.com")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    assert connect(browser, org, radicale).status_code == 303
    with app.state.sessions() as session:
        account = session.scalar(select(CaldavAccount.id))
        work = session.scalar(select(CaldavCalendar.id).where(CaldavCalendar.name == "Work"))
        lena = session.scalar(select(Candidate.id))
    chosen = browser.post(f"/w/{org}/caldav/{account}/calendars", {"calendar": [work]})
    assert chosen.status_code == 303
    browser.get(f"/w/{org}/positions/{pos}")
    form = {
        "candidate_id": str(lena),
        "date": "2026-03-16",
        "start_time": "10:00",  # Berlin: the board meeting runs 09:00-10:30
        "end_time": "11:00",
        "timezone": "Europe/Berlin",
        "location": "Friedrichstraße 10",
        "interviewers": f"Maria Roth {MARIA}",
    }
    busy = browser.post(f"/w/{org}/positions/{pos}/interviews", form)
    assert busy.status_code == 422
    clashes = busy.text.split('id="clashes"')[1].split("</ul>")[0].replace("\u202f", " ")
    assert "Maria Roth is busy: Monday, 16 March 2026, 09:00 – 10:30" in clashes, clashes
    later = browser.post(
        f"/w/{org}/positions/{pos}/interviews", {**form, "start_time": "11:00", "end_time": "12:00"}
    )
    assert later.status_code == 303  # free then: no question asked


def test_the_pick_re_check_counts_the_interviewers_caldav_calendar(
    app: FastAPI, browser: Browser, other_browser: Browser, radicale: Server
) -> None:
    allow_private(app)
    setup = offered(app, browser)  # Maria Roth interviews; three times offered
    with app.state.sessions() as session:
        slots = session.execute(
            select(OfferSlot.id, OfferSlot.start, OfferSlot.end)
            .where(OfferSlot.offer_id == setup.offer)
            .order_by(OfferSlot.start)
        ).all()
    taken, free = slots[0], slots[1]
    work = radicale.calendar("work", "Work")
    start, end = (moment.astimezone(UTC) for moment in (taken.start, taken.end))
    radicale.event(work, "new-meeting", f"{start:%Y%m%dT%H%M%SZ}", f"{end:%Y%m%dT%H%M%SZ}", "x")
    # Maria's account connected after the offer went out: her new meeting counts now
    assert connect(browser, setup.org, radicale).status_code == 303
    with app.state.sessions() as session:
        account = session.scalar(select(CaldavAccount.id))
        (calendar,) = session.scalars(select(CaldavCalendar.id)).all()
    chosen = browser.post(f"/w/{setup.org}/caldav/{account}/calendars", {"calendar": [calendar]})
    assert chosen.status_code == 303
    path = setup.link.removeprefix("http://testserver")
    other_browser.get(path)
    refused = other_browser.post(path, {"slot": str(taken.id)})
    assert refused.status_code != 303, refused.text
    assert "Dieser Termin ist nicht mehr frei" in refused.text  # taken, not too soon
    with app.state.sessions() as session:
        assert session.get(OfferSlot, taken.id).state != "booked"  # type: ignore[union-attr]
    other_browser.get(path)
    assert other_browser.post(path, {"slot": str(free.id)}).status_code == 303
