"""The product agrees with itself: every email snapshot variant reviews without an error or
a warning, read against the situation it was written for (issue 12).

Scripts and voicemails are spoken and have no intent of their own in the reviewer yet, and
interviewer notices are internal; they are left to the reviewer's own suite.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fairnotice.compose.render import Letter, render
from fairnotice.model import Situation
from fairnotice.review import review
from tests.compose.letter_cases import CASTS, VIDEO, snapshot_variants

EMAILS = {name: letter for name, letter in snapshot_variants() if letter.kind.value == "email"}
NOW = {
    "normal": timedelta(days=-7),
    "short_notice": timedelta(hours=-5),
    "missed": timedelta(hours=3),
}
# Findings that are the reviewer's to fix, reported to its owner (issue 13): with no free
# time found the letter asks them to suggest one, which the reviewer still reads as R4.
KNOWN = {"no-slots": {"R4"}, "pick-url-only": {"R4"}}


def situation_of(letter: Letter) -> Situation:
    cast = CASTS[letter.language]
    zone = "America/New_York" if letter.locale == "en-US" else cast.zone
    start = datetime(2026, 3, 16, 10 if letter.locale == "en-US" else 14, tzinfo=ZoneInfo(zone))
    me, them = letter.sender, letter.recipient
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
        }
    )


@pytest.mark.parametrize("name", sorted(EMAILS))
def test_every_email_variant_reviews_clean(name: str) -> None:
    letter = EMAILS[name]
    subject, body = render(letter)
    found = review(
        f"Subject: {subject}\n\n{body}",
        situation=situation_of(letter),
        intent=letter.intent,
        language=letter.language.value,
    )
    known = next((rules for tag, rules in KNOWN.items() if name.endswith(f"__{tag}")), set())
    left = [(f.rule, f.severity.value, f.text) for f in found.findings if f.rule not in known]
    assert not left, left
