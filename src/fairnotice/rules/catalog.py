"""The rulebook as data: every rule with its id, its text, title and rationale.

catalog.toml is the one source: docs/RULEBOOK.md is generated from it (rules/rulebook.py).

Ids are public (plans list them, the reviewer reports by them, the web app links them).
Texts exist in every supported language because users read them as advice and warnings.
The planner and the reviewer look rules up here; nothing else hard-codes their words.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from fairnotice.model import Language


class Family(StrEnum):
    timing = "timing"
    channel = "channel"
    content = "content"
    rescheduling = "rescheduling"
    withdrawing = "withdrawing"
    emergency = "emergency"
    employer = "employer"
    calendar = "calendar"


class RuleId(StrEnum):
    """Every rule id of catalog.toml, so code names a rule the type checker knows.

    A typo fails mypy; tests/rules/test_rulebook.py fails when this list and the
    catalog's ids differ. Members are strings: the public JSON is unchanged.
    """

    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    T4 = "T4"
    T5 = "T5"
    C1 = "C1"
    C2 = "C2"
    C3 = "C3"
    C4 = "C4"
    C5 = "C5"
    M1 = "M1"
    M2 = "M2"
    M3 = "M3"
    M4 = "M4"
    M5 = "M5"
    M6 = "M6"
    M7 = "M7"
    R1 = "R1"
    R2 = "R2"
    R3 = "R3"
    R4 = "R4"
    R5 = "R5"
    W1 = "W1"
    W2 = "W2"
    W3 = "W3"
    W4 = "W4"
    W5 = "W5"
    X1 = "X1"
    E1 = "E1"
    E2 = "E2"
    E3 = "E3"
    E4 = "E4"
    E5 = "E5"
    K1 = "K1"
    K2 = "K2"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    family: Family
    title: dict[Language, str]
    rationale: dict[Language, str]
    # The rule as the rulebook states it (English, Markdown): what the document shows.
    wording: str = ""
    # A warning about the situation at hand, with {placeholders} the planner fills in;
    # rules without one warn with their rationale.
    warning: dict[Language, str] | None = None

    def text(self, language: Language) -> str:
        return self.rationale[language]

    def warning_text(self, language: Language, **values: str) -> str:
        """The rule's own warning with `values` filled in, else its rationale."""
        if self.warning is None:
            return self.rationale[language]
        return self.warning[language].format(**values)


_FAMILY_BY_PREFIX = {
    "T": Family.timing,
    "C": Family.channel,
    "M": Family.content,
    "R": Family.rescheduling,
    "W": Family.withdrawing,
    "X": Family.emergency,
    "E": Family.employer,
    "K": Family.calendar,
}


FRAME = "rulebook"  # the table of the document around the rules (not a rule)


@cache
def _raw() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("catalog.toml").read_text("utf-8")
    return tomllib.loads(text)


def frame() -> dict[str, Any]:
    """The rulebook's title, introduction and section headings (by the ids' letter)."""
    return dict(_raw()[FRAME])


@cache
def rules() -> dict[str, Rule]:
    """All rules by id, in rulebook order, read once from catalog.toml."""
    out: dict[str, Rule] = {}
    for rule_id, entry in _raw().items():
        if rule_id == FRAME:
            continue
        out[rule_id] = Rule(
            id=rule_id,
            family=_FAMILY_BY_PREFIX[rule_id[0]],
            title={lang: entry["title"][lang.value] for lang in Language},
            rationale={lang: entry["rationale"][lang.value] for lang in Language},
            wording=entry["text"],
            warning=(
                {lang: entry["warning"][lang.value] for lang in Language}
                if "warning" in entry
                else None
            ),
        )
    return out


def rule(rule_id: str) -> Rule:
    """The rule with this id; KeyError names the id when it is not in the rulebook."""
    try:
        return rules()[rule_id]
    except KeyError:
        raise KeyError(f"no rule {rule_id!r} in the rulebook") from None
