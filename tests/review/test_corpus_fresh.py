"""The corpus written fresh for issue 13: large enough, split by file before tuning, and
the goal met on both halves (precision and recall >= 0.95 for M1, M2, M3, M5 and R4 in every
language, no error on any good draft). `bench/review_accuracy.py` prints the tables."""

from __future__ import annotations

import pytest

from fairnotice.review.context import quote
from tests.review.corpus import FRESH_RULES, LANGUAGES, drafts, score

HALVES = ("fresh-tune", "fresh-holdout")


@pytest.mark.parametrize("language", LANGUAGES)
def test_fresh_corpus_is_large_split_and_covers_every_rule(language: str) -> None:
    tune, held = (drafts(language, name=half) for half in HALVES)
    assert len(tune) + len(held) >= 40
    assert not {d.id for d in tune} & {d.id for d in held}
    assert not {d.text for d in tune} & {d.text for d in held}
    both = tune + held
    for rule in FRESH_RULES:
        assert sum(rule in d.expected for d in both) >= 6, rule
    assert sum(not d.expected for d in held) >= 5, "good drafts held out"


@pytest.mark.parametrize("half", HALVES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_fresh_corpus_precision_and_recall(language: str, half: str) -> None:
    result = score(language, name=half)
    assert result.errors_on_good == []
    low = {
        rule: (round(result.precision(rule), 2), round(result.recall(rule), 2))
        for rule in FRESH_RULES
        if result.precision(rule) < 0.95 or result.recall(rule) < 0.95
    }
    assert low == {}, result.mistakes


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_finding_on_a_passage_quotes_it(language: str) -> None:
    """A finding that marks a passage of the issue's rules names it in its text."""
    checked = 0
    for half in HALVES:
        for draft in drafts(language, name=half):
            for finding in draft.run().findings:
                if finding.rule in FRESH_RULES and finding.span is not None:
                    assert quote(draft.text, finding.span) in finding.text, (draft.id, finding)
                    checked += 1
    assert checked >= 15
