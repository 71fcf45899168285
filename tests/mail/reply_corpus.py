"""The reply corpus (tests/mail/replies/*.toml) and its scoring, for tests and the bench."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fairnotice.mail.replies import fresh_text
from fairnotice.review.proposals import read_proposals

FOLDER = Path(__file__).parent / "replies"


@dataclass(frozen=True)
class Case:
    language: str
    zone: str
    written: datetime
    text: str
    times: tuple[str, ...]


@dataclass(frozen=True)
class Score:
    cases: int
    exact: int  # every proposed time found, nothing else
    expected: int  # times written in the corpus
    found: int  # times the reader returned
    correct: int  # of those, how many are in the corpus
    misses: tuple[str, ...]

    @property
    def accuracy(self) -> float:
        return self.exact / self.cases if self.cases else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0


def load(name: str) -> list[Case]:
    data = tomllib.loads((FOLDER / f"{name}.toml").read_text(encoding="utf-8"))
    zone = ZoneInfo(data["zone"])
    written = datetime.fromisoformat(data["written"]).replace(tzinfo=zone)
    return [
        Case(data["language"], data["zone"], written, r["text"], tuple(r["times"]))
        for r in data["reply"]
    ]


def read(case: Case) -> list[str]:
    found = read_proposals(
        fresh_text(case.text), language=case.language, zone=case.zone, written=case.written
    )
    return [p.start.strftime("%Y-%m-%dT%H:%M") for p in found]


def score(cases: list[Case]) -> Score:
    exact = expected = found = correct = 0
    misses = []
    for case in cases:
        got = read(case)
        expected += len(case.times)
        found += len(got)
        correct += len(set(got) & set(case.times))
        if sorted(got) == sorted(case.times):
            exact += 1
        else:
            misses.append(f"{case.text[:60]!r}: got {got}, want {list(case.times)}")
    return Score(len(cases), exact, expected, found, correct, tuple(misses))
