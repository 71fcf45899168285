"""The product agrees with itself: every snapshot variant (emails, follow-ups, phone
scripts, voicemails, interviewer notices) reviews without an error or a warning, read as
its kind against the situation it was written for (issue 12).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fairnotice.compose.render import Letter, render
from fairnotice.model import Situation
from fairnotice.review import review
from fairnotice.rules.proposals import HORIZON
from tests.compose.letter_cases import CASTS, VIDEO, snapshot_variants

LETTERS = dict(snapshot_variants())
NOW = {
    "normal": timedelta(days=-7),
    "short_notice": timedelta(hours=-5),
    "missed": timedelta(hours=3),
}
# A candidate's reschedule without proposed times was written for a calendar with no free
# time within the planner's horizon: the situation says so by being busy throughout.
NO_FREE_TIME = HORIZON + timedelta(days=14)


def situation_of(letter: Letter) -> Situation:
    cast = CASTS[letter.language]
    zone = "America/New_York" if letter.locale == "en-US" else cast.zone
    start = datetime(2026, 3, 16, 10 if letter.locale == "en-US" else 14, tzinfo=ZoneInfo(zone))
    me, them = letter.sender, letter.recipient
    busy = (
        {
            "availability": {
                "busy": [
                    {
                        "start": (start - NO_FREE_TIME).isoformat(),
                        "end": (start + NO_FREE_TIME).isoformat(),
                    }
                ]
            }
        }
        if letter.role.value == "candidate" and letter.intent == "reschedule" and not letter.slots
        else {}
    )
    return Situation.model_validate(
        {
            "now": (start + NOW[letter.urgency]).isoformat(),
            "role": letter.role.value,
            "intent": letter.intent,
            "language": letter.language.value,
            "reason": {"category": letter.reason},
            "interview": {
                "position": letter.position,
                "company": letter.company,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "timezone": zone,
                "location": None if letter.is_video else letter.place,
                "video_url": VIDEO if letter.is_video else None,
                "round": letter.round,
            },
            "me": {
                "name": me.name,
                "email": me.email or "me@example.org",
                "timezone": "Europe/London" if letter.locale == "en-US" else cast.zone,
            },
            "counterpart": {
                "name": them.name,
                "email": them.email or "them@example.org",
                "salutation": them.salutation,
                "title": them.title,
                "timezone": zone,
            },
            "options": {
                "tone": letter.tone,
                **({"locale": letter.locale} if letter.locale else {}),
            },
            **busy,
        }
    )


def review_of(name: str) -> list[tuple[str, str, str]]:
    letter = LETTERS[name]
    subject, body = render(letter)
    found = review(
        f"Subject: {subject}\n\n{body}" if subject else body,
        situation=situation_of(letter),
        intent=letter.intent,
        language=letter.language.value,
        kind=letter.kind,
    )
    return [(f.rule, f.severity.value, f.text) for f in found.findings]


@pytest.mark.parametrize("name", sorted(LETTERS))
def test_every_variant_reviews_clean_as_its_kind(name: str) -> None:
    assert not review_of(name)


def test_every_kind_is_reviewed() -> None:
    """The set above holds every kind of message the product writes."""
    assert {letter.kind.value for letter in LETTERS.values()} == {
        "email",
        "follow_up_email",
        "phone_script",
        "voicemail",
        "interviewer_notice",
    }
