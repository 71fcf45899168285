"""Situations per language for the reviewer's tests and its labelled corpus.

One base per language, with native names; `situation(lang, **changes)` deep-merges
changes (None removes a key). The corpus files name a base and a few changes.
"""

from __future__ import annotations

from typing import Any

from fairnotice.model import Situation
from tests.conftest import merge

_PEOPLE = {
    "de": {
        "me": {
            "name": "Alex Weber",
            "email": "alex@example.org",
            "phone": "+49 151 0000000",
            "timezone": "Europe/Berlin",
        },
        "counterpart": {
            "name": "Jonas Becker",
            "salutation": "Herr",
            "email": "j.becker@example.com",
            "phone": "+49 30 000000",
            "timezone": "Europe/Berlin",
        },
        "position": "Paralegal",
        "company": "Muster & Partner GmbH",
        "location": "Friedrichstraße 10, 10117 Berlin",
        "timezone": "Europe/Berlin",
        "offset": "+01:00",
    },
    "sv": {
        "me": {
            "name": "Kim Nilsson",
            "email": "kim@example.org",
            "phone": "+46 70 000 00 00",
            "timezone": "Europe/Stockholm",
        },
        "counterpart": {
            "name": "Anna Lindqvist",
            "salutation": None,
            "email": "anna.lindqvist@example.se",
            "phone": "+46 8 000 000",
            "timezone": "Europe/Stockholm",
        },
        "position": "Projektledare",
        "company": "Nordvik Bygg AB",
        "location": "Sveavägen 44, 111 34 Stockholm",
        "timezone": "Europe/Stockholm",
        "offset": "+01:00",
    },
    "en": {
        "me": {
            "name": "Alex Morgan",
            "email": "alex.morgan@example.org",
            "phone": "+44 7700 900123",
            "timezone": "Europe/London",
        },
        "counterpart": {
            "name": "Jane Doe",
            "salutation": "Ms",
            "email": "j.doe@example.co.uk",
            "phone": "+44 20 7946 0000",
            "timezone": "Europe/London",
        },
        "position": "Paralegal",
        "company": "Hargreaves & Lowe LLP",
        "location": "12 Fleet Street, London EC4Y 1AA",
        "timezone": "Europe/London",
        "offset": "+00:00",
    },
}


def base(language: str) -> dict[str, Any]:
    """A candidate rescheduling an interview on Tuesday 17 March 2026, 14:00, a week ahead."""
    p = _PEOPLE[language]
    off = p["offset"]
    counterpart = {k: v for k, v in p["counterpart"].items() if v is not None}
    return {
        "now": f"2026-03-10T09:00:00{off}",
        "role": "candidate",
        "intent": "reschedule",
        "language": language,
        "reason": {"category": "schedule_conflict", "detail": "PRIVATE words never quoted"},
        "certainty": "sure",
        "interview": {
            "position": p["position"],
            "company": p["company"],
            "start": f"2026-03-17T14:00:00{off}",
            "end": f"2026-03-17T15:00:00{off}",
            "timezone": p["timezone"],
            "location": p["location"],
            "round": 1,
            "uid": f"interview-{language}@example.com",
            "sequence": 0,
        },
        "me": dict(p["me"]),
        "counterpart": counterpart,
        "history": {"channel": "email", "messages": []},
        "availability": {
            "busy": [],
            "timezone": p["timezone"],
            "working_hours": {"start": "09:00", "end": "17:00", "days": [1, 2, 3, 4, 5]},
        },
        "options": {"slot_count": 3, "tone": "formal"},
    }


def situation_data(language: str, /, **changes: Any) -> dict[str, Any]:
    return merge(base(language), changes)


def situation(language: str, /, **changes: Any) -> Situation:
    return Situation.model_validate(situation_data(language, **changes))
