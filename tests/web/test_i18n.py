"""The UI catalogs: complete for de and sv, placeholders intact, pages in the viewer's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from fairnotice.web import i18n
from tests.web.conftest import Browser
from tests.web.helpers import add_interview, make_plan

LOCALE = Path(i18n.__file__).parent / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _template_ids() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    method_map = [("**/templates/**.html", "jinja2")]
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(LOCALE.parent), method_map=method_map
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


@pytest.mark.parametrize("language", ["de", "sv"])
def test_every_ui_string_is_translated_with_its_placeholders(language: str) -> None:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translated = {m.id: m.string for m in catalog if m.id}
    wanted = _template_ids()
    assert len(wanted) > 150
    missing = [m for m in wanted if m not in translated]
    assert missing == []
    for msgid in wanted:
        target = translated[msgid]
        sources = [msgid] if isinstance(msgid, str) else list(msgid)
        targets = [target] if isinstance(target, str) else list(target)
        assert all(t.strip() for t in targets), msgid
        for text in targets:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(sources[0])), (
                msgid
            )


def test_the_plan_page_speaks_german_with_german_dates(browser: Browser) -> None:
    browser.http.headers["Accept-Language"] = "de-DE,de;q=0.9"
    ws = browser.sign_up("de@example.org")
    plan = make_plan(browser, ws, add_interview(browser, ws))
    page = browser.get(f"/w/{ws}/plans/{plan}")
    assert '<html lang="de">' in page.text
    assert "Dein Plan" in page.text and "Schritte" in page.text
    assert "Dienstag, 10. März 2026" in page.text  # the first step, in Berlin time, in German


def test_swedish_viewer_in_stockholm(browser: Browser) -> None:
    browser.http.headers["Accept-Language"] = "sv-SE"
    ws = browser.sign_up("sv@example.org", tz="Europe/Stockholm")
    interview = add_interview(browser, ws)
    page = browser.get(f"/w/{ws}/interviews/{interview}")
    assert "Jag behöver ändra detta" in page.text
    assert "måndag 16 mars 2026" in page.text
