"""What every check sees: the parsed draft, its lexicon, the facts known, and the findings."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime

from fairnotice.model import (
    Finding,
    Intent,
    Language,
    MessageKind,
    Role,
    Severity,
    Situation,
    zone,
)
from fairnotice.review import when
from fairnotice.review.lexicon import Lexicon
from fairnotice.review.tokens import Draft


@dataclass(slots=True)
class Review:
    draft: Draft
    lex: Lexicon
    language: Language
    role: Role
    intent: Intent | None
    situation: Situation | None
    now: datetime | None
    formal: bool
    kind: MessageKind = MessageKind.email
    skipped: frozenset[str] = frozenset()  # rules that do not fit this kind of message
    findings: list[Finding] = field(default_factory=list)
    _hits: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    _days: list[when.DayMention] | None = None
    _times: list[when.TimeMention] | None = None

    def hits(self, category: str) -> list[tuple[int, int]]:
        """Spans of the body where a phrase of `category` occurs (found once per review)."""
        if category not in self._hits:
            self._hits[category] = self.lex.find(category, self.draft, start=self.draft.body_start)
        return self._hits[category]

    def hits_in(self, category: str, sentence: tuple[int, int]) -> list[tuple[int, int]]:
        """The hits of `category` that begin inside `sentence`."""
        hits = self.hits(category)
        i = bisect_left(hits, (sentence[0], -1))
        j = bisect_left(hits, (sentence[1], -1))
        return hits[i:j]

    def days(self) -> list[when.DayMention]:
        """Every day the draft names (read once per review)."""
        if self._days is None:
            self._days = when.days(self.draft.masked, self.lex)
        return self._days

    def times(self) -> list[when.TimeMention]:
        """Every clock time the draft names, outside its days (read once per review)."""
        if self._times is None:
            self._times = when.times(self.draft.masked, self.lex, self.days())
        return self._times

    def add(
        self,
        rule: str,
        severity: Severity,
        key: str,
        span: tuple[int, int] | None = None,
        **values: str,
    ) -> None:
        """Record a finding whose text is the lexicon's message `key` with `values` filled in."""
        if rule in self.skipped:
            return
        if span is not None and "words" not in values:
            values["words"] = self.quote(span)
        self.findings.append(
            Finding(rule=rule, severity=severity, text=self.lex.message(key, **values), span=span)
        )

    def error(
        self, rule: str, key: str, span: tuple[int, int] | None = None, **values: str
    ) -> None:
        self.add(rule, Severity.error, key, span, **values)

    def warning(
        self, rule: str, key: str, span: tuple[int, int] | None = None, **values: str
    ) -> None:
        self.add(rule, Severity.warning, key, span, **values)

    def quote(self, span: tuple[int, int]) -> str:
        return quote(self.draft.text, span)

    def today(self) -> date | None:
        if self.now is None or self.situation is None:
            return None
        return self.now.astimezone(zone(self.situation.interview.timezone)).date()

    @property
    def candidate(self) -> bool:
        return self.role is Role.candidate


def quote(text: str, span: tuple[int, int]) -> str:
    """The passage of `text` at `span`, on one line and shortened for a finding's text."""
    words = " ".join(text[span[0] : span[1]].split())
    return words if len(words) <= 60 else words[:57] + "…"
