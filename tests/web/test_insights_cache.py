"""The insights' event counts remembered (issue 17): a second view (page, CSV or API) does
not count the period's events again, while a new audit event, a new confirmation and a
new day show at once; the memory keeps at most its bound."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event, select

from fairnotice.operations.overview import insights as insight_ops
from fairnotice.operations.overview.remembered import Remembered
from fairnotice.store.tables import Receipt
from tests.web.conftest import Browser, Clock
from tests.web.insights_world import BASE, D, H, History, _Writer, build

COUNTING = re.compile(r"\bgaps\b")  # the CTE of the events' counting query (_tallies)


@pytest.fixture
def history(app: FastAPI, browser: Browser, other_browser: Browser) -> History:
    browser.sign_up("hr@example.com", name="Jonas Doe")
    other_browser.sign_up("boss@example.se", name="Sven Berg", tz="Europe/Stockholm")
    return build(app, browser, other_browser)


@pytest.fixture
def counted(app: FastAPI) -> Iterator[list[str]]:
    """Every statement that counts the period's events, as the database gets it."""
    seen: list[str] = []

    def listen(*args: Any) -> None:
        if COUNTING.search(args[2]):
            seen.append(args[2])

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", listen)
    yield seen
    event.remove(engine, "before_cursor_execute", listen)


def _figures(browser: Browser, org: int, query: str = "") -> dict[tuple[str, str, str], int]:
    response = browser.get(f"/w/{org}/insights.csv{query}")
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(response.text))
    return {(r["chart"], r["series"], r["bucket"]): int(r["value"]) for r in rows}


def test_a_second_view_is_served_from_memory(
    browser: Browser, history: History, counted: list[str]
) -> None:
    page = browser.get(f"/w/{history.org}/insights")
    assert page.status_code == 200
    assert len(counted) == 1
    first = _figures(browser, history.org)  # the CSV after the page: same key
    again = browser.get(f"/w/{history.org}/insights")
    assert again.text == page.text
    assert _figures(browser, history.org) == first
    assert len(counted) == 1
    # another position is another key
    _figures(browser, history.org, f"?position={history.main}")
    assert len(counted) == 2


def test_a_new_event_a_confirmation_and_a_new_day_show_at_once(
    app: FastAPI, browser: Browser, history: History, clock: Clock, counted: list[str]
) -> None:
    before = _figures(browser, history.org)
    assert before[("reasons", "employer", "illness")] == 0
    assert before[("confirmations", "notices", "confirmed")] == 1
    with app.state.sessions() as session:
        writer = _Writer(session, history.org, "user:1")
        writer.n = 100
        late = writer.interview(history.main, BASE + 8 * D, status="cancelled")
        writer.event(late, BASE + 7 * D, "cancel", detail={"reason": {"category": "illness"}})
        session.commit()
    after_event = _figures(browser, history.org)
    assert after_event[("reasons", "employer", "illness")] == 1
    moved = ("reschedules", "interviews", "0")  # the new interview, never moved
    assert after_event[moved] == before[moved] + 1
    assert len(counted) == 2  # counted again: the workspace has a newer event
    with app.state.sessions() as session:
        waiting = session.scalars(
            select(Receipt)
            .where(Receipt.workspace_id == history.org, Receipt.opened_at.is_(None))
            .order_by(Receipt.id)
        ).first()
        assert waiting is not None
        waiting.opened_at = waiting.confirmed_at = waiting.created_at + H
        session.commit()
    confirmed = _figures(browser, history.org)
    assert confirmed[("confirmations", "notices", "confirmed")] == 2
    assert confirmed[("confirmations", "notices", "not_opened")] == 0
    clock.advance(days=1)
    tomorrow = browser.get(f"/w/{history.org}/insights.csv")
    assert tomorrow.status_code == 200
    assert len(counted) == 3  # a new day, a new period: counted afresh
    day = (clock.now + timedelta(hours=1)).date().isoformat()  # Berlin's date
    assert f",{day}," in tomorrow.text.splitlines()[1]


def test_the_memory_keeps_at_most_its_bound(
    monkeypatch: pytest.MonkeyPatch, browser: Browser, history: History, counted: list[str]
) -> None:
    monkeypatch.setattr(insight_ops.COUNTED, "size", 2)
    days = ("2026-03-01", "2026-03-02", "2026-03-03")
    for last in days:
        _figures(browser, history.org, f"?until={last}")
    assert len(counted) == 3
    _figures(browser, history.org, f"?until={days[2]}")  # still kept
    assert len(counted) == 3
    _figures(browser, history.org, f"?until={days[0]}")  # the oldest fell out
    assert len(counted) == 4


def test_the_least_recently_used_falls_out_first() -> None:
    kept: Remembered[str] = Remembered(size=2)
    kept.put("a", "A")
    kept.put("b", "B")
    assert kept.get("a") == "A"  # "a" used: "b" is now the oldest
    kept.put("c", "C")
    assert len(kept) == 2
    assert kept.get("b") is None
    assert (kept.get("a"), kept.get("c")) == ("A", "C")
