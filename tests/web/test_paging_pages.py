"""The list pages a page at a time, with search, filters and choosers that work without
JavaScript (issue 18): the position page, the overview, the outbox, the fill preview.
Both databases, ~1,200 candidates and outbox rows."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi import FastAPI

from fairnotice.web import i18n
from tests.web.conftest import Browser
from tests.web.helpers import ids_in
from tests.web.paging_world import World, build

# a candidate's first cell (its label for the phone's cards after the id)
CANDIDATE_CELL = r'<td id="cand-(\d+)"'


@pytest.fixture
def world(app: FastAPI, browser: Browser) -> World:
    return build(app, browser)


def pages(browser: Browser, url: str, param: str = "page") -> list[str]:
    """Every page of a list by following its pager's "Next" link (plain links, no
    JavaScript); `param` names the list's pager where a page has several."""
    pager = re.compile(rf'<nav class="pager" id="pager-{param}".*?</nav>', re.S)
    texts = []
    next_url: str | None = url
    while next_url:
        response = browser.get(next_url)
        assert response.status_code == 200, response.text[-2000:]
        texts.append(response.text)
        nav = pager.search(response.text)
        found = re.search(r'<a href="([^"]+)" rel="next">', nav.group(0)) if nav else None
        next_url = unescape(found.group(1)) if found else None
        assert len(texts) < 100, "the pages never end"
    return texts


