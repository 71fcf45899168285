"""One voice per language across the UI (issue 19): German says du everywhere a person reads
fairnotice's own words (catalog, findings of the review, the rulebook; the letters to
employers and candidates stay formal and are quoted, not checked), Swedish says mejl, and
the outbox names its columns and calendar files in plain words."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi import FastAPI

from tests.web.conftest import Browser
from tests.web.employer_setup import offered

SRC = Path(__file__).resolve().parents[2] / "src" / "fairnotice"
LOCALE = SRC / "web" / "locale"
# the formal address: "Ihnen", an inverted or imperative verb with Sie ("versuchen Sie"), a
# possessive "Ihr..." inside a sentence (at its start it may be "its"/"their")
FORMAL = re.compile(
    r"\bIhnen\b"
    r"|\b[A-Za-zÄÖÜäöüß][a-zäöüß]*en Sie\b"
    r"|(?<![.:!?] )(?<!^)\bIhr(?:e[mnrs]?)?\b"
)
QUOTED = re.compile(r"„[^“]*“")


# The one narrow exception: the pick page speaks to a candidate, who is no user of
# fairnotice, in the form of the offer's letter; its texts' formal forms (gettext context
# "formal", web/routes/pick.py) may say Sie, and only the texts the pick page uses.
PICK_SOURCES = (SRC / "web" / "templates" / "pick.html", SRC / "web" / "routes" / "pick.py")
_PICK_CALL = re.compile(r'pgettext\(\s*"formal",\s*"((?:[^"\\]|\\.)*)"')


def _pick_formal_ids() -> set[str]:
    """The msgids the pick page asks for in their formal form (pgettext("formal", ...))."""
    return {m for path in PICK_SOURCES for m in _PICK_CALL.findall(path.read_text("utf-8"))}


def _checked(catalog: Catalog) -> list[tuple[str, str]]:
    """(msgid, text) of every translation the du guard reads: all of them but the pick
    page's formal forms."""
    exempt = _pick_formal_ids()
    out = []
    for message in catalog:
        if not message.id:
            continue
        first = message.id[0] if isinstance(message.id, tuple) else message.id
        if message.context == "formal" and first in exempt:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        out += [(ids[0], text) for text in texts if text]
    return out


def _strings(language: str) -> list[tuple[str, str]]:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return _checked(read_po(handle, locale=language))


def test_the_pattern_finds_the_formal_address() -> None:
    """The guard can fail: the formal texts this issue found are caught, du texts are not."""
    for formal in (
        "Bitte versuchen Sie es später noch einmal.",
        "Welcher Termin passt Ihnen?",
        "Bisheriger Termin Ihres Gesprächs: Montag.",
        "Tragen Sie den vereinbarten Termin ein.",
    ):
        assert FORMAL.search(formal), formal
    for informal in (
        "Bitte versuch es später noch einmal.",
        "Sie gehören zu keiner Stelle, etwa weil ihre Stelle gelöscht wurde.",
        "Ihre 3 Bewerber·innen bleiben erhalten.",
    ):
        assert not FORMAL.search(informal), informal


def test_the_german_catalog_says_du() -> None:
    """What the user is to say to the other side („…“, a phone script) stays formal, as
    the letters do; fairnotice's own words around it say du."""
    formal = [(mid, text) for mid, text in _strings("de") if FORMAL.search(QUOTED.sub("", text))]
    assert formal == []
    assert FORMAL.search("Sag: „Ist meine E-Mail bei Ihnen angekommen?“ Versuchen Sie es.")
    assert not FORMAL.search(QUOTED.sub("", "Sag: „Ist meine E-Mail bei Ihnen angekommen?“"))


