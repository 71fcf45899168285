"""People's names as letters need them (C5): courtesy word, academic titles, given names and
the surname with its particles, parsed once from what the user typed.

"Prof. Dr. Karl-Heinz von Bülow" is titles ("Prof.", "Dr."), given "Karl-Heinz", surname
"von Bülow"; "Hr." is "Herr". The words each language builds from these parts live in
`address.toml`; this module only reads names, the same in every language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Gender = Literal["m", "f"]

# Courtesy words users type, in any of the three languages, and whom they address.
_COURTESY: dict[str, Gender] = {
    "herr": "m",
    "hr": "m",
    "herrn": "m",
    "mr": "m",
    "mister": "m",
    "frau": "f",
    "fr": "f",
    "ms": "f",
    "mrs": "f",
    "miss": "f",
}
# Academic titles, as German writes them (the form kept; English renders its own).
_TITLES = {"dr": "Dr.", "prof": "Prof.", "professor": "Prof.", "professorin": "Prof."}
# Lower-case words that belong to the surname that follows (von der Leyen, af Klint).
PARTICLES = frozenset(
    {"von", "vom", "zu", "zum", "zur", "van", "der", "den", "de", "del", "della", "di"}
    | {"da", "du", "le", "la", "af", "av", "ten", "ter", "op", "dos", "das"}
)


@dataclass(frozen=True, slots=True)
class ParsedName:
    gender: Gender | None
    titles: tuple[str, ...]  # canonical German forms, "Prof." before "Dr."
    given: str  # every given name: "Karl-Heinz", "Anna Maria"
    surname: str  # with its particles: "von der Leyen"

    @property
    def first(self) -> str:
        """The name friends use: the first given name ("Anna" of "Anna Maria")."""
        return self.given.split()[0] if self.given else self.surname

    @property
    def full(self) -> str:
        """Given names and surname, without courtesy word or titles."""
        return f"{self.given} {self.surname}".strip()


def _word(token: str) -> str:
    return token.strip(".,").casefold()


def _titles_in(words: list[str]) -> tuple[list[str], Gender | None, list[str]]:
    """Leading courtesy words and titles taken off `words`: (titles, gender, the rest)."""
    titles: list[str] = []
    gender: Gender | None = None
    rest = list(words)
    while rest:
        key = _word(rest[0])
        if key in _COURTESY and len(rest) > 1:
            gender = gender or _COURTESY[key]
        elif key in _TITLES:
            titles.append(_TITLES[key])
        elif key in ("med", "rer", "nat", "phil", "jur", "ing", "h.c", "hc") and titles:
            pass  # "Dr. med.", "Dr. rer. nat.": the title is Dr.
        else:
            break
        rest.pop(0)
    return titles, gender, rest


@lru_cache(maxsize=4096)
def parse(name: str, salutation: str | None = None, title: str | None = None) -> ParsedName:
    """The parts of a person's name; `salutation` and `title` as the user gave them."""
    words = (salutation or "").split()
    gender: Gender | None = None
    titles: list[str] = []
    for token in words:
        key = _word(token)
        if key in _COURTESY:
            gender = gender or _COURTESY[key]
        elif key in _TITLES:
            titles.append(_TITLES[key])
    for token in (title or "").split():
        if _word(token) in _TITLES:
            titles.append(_TITLES[_word(token)])
    found, spoken_gender, rest = _titles_in(name.split())
    titles += found
    gender = gender or spoken_gender
    if not rest:
        rest = name.split()
    cut = len(rest) - 1
    while cut > 1 and rest[cut - 1].casefold() in PARTICLES:
        cut -= 1
    ordered = tuple(t for t in ("Prof.", "Dr.") if t in titles)
    return ParsedName(
        gender=gender, titles=ordered, given=" ".join(rest[:cut]), surname=" ".join(rest[cut:])
    )
