"""In-process review time of a 2,000-word draft, per language (median of runs).

    .venv/bin/python bench/review_speed.py [--baseline REV]

Goal: under 50 ms of CPU time for 2,000 words. The draft is built from the corpus' own
drafts, reviewed against the situation. CPU time (process_time) is the measure because
the shared machine's other work stretches wall time; wall time is printed beside it.
Baselines in the same run: tokenising the same draft alone, reviewing a 100-word draft,
and (with --baseline, default the commit before issue 13) the reviewer of that revision,
exported with `git archive` into a temporary folder and timed in a subprocess on the
same drafts.

    .venv/bin/python bench/review_speed.py --lemmatisers

measures the stemmers and lemmatisers the reviewer could use (review/stems.py's
choice): how many inflected forms of the tuning drafts each brings to their lemma
(tests/review/corpus_fresh/tune/forms.toml), the time for 2,000 words, and the time to
load (in a fresh process).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable
from functools import partial
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.review.corpus import LANGUAGES, drafts
from tests.review.situations import situation, situation_data

from fairnotice.review import review
from fairnotice.review.tokens import parse

ROOT = Path(__file__).resolve().parents[1]
WORDS = 2000
RUNS = 15
GOAL_MS = 50.0
BEFORE_ISSUE_13 = "63ef8e4"
FORMS = ROOT / "tests" / "review" / "corpus_fresh" / "tune" / "forms.toml"


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


def median_ms(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """(CPU ms, wall ms), medians of `runs`."""
    cpu, wall = [], []
    for _ in range(runs):
        c, w = time.process_time(), time.perf_counter()
        action()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return statistics.median(cpu), statistics.median(wall)


_CHILD = """
import json, statistics, sys, time
from fairnotice.model import Situation
from fairnotice.review import review
jobs = json.loads(sys.stdin.read())
out = {}
for language, job in jobs.items():
    s = Situation.model_validate(job["situation"])
    review(job["text"], situation=s)
    cpu = []
    for _ in range(job["runs"]):
        c = time.process_time()
        review(job["text"], situation=s)
        cpu.append((time.process_time() - c) * 1000)
    out[language] = statistics.median(cpu)
print(json.dumps(out))
"""


def baseline(rev: str, texts: dict[str, str]) -> dict[str, float]:
    """CPU ms of the reviewer at `rev` on the same drafts (a subprocess on its own source)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        jobs = {
            lang: {"text": text, "situation": situation_data(lang), "runs": RUNS}
            for lang, text in texts.items()
        }
        result = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=json.dumps(jobs),
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": str(Path(folder) / "src"), "PATH": "/usr/bin:/bin"},
        )
    return {k: float(v) for k, v in json.loads(result.stdout).items()}


def speed(rev: str | None) -> int:
    worst = 0.0
    texts = {language: long_draft(language, WORDS) for language in LANGUAGES}
    before = baseline(rev, texts) if rev else {}
    for language in LANGUAGES:
        s = situation(language)
        text = texts[language]
        short = long_draft(language, 100)
        review(text, situation=s)  # warm-up: lexicons, CLDR names, language models
        full, wall = median_ms(partial(review, text, situation=s))
        tokens, _ = median_ms(partial(parse, text))
        small, _ = median_ms(partial(review, short, situation=s))
        worst = max(worst, full)
        then = (
            f"; at {rev}: {before[language]:.1f} ms, ratio {full / before[language]:.2f}"
            if language in before
            else ""
        )
        print(
            f"{language}: {len(text.split())} words: review {full:.1f} ms CPU "
            f"({wall:.1f} ms wall), median of {RUNS} (tokenising alone {tokens:.1f} ms; "
            f"100-word draft {small:.1f} ms, ratio {full / small:.1f}x{then})"
        )
    print(
        f"slowest: {worst:.1f} ms CPU; goal < {GOAL_MS:.0f} ms:",
        "met" if worst < GOAL_MS else "MISSED",
    )
    return 0 if worst < GOAL_MS else 1


_LOAD = """
import sys, time
t = time.perf_counter()
{setup}
print((time.perf_counter() - t) * 1000)
"""
_CANDIDATES = {
    "PyStemmer": (
        "import Stemmer; s = Stemmer.Stemmer({algo!r}); s.stemWord('x')",
        lambda lang, algo: __import__("Stemmer").Stemmer(algo).stemWord,
    ),
    "snowballstemmer": (
        "import snowballstemmer; s = snowballstemmer.stemmer({algo!r}); s.stemWord('x')",
        lambda lang, algo: __import__("snowballstemmer").stemmer(algo).stemWord,
    ),
    "simplemma": (
        "import simplemma; simplemma.lemmatize('x', lang={lang!r})",
        lambda lang, algo: partial(__import__("simplemma").lemmatize, lang=lang),
    ),
}
_ALGORITHMS = {"de": "german", "sv": "swedish", "en": "english"}


def lemmatisers() -> int:
    """Accuracy on the tuning drafts' forms, time for 2,000 words, time to load."""
    forms = tomllib.loads(FORMS.read_text("utf-8"))
    print("| candidate | language | forms joined to their lemma | 2,000 words | load |")
    print("|---|---|---|---|---|")
    for name, (setup, make) in _CANDIDATES.items():
        for language in LANGUAGES:
            algo = _ALGORITHMS[language]
            try:
                raw = make(language, algo)
            except ImportError:
                print(f"| {name} | {language} | not installed | | |")
                continue

            def key(word: str, f: Callable[[str], str] = raw) -> str:
                return str(f(word.casefold())).casefold()

            pairs = forms[language]
            joined = sum(key(form) == key(lemma) for form, lemma in pairs)
            words = long_draft(language, WORDS).split()
            cpu, _ = median_ms(lambda k=key, w=words: [k(x) for x in w], 7)
            loaded = subprocess.run(
                [sys.executable, "-c", _LOAD.format(setup=setup.format(algo=algo, lang=language))],
                capture_output=True,
                text=True,
                check=True,
            )
            print(
                f"| {name} | {language} | {joined}/{len(pairs)} | {cpu:.2f} ms | "
                f"{float(loaded.stdout):.0f} ms |"
            )
    return 0


def main(argv: list[str]) -> int:
    if "--lemmatisers" in argv:
        return lemmatisers()
    rev = BEFORE_ISSUE_13
    if "--baseline" in argv:
        rev = argv[argv.index("--baseline") + 1]
    if "--no-baseline" in argv:
        rev = None
    return speed(rev)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
