"""Reading a calendar address a user typed makes the server connect out; without a bound,
the forms' different refusals ('refused', 'timed out', 'not a calendar') would let one
workspace map the ports of a network. Subscription links and CalDAV accounts share one
count per workspace (and one per client): the next attempt is 429, the page says when."""

from __future__ import annotations

from fastapi import FastAPI

from fairnotice.web import throttle
from tests.web.conftest import Browser
from tests.web.helpers import add_interview

SPENT = throttle.REMOTE_WORKSPACE.amount


def test_outbound_calendar_reads_are_bounded_per_workspace(app: FastAPI, browser: Browser) -> None:
    ws = browser.sign_up("scan@example.org")
    page = f"/w/{ws}/interviews/{add_interview(browser, ws)}"
    browser.get(page)
    for port in range(SPENT // 2):  # the guard refuses loopback: each still counts
        link = f"https://127.0.0.1:{8000 + port}/cal.ics"
        answer = browser.post(f"/w/{ws}/subscriptions", {"subscription_url": link, "back": page})
        assert answer.status_code == 422, answer.text
    browser.get(f"/w/{ws}/caldav")
    for port in range(SPENT - SPENT // 2):
        form = {
            "caldav_server": f"https://127.0.0.1:{9000 + port}/",
            "caldav_username": "u",
            "caldav_password": "p",
        }
        assert browser.post(f"/w/{ws}/caldav", form).status_code == 422
    over = browser.post(
        f"/w/{ws}/subscriptions", {"subscription_url": "https://127.0.0.1:1/x.ics", "back": page}
    )
    assert over.status_code == 429
    assert int(over.headers["Retry-After"]) > 0
    also = browser.post(
        f"/w/{ws}/caldav",
        {"caldav_server": "https://127.0.0.1:2/", "caldav_username": "u", "caldav_password": "p"},
    )
    assert also.status_code == 429


def test_another_workspace_keeps_its_own_count(
    app: FastAPI, browser: Browser, other_browser: Browser
) -> None:
    ws = browser.sign_up("first@example.org")
    page = f"/w/{ws}/interviews/{add_interview(browser, ws)}"
    browser.get(page)
    limits: throttle.Throttle = app.state.throttle
    for _ in range(SPENT):
        limits.fail((throttle.REMOTE_WORKSPACE, f"remote:{ws}"))
    spent = browser.post(
        f"/w/{ws}/subscriptions", {"subscription_url": "https://127.0.0.1:1/x.ics", "back": page}
    )
    assert spent.status_code == 429
    other = other_browser.sign_up("second@example.org")
    elsewhere = f"/w/{other}/interviews/{add_interview(other_browser, other)}"
    other_browser.get(elsewhere)
    fresh = other_browser.post(
        f"/w/{other}/subscriptions",
        {"subscription_url": "https://127.0.0.1:1/x.ics", "back": elsewhere},
    )
    assert fresh.status_code == 422  # refused by the guard, not by the count
