"""Fair notice, measured (issue 17): the insights page, its CSV and GET /api/v1/insights on
a hand-built history (insights_world.py) whose every figure is known; members only; bad
periods and positions refused naming the field, on the page in the viewer's language."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import START, Browser
from tests.web.insights_world import History, build

CELL = re.compile(r'<td data-series="([^"]+)" data-bucket="([^"]+)">(\d+)</td>')
CHART = re.compile(r"<svg[^>]*>.*?</svg>", re.S)

# the history's figures (insights_world.py says why each is what it is)
EXPECTED: dict[tuple[str, str, str], int] = {
    ("fill_notice", "candidates", "under_1h"): 1,
    ("fill_notice", "candidates", "1h_24h"): 1,
    ("fill_notice", "candidates", "1d_3d"): 1,
    ("fill_notice", "candidates", "over_3d"): 0,
    ("fill_notice", "candidates", "not_sent"): 1,
    ("notice", "employer", "missed"): 0,
    ("notice", "employer", "under_24h"): 2,
    ("notice", "employer", "1d_3d"): 1,
    ("notice", "employer", "unknown"): 1,
    ("notice", "candidate", "3d_7d"): 1,
    ("notice", "candidate", "under_24h"): 0,
    ("reasons", "employer", "interviewer_unavailable"): 1,
    ("reasons", "employer", "schedule_conflict"): 1,
    ("reasons", "employer", "illness"): 0,
    ("reasons", "candidate", "accepted_offer"): 1,
    ("reschedules", "interviews", "0"): 4,
    ("reschedules", "interviews", "1"): 1,
    ("reschedules", "interviews", "2"): 1,
    ("reschedules", "interviews", "3+"): 1,
    ("move_lead", "changes", "7d_14d"): 2,  # C's pick; D's first booking, 7 days ahead
    ("move_lead", "changes", "1d_3d"): 1,
    ("move_lead", "changes", "unknown"): 0,
    ("move_lead", "changes", "under_1d"): 0,
    ("outcomes", "interviews", "took_place"): 1,
    ("outcomes", "interviews", "no_show"): 1,
    ("confirmations", "notices", "confirmed"): 1,
    ("confirmations", "notices", "opened"): 1,
    ("confirmations", "notices", "not_opened"): 1,
    ("short_notice", "employer", "short"): 2,
    ("short_notice", "employer", "measured"): 3,
    ("short_notice", "candidate", "short"): 0,
    ("short_notice", "candidate", "measured"): 1,
}


@pytest.fixture
def history(app: FastAPI, browser: Browser, other_browser: Browser) -> History:
    browser.sign_up("hr@example.com", name="Jonas Doe")
    other_browser.sign_up("boss@example.se", name="Sven Berg", tz="Europe/Stockholm")
    return build(app, browser, other_browser)


def _api(app: FastAPI, headers: dict[str, str], **query: str) -> Any:
    with TestClient(app, base_url="http://testserver") as http:
        return http.get("/api/v1/insights", params=query, headers=headers)


def _csv(browser: Browser, org: int, query: str = "") -> dict[tuple[str, str, str], int]:
    response = browser.get(f"/w/{org}/insights.csv{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="insights-')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and len({(r["chart"], r["series"], r["bucket"]) for r in rows}) == len(rows)
    return {(r["chart"], r["series"], r["bucket"]): int(r["value"]) for r in rows}


def test_the_page_the_csv_and_the_api_show_the_histories_figures(
    app: FastAPI, browser: Browser, history: History
) -> None:
    page = browser.get(f"/w/{history.org}/insights")
    assert page.status_code == 200
    cells = {(series, bucket): int(n) for series, bucket, n in CELL.findall(page.text)}
    figures = _csv(browser, history.org)
    for (chart, series, bucket), value in EXPECTED.items():
        assert figures[(chart, series, bucket)] == value, (chart, series, bucket)
    # each chart's table shows the CSV's figures (series and bucket name the cell)
    tables = re.findall(r'<table id="table-([\w]+)".*?</table>', page.text, re.S)
    assert tables == [
        "fill_notice",
        "notice",
        "reasons",
        "reschedules",
        "move_lead",
        "outcomes",
        "confirmations",
    ]
    for chart in tables:
        block = re.search(rf'<table id="table-{chart}".*?</table>', page.text, re.S)
        assert block is not None
        for series, bucket, n in CELL.findall(block.group(0)):
            assert figures[(chart, series, bucket)] == int(n)
    assert cells  # the tables hold figures at all


def test_charts_are_accessible_svg_without_script(browser: Browser, history: History) -> None:
    page = browser.get(f"/w/{history.org}/insights").text
    charts = CHART.findall(page)
    assert len(charts) == 7
    for svg in charts:
        assert 'role="img"' in svg and "<script" not in svg and "style=" not in svg
        ident = re.search(r'id="(chart-\w+)"', svg)
        assert ident is not None
        assert f'<title id="{ident.group(1)}-title">' in svg
        assert f'<desc id="{ident.group(1)}-desc">' in svg
        assert f'aria-labelledby="{ident.group(1)}-title {ident.group(1)}-desc"' in svg
    # the notice chart draws one bar per side and bucket; the tallest is the employer's
    # two short notices, as tall as the axis' top value allows
    notice = next(svg for svg in charts if 'id="chart-notice"' in svg)
    assert notice.count('class="rect') == 12
    assert "Notice before a cancellation or change" in notice
    assert f'href="/w/{history.org}/insights.csv?from=' in page


def test_the_api_gives_the_same_figures(
    app: FastAPI, browser: Browser, history: History, other_browser: Browser
) -> None:
    browser.get(f"/w/{history.org}/tokens")
    made = browser.post(f"/w/{history.org}/tokens", {"label": "insights"})
    token = re.search(r'<code id="new-token">([^<]+)</code>', made.text)
    assert token is not None
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    answer = _api(app, headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["from"] == (START.date() - timedelta(days=89)).isoformat()
    assert body["until"] == START.date().isoformat() and body["position_id"] is None
    served = {(f["chart"], f["series"], f["bucket"]): f["value"] for f in body["figures"]}
    assert served == _csv(browser, history.org)
    for key, value in EXPECTED.items():
        assert served[key] == value, key
    # one position: only interview A, the employer's short-notice cancellation
    one = _api(app, headers, position=str(history.other)).json()
    got = {(f["chart"], f["series"], f["bucket"]): f["value"] for f in one["figures"]}
    assert one["position_id"] == history.other
    assert got[("notice", "employer", "under_24h")] == 1
    assert sum(v for (c, _, _), v in got.items() if c == "notice") == 1
    assert got[("reschedules", "interviews", "0")] == 1
    assert sum(v for (c, _, _), v in got.items() if c == "fill_notice") == 0
    assert sum(v for (c, _, _), v in got.items() if c == "confirmations") == 0
    # a longer period takes in H: cancelled exactly 24 hours ahead, which is not short (T2)
    since = (START.date() - timedelta(days=210)).isoformat()
    wide = _api(app, headers, **{"from": since}).json()
    more = {(f["chart"], f["series"], f["bucket"]): f["value"] for f in wide["figures"]}
    assert more[("notice", "employer", "1d_3d")] == EXPECTED[("notice", "employer", "1d_3d")] + 1
    assert more[("notice", "employer", "under_24h")] == 2
    assert more[("reasons", "employer", "illness")] == 1
    # the stranger's organisation is not counted, and the stranger's position is refused
    refused = _api(app, headers, position=str(history.stranger_position))
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "position"
    assert _api(app, {}).status_code == 401


def test_only_members_see_the_insights(
    app: FastAPI, browser: Browser, other_browser: Browser, history: History
) -> None:
    for path in ("insights", "insights.csv"):
        assert other_browser.get(f"/w/{history.org}/{path}").status_code == 404
        assert browser.get(f"/w/{history.stranger_org}/{path}").status_code == 404
    personal = browser.sign_in("hr@example.com")
    assert browser.get(f"/w/{personal}/insights").status_code == 404
    # the organisation's navigation and the position page link the page
    overview = browser.get(f"/w/{history.org}").text
    assert f'href="/w/{history.org}/insights"' in overview
    position_page = browser.get(f"/w/{history.org}/positions/{history.main}").text
    assert f'href="/w/{history.org}/insights?position={history.main}"' in position_page


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-03-01", "until": "2026-02-01"}, "until"),
        ({"from": "2023-01-01", "until": "2026-01-01"}, "until"),
        ({"from": "2026-13-01"}, "from"),
        ({"position": "abc"}, "position"),
    ],
)
def test_bad_periods_and_positions_are_refused_naming_the_field(
    app: FastAPI, browser: Browser, history: History, query: dict[str, str], field: str
) -> None:
    page = browser.get(f"/w/{history.org}/insights", params=query)
    assert page.status_code == 422
    assert f'id="{field}"' in page.text and 'aria-invalid="true"' in page.text
    assert "<svg" not in page.text
    assert browser.get(f"/w/{history.org}/insights.csv", params=query).status_code == 422


def test_a_refusal_is_in_the_viewers_language(browser: Browser, history: History) -> None:
    browser.http.headers["Accept-Language"] = "de"
    page = browser.get(
        f"/w/{history.org}/insights", params={"from": "2026-03-01", "until": "2026-02-01"}
    )
    assert page.status_code == 422
    assert "Bis" in page.text and "must not be before" not in page.text
    stranger = browser.get(
        f"/w/{history.org}/insights", params={"position": str(history.stranger_position)}
    )
    assert stranger.status_code == 422 and "no such position" not in stranger.text
