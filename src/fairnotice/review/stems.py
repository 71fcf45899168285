"""Stems of a draft's words, so a phrase written once matches its inflections (`~word`).

Snowball stemmers through PyStemmer (C). Chosen by measurement against simplemma (a
dictionary lemmatiser) and pure-Python snowballstemmer on the inflected forms of the tuning
drafts (tests/review/corpus_fresh/tune/forms.toml, `bench/review_speed.py --lemmatisers`):
simplemma brings more forms to their lemma (strong verbs: "unterschrieb", "skrev", "went"),
but loading its dictionaries takes seconds per language and process, which every CLI review
would pay; Snowball costs nothing to load and well under a millisecond for 2,000 words. The
irregular forms Snowball cannot join are written out in the lexicons instead.
"""

from __future__ import annotations

from functools import cache

import Stemmer

from fairnotice.model import Language

_ALGORITHMS = {Language.de: "german", Language.sv: "swedish", Language.en: "english"}


@cache
def _stemmer(language: Language) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_ALGORITHMS[language])


def stem_words(words: list[str], language: Language) -> list[str]:
    """The stems of casefolded `words`, one per word."""
    return list(_stemmer(language).stemWords([w.casefold() for w in words]))


def stem_word(word: str, language: Language) -> str:
    return str(_stemmer(language).stemWord(word.casefold()))
