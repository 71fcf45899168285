"""The labelled corpus: at least 40 drafts per language, every rule at precision and recall
of at least 0.9, and no error on any good draft. `bench/review_accuracy.py` prints the table."""

from __future__ import annotations

import pytest

from tests.review.corpus import LANGUAGES, RULES, drafts, score


@pytest.mark.parametrize("language", LANGUAGES)
def test_corpus_is_large_and_covers_every_rule(language: str) -> None:
    items = drafts(language)
    assert len(items) >= 40
    assert len({d.id for d in items}) == len(items)
    assert sum(not d.expected for d in items) >= 10, "good drafts"
    labelled = set().union(*(d.expected for d in items))
    assert labelled == set(RULES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_precision_and_recall_per_rule(language: str) -> None:
    result = score(language)
    assert result.errors_on_good == []
    low = {
        rule: (round(result.precision(rule), 2), round(result.recall(rule), 2))
        for rule in RULES
        if result.precision(rule) < 0.9 or result.recall(rule) < 0.9
    }
    assert low == {}, result.mistakes
