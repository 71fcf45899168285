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
