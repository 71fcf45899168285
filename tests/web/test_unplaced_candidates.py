"""Candidates whose position was deleted stay reachable: the delete confirmation says where
they go, and the organisation's overview lists them with their Edit and Delete links
(SQLite and PostgreSQL)."""

from __future__ import annotations

import html

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.store.tables import Candidate
from tests.web.conftest import Browser
from tests.web.helpers import candidate, organisation, position

HEADING = {
    "en": "Candidates without a position",
    "de": "Bewerber·innen ohne Stelle",
    "sv": "Kandidater utan tjänst",
}
WHERE = {
    "en": "The overview lists these candidates under “Candidates without a position”, "
    "where you can edit or delete them.",
    "de": "Die Übersicht führt sie unter „Bewerber·innen ohne Stelle“; dort lassen sie sich "
    "bearbeiten oder löschen.",
    "sv": "Du hittar kandidaterna i översikten under ”Kandidater utan tjänst”, där du kan "
    "redigera eller radera dem.",
}
WHERE_ONE = {
    "en": "The overview lists this candidate under “Candidates without a position”, "
    "where you can edit or delete them.",
    "de": "Die Übersicht führt die Person unter „Bewerber·innen ohne Stelle“; dort lässt sie "
    "sich bearbeiten oder löschen.",
    "sv": "Du hittar kandidaten i översikten under ”Kandidater utan tjänst”, där du kan "
    "redigera eller radera den.",
}


def _text(page: str) -> str:
    return " ".join(html.unescape(page).split())


def _ids(app: FastAPI, org: int) -> dict[str, int]:
    with app.state.sessions() as session:
        rows = session.execute(
            select(Candidate.email, Candidate.id).where(Candidate.workspace_id == org)
        ).all()
    return {email: cid for email, cid in rows}


@pytest.mark.parametrize("lang", ["en", "de", "sv"])
def test_the_confirmation_says_where_the_candidates_go(
    app: FastAPI, browser: Browser, lang: str
) -> None:
    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    browser.get("/signin")
    browser.post("/language", {"lang": lang, "back": f"/w/{org}"})
    one = browser.get(f"/w/{org}/positions/{pos}/delete")
    assert WHERE_ONE[lang] in _text(one.text)
    candidate(browser, org, pos, name="Kim Park", email="kim@example.org")
    two = _text(browser.get(f"/w/{org}/positions/{pos}/delete").text)
    assert WHERE[lang] in two
    lonely = position(browser, org, title="Empty")
    assert HEADING[lang] not in _text(browser.get(f"/w/{org}/positions/{lonely}/delete").text)
    assert HEADING[lang] not in _text(browser.get(f"/w/{org}").text)


def test_the_overview_lists_them_to_edit_and_delete(app: FastAPI, browser: Browser) -> None:
    browser.sign_up("hr@example.com", name="Jonas Doe")
    org = organisation(browser)
    pos = position(browser, org)
    candidate(browser, org, pos)
    candidate(browser, org, pos, name="Kim Park", email="kim@example.org", salutation="")
    other = organisation(browser, "Other AB")
    elsewhere = position(browser, other)
    candidate(browser, other, elsewhere, name="Olle Berg", email="olle@example.org")
    browser.get(f"/w/{other}/positions/{elsewhere}/delete")
    assert browser.post(f"/w/{other}/positions/{elsewhere}/delete", {}).status_code == 303
    browser.get(f"/w/{org}/positions/{pos}/delete")
    assert browser.post(f"/w/{org}/positions/{pos}/delete", {}).status_code == 303
    ids = _ids(app, org)
    page = browser.get(f"/w/{org}").text
    assert "Candidates without a position" in page
    assert "lena@example.org" in page and "kim@example.org" in page
    assert "olle@example.org" not in page  # another organisation's candidate
    assert page.index("Kim Park") < page.index("Lena Vogel")  # by name
    for cid in ids.values():
        assert f'href="/w/{org}/candidates/{cid}/edit" aria-describedby="cand-{cid}"' in page
        assert f'href="/w/{org}/candidates/{cid}/delete" aria-describedby="cand-{cid}"' in page
    kim = ids["kim@example.org"]
    edit = browser.get(f"/w/{org}/candidates/{kim}/edit")
    assert f'href="/w/{org}"' in edit.text
    changed = browser.post(
        f"/w/{org}/candidates/{kim}/edit", {"name": "Kim Park-Lind", "language": "en"}
    )
    assert changed.status_code == 303 and changed.headers["location"] == f"/w/{org}"
    assert "Kim Park-Lind" in browser.get(f"/w/{org}").text
    browser.get(f"/w/{org}/candidates/{kim}/delete")
    gone = browser.post(f"/w/{org}/candidates/{kim}/delete", {})
    assert gone.status_code == 303 and gone.headers["location"] == f"/w/{org}"
    page = browser.get(f"/w/{org}").text
    assert "kim@example.org" not in page and "lena@example.org" in page
    lena = ids["lena@example.org"]
    browser.get(f"/w/{org}/candidates/{lena}/delete")
    assert browser.post(f"/w/{org}/candidates/{lena}/delete", {}).status_code == 303
    assert "Candidates without a position" not in browser.get(f"/w/{org}").text
    assert "olle@example.org" in browser.get(f"/w/{other}").text


def test_a_personal_workspace_shows_no_such_list(browser: Browser) -> None:
    ws = browser.sign_up("cand@example.org")
    assert 'id="unplaced-h"' not in browser.get(f"/w/{ws}").text