def test_only_the_pick_page_s_formal_forms_may_say_sie() -> None:
    """The exception is narrow: its formal forms are in the catalog and say Sie, while a
    Sie planted anywhere else (a plain entry, a pick text without the context, a formal
    context on a text the pick page does not use) is still caught."""
    exempt = _pick_formal_ids()
    assert {"Which time suits you?", "Please choose one of these times, then confirm it."} <= exempt
    with (LOCALE / "de" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        real = read_po(handle, locale="de")
    for msgid in exempt:
        entry = real.get(msgid, context="formal")
        assert entry is not None and entry.string, msgid
    asked = real.get("Which time suits you?", context="formal")
    assert asked is not None and asked.string == "Welcher Termin passt Ihnen?"

    planted = Catalog(locale="de")
    planted.add("Which time suits you?", "Welcher Termin passt Ihnen?", context="formal")
    planted.add("Which time suits you?", "Welcher Termin passt Ihnen?")
    planted.add("Try again later.", "Bitte versuchen Sie es später noch einmal.")
    planted.add("Save", "Bitte prüfen Sie das.", context="formal")
    flagged = [mid for mid, text in _checked(planted) if FORMAL.search(text)]
    assert sorted(flagged) == ["Save", "Try again later.", "Which time suits you?"]


def test_the_swedish_catalog_says_mejl() -> None:
    mixed = [(mid, text) for mid, text in _strings("sv") if re.search(r"\be-post", text, re.I)]
    assert mixed == []


def test_findings_and_rules_say_du_outside_the_letter_examples() -> None:
    lexicon = tomllib.loads((SRC / "review" / "lexicons" / "de.toml").read_text("utf-8"))
    texts = list(lexicon["messages"].values())
    catalog = tomllib.loads((SRC / "rules" / "catalog.toml").read_text("utf-8"))
    for rule in catalog.values():
        texts += [v["de"] for v in rule.values() if isinstance(v, dict) and "de" in v]
    assert len(texts) > 60
    formal = [t for t in texts if FORMAL.search(QUOTED.sub("", t))]
    assert formal == []
    assert not any("Bedenken, das" in t for t in texts)  # "Bedenken" is plural


@pytest.mark.parametrize(
    ("language", "recipient", "until"), [("de", "Empfänger", "Bis"), ("sv", "Mottagare", "Till")]
)
def test_the_outbox_says_recipient_and_what_the_calendar_file_does(
    app: FastAPI, browser: Browser, language: str, recipient: str, until: str
) -> None:
    setup = offered(app, browser)
    browser.http.headers["Accept-Language"] = language
    page = browser.get(f"/w/{setup.org}/outbox").text
    head = re.search(r"<thead>(.*?)</thead>", page, re.S)
    assert head is not None
    assert f'<th scope="col">{recipient}</th>' in head.group(1)
    assert f">{until}<" not in head.group(1)
    body = page.split("<tbody>", 1)[1]
    for method in ("REQUEST", "CANCEL", "COUNTER", "PUBLISH"):
        assert f">{method}<" not in body
    plain = {
        "de": ("trägt das Gespräch ein oder ändert es", "sagt das Gespräch ab"),
        "sv": ("lägger in eller uppdaterar intervjun", "ställer in intervjun"),
    }[language]
    assert any(words in body for words in plain)


@pytest.mark.parametrize(
    ("language", "stopped", "called_off"),
    [
        ("de", "nicht gesendet: nicht mehr nötig", "abgesagt"),
        ("sv", "inte skickat: behövs inte längre", "inställd"),
        ("en", "not sent: no longer needed", "cancelled<"),
    ],
)
def test_a_stopped_letter_is_not_sent_not_cancelled_like_an_interview(
    app: FastAPI, browser: Browser, language: str, stopped: str, called_off: str
) -> None:
    setup = offered(app, browser)
    browser.http.headers["Accept-Language"] = language
    page = browser.get(f"/w/{setup.org}/outbox").text
    states = re.search(r'<select id="ostate" name="state">(.*?)</select>', page, re.S)
    assert states is not None
    assert stopped in states.group(1)
    assert called_off not in states.group(1)
