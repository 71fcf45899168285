"""Regional variants of a language: which words an en-US or en-GB reader expects (data in
`letters/en/regional.toml`), chosen from the recipient's locale."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

from fairnotice.model import Language


@cache
def _tables(language: Language) -> dict[str, dict[str, str]]:
    path = files("fairnotice.compose").joinpath("letters", language.value, "regional.toml")
    if not path.is_file():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def default_locale(language: Language) -> str:
    return {"de": "de-DE", "sv": "sv-SE", "en": "en-GB"}[language.value]


def region(locale: str | None) -> str:
    """'US' of 'en-US' or 'en_US'; '' when none is given."""
    parts = (locale or "").replace("_", "-").split("-")
    return parts[1].upper() if len(parts) > 1 else ""


def words(language: Language, locale: str | None) -> dict[str, str]:
    """The region's words; British English for any English region other than the US."""
    tables = _tables(language)
    if not tables:
        return {}
    key = region(locale)
    return tables.get(key) or tables.get("GB") or next(iter(tables.values()))
