"""Which of de, sv, en a conversation is written in (M7).

lingua is restricted to the three languages. Its fast mode loads in milliseconds and is
reliable on a paragraph; short texts ("Tack!", "Danke!") need the full models, which take
a noticeable moment to load, so they are loaded only when a short text needs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from fairnotice.model import Language

SHORT_TEXT = 120  # characters below which the fast mode guesses too often


@cache
def _detector(accurate: bool) -> Any:
    from lingua import Language as Lingua
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_languages(Lingua.GERMAN, Lingua.SWEDISH, Lingua.ENGLISH)
    if not accurate:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


_CODES = {"GERMAN": Language.de, "SWEDISH": Language.sv, "ENGLISH": Language.en}


def detect(texts: Iterable[str]) -> Language | None:
    """The language of the texts taken together, or None when there is nothing to go by."""
    joined = "\n".join(t.strip() for t in texts if t and t.strip())
    if len(joined) < 2 or not any(ch.isalpha() for ch in joined):
        return None
    found = _detector(accurate=len(joined) < SHORT_TEXT).detect_language_of(joined)
    return None if found is None else _CODES[found.name]
