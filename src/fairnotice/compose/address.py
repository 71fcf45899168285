"""Greetings and forms of address per language and region, built from `address.toml` (C5).

A title is kept where the language uses it ("Sehr geehrte Frau Dr. Schulze-Wendt,"),
rendered the English way in English ("Dear Professor Meier," in Britain, "Dear Dr. Meier:"
in the US), left out in Swedish; a person whose courtesy word is unknown is greeted by
full name ("Guten Tag Kim Schäfer,"); the informal form uses the first given name and
never a title ("Hallo Karl-Heinz,", never "Hallo Dr.,").
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any

from fairnotice.compose.names import ParsedName, parse


@cache
def _data() -> dict[str, Any]:
    text = files("fairnotice.compose").joinpath("address.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def variant(language: str, locale: str | None) -> str:
    """The table to use: `en-US` or `en-GB` for English (by locale), else the language."""
    if language == "en":
        return "en-US" if (locale or "").replace("_", "-").startswith("en-US") else "en-GB"
    return language


def _parts(person: ParsedName, table: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The row key ("m", "f", "x") and the words that fill it."""
    titles = [table["titles"][t] for t in person.titles if t in table["titles"]]
    if titles and not table["both_titles"]:
        titles = titles[:1]
    courtesy = table["courtesy"].get(person.gender or "", "")
    if titles and "m" in table["courtesy"] and not table["both_titles"]:
        key, words = "m", titles  # English: the title replaces Mr or Ms ("Dear Dr Meier")
    elif courtesy:
        key, words = person.gender or "x", [courtesy, *titles]
    else:
        key, words = "x", []
    full = person.full
    if key == "x" and titles and table["both_titles"]:
        full = " ".join([*titles, full])  # "Guten Tag Dr. Kim Schäfer,"
    return key, {
        "title": " ".join(words),
        "surname": person.surname,
        "full": full,
        "first": person.first,
    }


def _line(
    kind: str,
    language: str,
    locale: str | None,
    person: ParsedName,
    formal: bool,
    hello: str | None,
) -> str:
    table = _data()[variant(language, locale)]
    if not formal:
        words = table["informal"]
        chosen = hello if hello in words["hello"] else words["hello"][0]
        return str(words[kind]["any"]).format(hello=chosen, first=person.first)
    key, values = _parts(person, table)
    row = table["formal"][kind]
    return str(row.get(key, row["x"])).format(**values)


def greeting(
    name: str,
    salutation: str | None,
    title: str | None,
    *,
    language: str,
    locale: str | None,
    formal: bool,
    hello: str | None = None,
) -> str:
    """The first line of a letter: "Sehr geehrter Herr von Bülow,", "Hej Karin,"."""
    return _line("greeting", language, locale, parse(name, salutation, title), formal, hello)


def name_for(
    name: str,
    salutation: str | None,
    title: str | None,
    *,
    language: str,
    locale: str | None,
    formal: bool,
) -> str:
    """How the person is named in speech and running text: "Frau Dr. Schulze-Wendt", "Kim"."""
    return _line("name", language, locale, parse(name, salutation, title), formal, None)
