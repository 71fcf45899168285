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
    ("employer", "reschedule"): ("email", "phone_script", "voicemail", "interviewer_notice"),
    ("employer", "cancel"): ("email", "phone_script", "voicemail", "interviewer_notice"),
    ("employer", "position_filled"): ("email", "phone_script", "voicemail"),
    # Issue 12: the letters people also need.
    ("candidate", "thank_you"): ("email",),
    ("candidate", "decline_offer"): ("email",),
    ("employer", "reject"): ("email",),
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
    ("candidate", "thank_you"): "other",
    ("candidate", "decline_offer"): "accepted_offer",
    ("employer", "reject"): "other",
}
# Whom an interviewer notice goes to, per language.
INTERVIEWERS = {
    Language.de: PersonRef("Petra Berg", "Frau", None, "p.berg@example.com"),
    Language.sv: PersonRef("Lars Ek", None, None, "lars.ek@example.se"),
    Language.en: PersonRef("Priya Shah", "Ms", None, "p.shah@example.co.uk"),
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
    if kind == "interviewer_notice":
        # To a colleague, about the candidate: first names in English and Swedish.
        letter = dataclasses.replace(
            letter,
            recipient=INTERVIEWERS[language],
            candidate=cast.candidate.name,
            tone=tone if language is Language.de else "informal",
        )
    return dataclasses.replace(letter, **changes)


AFTER_THE_INTERVIEW = ("status_inquiry", "thank_you", "decline_offer", "reject")


def urgencies(role: str, intent: str) -> tuple[str, ...]:
    """The urgencies that mean something for an intent."""
    if intent in AFTER_THE_INTERVIEW:
        return ("normal",)  # the interview is over or called off; notice does not apply
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
        yield v("titled", recipient=_titled(language, role))
        if language is Language.en:
            yield v("en-US", **_american(role, intent))
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
        yield v("no-interview", has_interview=False)
        yield v("interview-past", interview_ahead=False)
        yield v("night-call", round=2, call_when=_call_when(language))
        if kind == "voicemail":
            yield v("round2-short", urgency="short_notice", round=2, phone_first=True)
    if intent in ("thank_you", "decline_offer", "reject"):
        yield v("round2", round=2)
        yield v("round2", tone="informal", round=2)
    if role == "employer" and intent in ("cancel", "reschedule") and kind == "email":
        yield v("neutral-reason", reason="other")
        yield v("public-reason", reason="other", public_reason=PUBLIC[language])
    if (role, intent) == ("employer", "reject"):
        yield v("no-feedback", feedback=False)
    if (role, intent, kind) == ("candidate", "reschedule", "email"):
        yield v(
            "night-call", urgency="short_notice", phone_first=False, call_when=_call_when(language)
        )
    if (role, intent) == ("employer", "reschedule") and kind != "interviewer_notice":
        yield v("round2", round=2)
    if kind in ("phone_script", "voicemail") and intent not in AFTER_THE_INTERVIEW:
        yield v("today", urgency="short_notice", phone_first=True, spoken_when=_today(language))
    if kind == "voicemail":
        yield v(
            "no-phone",
            sender=dataclasses.replace(
                cast.candidate if role == "candidate" else cast.employer, phone=None
            ),
        )
    if kind in ("phone_script", "voicemail"):
        yield v("after-call", phone_first=True)


PUBLIC = {
    Language.de: "Unser Auswahlteam ist an diesem Tag auf einer Fortbildung",
    Language.sv: "Hela rekryteringsgruppen är på utbildning den dagen",
    Language.en: "Our whole interview panel is at a training day then.",
}


def _titled(language: Language, role: str) -> PersonRef:
    """A recipient with academic titles and a particle: Prof. Dr. Karl-Heinz von Bülow."""
    cast = CASTS[language]
    base = cast.employer if role == "candidate" else cast.candidate
    return dataclasses.replace(
        base, name="Karl-Heinz von Bülow", salutation="Herr", title="Prof. Dr."
    )


def _american(role: str, intent: str) -> dict[str, Any]:
    """An English letter to New York, written from London: en-US words and dates, both
    clocks named."""
    ny, london = "America/New_York", "Europe/London"
    start = datetime(2026, 3, 16, 10, 0, tzinfo=ZoneInfo(ny))
    when, date, time = dates.phrases(start, ny, Language.en, other_zone=london)
    slot_starts = [
        datetime(2026, 3, d, h, 0, tzinfo=ZoneInfo(ny)) for d, h in ((17, 9), (18, 12), (19, 15))
    ]
    recipient = PersonRef("Jane Doe", "Ms", "+1 212 555 0100", "jane.doe@example.com")
    if role == "employer":
        recipient = PersonRef("Sam Taylor", "Mr", "+1 212 555 0101", "sam.taylor@example.com")
    return {
        "locale": "en-US",
        "recipient": recipient,
        "when": when,
        "date": date,
        "time": time,
        "slots": [
            dates.labelled_span(s, s + timedelta(hours=1), ny, Language.en, other_zone=london)
            for s in slot_starts
        ]
        if intent == "reschedule"
        else [],
    }


def _call_when(language: Language) -> str:
    return {"de": "morgen um 9 Uhr", "sv": "i morgon kl. 9", "en": "tomorrow at 9:00"}[
        language.value
    ]


def _today(language: Language) -> str:
    return {"de": "heute um 14 Uhr", "sv": "i dag kl. 14", "en": "today at 14:00"}[language.value]


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
            seen: set[str] = set()
            for name, letter in _extras(language, role, intent, kind):
                full = f"{stem}__{letter.tone}_{letter.urgency}__{name}"
                if full not in seen:  # a colleague's note is informal whatever the tone
                    seen.add(full)
                    yield full, letter
