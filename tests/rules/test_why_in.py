"""A proposed time's why in the reader's words (the employer's page shows times proposed in
the candidate's language)."""

from __future__ import annotations

import pytest

from fairnotice.rules.proposals import _WHY, why_in


@pytest.mark.parametrize("key", sorted(_WHY["en"]))
def test_a_why_reads_in_the_viewers_language_whatever_the_letters(key: str) -> None:
    for written in ("de", "sv", "en"):
        for reader in ("de", "sv", "en"):
            assert why_in(_WHY[written][key], reader) == _WHY[reader][key]


def test_a_text_that_is_no_why_stays_as_it_is() -> None:
    assert why_in("Tom's own words", "de") == "Tom's own words"
    assert why_in("gleich zu Tagesbeginn", "fr") == _WHY["en"]["early"]
