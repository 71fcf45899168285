"""In-process review time of a 2,000-word draft, per language (median of runs).

    .venv/bin/python bench/review_speed.py

Goal: under 200 ms. The draft is built from the corpus' own drafts, reviewed against the
situation. Baseline in the same run: tokenising the same draft alone, and reviewing a
100-word draft, so the figures show what the checks cost on top and how it scales.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.review.corpus import LANGUAGES, drafts
from tests.review.situations import situation

from fairnotice.review import review
from fairnotice.review.tokens import parse

WORDS = 2000
RUNS = 15
GOAL_MS = 200.0


def long_draft(language: str, words: int) -> str:
    paragraphs: list[str] = []
    count = 0
    pool = [d.text.split("\n\n", 1)[-1] for d in drafts(language)]
    while count < words:
        for text in pool:
            paragraphs.append(text)
            count += len(text.split())
            if count >= words:
                break
    joined = "\n\n".join(paragraphs)
    return " ".join(joined.split(" ")[:words])


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    worst = 0.0
    for language in LANGUAGES:
        s = situation(language)
        text = long_draft(language, WORDS)
        short = long_draft(language, 100)
        review(text, situation=s)  # warm-up: lexicons, CLDR names, language models
        full = median_ms(partial(review, text, situation=s))
        tokens = median_ms(partial(parse, text))
        small = median_ms(partial(review, short, situation=s))
        worst = max(worst, full)
        print(
            f"{language}: {len(text.split())} words: review {full:.1f} ms median of {RUNS} "
            f"(tokenising alone {tokens:.1f} ms; 100-word draft {small:.1f} ms, "
            f"ratio {full / small:.1f}x)"
        )
    print(
        f"slowest: {worst:.1f} ms; goal < {GOAL_MS:.0f} ms:", "met" if worst < GOAL_MS else "MISSED"
    )
    return 0 if worst < GOAL_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
