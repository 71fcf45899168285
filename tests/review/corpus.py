"""The labelled corpus of drafts (tests/review/corpus/<lang>.toml) and how it is scored.

Shared by the accuracy test and `bench/review_accuracy.py`. A draft's prediction is the set
of rule ids the reviewer reports (any severity), compared with the labelled set.
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
LANGUAGES = ("de", "sv", "en")
RULES = ("M1", "M2", "M3", "M5", "M6", "M7", "R2", "R3", "R4", "W3", "W4", "T3", "C5")


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


def drafts(language: str, *, holdout: bool = False) -> list[Labelled]:
    """The labelled drafts of a language; `holdout`: the set never used to tune lexicons."""
    folder = CORPUS / "holdout" if holdout else CORPUS
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


def score(language: str, *, holdout: bool = False) -> Score:
    result = Score(Counter(), Counter(), Counter(), [], [])
    for draft in drafts(language, holdout=holdout):
        findings = draft.run()
        got = frozenset(f.rule for f in findings.findings)
        for rule in RULES:
            if rule in got and rule in draft.expected:
                result.tp[rule] += 1
            elif rule in got:
                result.fp[rule] += 1
            elif rule in draft.expected:
                result.fn[rule] += 1
        if not draft.expected and any(f.severity is Severity.error for f in findings.findings):
            result.errors_on_good.append(draft.id)
        if got != draft.expected:
            result.mistakes.append((draft.id, draft.expected, got))
    return result
