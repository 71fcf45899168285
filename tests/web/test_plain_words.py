"""One voice per language across the UI (issue 19): German says du everywhere a person reads
fairnotice's own words (catalog, findings of the review, the rulebook; the letters to
employers and candidates stay formal and are quoted, not checked), Swedish says mejl, and
the outbox names its columns and calendar files in plain words."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
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


def _strings(language: str) -> list[tuple[str, str]]:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    out = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        out += [(ids[0], text) for text in texts if text]
    return out


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
