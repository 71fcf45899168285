"""The overview's "Due now" and "Next", derived from state, on SQLite and PostgreSQL: an
item vanishes after the action that makes it moot (pick, cancel, fill, a step marked
done), tomorrow's item is under "Next", and the facts are read in a fixed number of
statements however many interviews there are."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import event, select

from fairnotice.operations.overview import todos as todo_ops
from fairnotice.store.tables import (
    Candidate,
    Interview,
    OfferSlot,
    PlanRecord,
    PlanStep,
)
from tests.todos.pages import derived, on_page, split
from tests.web.conftest import START, Browser, Clock
from tests.web.employer_setup import make_offer
from tests.web.helpers import (
    add_interview,
    candidate,
    make_plan,
    organisation,
    position,
    schedule,
)

Keys = list[tuple[str, int]]


def board(browser: Browser, ws: int) -> tuple[Keys, Keys, str]:
    """The keys of the items under "Due now" and under "Next", and the section's HTML."""
    page = browser.get(f"/w/{ws}")
    assert page.status_code == 200, page.text
    return split(page.text)


def kinds(keys: Keys) -> set[str]:
    return {k for k, _ in keys}


def _path(link: str) -> str:
    return link.removeprefix("http://testserver")


def employer(app: FastAPI, browser: Browser, date: str) -> tuple[int, int, int]:
    """An organisation, its position and one candidate's interview on `date`."""
    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    with app.state.sessions() as session:
        cand = session.scalar(select(Candidate.id).where(Candidate.workspace_id == org))
    schedule(browser, org, pos, cand, date=date)
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview.id).where(Interview.workspace_id == org))
    assert interview is not None
    return org, pos, interview


def offer(app: FastAPI, browser: Browser, org: int, interview: int) -> tuple[int, str]:
    return make_offer(app, browser, org, interview)


