"""C4 with proof of receipt (issue 17): a notice not confirmed by the recipient's next
working day (in their zone), or by 4 hours before the interview if that is sooner,
becomes a "call" to-do, derived at read time; confirming it takes the to-do away, and so
does a newer change of the interview. Read through the overview's API and `page`, which
must agree. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from fairnotice.operations.overview import todos as todo_ops
from tests.web.conftest import Browser, Clock
from tests.web.test_got_it import _interview, _org, _ws, deliver, link_in, mails_to

FRIDAY_4PM_BERLIN = datetime(2026, 3, 13, 15, 0, tzinfo=UTC)
MONDAY_4PM_BERLIN = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)


def _calls(browser: Browser, headers: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    found = browser.http.get("/api/v1/todos?limit=100", headers=headers)
    assert found.status_code == 200, found.text
    body = found.json()
    return {
        part: [t for t in body[part] if t["kind"] == "call_unconfirmed"] for part in ("now", "next")
    }


def _paged_calls(app: FastAPI, ws: int, now: datetime) -> list[int]:
    with app.state.sessions() as session:
        shown = todo_ops.page(session, workspace_id=ws, now=now, offset=0, limit=100)
    return [t.ref for t in shown.items.now if t.kind.value == "call_unconfirmed"]


def _cancelled_and_sent(
    app: FastAPI, browser: Browser, clock: Clock, start: datetime
) -> tuple[dict[str, str], int, str]:
    headers = _org(browser)
    item = _interview(browser, headers, start)
    done = browser.http.post(f"/api/v1/interviews/{item}/cancel", json={}, headers=headers)
    assert done.status_code == 200, done.text
    (letter,) = [b for s, b in mails_to(deliver(app, clock), "lena@example.org")]
    return headers, item, link_in(letter)


def test_a_fridays_notice_becomes_a_call_on_monday_and_not_before(
    app: FastAPI, browser: Browser, other_browser: Browser, clock: Clock
) -> None:
    clock.now = FRIDAY_4PM_BERLIN
    headers, item, path = _cancelled_and_sent(
        app, browser, clock, datetime(2026, 3, 25, 9, 0, tzinfo=UTC)
    )
    ws = _ws(app, item)
    for moment in (
        FRIDAY_4PM_BERLIN + timedelta(hours=1),
        datetime(2026, 3, 14, 12, 0, tzinfo=UTC),  # Saturday
        datetime(2026, 3, 15, 12, 0, tzinfo=UTC),  # Sunday
        MONDAY_4PM_BERLIN - timedelta(minutes=1),
    ):
        clock.now = moment
        assert _calls(browser, headers)["now"] == [], moment
        assert _paged_calls(app, ws, moment) == []
    assert [t["interview_id"] for t in _calls(browser, headers)["next"]] == [item]
    clock.now = MONDAY_4PM_BERLIN
    (call,) = _calls(browser, headers)["now"]
    assert call["interview_id"] == item and call["person"] == "Lena Vogel"
    assert call["due"].startswith("2026-03-16T15:00")
    assert _paged_calls(app, ws, clock.now) == [call["ref"]]
    overview = browser.get(f"/w/{ws}")
    assert 'data-kind="call_unconfirmed"' in overview.text

    other_browser.get(path)  # opening is not confirming: still a call
    assert len(_calls(browser, headers)["now"]) == 1
    other_browser.post(path, {})
    assert _calls(browser, headers) == {"now": [], "next": []}
    assert _paged_calls(app, ws, clock.now) == []


def test_the_call_comes_sooner_when_the_interview_is_near(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
    start = datetime(2026, 3, 17, 10, 0, tzinfo=UTC)  # Tuesday 11:00: 4 hours before is 6:00
    headers, item, _ = _cancelled_and_sent(app, browser, clock, start)
    clock.now = start - timedelta(hours=4, minutes=1)
    assert _calls(browser, headers)["now"] == []
    clock.now = start - timedelta(hours=4)
    (call,) = _calls(browser, headers)["now"]
    assert call["interview_id"] == item
    clock.now = start + timedelta(minutes=1)  # the interview's time has come: no use calling
    assert _calls(browser, headers)["now"] == []


def test_a_newer_change_of_the_interview_ends_the_call(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    clock.now = FRIDAY_4PM_BERLIN
    headers = _org(browser)
    item = _interview(browser, headers, datetime(2026, 3, 25, 9, 0, tzinfo=UTC))
    url = f"/api/v1/interviews/{item}/book"
    first = {"start": "2026-03-26T09:00:00Z", "end": "2026-03-26T10:00:00Z"}
    assert browser.http.post(url, json=first, headers=headers).status_code == 200
    assert link_in(mails_to(deliver(app, clock), "lena@example.org")[0][1])
    clock.now = MONDAY_4PM_BERLIN - timedelta(minutes=30)
    second = {"start": "2026-03-27T09:00:00Z", "end": "2026-03-27T10:00:00Z"}
    assert browser.http.post(url, json=second, headers=headers).status_code == 200
    deliver(app, clock)
    clock.now = MONDAY_4PM_BERLIN
    # the first time's notice is moot (the interview changed again); the second's is
    # due a working day after it went
    assert _calls(browser, headers)["now"] == []
    assert {t["person"] for t in _calls(browser, headers)["next"]} >= {"Lena Vogel"}
