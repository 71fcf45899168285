"""The rule catalog speaks German, Swedish and English, and its ids are RULEBOOK.md's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fairnotice.model import Language
from fairnotice.rules.catalog import rules

RULEBOOK = Path(__file__).resolve().parents[2] / "docs" / "RULEBOOK.md"
_ROW_ID = re.compile(r"^\|\s*([A-Z][0-9]+)\s*\|", re.MULTILINE)


def rulebook_ids() -> list[str]:
    """The ids of RULEBOOK.md's tables, in order; a missing rulebook fails loudly."""
    if not RULEBOOK.is_file():
        pytest.fail(f"RULEBOOK.md not found at {RULEBOOK.resolve()} (the project's own copy)")
    return _ROW_ID.findall(RULEBOOK.read_text(encoding="utf-8"))


def test_catalog_ids_are_the_rulebook_ids_in_order() -> None:
    ids = rulebook_ids()
    assert len(ids) == len(set(ids)), "the rulebook lists an id twice"
    assert list(rules()) == ids


@pytest.mark.parametrize("rule_id", list(rules()))
def test_every_rule_has_three_distinct_texts(rule_id: str) -> None:
    rule = rules()[rule_id]
    for texts in (rule.title, rule.rationale):
        assert set(texts) == set(Language)
        values = [texts[language].strip() for language in Language]
        assert all(values), f"{rule_id}: an empty text"
        assert len(set(values)) == len(values), f"{rule_id}: a text left untranslated"


_GERMAN = re.compile(r"[äöüßÄÖÜ]|\b(und|der|die|das|sie|nicht|ein|eine|kein)\b", re.IGNORECASE)
_SWEDISH = re.compile(r"[åäöÅÄÖ]|\b(och|att|inte|en|ett|du|som)\b", re.IGNORECASE)
# words only Swedish has ("du" is German too: the German texts say du)
_ONLY_SWEDISH = re.compile(r"[åÅ]|\b(och|att|inte|ett|som)\b", re.IGNORECASE)


@pytest.mark.parametrize("rule_id", list(rules()))
def test_texts_are_in_their_language(rule_id: str) -> None:
    """A cheap guard against a swapped or copied text: each carries its language's marks."""
    rule = rules()[rule_id]
    assert _GERMAN.search(rule.rationale[Language.de]), rule.rationale[Language.de]
    assert _SWEDISH.search(rule.rationale[Language.sv]), rule.rationale[Language.sv]
    assert not _ONLY_SWEDISH.search(rule.rationale[Language.de])
