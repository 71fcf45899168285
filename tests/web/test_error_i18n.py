"""The operations' error texts the pages show are translated (de, sv); the API keeps them
in English with the field names unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi import FastAPI
from sqlalchemy import select

from fairnotice.errors import Phrase, joined
from fairnotice.store.tables import PlanStep
from fairnotice.web import i18n
from tests.web.conftest import Browser
from tests.web.helpers import add_interview, make_plan
from tests.web.test_api import api_token

SRC = Path(i18n.__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _marked() -> set[str]:
    found: set[str] = set()
    for folder in ("operations", "web/routes"):
        for _f, _l, message, _c, _ctx in extract_from_dir(
            str(SRC / folder),
            method_map=[("**.py", "python")],
            keywords={"N_": None, "Phrase": (1,)},
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", ["de", "sv"])
def test_every_marked_error_text_is_translated(language: str) -> None:
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = {m.id: m.string for m in read_po(handle, locale=language) if m.id}
    wanted = _marked()
    assert len(wanted) > 40
    missing = sorted(m for m in wanted if not catalog.get(m))
    assert missing == []
    for msgid in wanted:
        assert sorted(PLACEHOLDER.findall(str(catalog[msgid]))) == sorted(
            PLACEHOLDER.findall(msgid)
        ), msgid


def test_a_phrase_is_its_english_text_and_translates_with_its_values() -> None:
    who = Phrase("calendar %(id)s (%(email)s)", id=3, email="j@x.de")
    text = joined([Phrase("%(who)s is being read; ask again in a moment", who=who), "x y"])
    assert text == "calendar 3 (j@x.de) is being read; ask again in a moment; x y"
    assert i18n.translate(text, "de") == (
        "Kalender 3 (j@x.de) wird gerade gelesen; versuche es gleich noch einmal; x y"
    )
    assert i18n.translate(text, "en") == text
    assert i18n.translate("not in any catalog", "sv") == "not in any catalog"
    assert i18n.translate("Input should be less than or equal to 20", "de") == "höchstens 20"
    assert i18n.translate("Input should be 'de', 'sv' or 'en'", "sv") == (
        "tillåtet är: 'de', 'sv', 'en'"
    )
    rarer = {  # pydantic's own words for a date, an offset, a list, unknown fields
        "Input should be a valid datetime or date, input is too short": (
            "das ist kein gültiges Datum mit Uhrzeit (etwa 2026-03-12 14:30)"
        ),
        "Input should have timezone info": (
            "hier braucht die Uhrzeit ihren Abstand zu UTC (etwa +01:00)"
        ),
        "Input should be a valid list": "das hat nicht die erwartete Form",
        "List should have at most 10 items after validation, not 12": "höchstens 10 Einträge",
        "unknown field": "unbekanntes Feld",
    }
    for english, german in rarer.items():
        assert i18n.translate(english, "de") == german
    assert i18n.translate("Input should be a valid number", "sv") == "här behövs ett tal"


def test_pages_show_operation_errors_in_the_viewers_language(
    app: FastAPI, browser: Browser
) -> None:
    ws = browser.sign_up("err@example.org")
    interview = add_interview(browser, ws)
    browser.http.headers["Accept-Language"] = "de-DE"
    browser.get(f"/w/{ws}/interviews/{interview}/edit")
    refused = browser.post(
        f"/w/{ws}/interviews/{interview}/edit",
        {"date": "2026-03-18", "start_time": "15:00", "end_time": "14:00"},
    )
    assert refused.status_code == 422
    assert "<strong>Bis</strong>: das Ende muss nach dem Beginn liegen" in refused.text
    plan = make_plan(browser, ws, interview)
    with app.state.sessions() as session:
        step = session.scalar(select(PlanStep.id).where(PlanStep.plan_id == plan))
    browser.http.headers["Accept-Language"] = "sv-SE"
    wrong = browser.post(f"/w/{ws}/steps/{step}", {"outcome": "bogus"})
    assert wrong.status_code == 422
    assert re.search(r"<li>inte ett möjligt utfall av \w+", wrong.text)  # no key shown
    assert "outcome" not in wrong.text
    browser.get(f"/w/{ws}/plans/{plan}")
    assert browser.post(f"/w/{ws}/plans/{plan}/queue", {}).status_code == 303
    again = browser.post(f"/w/{ws}/plans/{plan}/queue", {})
    assert again.status_code == 409
    # in words, starting with a capital: no key ("plan: ...") before them
    said = re.search(r"<h1>Det går inte längre</h1><p>([^<]*)</p>", again.text)
    assert said is not None, again.text
    assert re.fullmatch(r"[A-ZÅÄÖ][^:]* mejl ligger redan i utkorgen", said.group(1)), said
    assert "plan:" not in again.text


def test_the_api_keeps_english_texts_and_field_names(browser: Browser) -> None:
    auth = api_token(browser, "api-en@example.org")
    browser.http.headers["Accept-Language"] = "de-DE"
    position = browser.http.post(
        "/api/v1/positions", json={"title": "Paralegal", "company": "M&P"}, headers=auth
    ).json()
    assert position["id"]
    from tests.conftest import BASE

    interview = {
        **BASE["interview"],
        "contact": {"name": "Lena Vogel", "email": "lena@example.org"},
    }
    created = browser.http.post("/api/v1/interviews", json=interview, headers=auth)
    assert created.status_code == 201, created.text
    bad = browser.http.patch(
        f"/api/v1/interviews/{created.json()['id']}",
        json={"start": "2026-03-17T15:00:00+01:00", "end": "2026-03-17T14:00:00+01:00"},
        headers=auth,
    )
    assert bad.status_code == 422
    assert bad.json() == {
        "detail": [{"loc": ["end"], "field": "end", "msg": "end must be after start"}]
    }
