"""Accuracy of reading proposed times from replies (tests/mail/replies/*.toml).

    .venv/bin/python bench/delivery_replies.py

A reply counts as exact when the set of start times read equals the set written in the
corpus (none, for a reply that proposes nothing). Exit 1 below 90 % on the main corpus.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.mail.reply_corpus import load, score


def main() -> int:
    ok = True
    print("| set | language | replies | exact | precision | recall | ms per reply |")
    print("|---|---|---|---|---|---|---|")
    rounds = (("", "main"), ("_heldout", "held out 1"), ("_heldout2", "held out 2"))
    for suffix, label in rounds:
        for language in ("de", "sv", "en"):
            cases = load(language + suffix)
            start = time.perf_counter()
            result = score(cases)
            ms = 1000 * (time.perf_counter() - start) / len(cases)
            print(
                f"| {label} | {language} | {result.cases} | {result.exact} "
                f"({100 * result.accuracy:.0f} %) | {result.precision:.2f} | "
                f"{result.recall:.2f} | {ms:.1f} |"
            )
            for miss in result.misses:
                print(f"|  | miss | {miss} | | | | |")
            if not suffix and result.accuracy < 0.9:
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
