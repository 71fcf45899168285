"""An address that names nothing is 404, not 'a form to correct' (422): /w/not-a-number has
no form. A page's own query (a page number out of range) stays 422, named."""

from __future__ import annotations

from tests.web.conftest import Browser


def test_a_path_that_is_not_a_number_is_not_found_in_the_viewers_language(
    browser: Browser,
) -> None:
    browser.sign_up("ada@example.org")
    browser.http.cookies.set("lang", "de")
    response = browser.http.get("/w/not-a-number", headers={"Accept-Language": "de"})
    assert response.status_code == 404
    assert "Formular" not in response.text
    assert '<html lang="de"' in response.text


def test_a_query_out_of_range_on_a_page_stays_422(browser: Browser) -> None:
    ws = browser.sign_up("ada@example.org")
    response = browser.http.get(f"/w/{ws}/outbox?page=0")
    assert response.status_code == 422
