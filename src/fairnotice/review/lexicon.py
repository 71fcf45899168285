"""The per-language data of the reviewer (`lexicons/<lang>.toml`), compiled once.

Phrases are written as token patterns, so the data stays readable and inflection is
handled where it belongs, in the word list:

- words separated by spaces match consecutive tokens (case-insensitively);
- `*` inside a word matches any letters, which covers endings and compounds:
  `entschuldig*` (entschuldige, Entschuldigung), `*gespräch*` (Vorstellungsgespräch,
  Gesprächstermin), `*intervju*` (anställningsintervjun);
- `a|b` offers alternatives for one token; a trailing `?` makes a token optional;
- `~word` matches every token with the stem of `word` (Snowball, `stems.py`): `~unterschreiben`
  is also "unterschreibe", "unterschreibt"; `~sign` also "signed", "signing";
- `...` skips up to four tokens inside the same sentence, `..N` up to N.

Each category's phrases become one regular expression over the draft's normalised token
string (see `tokens.py`), which keeps a 2,000-word draft well under the time budget.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fairnotice.model import Language
from fairnotice.review import stems
from fairnotice.review.tokens import Draft, normalise

_GAP = r"(?:(?![.!?]/)[^ ]+ ){{0,{}}}"
_LONG_GAP = re.compile(r"\.\.(\d+)")


def _element(word: str, language: Language | None) -> str:
    optional = word.endswith("?") and len(word) > 1
    word = word.removesuffix("?") if optional else word
    options = []
    for alternative in word.split("|"):
        if alternative.startswith("~") and len(alternative) > 1:
            stem = stems.stem_word(alternative[1:], language) if language else alternative[1:]
            options.append("[^ /]*/" + re.escape(normalise(stem)))
            continue
        pieces = [re.escape(normalise(p)) for p in alternative.split("*")]
        options.append("[^ /]*".join(pieces) + "/[^ ]*")
    body = "(?:" + "|".join(options) + ") "
    return f"(?:{body})?" if optional else body


def compile_phrase(phrase: str, language: Language | None = None) -> str:
    """The regex (over the normalised token string) of one phrase pattern; `~` words are
    stemmed in `language`."""
    parts = []
    for word in phrase.split():
        gap = _LONG_GAP.fullmatch(word)
        if word == "...":
            parts.append(_GAP.format(4))
        elif gap:
            parts.append(_GAP.format(int(gap.group(1))))
        else:
            parts.append(_element(word, language))
    if not parts:
        raise ValueError("empty phrase pattern")
    return "".join(parts)


@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    """Everything language-specific the checks use."""

    language: Language
    raw: dict[str, Any]
    phrases: dict[str, re.Pattern[str]]

    def limit(self, name: str) -> int:
        return int(self.raw["limits"][name])

    def find(
        self, category: str, draft: Draft, *, start: int = 0, end: int | None = None
    ) -> list[tuple[int, int]]:
        """Spans (draft offsets) where a phrase of `category` occurs, within [start, end)."""
        pattern = self.phrases[category]
        out = []
        for match in pattern.finditer(draft.norm):
            span = draft.span_of(match.start(), match.end())
            if span[0] >= start and (end is None or span[1] <= end):
                out.append(span)
        return out

    def has(self, category: str, draft: Draft, *, start: int = 0, end: int | None = None) -> bool:
        return bool(self.find(category, draft, start=start, end=end))

    def words(self, name: str) -> list[str]:
        """A plain word list of the data (titles, extra month names ...)."""
        value = self.raw
        for key in name.split("."):
            value = value[key]
        return list(value)

    def message(self, key: str, **values: str) -> str:
        """A finding's text in this language, with the specifics filled in."""
        return str(self.raw["messages"][key]).format(**values)


@cache
def lexicon(language: Language) -> Lexicon:
    """The compiled lexicon of a language (read once)."""
    files = resources.files("fairnotice.review").joinpath("lexicons", f"{language.value}.toml")
    raw = tomllib.loads(files.read_text("utf-8"))
    phrases = {
        category: re.compile(
            "(?<= )(?:" + "|".join(compile_phrase(p, language) for p in items) + ")"
        )
        for category, items in raw["phrases"].items()
    }
    return Lexicon(language=language, raw=raw, phrases=phrases)
