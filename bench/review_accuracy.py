"""Precision and recall of the draft reviewer per rule and language, on the labelled corpus.

    .venv/bin/python bench/review_accuracy.py

A finding counts for its rule id (any severity); goal: every rule >= 0.9 precision and
recall in every language, and no error-level finding on any good draft. Exit 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.review.corpus import LANGUAGES, RULES, drafts, score

GOAL = 0.9


def table(holdout: bool) -> bool:
    """Print the table of one set; True when a goal is missed."""
    results = {language: score(language, holdout=holdout) for language in LANGUAGES}
    header = (
        "| rule | " + " | ".join(f"{lang} P | {lang} R | {lang} n" for lang in LANGUAGES) + " |"
    )
    print(header)
    print("|" + "---|" * (1 + 3 * len(LANGUAGES)))
    missed = False
    for rule in RULES:
        cells = []
        for language in LANGUAGES:
            r = results[language]
            p, rec = r.precision(rule), r.recall(rule)
            missed |= p < GOAL or rec < GOAL
            cells += [f"{p:.2f}", f"{rec:.2f}", str(r.tp[rule] + r.fn[rule])]
        print(f"| {rule} | " + " | ".join(cells) + " |")
    for language in LANGUAGES:
        r = results[language]
        items = drafts(language, holdout=holdout)
        good = sum(not d.expected for d in items)
        print(
            f"{language}: {len(items)} drafts, {good} good, "
            f"errors on good drafts: {r.errors_on_good or 'none'}"
        )
        for draft_id, wanted, got in r.mistakes:
            print(f"  {draft_id}: expected {sorted(wanted)}, got {sorted(got)}")
        missed |= bool(r.errors_on_good)
    return missed


def main() -> int:
    print("## corpus (tests/review/corpus/<lang>.toml, the lexicons were tuned on it)")
    missed = table(holdout=False)
    print("goal met" if not missed else "GOAL MISSED")
    print("\n## held out (tests/review/corpus/holdout/<lang>.toml, for information)")
    table(holdout=True)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