def test_tomorrow_is_next_then_due_then_gone_once_the_position_is_filled(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    org, pos, interview = employer(app, browser, "2026-03-11")  # tomorrow, 10:00 Berlin
    due, coming, html = board(browser, org)
    assert ("mark_outcome", interview) in coming and ("mark_outcome", interview) not in due
    assert "Lena Vogel" in html and "Paralegal" in html  # names the candidate and position
    assert f'href="/w/{org}/interviews/{interview}"' in html
    clock.now = START + timedelta(days=1, hours=3)  # the interview has ended: 11:00 Berlin
    due, coming, _ = board(browser, org)
    assert ("mark_outcome", interview) in due and ("mark_outcome", interview) not in coming
    browser.get(f"/w/{org}/positions/{pos}/fill")
    assert browser.post(f"/w/{org}/positions/{pos}/fill", {}).status_code == 303
    due, coming, _ = board(browser, org)
    # the rejected candidate's items are gone; only letters that did not go could remain
    assert kinds(due + coming) <= {"fix_failed", "release_draft", "step"}
    assert all(ref != interview for kind, ref in due + coming if kind != "step")


def test_an_unpicked_offer_is_next_and_gone_once_picked(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    org, _, interview = employer(app, browser, "2026-03-30")
    offer_id, link = offer(app, browser, org, interview)
    due, coming, html = board(browser, org)
    assert ("remind_offer", offer_id) in coming and ("remind_offer", offer_id) not in due
    assert f'href="/w/{org}/offers/{offer_id}"' in html
    assert ("mark_outcome", interview) not in due + coming  # its time is given up
    other_browser.get(_path(link))
    with app.state.sessions() as session:
        slot = session.scalars(
            select(OfferSlot).where(OfferSlot.offer_id == offer_id).order_by(OfferSlot.start)
        ).first()
        assert slot is not None
        picked_start = slot.start
    assert other_browser.post(_path(link), {"slot": str(slot.id)}).status_code == 303
    due, coming, _ = board(browser, org)
    assert not {"remind_offer", "offer_expired", "suggestion"} & kinds(due + coming)
    # the offer's own follow-ups went with it: what is left is the booked interview itself
    assert all(kind == "mark_outcome" and ref == interview for kind, ref in due + coming)
    if picked_start <= START + todo_ops.HORIZON:
        assert coming == [("mark_outcome", interview)]


def test_a_reminder_due_now_goes_when_the_interview_is_cancelled(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    org, _, interview = employer(app, browser, "2026-03-30")
    offer_id, _ = offer(app, browser, org, interview)
    clock.advance(days=6, hours=1)  # the link expires within a day
    due, coming, html = board(browser, org)
    assert ("remind_offer", offer_id) in due and ("remind_offer", offer_id) not in coming
    assert "Remind Lena Vogel of the offered times" in html
    response = browser.post(f"/w/{org}/interviews/{interview}/cancel", {})
    assert response.status_code == 303, response.text
    cancel_plan = int(response.headers["location"].rsplit("/", 1)[1])
    due, coming, html = board(browser, org)
    assert not {"remind_offer", "offer_expired", "mark_outcome"} & kinds(due + coming)
    # only the cancellation's own items may remain (its plan's steps)
    with app.state.sessions() as session:
        mine = set(
            session.scalars(select(PlanStep.id).where(PlanStep.plan_id == cancel_plan)).all()
        )
    assert {ref for kind, ref in due + coming if kind == "step"} <= mine
    assert kinds(due + coming) <= {"step", "fix_failed"}


def test_a_step_is_next_then_due_then_gone_once_marked_done(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    ws = browser.sign_up("cand@example.org")
    interview = add_interview(browser, ws)
    plan = make_plan(browser, ws, interview)
    with app.state.sessions() as session:
        steps = {
            s.id: s for s in session.scalars(select(PlanStep).where(PlanStep.plan_id == plan)).all()
        }
    send = next(s for s in steps.values() if s.action == "send" and s.condition is None)
    call = next(s for s in steps.values() if s.condition == "no_reply")
    due, coming, html = board(browser, ws)
    assert ("step", send.id) in due  # the email is not sent yet
    assert ("step", call.id) in coming and ("step", call.id) not in due  # C4: a working day
    assert "Herr Doe" in html and "Muster &amp; Partner GmbH" in html
    browser.get(f"/w/{ws}/plans/{plan}")
    assert browser.post(f"/w/{ws}/plans/{plan}/queue", {}).status_code == 303
    due, coming, _ = board(browser, ws)
    assert ("step", send.id) not in due + coming  # queued: that step is done
    clock.now = call.due + timedelta(minutes=1)
    due, coming, html = board(browser, ws)
    assert ("step", call.id) in due and "Reminder: no reply has come, so call now." in html
    browser.get(f"/w/{ws}/plans/{plan}")
    marked = browser.post(f"/w/{ws}/steps/{call.id}", {"outcome": "reached", "back": f"/w/{ws}"})
    assert marked.status_code == 303
    due, coming, _ = board(browser, ws)
    assert ("step", call.id) not in due + coming
    # the list is the one derived from the database's state, item for item
    assert on_page(browser, ws) == derived(app.state.sessions, ws, clock()) == (due, coming)


def test_the_facts_take_the_same_statements_for_one_interview_or_many(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    ws = browser.sign_up("cand@example.org")
    make_plan(browser, ws, add_interview(browser, ws))
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    def run() -> int:
        statements.clear()
        event.listen(app.state.engine, "before_cursor_execute", count)
        try:
            with app.state.sessions() as session:
                found = todo_ops.todos(session, workspace_id=ws, now=clock())
        finally:
            event.remove(app.state.engine, "before_cursor_execute", count)
        return len(found.now) + len(found.next)

    few = run()
    once = len(statements)
    for day in ("2026-03-17", "2026-03-18", "2026-03-19", "2026-03-20"):
        make_plan(browser, ws, add_interview(browser, ws, date=day))
    many = run()
    assert many > few and len(statements) == once
    with app.state.sessions() as session:
        assert len(session.scalars(select(PlanRecord.id)).all()) == 5


def test_the_api_lists_the_same_items_as_the_page(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    ws = browser.sign_up("cand@example.org")
    plan = make_plan(browser, ws, add_interview(browser, ws))
    browser.get(f"/w/{ws}/tokens")
    token = re.search(
        r'<code id="new-token">([^<]+)</code>',
        browser.post(f"/w/{ws}/tokens", {"label": "todos"}).text,
    )
    assert token is not None
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    assert browser.http.get("/api/v1/todos").status_code == 401
    answer = browser.http.get("/api/v1/todos", headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    due, coming, _ = board(browser, ws)
    assert [(t["kind"], t["ref"]) for t in body["now"]] == due and due
    assert [(t["kind"], t["ref"]) for t in body["next"]] == coming
    first = body["now"][0]
    assert first["href"] == f"/w/{ws}/plans/{plan}" and first["person"] == "Herr Doe"
    assert first["position"] == "Paralegal" and first["start"].startswith("2026-03-16T13:00")
