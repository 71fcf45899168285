"""Each state change has its own action (issue 11): the REST endpoints and the interview
page's buttons, through the lifecycle, on SQLite and PostgreSQL. A refused change is 409
naming why; bad input 422 naming the field; another workspace's interview 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.store.tables import Interview, InterviewEvent, OutboxMessage
from tests.web.conftest import Browser, Clock
from tests.web.employer_setup import offered
from tests.web.test_api import api_token

INTERVIEW: dict[str, Any] = {
    "position": "Paralegal",
    "company": "Muster & Partner GmbH",
    "start": "2026-03-16T13:00:00+00:00",
    "end": "2026-03-16T14:00:00+00:00",
    "timezone": "Europe/Berlin",
    "contact": {"name": "Lena Vogel", "email": "lena@example.org"},
    "interviewers": [{"name": "Maria Roth", "email": "m.roth@example.com"}],
}
AFTER_START = datetime(2026, 3, 16, 13, 30, tzinfo=UTC)


def _org_api(browser: Browser) -> tuple[dict[str, str], int]:
    headers = api_token(browser, "hr@example.com", organisation="Muster & Partner GmbH")
    made = browser.http.post("/api/v1/interviews", json=INTERVIEW, headers=headers)
    assert made.status_code == 201, made.text
    return headers, int(made.json()["id"])


def _act(browser: Browser, headers: dict[str, str], item: int, action: str, **body: Any) -> Any:
    return browser.http.post(
        f"/api/v1/interviews/{item}/{action}", json=body or None, headers=headers
    )


def test_took_place_and_no_show_are_refused_before_the_start(
    browser: Browser, clock: Clock
) -> None:
    headers, item = _org_api(browser)
    for action in ("took-place", "no-show"):
        refused = _act(browser, headers, item, action)
        assert refused.status_code == 409, refused.text
        assert "has not started yet" in refused.json()["detail"]
    state = browser.http.get(f"/api/v1/interviews/{item}", headers=headers).json()
    assert state["status"] == "scheduled"
    assert {"took_place", "no_show", "cancel", "withdraw", "book"} <= set(state["allowed"])
    clock.now = AFTER_START
    done = _act(browser, headers, item, "took-place", why="went well")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "took_place"
    again = _act(browser, headers, item, "no-show")
    assert again.status_code == 409 and "has taken place" in again.json()["detail"]
    cancel = _act(browser, headers, item, "cancel")
    assert cancel.status_code == 409 and "has taken place" in cancel.json()["detail"]
    trail = browser.http.get(f"/api/v1/interviews/{item}/events", headers=headers).json()
    assert [(e["event"], e["from_state"], e["to_state"]) for e in trail][-1] == (
        "took_place",
        "scheduled",
        "took_place",
    )
    assert trail[-1]["why"] == "went well" and trail[-1]["actor"].startswith("user:")


def test_no_show_after_the_start_closes_the_interview(browser: Browser, clock: Clock) -> None:
    headers, item = _org_api(browser)
    clock.now = AFTER_START
    shown = _act(browser, headers, item, "no-show")
    assert shown.status_code == 200 and shown.json()["status"] == "no_show"
    assert "book" not in shown.json()["allowed"]
    refused = _act(
        browser, headers, item, "book", start="2026-03-20T09:00:00Z", end="2026-03-20T10:00:00Z"
    )
    assert refused.status_code == 409 and "did not come" in refused.json()["detail"]


def test_withdraw_then_everything_else_is_refused_naming_why(
    app: FastAPI, browser: Browser
) -> None:
    headers, item = _org_api(browser)
    done = _act(browser, headers, item, "withdraw", why="took another job")
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    assert "withdraw" not in done.json()["allowed"]
    for action in ("withdraw", "cancel", "took-place"):
        refused = _act(browser, headers, item, action)
        assert refused.status_code == 409, action
        assert refused.json()["detail"] == "interview: the candidate has withdrawn"
    with app.state.sessions() as session:
        cancels = session.scalars(
            select(OutboxMessage.recipient).where(
                OutboxMessage.interview_id == item, OutboxMessage.calendar_method == "CANCEL"
            )
        ).all()
    assert cancels == ["m.roth@example.com"]  # the interviewer's calendar drops it


def test_cancel_queues_the_letter_and_names_its_plan(app: FastAPI, browser: Browser) -> None:
    headers, item = _org_api(browser)
    bad = _act(browser, headers, item, "cancel", reason="bored")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "reason"
    done = _act(browser, headers, item, "cancel", reason="illness")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "cancelled" and done.json()["plan_id"]
    assert done.json()["allowed"] == ["edit_details", "delete"]  # a correction, or gone
    with app.state.sessions() as session:
        to = session.scalars(
            select(OutboxMessage.recipient).where(
                OutboxMessage.plan_id == done.json()["plan_id"],
                OutboxMessage.calendar_method == "CANCEL",
            )
        ).all()
    assert to == ["lena@example.org"]


def test_book_moves_the_time_and_bad_input_names_the_field(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    headers, item = _org_api(browser)
    url = f"/api/v1/interviews/{item}/book"
    backwards = {"start": "2026-03-20T10:00:00Z", "end": "2026-03-20T09:00:00Z"}
    assert (
        browser.http.post(url, json=backwards, headers=headers).json()["detail"][0]["field"]
        == "end"
    )
    missing = browser.http.post(url, json={"end": "2026-03-20T09:00:00Z"}, headers=headers)
    assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "start"
    past = {"start": "2026-03-01T10:00:00Z", "end": "2026-03-01T11:00:00Z"}
    answer = browser.http.post(url, json=past, headers=headers)
    assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == "start"
    other = api_token(other_browser, "other@example.org", organisation="Other AB")
    good = {"start": "2026-03-20T09:00:00Z", "end": "2026-03-20T10:00:00Z"}
    assert other_browser.http.post(url, json=good, headers=other).status_code == 404
    booked = browser.http.post(url, json=good, headers=headers)
    assert booked.status_code == 200, booked.text
    body = booked.json()
    assert body["status"] == "rescheduled" and body["start"].startswith("2026-03-20T09:00")
    with app.state.sessions() as session:
        row = session.get(Interview, item)
        assert row is not None and row.previous_start is not None
        assert row.previous_start.astimezone(UTC) == datetime(2026, 3, 16, 13, tzinfo=UTC)
        requests = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.interview_id == item,
                OutboxMessage.calendar_method == "REQUEST",
                OutboxMessage.interview_sequence == row.sequence,
            )
        ).all()
    assert {r.recipient for r in requests} == {"lena@example.org", "m.roth@example.com"}
    assert all("DTSTART;TZID=Europe/Berlin:20260320T100000" in r.calendar_ics for r in requests)


# --- the interview page --------------------------------------------------------------


def _employer(app: FastAPI, browser: Browser) -> tuple[int, int]:
    from tests.web.helpers import candidate, organisation, position, schedule

    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    with app.state.sessions() as session:
        from fairnotice.store.tables import Candidate

        cand = session.scalar(select(Candidate.id).where(Candidate.workspace_id == org))
    assert cand is not None
    schedule(browser, org, pos, cand)
    with app.state.sessions() as session:
        interview = session.scalar(select(Interview.id).where(Interview.workspace_id == org))
    assert interview is not None
    return org, interview


def _actions(page: str) -> set[str]:
    return set(re.findall(r'action="/w/\d+/interviews/\d+/([a-z-]+)"', page))


def test_the_page_shows_only_what_the_state_allows(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    org, item = _employer(app, browser)
    page = browser.get(f"/w/{org}/interviews/{item}").text
    assert _actions(page) == {"offer", "book", "withdraw", "cancel"}  # not started yet
    assert "<details>" in page and "Cancel the interview…" in page  # confirmed first
    early = browser.post(f"/w/{org}/interviews/{item}/took-place")
    assert early.status_code == 409 and "has not started yet" in early.text
    clock.now = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)  # 10:30 Berlin: under way
    page = browser.get(f"/w/{org}/interviews/{item}").text
    assert {"took-place", "no-show"} <= _actions(page)
    done = browser.post(f"/w/{org}/interviews/{item}/took-place")
    assert done.status_code == 303
    page = browser.get(done.headers["location"]).text
    assert _actions(page) == set()
    assert "Next: tell the candidate the outcome." in page
    no_csrf = browser.http.post(f"/w/{org}/interviews/{item}/no-show", follow_redirects=False)
    assert no_csrf.status_code == 403


def test_the_page_speaks_the_viewers_language(app: FastAPI, browser: Browser) -> None:
    org, item = _employer(app, browser)
    page = browser.get(f"/w/{org}/interviews/{item}", headers={"Accept-Language": "de-DE"}).text
    assert "Gespräch absagen" in page or "absagen" in page
    withdrawn = browser.post(f"/w/{org}/interviews/{item}/withdraw", {"why": "anderes Angebot"})
    assert withdrawn.status_code == 303
    refused = browser.post(
        f"/w/{org}/interviews/{item}/withdraw", headers={"Accept-Language": "sv-SE"}
    )
    assert refused.status_code == 409
    assert "the candidate has withdrawn" not in refused.text  # translated
    with app.state.sessions() as session:
        event = session.scalars(
            select(InterviewEvent)
            .where(InterviewEvent.interview_id == item)
            .order_by(InterviewEvent.id)
        ).all()[-1]
    assert (event.event, event.to_state, event.why) == ("withdraw", "withdrawn", "anderes Angebot")


def test_a_suggestion_is_shown_and_booked_in_one_click(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    setup = offered(app, browser)
    other_browser.get(setup.link)
    declined = other_browser.post(
        f"{setup.link}/none", {"suggestion": "Ginge es am Donnerstag, 19. März um 14 Uhr?"}
    )
    assert declined.status_code == 303, declined.text
    overview = browser.get(f"/w/{setup.org}").text
    assert "Donnerstag, 19. März um 14 Uhr" in overview
    assert f"/w/{setup.org}/interviews/{setup.interview}#suggestion" in overview
    offer_page = browser.get(f"/w/{setup.org}/offers/{setup.offer}").text
    assert f"/w/{setup.org}/interviews/{setup.interview}#suggestion" in offer_page
    page = browser.get(f"/w/{setup.org}/interviews/{setup.interview}").text
    assert 'id="suggestion"' in page and "Donnerstag, 19. März um 14 Uhr" in page
    start = re.search(
        r'id="suggested-start" name="start" type="datetime-local" required value="([^"]+)"', page
    )
    end = re.search(
        r'id="suggested-end" name="end" type="datetime-local" required value="([^"]+)"', page
    )
    assert start and end
    assert (start.group(1), end.group(1)) == ("2026-03-19T14:00", "2026-03-19T15:00")
    booked = browser.post(
        f"/w/{setup.org}/interviews/{setup.interview}/book",
        {"start": start.group(1), "end": end.group(1), "offer_id": str(setup.offer)},
    )
    assert booked.status_code == 303, booked.text
    with app.state.sessions() as session:
        row = session.get(Interview, setup.interview)
        assert row is not None and row.status == "rescheduled"
        assert row.start.astimezone(UTC) == datetime(2026, 3, 19, 13, tzinfo=UTC)
        event = session.scalars(
            select(InterviewEvent)
            .where(InterviewEvent.interview_id == row.id)
            .order_by(InterviewEvent.id)
        ).all()[-1]
        assert event.event == "book" and event.detail == {"offer": setup.offer}
    after = browser.get(f"/w/{setup.org}/interviews/{setup.interview}").text
    assert 'id="suggestion"' not in after and "Before:" in after
    assert "Donnerstag, 19. März um 14 Uhr" not in browser.get(f"/w/{setup.org}").text


def test_a_suggestion_without_a_time_keeps_the_interviews_time_in_the_form(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    setup = offered(app, browser)
    other_browser.get(setup.link)
    other_browser.post(f"{setup.link}/none", {"suggestion": "Bitte rufen Sie mich an."})
    page = browser.get(f"/w/{setup.org}/interviews/{setup.interview}").text
    assert "No time could be read from the suggestion" in page
    assert 'value="2026-03-12T10:00"' in page  # the interview's own time, Berlin
    assert f'action="/w/{setup.org}/interviews/{setup.interview}/offer"' in page


def test_book_checks_k1_and_books_over_a_clash_only_when_confirmed(
    app: FastAPI, browser: Browser
) -> None:
    headers, first = _org_api(browser)
    later = {**INTERVIEW, "start": "2026-03-16T15:00:00+00:00", "end": "2026-03-16T16:00:00+00:00"}
    made = browser.http.post("/api/v1/interviews", json=later, headers=headers)
    assert made.status_code == 201, made.text
    second = made.json()["id"]
    url = f"/api/v1/interviews/{second}/book"
    onto = {"start": "2026-03-16T13:30:00Z", "end": "2026-03-16T14:30:00Z"}
    clash = browser.http.post(url, json=onto, headers=headers)
    assert clash.status_code == 409, clash.text
    assert f"(interview {first})" in clash.json()["detail"] and "K1" in clash.json()["detail"]
    with app.state.sessions() as session:
        row = session.get(Interview, second)
        assert row is not None and row.status == "scheduled" and row.sequence == 0
    confirmed = browser.http.post(url, json={**onto, "confirm_clash": True}, headers=headers)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "rescheduled"
    trail = browser.http.get(f"/api/v1/interviews/{second}/events", headers=headers).json()
    assert trail[-1]["event"] == "book" and trail[-1]["detail"]["clashes_confirmed"]


def test_book_over_a_time_another_candidates_open_offer_holds_is_a_clash(
    app: FastAPI, browser: Browser
) -> None:
    """The employer books one candidate into a time an open offer to another candidate holds
    (same interviewer): shown as a clash (K1) until confirmed, never booked silently."""
    headers, first = _org_api(browser)
    other = {
        **INTERVIEW,
        "start": "2026-03-16T15:00:00+00:00",
        "end": "2026-03-16T16:00:00+00:00",
        "contact": {"name": "Sven Berg", "email": "sven@example.org"},
    }
    made = browser.http.post("/api/v1/interviews", json=other, headers=headers)
    assert made.status_code == 201, made.text
    second = made.json()["id"]
    offer = browser.http.post("/api/v1/offers", json={"interview_id": first}, headers=headers)
    assert offer.status_code == 201, offer.text
    held = offer.json()["slots"][0]
    onto = {"start": held["start"], "end": held["end"]}
    url = f"/api/v1/interviews/{second}/book"
    clash = browser.http.post(url, json=onto, headers=headers)
    assert clash.status_code == 409, clash.text
    assert "held for Lena Vogel by an open offer" in clash.json()["detail"]
    with app.state.sessions() as session:
        row = session.get(Interview, second)
        assert row is not None and row.status == "scheduled"
    confirmed = browser.http.post(url, json={**onto, "confirm_clash": True}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    trail = browser.http.get(f"/api/v1/interviews/{second}/events", headers=headers).json()
    kinds = {c["kind"] for c in trail[-1]["detail"]["clashes_confirmed"]}
    assert "held" in kinds
