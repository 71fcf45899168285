"""Which English words a German or Swedish page must not show, from the UI catalogs.

An English word is one of the catalogs' English sources (msgids) that no translation into
the page's language uses: "Email" on a German page is a slip, "Name" or "Status" is not
(German uses them too). A page's text is checked with what people typed taken out (their
names, addresses, titles: `DATA`), and so are e-mail addresses and links.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

from babel.dates import get_day_names, get_month_names
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

SRC = Path(__file__).resolve().parents[2] / "src" / "fairnotice"
LOCALES = SRC / "web" / "locale"
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|<[^>]+>")
JINJA = re.compile(r"\{[%{#].*?[%}#]\}", re.S)  # a letter's template code: no words of it
ADDRESS = re.compile(r"\S+@\S+|https?://\S+|/\S+|\b[\w.-]+\.(?:ics|eml|csv)\b")


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(PLACEHOLDER.sub(" ", text))}


def read_catalog(language: str) -> Catalog:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


@cache
def catalog(language: str) -> tuple[frozenset[str], frozenset[str]]:
    """(the English sources' words, the translations' words) of `language`'s catalog."""
    found = read_catalog(language)
    english: set[str] = set()
    translated: set[str] = set()
    for message in found:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= words(text)
        for text in strs:
            translated |= words(text or "")
    english |= _calendar_words("en")  # "Friday 13 March" is English too
    return frozenset(english), frozenset(translated | _elsewhere(language))


def _calendar_words(language: str) -> set[str]:
    """The names of days and months as `language` writes them (babel, as the app)."""
    found: set[str] = set()
    for width in ("wide", "abbreviated"):
        for names in (
            get_day_names(width, locale=language),
            get_month_names(width, locale=language),
        ):
            found |= words(" ".join(names.values()))
    return found


def _elsewhere(language: str) -> set[str]:
    """The words of the app's other texts in `language`, which pages show too: the letters
    (compose/letters), the rulebook (rules/catalog.toml) and the review's lexicon."""
    found = _calendar_words(language)
    for path in (SRC / "compose" / "letters" / language).glob("*.txt"):
        found |= words(JINJA.sub(" ", path.read_text(encoding="utf-8")))
    # the catalog's texts in this language only (its rulebook wording is English)
    catalog = tomllib.loads((SRC / "rules" / "catalog.toml").read_text(encoding="utf-8"))
    found |= words(" ".join(_strings(catalog, language, keyed=True)))
    lexicon = SRC / "review" / "lexicons" / f"{language}.toml"
    found |= words(" ".join(_strings(tomllib.loads(lexicon.read_text(encoding="utf-8")), language)))
    return found


def _strings(value: object, language: str, *, keyed: bool = False) -> Iterator[str]:
    """The strings of a TOML document in `language`: a table keyed by language gives its
    `language` entry; any other string counts too unless `keyed` (the lexicon of one
    language is all of it)."""
    if isinstance(value, dict):
        if {"en", "de", "sv"} <= value.keys():
            yield from _strings(value[language], language)
            return
        for v in value.values():
            yield from _strings(v, language, keyed=keyed)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, language, keyed=keyed)
    elif isinstance(value, str) and not keyed:
        yield value


def english_words(text: str, language: str, data: Iterable[str] = ()) -> list[str]:
    """The English UI words in `text` shown in `language` (de, sv), `data` taken out
    (single letters say nothing: "a" is Swedish and English alike)."""
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " ")
    text = ADDRESS.sub(" ", text)
    english, translated = catalog(language)
    return sorted(w for w in words(text) & english - translated if len(w) > 1)


def english_lines(text: str, language: str, data: Iterable[str] = ()) -> list[str]:
    """Each line of `text` that shows English UI words, with those words."""
    found = []
    for line in dict.fromkeys(" ".join(part.split()) for part in text.splitlines()):
        slips = english_words(line, language, data)
        if slips:
            found.append(f"{line[:160]!r} ({', '.join(slips)})")
    return found
