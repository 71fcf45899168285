"""The overview's to-dos and GET /api/v1/todos a page at a time (issue 18), on SQLite and
PostgreSQL: the pages, read in turn, give the whole list derived from the database (due
now first, then next), with counts by kind and links to the other pages; the API pages like
the other lists (`limit`, `offset`, `X-Total-Count`, `Link`)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import insert

from fairnotice.store.tables import Interview
from tests.todos.pages import derived, split
from tests.web.conftest import START, Browser, Clock
from tests.web.helpers import organisation

PAST = 40  # booked interviews that ended: each an outcome to mark, due now
COMING = 5  # booked interviews ending within the week: under "Next"


def _world(app: FastAPI, browser: Browser) -> int:
    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    with app.state.sessions() as session:
        rows = []
        for n in range(PAST + COMING + 3):  # and three a month ahead: no item this week
            start = START + (
                timedelta(days=-1 - n)
                if n < PAST
                else timedelta(days=2 + n - PAST)
                if n < PAST + COMING
                else timedelta(days=30)
            )
            rows.append(
                {
                    "workspace_id": org,
                    "position": "Paralegal",
                    "company": "Muster GmbH",
                    "start": start,
                    "end": start + timedelta(hours=1),
                    "timezone": "Europe/Berlin",
                    "uid": f"paged-{n}@test",
                    "status": "scheduled",
                    "contact": {"name": f"Person {n}"},
                    "created_at": START - timedelta(days=60),
                }
            )
        session.execute(insert(Interview), rows)
        session.commit()
    return org


def _token(browser: Browser, ws: int) -> dict[str, str]:
    browser.get(f"/w/{ws}/tokens")
    found = re.search(
        r'<code id="new-token">([^<]+)</code>',
        browser.post(f"/w/{ws}/tokens", {"label": "todos"}).text,
    )
    assert found is not None
    return {"Authorization": f"Bearer {found.group(1)}"}


def test_the_overview_shows_the_to_dos_a_page_at_a_time(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    org = _world(app, browser)
    due, coming = derived(app.state.sessions, org, clock.now)
    assert len(due) == PAST and len(coming) == COMING
    first = browser.get(f"/w/{org}")
    assert first.status_code == 200
    now1, next1, section = split(first.text)
    assert now1 == due[:25] and next1 == []  # due first: the page is full of them
    # counts by kind, over due now and next
    assert f"<li><strong>{PAST + COMING}</strong> outcomes to mark</li>" in section
    assert f"({PAST})" in section and f"({COMING})" in section
    assert "On the other pages." in section  # "Next" has items, on a later page
    link = re.search(r'<a href="([^"]+)" rel="next">', section)
    assert link is not None and "tpage=2" in link.group(1)
    second = browser.get(link.group(1).replace("&amp;", "&"))
    now2, next2, section2 = split(second.text)
    assert now1 + now2 == due and next2 == coming  # the pages together: the whole list
    assert 'rel="next"' not in section2 and 'rel="prev"' in section2
    german = browser.get(f"/w/{org}", headers={"Accept-Language": "de"})
    assert "outcomes to mark" not in german.text and "On the other pages." not in german.text


def test_a_short_list_has_no_pager_and_no_counts(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    section = split(browser.get(f"/w/{org}").text)[2]
    assert 'id="pager-tpage"' not in section and 'class="counts"' not in section
    assert "Nothing is due." in section


def test_the_api_pages_the_to_dos_like_the_other_lists(
    app: FastAPI, browser: Browser, clock: Clock
) -> None:
    org = _world(app, browser)
    headers = _token(browser, org)
    due, coming = derived(app.state.sessions, org, clock.now)
    whole = browser.http.get("/api/v1/todos", headers=headers)  # the default limit: 100
    assert whole.status_code == 200 and whole.headers["X-Total-Count"] == str(PAST + COMING)
    assert 'rel="next"' not in whole.headers["Link"]
    assert [(t["kind"], t["ref"]) for t in whole.json()["now"]] == due
    seen_now: list[tuple[str, int]] = []
    seen_next: list[tuple[str, int]] = []
    url: str | None = "/api/v1/todos?limit=20"
    pages = 0
    while url is not None:
        answer = browser.http.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert len(body["now"]) + len(body["next"]) <= 20
        seen_now += [(t["kind"], t["ref"]) for t in body["now"]]
        seen_next += [(t["kind"], t["ref"]) for t in body["next"]]
        assert answer.headers["X-Total-Count"] == str(PAST + COMING)
        found = re.search(r'<([^>]+)>; rel="next"', answer.headers["Link"])
        url = found.group(1) if found else None
        pages += 1
    assert pages == 3 and seen_now == due and seen_next == coming
    bad = browser.http.get("/api/v1/todos?limit=0", headers=headers)
    assert bad.status_code == 422 and "limit" in bad.text
    schema = browser.http.get("/openapi.json").json()
    documented = schema["paths"]["/api/v1/todos"]["get"]
    assert {p["name"] for p in documented["parameters"]} >= {"limit", "offset"}
    assert "X-Total-Count" in documented["responses"]["200"]["headers"]
