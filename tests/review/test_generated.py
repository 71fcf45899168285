"""The product agrees with itself: every email the planner writes reviews without an error.

The real planner runs over every role, intent, language and tone, at normal and at short
notice, with and without a known salutation and with a video interview; each email (with
its subject) is reviewed against the same situation.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from fairnotice.model import MessageKind, Severity
from fairnotice.review import review
from fairnotice.rules.planner import plan
from tests.review.situations import situation

ROLES_INTENTS = [
    ("candidate", "reschedule"),
    ("candidate", "withdraw"),
    ("candidate", "status_inquiry"),
    ("employer", "reschedule"),
    ("employer", "cancel"),
    ("employer", "position_filled"),
]
LANGUAGES = ["de", "sv", "en"]
TONES = ["formal", "informal"]
VARIANTS: dict[str, dict[str, Any]] = {
    "normal": {},
    "short_notice": {"now": "2026-03-16T18:00:00+01:00"},
    "video_no_salutation": {
        "interview": {"location": None, "video_url": "https://meet.example.com/abc-defg"},
        "counterpart": {"salutation": None},
        "reason": {"category": "illness"},
    },
    "other_interview_reason": {"reason": {"category": "other_interview"}},
    "missed": {},
    "emergency_unsure": {"reason": {"category": "emergency"}, "certainty": "unsure"},
}
CANDIDATES = {
    "de": [
        {
            "name": "Mia Schulz",
            "email": "mia@example.de",
            "language": "de",
            "round": 2,
            "salutation": "Frau",
            "phone": "+49 30 111111",
        }
    ],
    "sv": [{"name": "Erik Holm", "email": "erik@example.se", "language": "sv", "round": 1}],
    "en": [
        {
            "name": "Sam Patel",
            "email": "sam@example.co.uk",
            "language": "en",
            "round": 1,
            "salutation": "Mr",
        }
    ],
}


def _case(role: str, intent: str, language: str, tone: str, variant: str) -> Any:
    changes: dict[str, Any] = {"role": role, "intent": intent, "options": {"tone": tone}}
    changes.update(VARIANTS[variant])
    offset = "+00:00" if language == "en" else "+01:00"
    if variant == "short_notice":
        changes["now"] = f"2026-03-16T18:00:00{offset}"
    if variant == "missed":
        changes["now"] = f"2026-03-17T16:00:00{offset}"
    if intent == "withdraw":
        changes.setdefault("reason", {"category": "accepted_offer"})
    if intent == "position_filled":
        changes["candidates"] = CANDIDATES[language]
    if role == "employer":
        changes.setdefault("reason", {"category": "interviewer_unavailable"})
    return situation(language, **changes)


CASES = list(itertools.product(ROLES_INTENTS, LANGUAGES, TONES, VARIANTS))


@pytest.mark.parametrize(
    ("role_intent", "language", "tone", "variant"),
    CASES,
    ids=[f"{r}-{i}-{lang}-{t}-{v}" for (r, i), lang, t, v in CASES],
)
def test_generated_emails_review_without_errors(
    role_intent: tuple[str, str], language: str, tone: str, variant: str
) -> None:
    role, intent = role_intent
    the_situation = _case(role, intent, language, tone, variant)
    the_plan = plan(the_situation)
    emails = [m for m in the_plan.messages if m.kind is MessageKind.email]
    assert emails, "the plan has an email to review"
    for message in emails:
        draft = f"Subject: {message.subject}\n\n{message.body}"
        findings = review(draft, situation=the_situation)
        errors = [f for f in findings.findings if f.severity is Severity.error]
        assert findings.language is message.language
        assert not errors, f"{message.id} to {message.to}:\n{draft}\n{errors}"
        assert findings.ok


@pytest.mark.parametrize(
    ("role_intent", "language", "tone", "variant"),
    CASES,
    ids=[f"{r}-{i}-{lang}-{t}-{v}" for (r, i), lang, t, v in CASES],
)
def test_every_generated_message_reviews_clean_as_its_kind(
    role_intent: tuple[str, str], language: str, tone: str, variant: str
) -> None:
    """Emails, follow-ups, scripts, voicemails and interviewer notices: no error and no
    warning, each read as its kind in its own language (issue 12)."""
    role, intent = role_intent
    the_situation = _case(role, intent, language, tone, variant)
    the_plan = plan(the_situation)
    for message in the_plan.messages:
        draft = f"Subject: {message.subject}\n\n{message.body}" if message.subject else message.body
        findings = review(
            draft, situation=the_situation, language=message.language, kind=message.kind
        )
        left = [(f.rule, f.severity.value, f.text) for f in findings.findings]
        assert not left, f"{message.id} ({message.kind.value}) to {message.to}:\n{draft}\n{left}"
