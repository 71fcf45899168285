"""The REST API's lists a page at a time (issue 18): limit/offset, X-Total-Count, RFC 8288
Link headers, filters, and bad paging values refused naming the field; both databases."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI

from tests.web.conftest import Browser
from tests.web.paging_world import World, build, token

LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


@pytest.fixture
def world(app: FastAPI, browser: Browser) -> World:
    return build(app, browser)


@pytest.fixture
def headers(browser: Browser, world: World) -> dict[str, str]:
    return token(browser, world.ws)


def links(response: Any) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("link", ""))}


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def walk(browser: Browser, url: str, headers: dict[str, str]) -> tuple[list[Any], list[int]]:
    """Every row of a list by following `next`, and the size of each page."""
    rows: list[Any] = []
    sizes: list[int] = []
    seen = set()
    next_url: str | None = url
    while next_url:
        assert next_url not in seen, f"the Link header loops at {next_url}"
        seen.add(next_url)
        response = browser.http.get(next_url, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert isinstance(page, list)  # the body keeps its shape: a JSON array
        rows += page
        sizes.append(len(page))
        next_url = links(response).get("next")
    return rows, sizes


def test_candidates_page_by_limit_and_offset_and_every_row_is_reached_once(
    browser: Browser, world: World, headers: dict[str, str]
) -> None:
    everyone = world.candidates[world.big] + world.candidates[world.positions[1]]
    first = browser.http.get("/api/v1/candidates", headers=headers)
    assert first.status_code == 200
    assert len(first.json()) == 100  # the default page, not all 1,230 (10.7 MB at 50,000)
    assert first.headers["x-total-count"] == str(len(everyone))
    found = links(first)
    assert set(found) == {"first", "next", "last"}  # no prev on the first page
    assert query_of(found["next"]) == {"limit": "100", "offset": "100"}
    assert query_of(found["last"]) == {"limit": "100", "offset": "1200"}

    rows, sizes = walk(browser, "/api/v1/candidates?limit=500", headers)
    assert sizes == [500, 500, 230]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == len(everyone)
    assert sorted(ids) == sorted(everyone)

    middle = browser.http.get("/api/v1/candidates?limit=500&offset=500", headers=headers)
    found = links(middle)
    assert query_of(found["prev"]) == {"limit": "500", "offset": "0"}
    assert query_of(found["next"]) == {"limit": "500", "offset": "1000"}
    last = browser.http.get(found["last"], headers=headers)
    assert "next" not in links(last) and len(last.json()) == 230
    beyond = browser.http.get("/api/v1/candidates?offset=5000", headers=headers)
    assert beyond.json() == [] and beyond.headers["x-total-count"] == str(len(everyone))


def test_filters_keep_their_values_in_the_links_and_totals_count_what_they_match(
    browser: Browser, world: World, headers: dict[str, str]
) -> None:
    big = world.big
    url = f"/api/v1/candidates?position_id={big}&language=sv&state=active&limit=50"
    rows, _ = walk(browser, url, headers)
    first = browser.http.get(url, headers=headers)
    assert int(first.headers["x-total-count"]) == len(rows)
    assert {(r["position_id"], r["language"], r["status"]) for r in rows} == {(big, "sv", "active")}
    expected = [
        n for n in range(1200) if n % 3 == 1 and n % 10 != 9
    ]  # LANGUAGES[n % 3] == "sv", every tenth informed
    assert len(rows) == len(expected)
    assert query_of(links(first)["next"])["language"] == "sv"

    found = browser.http.get("/api/v1/candidates?q=PERSON01201%40example", headers=headers)
    assert [r["email"] for r in found.json()] == ["person01201@example.org"]
    words = browser.http.get("/api/v1/candidates?q=person+0005", headers=headers)
    assert int(words.headers["x-total-count"]) == sum("0005" in f"{n:05d}" for n in range(1230))
    percent = browser.http.get("/api/v1/candidates?q=%25", headers=headers)
    assert percent.json() == []  # % is a character, not a wildcard

    past, _ = walk(browser, "/api/v1/interviews?due=past&limit=40", headers)
    upcoming, _ = walk(browser, "/api/v1/interviews?due=upcoming&limit=40", headers)
    assert len(past) == 100 and len(upcoming) == 200
    assert past[0]["start"] > past[-1]["start"]  # the latest first
    assert upcoming[0]["start"] < upcoming[-1]["start"]  # the next first
    cancelled = browser.http.get("/api/v1/interviews?state=cancelled&limit=1", headers=headers)
    assert cancelled.headers["x-total-count"] == str(300 // 7)
    positions = browser.http.get("/api/v1/positions?q=clerk", headers=headers)
    assert [p["title"] for p in positions.json()] == ["Clerk"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
        ("state=hiding", "state"),
        ("language=fr", "language"),
        ("position_id=0", "position_id"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_paging_and_filter_values_are_422_naming_the_field(
    browser: Browser, world: World, headers: dict[str, str], query: str, field: str
) -> None:
    response = browser.http.get(f"/api/v1/candidates?{query}", headers=headers)
    assert response.status_code == 422, response.text
    assert [p["field"] for p in response.json()["detail"]] == [field]


def test_every_list_endpoint_is_paged_and_documented(
    app: FastAPI, browser: Browser, world: World, headers: dict[str, str]
) -> None:
    interview = world.interviews[0]
    for path in (
        "/api/v1/interviews",
        "/api/v1/positions",
        "/api/v1/candidates",
        "/api/v1/offers",
        f"/api/v1/interviews/{interview}/events",
    ):
        response = browser.http.get(f"{path}?limit=1", headers=headers)
        assert response.status_code == 200, (path, response.text)
        assert len(response.json()) <= 1
        assert "x-total-count" in response.headers and 'rel="first"' in response.headers["link"]
        bad = browser.http.get(f"{path}?limit=0", headers=headers)
        assert bad.status_code == 422, path
    spec = browser.http.get("/openapi.json").json()
    for path in ("/api/v1/interviews", "/api/v1/positions", "/api/v1/candidates"):
        operation = spec["paths"][path]["get"]
        params = {p["name"]: p for p in operation["parameters"]}
        assert params["limit"]["schema"]["maximum"] == 500
        assert params["offset"]["schema"]["minimum"] == 0
        assert {"Link", "X-Total-Count"} <= set(operation["responses"]["200"]["headers"])