def options_of(text: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', text, re.S)
    assert found is not None, select_id
    return re.findall(r'<option value="(\d*)"', found.group(1))


def test_the_position_page_shows_one_page_of_candidates_and_reaches_every_one_once(
    browser: Browser, world: World
) -> None:
    url = f"/w/{world.ws}/positions/{world.big}"
    texts = pages(browser, url)
    assert len(texts) == 24  # 1,200 candidates, 50 a page
    seen = [cid for text in texts for cid in ids_in(CANDIDATE_CELL, text)]
    assert len(seen) == len(set(seen)) == 1200
    assert sorted(seen) == world.candidates[world.big]
    first = texts[0]
    assert "1–50 of 1200" in first and "Page 1 of 24" in first  # an en dash, not a hyphen
    assert "1-50" not in first
    assert len(first.encode()) < 150_000  # was every candidate, twice (19 MB at 50,000)
    # the schedule chooser lists a few matches, not 1,200 options
    assert 0 < len(options_of(first, "candidate_id")) <= 20
    assert "Only the first 20 matches are listed" in first
    last = re.search(r'<nav class="pager" id="pager-page".*?</nav>', texts[-1], re.S)
    assert last is not None and "1151–1200 of 1200" in last.group(0)
    assert 'rel="next"' not in last.group(0) and 'rel="prev"' in last.group(0)
    # the interviews of the position are paged too (300 of them, 25 a page)
    interviews = ids_in(r'href="/w/\d+/interviews/(\d+)"', first)
    assert len(interviews) == 25 and "ipage=2" in first


def test_search_and_filters_of_the_candidates_work_as_plain_get_forms(
    browser: Browser, world: World
) -> None:
    url = f"/w/{world.ws}/positions/{world.big}"
    found = browser.get(f"{url}?q=person00077").text
    assert ids_in(CANDIDATE_CELL, found) == [world.candidates[world.big][77]]
    texts = pages(browser, f"{url}?language=sv&state=informed")
    rows = [cid for text in texts for cid in ids_in(CANDIDATE_CELL, text)]
    expected = [
        cid for n, cid in enumerate(world.candidates[world.big]) if n % 3 == 1 and n % 10 == 9
    ]
    assert rows == expected
    assert "language=sv" in unescape(texts[0]) and f"of {len(expected)}" in texts[0]
    nothing = browser.get(f"{url}?q=nobody-by-this-name").text
    assert "No candidate matches." in nothing
    # the other position's candidates never show here
    other = browser.get(f"{url}?q=person01201").text
    assert "No candidate matches." in other


def test_the_chooser_searches_and_a_kept_choice_stays_listed(
    browser: Browser, world: World
) -> None:
    url = f"/w/{world.ws}/positions/{world.big}"
    target = world.candidates[world.big][1111]
    text = browser.get(f"{url}?cq=person01111").text
    assert options_of(text, "candidate_id") == [str(target)]
    assert re.search(r"<details open><summary>Schedule an interview", text)
    assert options_of(text, "inv-candidate") == ["", str(target)]
    none = browser.get(f"{url}?cq=zzz").text
    assert options_of(none, "candidate_id") == []
    assert "No candidate matches the search." in none
    # a refused schedule form comes back with the candidate it named still chosen
    refused = browser.post(
        f"{url}/interviews",
        {
            "candidate_id": str(target),
            "date": "2026-03-20",
            "start_time": "11:00",
            "end_time": "10:00",
            "timezone": "Europe/Berlin",
            "interviewers": "",
        },
    )
    assert refused.status_code == 422, refused.text[-1000:]
    chosen = re.search(r'<option value="(\d+)" selected>', refused.text)
    assert chosen is not None and chosen.group(1) == str(target)


@pytest.mark.parametrize(
    ("query", "field", "label"),
    [("page=0", "page", ""), ("page=x", "page", ""), ("state=hiding", "state", "State"),
     ("language=fr", "language", "Language"), ("ipage=-2", "ipage", ""),
     ("q=" + "y" * 201, "q", "Search")],
)  # fmt: skip
def test_bad_paging_values_on_pages_are_422_naming_the_field_in_the_viewers_language(
    browser: Browser, world: World, query: str, field: str, label: str
) -> None:
    """Named by the filter's label where the page has one (a page number has none: the
    message stands alone); never by the query's key."""
    url = f"/w/{world.ws}/positions/{world.big}?{query}"
    response = browser.get(url)
    assert response.status_code == 422
    assert f"<strong>{field}</strong>" not in response.text
    assert not label or f"<strong>{label}</strong>" in response.text
    browser.post("/language", {"lang": "de", "back": "/"})
    german = browser.get(url)
    assert german.status_code == 422 and "Bitte korrigiere Folgendes:" in german.text
    assert f"<strong>{field}</strong>" not in german.text
    assert not label or f"<strong>{i18n.translate(label, 'de')}</strong>" in german.text


def test_the_outbox_reaches_pending_and_failed_mail_and_filters_by_state(
    browser: Browser, world: World
) -> None:
    base = f"/w/{world.ws}/outbox"
    every = pages(browser, base)
    assert len(every) == 24  # 1,200 rows, 50 a page (was the 200 oldest only)
    rows = [r for text in every for r in ids_in(r'<tr id="row-(\d+)">', text)]
    assert len(rows) == len(set(rows)) == 1200
    assert rows[0] == max(rows)  # the newest first
    for state in ("pending", "failed"):
        texts = pages(browser, f"{base}?state={state}")
        listed = [r for text in texts for r in ids_in(r'<tr id="row-(\d+)">', text)]
        assert listed == sorted(world.outbox[state])  # due first: due grows with the id
    draft = browser.get(f"{base}?state=draft&order=newest").text
    listed = ids_in(r'<tr id="row-(\d+)">', draft)
    assert listed == sorted(world.outbox["draft"], reverse=True)[:50]
    one = browser.get(f"{base}?q=letter+00011").text
    first = min(r for ids in world.outbox.values() for r in ids)
    assert ids_in(r'<tr id="row-(\d+)">', one) == [first + 11]
    assert browser.get(f"{base}?state=lost").status_code == 422
    assert browser.get(f"{base}?order=random").status_code == 422
    # marking one as sent comes back to the same filtered page
    page = browser.get(f"{base}?state=failed&page=2")
    row = ids_in(r'<tr id="row-(\d+)">', page.text)[0]
    back = re.search(rf'outbox/{row}/sent".*?name="back" value="([^"]+)"', page.text, re.S)
    assert back is not None
    done = browser.post(f"{base}/{row}/sent", {"back": unescape(back.group(1))})
    assert done.status_code == 303
    assert done.headers["location"] == f"{base}?state=failed&page=2#row-{row}"


def test_the_overview_pages_interviews_and_positions(
    app: FastAPI, browser: Browser, world: World
) -> None:
    from fairnotice.store.tables import Position

    with app.state.sessions() as session:
        session.add_all(
            Position(workspace_id=world.ws, title=f"Role {n:02d}", company="M&P") for n in range(40)
        )
        session.commit()
    base = f"/w/{world.ws}"
    texts = pages(browser, base)
    assert len(texts) == 12  # 300 interviews, 25 a page
    listed = [i for text in texts for i in ids_in(r'<li><a href="/w/\d+/interviews/(\d+)">', text)]
    assert sorted(listed) == sorted(world.interviews) and len(set(listed)) == 300
    upcoming = browser.get(f"{base}?due=upcoming").text
    assert "1–25 of 200" in upcoming
    positions = ids_in(r'<li><a href="/w/\d+/positions/(\d+)">', texts[0])
    assert len(positions) == 25
    second = browser.get(f"{base}?ppage=2").text
    more = ids_in(r'<li><a href="/w/\d+/positions/(\d+)">', second)
    assert len(more) == 17 and not set(more) & set(positions)
    assert ids_in(
        r'<li><a href="/w/\d+/positions/(\d+)">', browser.get(f"{base}?pq=clerk").text
    ) == [world.positions[1]]
    assert browser.get(f"{base}?due=tomorrow").status_code == 422


def test_the_fill_preview_chooses_who_was_hired_from_a_search(
    browser: Browser, world: World
) -> None:
    url = f"/w/{world.ws}/positions/{world.big}/fill"
    text = browser.get(url).text
    choices = options_of(text, "hired")
    assert choices[0] == "" and 1 < len(choices) <= 21  # "someone else" and a few matches
    target = world.candidates[world.big][1000]
    found = browser.get(f"{url}?hq=person01000").text
    assert options_of(found, "hired") == ["", str(target)]
    chosen = browser.get(f"{url}?hired={target}").text
    assert f'<option value="{target}" selected>' in chosen
    assert f'name="hired" value="{target}"' in chosen  # the fill itself names them
    assert browser.get(f"{url}?hired=abc").status_code == 422


def test_a_page_reads_with_a_fixed_number_of_queries_and_never_a_calendars_source(
    app: FastAPI, browser: Browser, world: World
) -> None:
    from sqlalchemy import event

    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", seen)
    try:
        counts = {}
        for name, url in {
            "big": f"/w/{world.ws}/positions/{world.big}",
            "small": f"/w/{world.ws}/positions/{world.positions[1]}",
            "outbox": f"/w/{world.ws}/outbox",
            "outbox 2": f"/w/{world.ws}/outbox?page=2&state=sent",
            "overview": f"/w/{world.ws}",
        }.items():
            statements.clear()
            assert browser.get(url).status_code == 200
            counts[name] = len(statements)
            assert not [s for s in statements if "calendars.source" in s], name
            assert not [s for s in statements if "plans.plan" in s], name
    finally:
        event.remove(app.state.engine, "before_cursor_execute", seen)
    # 1,200 candidates and 300 interviews cost at most the two COUNTs a short list skips
    assert counts["big"] <= counts["small"] + 2, counts
    assert counts["outbox 2"] <= counts["outbox"] + 1, counts
    assert max(counts.values()) < 30, counts


def test_the_paged_position_page_speaks_the_viewers_language(
    browser: Browser, world: World
) -> None:
    browser.post("/language", {"lang": "sv", "back": "/"})
    text = browser.get(f"/w/{world.ws}/positions/{world.big}").text
    assert "Sida 1 av 24" in text and "1–50 av 1200" in text and "Hitta en kandidat" in text
    browser.post("/language", {"lang": "de", "back": "/"})
    text = browser.get(f"/w/{world.ws}/outbox?state=failed").text
    assert "Seite 1 von" in text and "Reihenfolge" in text
    text = browser.get(f"/w/{world.ws}/positions/{world.big}").text
    assert "1–50 von 1200" in text and "1-50" not in text  # an en dash in every language
