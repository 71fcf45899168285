"""Review a draft someone wrote themselves, rule by rule, with the passages marked.

    review(text, situation=..., intent=...) -> Findings

Pure: the draft, the situation and `now` come in as arguments. Findings are in the
draft's language; `ok` is true when none of them is an error.
"""

from __future__ import annotations

import re
from datetime import datetime

from fairnotice.compose import language as detection
from fairnotice.errors import BadInput
from fairnotice.model import Findings, Intent, Language, Role, Situation
from fairnotice.review import checks, elsewhere, salutation, stems
from fairnotice.review.context import Review
from fairnotice.review.lexicon import lexicon
from fairnotice.review.tokens import parse
from fairnotice.rules.catalog import rules

__all__ = ["review"]

_EMPLOYER_ONLY = frozenset({Intent.cancel, Intent.position_filled})
DETECT_CHARS = 2000  # the opening of a long draft is enough to tell its language


def _expected_language(situation: Situation | None) -> Language | None:
    """M7 as the planner applies it: the chosen language, else the thread's."""
    if situation is None:
        return None
    if situation.language is not None:
        return situation.language
    return detection.detect(m.text for m in situation.history.messages)


def _is_formal(situation: Situation | None, text: str, language: Language) -> bool:
    if situation is not None:
        return situation.options.tone.value == "formal"
    if language is Language.de:
        return not re.search(r"\b(?:du|dich|dir|dein\w*|euch|euer\w*)\b", text, re.I)
    return True


def review(
    text: str,
    *,
    situation: Situation | None = None,
    intent: Intent | str | None = None,
    language: Language | str | None = None,
    now: datetime | None = None,
) -> Findings:
    """The findings on `text`. `language` is the draft's own, when the caller knows it."""
    try:
        wanted = Intent(intent) if intent is not None else None
    except ValueError:
        names = ", ".join(i.value for i in Intent)
        raise BadInput([("intent", f"unknown intent {intent!r} (one of {names})")]) from None
    try:
        stated = Language(language) if language is not None else None
    except ValueError:
        raise BadInput([("language", f"unknown language {language!r} (de, sv or en)")]) from None
    if (
        situation is not None
        and wanted is not None
        and situation.role is Role.candidate
        and wanted in _EMPLOYER_ONLY
    ):
        raise BadInput(
            [
                (
                    "intent",
                    f"{wanted.value!r} is an employer's intent, "
                    "but the situation's role is candidate",
                )
            ]
        )
    draft = parse(text)
    expected = _expected_language(situation)
    drafted = (
        stated
        or detection.detect([draft.masked[draft.body_start :][:DETECT_CHARS]])
        or expected
        or Language.en
    )
    draft.stem(stems.stem_words([t.text for t in draft.tokens], drafted))
    role = situation.role if situation is not None else Role.candidate
    if situation is None and wanted in _EMPLOYER_ONLY:
        role = Role.employer
    state = Review(
        draft=draft,
        lex=lexicon(drafted),
        language=drafted,
        role=role,
        intent=wanted or (situation.intent if situation is not None else None),
        situation=situation,
        now=now or (situation.now if situation is not None else None),
        formal=_is_formal(situation, draft.masked, drafted),
    )
    if state.intent is None:
        state.intent = checks.infer_intent(state)
    if expected is not None and expected is not drafted:
        names = state.lex.raw["languages"]
        state.error("M7", "M7", None, draft=names[drafted.value], expected=names[expected.value])
    salutation.check(state)
    checks.check_facts(state)
    checks.check_privacy(state)
    elsewhere.check(state)
    checks.check_tone(state)
    checks.check_length(state)
    checks.check_reschedule(state)
    checks.check_withdrawal(state)
    checks.check_short_notice(state)
    order = {rule_id: i for i, rule_id in enumerate(rules())}
    found = sorted(state.findings, key=lambda f: (order.get(f.rule, 99), f.span or (-1, -1)))
    return Findings(
        language=drafted,
        ok=not any(f.severity.value == "error" for f in found),
        findings=found,
    )
