"""Organisations a draft names, other than the situation's own company (M3).

A name is what follows a preposition that introduces an organisation ("bei", "hos", "at",
"with", a German genitive after a noun: "Zusage der Kanzlei ..."), after an optional
article: a run of capitalised words, acronyms and legal forms ("Siemens AG", "Allen &
Overy", "KPMG", "Deutschen Bank"). A legal form anywhere makes the run a name too. Words that
are capitalised without being names (pronouns, titles, weekdays, months, and in German the
nouns these letters use, `[orgs] common`) are not. The situation's company, people and place
are the draft's own and never count.
"""

from __future__ import annotations

import re
from functools import cache

from fairnotice.review import when
from fairnotice.review.context import Review
from fairnotice.review.lexicon import Lexicon
from fairnotice.review.tokens import Token

_CONNECTORS = frozenset({"&", "+"})


@cache
def _words(lex: Lexicon) -> dict[str, frozenset[str]]:
    data = lex.raw["orgs"]
    p = when.patterns(lex)
    return {
        "prepositions": frozenset(data["prepositions"]),
        "genitives": frozenset(data.get("genitives", [])),
        "articles": frozenset(data["articles"]),
        "legal": frozenset(w.casefold() for w in data["legal_forms"]),
        "not_names": frozenset(data["not_names"]) | frozenset(p.months) | frozenset(p.weekdays),
        "common": frozenset(data.get("common", [])),
        "suffixes": frozenset(data.get("common_suffixes", [])),
    }


def _own(review: Review) -> frozenset[str]:
    """Words of the situation's company, position, people and place: never another firm."""
    s = review.situation
    if s is None:
        return frozenset()
    legal = _words(review.lex)["legal"]
    names = [
        s.interview.company,
        s.interview.position,
        s.counterpart.name,
        s.me.name,
        s.interview.location or "",
    ]
    words = {w.casefold() for n in names for w in re.findall(r"\w+", n)}
    return frozenset(words - legal)


def _is_capital(token: Token) -> bool:
    return token.text[0].isupper() or (token.text[0].isdigit() and token.text[-1].isupper())


def names(review: Review, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of organisations named in [start, end) that are not the situation's own."""
    words = _words(review.lex)
    own = _own(review)
    tokens = review.draft.tokens_in(start, end)
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        norm = token.norm
        legal_here = norm in words["legal"] and i > 0 and _is_capital(tokens[i - 1])
        opens = norm in words["prepositions"] or (
            norm in words["genitives"] and i > 0 and _is_capital(tokens[i - 1])
        )
        if not opens and not legal_here:
            i += 1
            continue
        if legal_here:
            j = i
            while j > 0 and (_is_capital(tokens[j - 1]) or tokens[j - 1].text in _CONNECTORS):
                j -= 1
            run = tokens[j : i + 1]
        else:
            j = i + 1
            while j < len(tokens) and tokens[j].norm in words["articles"]:
                j += 1
            k = j
            while k < len(tokens) and (
                _is_capital(tokens[k])
                or (tokens[k].text in _CONNECTORS and k + 1 < len(tokens))
                or tokens[k].norm in words["legal"]
            ):
                k += 1
            run = tokens[j:k]
            while run and run[-1].text in _CONNECTORS:
                run = run[:-1]
        i += 1
        if not run or not _is_name(run, words, own):
            continue
        span = (run[0].start, run[-1].end)
        if not found or found[-1] != span:
            found.append(span)
    return found


def _is_name(run: list[Token], words: dict[str, frozenset[str]], own: frozenset[str]) -> bool:
    norms = [t.norm for t in run if t.text not in _CONNECTORS]
    if not norms or norms[0] in words["not_names"] or any(n in own for n in norms):
        return False
    if _bare(norms[-1]).endswith(tuple(words["suffixes"])) and norms[-1] not in words["legal"]:
        return False  # a street, a place or a common noun
    if any(n in words["legal"] for n in norms) or len(norms) > 1:
        return not all(n in words["common"] or n in words["not_names"] for n in norms)
    first = run[0].text
    if (first.isupper() and len(first) > 1) or any(c.isupper() for c in first[1:]):
        return True  # an acronym or an inner capital: KPMG, McKinsey
    return _bare(norms[0]) not in words["common"] and norms[0] not in words["common"]


def _bare(word: str) -> str:
    """A German noun without its genitive ending ("des Gesprächs" -> "gespräch")."""
    for ending in ("es", "s"):
        if word.endswith(ending) and len(word) > len(ending) + 3:
            return word[: -len(ending)]
    return word
