"""Letters for tests: realistic facts per language, and the named variants that are snapshotted.

Dates go through `fairnotice.compose.dates` exactly as the planner's context does, so the
snapshots show what a recipient reads.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fairnotice.compose import dates
from fairnotice.compose.render import Letter, PersonRef
from fairnotice.model import Language, MessageKind, ReasonCategory, Role

KINDS_BY_INTENT: dict[tuple[str, str], tuple[str, ...]] = {
    ("candidate", "reschedule"): ("email", "phone_script", "voicemail", "follow_up_email"),
    ("candidate", "withdraw"): ("email", "phone_script", "voicemail"),
    ("candidate", "status_inquiry"): ("email", "phone_script", "voicemail"),
    ("employer", "reschedule"): ("email", "phone_script", "voicemail"),
    ("employer", "cancel"): ("email", "phone_script", "voicemail"),
    ("employer", "position_filled"): ("email", "phone_script", "voicemail"),
}

TEMPLATES: list[tuple[str, str, str]] = [
    (role, intent, kind) for (role, intent), kinds in KINDS_BY_INTENT.items() for kind in kinds
]

DEFAULT_REASON = {
    ("candidate", "reschedule"): "family",
    ("candidate", "withdraw"): "accepted_offer",
    ("candidate", "status_inquiry"): "other",
    ("employer", "reschedule"): "interviewer_unavailable",
    ("employer", "cancel"): "illness",
    ("employer", "position_filled"): "position_filled",
}

REASONS = tuple(category.value for category in ReasonCategory)  # every contract reason


@dataclasses.dataclass(frozen=True)
class Cast:
    """Who writes to whom, and about what, in one language."""

    zone: str
    candidate: PersonRef
    employer: PersonRef
    company: str
    position: str
    address: str


VIDEO = "https://meet.example.com/kx7-q2r-p9w"
PICK_URL = "https://jobs.example.com/pick/4f9c2a"

CASTS: dict[Language, Cast] = {
    Language.de: Cast(
        zone="Europe/Berlin",
        candidate=PersonRef("Maria Schulz", "Frau", "+49 151 2345678", "maria.schulz@example.org"),
        employer=PersonRef("Jonas Becker", "Herr", "+49 30 9876543", "j.becker@example.com"),
        company="Muster & Partner GmbH",
        position="Sachbearbeiter Buchhaltung (m/w/d)",
        address="Friedrichstraße 10, 10117 Berlin",
    ),
    Language.sv: Cast(
        zone="Europe/Stockholm",
        candidate=PersonRef("Erik Johansson", None, "070-123 45 67", "erik.johansson@example.org"),
        employer=PersonRef("Anna Lindqvist", None, "08-123 456 78", "anna.lindqvist@example.se"),
        company="Nordvik AB",
        position="redovisningsekonom",
        address="Drottninggatan 12, 111 51 Stockholm",
    ),
    Language.en: Cast(
        zone="Europe/London",
        candidate=PersonRef("Sam Taylor", "Mr", "+44 7700 900123", "sam.taylor@example.org"),
        employer=PersonRef("Jane Doe", "Ms", "+44 20 7946 0000", "j.doe@example.co.uk"),
        company="Hargreaves & Lowe LLP",
        position="Paralegal",
        address="12 Fleet Street, London EC4Y 1AA",
    ),
}


def make_letter(
    language: Language,
    role: str,
    intent: str,
    kind: str,
    *,
    tone: str = "formal",
    urgency: str = "normal",
    **changes: Any,
) -> Letter:
    """A letter with sensible defaults; `changes` replaces any `Letter` field."""
    cast = CASTS[language]
    zone = ZoneInfo(cast.zone)
    start = datetime(2026, 3, 16, 14, 0, tzinfo=zone)
    slot_starts = [
        datetime(2026, 3, d, h, 0, tzinfo=zone) for d, h in ((17, 10), (18, 14), (19, 9))
    ]
    with_slots = intent == "reschedule"
    candidate_writes = role == "candidate"
    spoken_or_mail = kind in ("phone_script", "voicemail", "email")
    letter = Letter(
        role=Role(role),
        intent=intent,
        kind=MessageKind(kind),
        language=language,
        tone=tone,
        urgency=urgency,
        reason=DEFAULT_REASON[(role, intent)],
        recipient=cast.employer if candidate_writes else cast.candidate,
        sender=cast.candidate if candidate_writes else cast.employer,
        position=cast.position,
        company=cast.company,
        when=dates.when(start, cast.zone, language),
        date=dates.long_date(start, cast.zone, language),
        time=dates.time_phrase(start, cast.zone, language),
        place=cast.address,
        is_video=False,
        round=1,
        slots=[dates.span(s, s + timedelta(hours=1), cast.zone, language) for s in slot_starts]
        if with_slots
        else [],
        # As the planner does: away from normal notice the call comes first, and a call at
        # normal notice is the follow-up of an unanswered email.
        phone_first=urgency != "normal" and spoken_or_mail,
        certainty="sure",
        pick_url=None,
        new_when=None,
    )
    return dataclasses.replace(letter, **changes)


def urgencies(role: str, intent: str) -> tuple[str, ...]:
    """The urgencies that mean something for an intent."""
    if intent == "status_inquiry":
        return ("normal",)  # the interview was already called off; notice does not apply
    if intent == "position_filled":
        return ("normal", "short_notice")  # the planner never calls a filled position missed
    return ("normal", "short_notice", "missed")


def _extras(language: Language, role: str, intent: str, kind: str) -> Iterator[tuple[str, Letter]]:
    """Named variants beyond tone × urgency: the facts that change the words."""
    cast = CASTS[language]

    def v(
        name: str, tone: str = "formal", urgency: str = "normal", **changes: Any
    ) -> tuple[str, Letter]:
        return name, make_letter(
            language, role, intent, kind, tone=tone, urgency=urgency, **changes
        )

    email = kind in ("email", "follow_up_email")
    if email:
        yield v("video", is_video=True, place=VIDEO)
        yield v(
            "no-salutation",
            recipient=dataclasses.replace(
                cast.employer if role == "candidate" else cast.candidate, salutation=None
            ),
        )
    if (role, intent) == ("candidate", "reschedule"):
        if kind != "follow_up_email":
            yield v("no-slots", slots=[])
            yield v("no-slots", tone="informal", slots=[])
            yield v("other-interview", reason="other_interview")
            yield v("illness-informal", tone="informal", reason="illness")
        else:
            yield v("agreed", new_when=_new_when(language))
            yield v("agreed", tone="informal", new_when=_new_when(language))
            yield v("agreed-missed", urgency="missed", new_when=_new_when(language))
    if (role, intent) == ("candidate", "withdraw"):
        for reason in ("lost_interest", "other_interview", "family"):
            yield v(reason, reason=reason)
        yield v("lost-interest", tone="informal", reason="lost_interest")
        yield v("round2", round=2)
        yield v("round2", tone="informal", round=2)
    if (role, intent) == ("employer", "reschedule"):
        yield v("pick-url", pick_url=PICK_URL)
        yield v("pick-url", tone="informal", pick_url=PICK_URL)
        yield v("pick-url-only", pick_url=PICK_URL, slots=[])
        yield v("no-slots", slots=[])
        yield v("emergency", reason="emergency")
    if (role, intent) == ("employer", "cancel"):
        yield v("position-filled", reason="position_filled")
        yield v("position-filled", tone="informal", reason="position_filled")
        yield v("pick-url", pick_url=PICK_URL)
        yield v("interviewer", reason="interviewer_unavailable")
    if (role, intent) == ("employer", "position_filled"):
        yield v("round2", round=2, phone_first=True)
        yield v("round2", tone="informal", round=2, phone_first=True)
    if kind == "voicemail":
        yield v(
            "no-phone",
            sender=dataclasses.replace(
                cast.candidate if role == "candidate" else cast.employer, phone=None
            ),
        )
    if kind in ("phone_script", "voicemail"):
        yield v("after-call", phone_first=True)


def _new_when(language: Language) -> str:
    zone = CASTS[language].zone
    return dates.when(datetime(2026, 3, 18, 14, 0, tzinfo=ZoneInfo(zone)), zone, language)


def snapshot_variants() -> Iterator[tuple[str, Letter]]:
    """Every snapshotted letter with its file name (without .txt), relative to snapshots/."""
    for language in Language:
        for role, intent, kind in TEMPLATES:
            stem = f"{language.value}/{role}_{intent}_{kind}"
            for tone, urgency in itertools.product(("formal", "informal"), urgencies(role, intent)):
                yield (
                    f"{stem}__{tone}_{urgency}",
                    make_letter(language, role, intent, kind, tone=tone, urgency=urgency),
                )
            for name, letter in _extras(language, role, intent, kind):
                yield f"{stem}__{letter.tone}_{letter.urgency}__{name}", letter
