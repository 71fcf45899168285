"""The labelled corpora of drafts and how they are scored.

Shared by the accuracy tests and `bench/review_accuracy.py`. A draft's prediction is the set
of rule ids the reviewer reports (any severity), compared with the labelled set.

- `corpus/<lang>.toml` (the lexicons were first tuned on it) and `corpus/holdout/`;
- `corpus_fresh/tune/` and `corpus_fresh/holdout/`: written fresh for issue 13 and split by
  file before any tuning; labelled for the rules of that issue only (`FRESH_RULES`), while a
  good draft there must still draw no error of any rule.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairnotice.model import Findings, Severity
from fairnotice.review import review
from tests.review.situations import situation

CORPUS = Path(__file__).parent / "corpus"
FRESH = Path(__file__).parent / "corpus_fresh"
LANGUAGES = ("de", "sv", "en")
RULES = ("M1", "M2", "M3", "M5", "M6", "M7", "R2", "R3", "R4", "W3", "W4", "T3", "C5")
FRESH_RULES = ("M1", "M2", "M3", "M5", "R4")
# name -> (folder, rules labelled there)
SETS: dict[str, tuple[Path, tuple[str, ...]]] = {
    "corpus": (CORPUS, RULES),
    "holdout": (CORPUS / "holdout", RULES),
    "fresh-tune": (FRESH / "tune", FRESH_RULES),
    "fresh-holdout": (FRESH / "holdout", FRESH_RULES),
}


@dataclass(frozen=True)
class Labelled:
    id: str
    language: str
    text: str
    expected: frozenset[str]
    intent: str | None
    changes: dict[str, Any] | None  # None: reviewed without a situation

    def run(self) -> Findings:
        if self.changes is None:
            return review(self.text, intent=self.intent)
        return review(
            self.text, situation=situation(self.language, **self.changes), intent=self.intent
        )


def _set_name(holdout: bool, name: str | None) -> str:
    return name if name is not None else ("holdout" if holdout else "corpus")


def drafts(language: str, *, holdout: bool = False, name: str | None = None) -> list[Labelled]:
    """The labelled drafts of a language in the set `name` (see SETS); `holdout` is the
    original corpus' held-out set."""
    folder = SETS[_set_name(holdout, name)][0]
    raw = tomllib.loads((folder / f"{language}.toml").read_text("utf-8"))
    out = []
    for entry in raw["draft"]:
        with_situation = entry.get("situation", True)
        out.append(
            Labelled(
                id=entry["id"],
                language=language,
                text=entry["text"],
                expected=frozenset(entry["expected"]),
                intent=entry.get("intent"),
                changes=dict(entry.get("changes", {})) if with_situation else None,
            )
        )
    return out


@dataclass
class Score:
    tp: Counter[str]
    fp: Counter[str]
    fn: Counter[str]
    errors_on_good: list[str]
    mistakes: list[tuple[str, frozenset[str], frozenset[str]]]

    def precision(self, rule: str) -> float:
        found = self.tp[rule] + self.fp[rule]
        return self.tp[rule] / found if found else 1.0

    def recall(self, rule: str) -> float:
        wanted = self.tp[rule] + self.fn[rule]
        return self.tp[rule] / wanted if wanted else 1.0


def score(language: str, *, holdout: bool = False, name: str | None = None) -> Score:
    name = _set_name(holdout, name)
    labelled = SETS[name][1]
    result = Score(Counter(), Counter(), Counter(), [], [])
    for draft in drafts(language, name=name):
        findings = draft.run()
        got = frozenset(f.rule for f in findings.findings) & frozenset(labelled)
        for rule in labelled:
            if rule in got and rule in draft.expected:
                result.tp[rule] += 1
            elif rule in got:
                result.fp[rule] += 1
            elif rule in draft.expected:
                result.fn[rule] += 1
        errors = sorted({f.rule for f in findings.findings if f.severity is Severity.error})
        if not draft.expected and errors:
            result.errors_on_good.append(f"{draft.id} ({', '.join(errors)})")
        if got != draft.expected:
            result.mistakes.append((draft.id, draft.expected, got))
    return result
