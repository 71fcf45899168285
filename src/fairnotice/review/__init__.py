"""Review a draft someone wrote themselves, rule by rule, with the passages marked.

    review(text, situation=..., intent=..., kind=...) -> Findings

`kind` is the message's kind (an email unless told: what a user writes); a phone script,
a voicemail or an interviewer notice is held to the rules that fit it (kinds.py). Pure:
the draft, the situation and `now` come in as arguments. Findings are in the draft's
language; `ok` is true when none of them is an error.
"""

from __future__ import annotations

import re
from datetime import datetime

from fairnotice.compose import language as detection
from fairnotice.compose import tone as thread_tone
from fairnotice.errors import BadInput
from fairnotice.model import Findings, Intent, Language, MessageKind, Role, Situation
from fairnotice.review import checks, elsewhere, kinds, salutation, stems
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


def _accepted_languages(situation: Situation, kind: MessageKind) -> set[Language]:
    """M7 per recipient: a filled position's letters are each in their candidate's
    language, an interviewer's notice in the interviewer's."""
    if situation.role is Role.employer and situation.intent is Intent.position_filled:
        return {c.language for c in situation.candidates}
    if kind is MessageKind.interviewer_notice:
        return {i.language for i in situation.interviewers}
    return set()


def _is_formal(situation: Situation | None, text: str, language: Language) -> bool:
    """C5 as the planner applies it: the user's choice, else the thread's form (mirrored
    from its history), else the tone."""
    if situation is not None:
        options = situation.options
        address = thread_tone.detect(
            situation.history.messages,
            language,
            choice=options.address,
            tone=options.tone,
            tone_given="tone" in options.model_fields_set,
        )
        return address.form == "formal"
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
    kind: MessageKind | str | None = None,
) -> Findings:
    """The findings on `text`. `language` is the draft's own, when the caller knows it;
    `kind` the kind of message (an email unless told)."""
    try:
        wanted = Intent(intent) if intent is not None else None
    except ValueError:
        names = ", ".join(i.value for i in Intent)
        raise BadInput([("intent", f"unknown intent {intent!r} (one of {names})")]) from None
    try:
        stated = Language(language) if language is not None else None
    except ValueError:
        raise BadInput([("language", f"unknown language {language!r} (de, sv or en)")]) from None
    try:
        told = MessageKind(kind) if kind is not None else MessageKind.email
    except ValueError:
        names = ", ".join(k.value for k in MessageKind)
        raise BadInput([("kind", f"unknown kind {kind!r} (one of {names})")]) from None
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
        kind=told,
        skipped=kinds.SKIPPED[told],
    )
    if state.intent is None:
        state.intent = checks.infer_intent(state)
    accepted = _accepted_languages(situation, told) if situation is not None else set()
    if expected is not None and expected is not drafted and drafted not in accepted:
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
