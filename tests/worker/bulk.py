"""A position filled for thousands of candidates: the situation, as `fairnotice send` reads it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import BASE, merge

LANGUAGES = ("de", "sv", "en")
ZONES = {"de": "Europe/Berlin", "sv": "Europe/Stockholm", "en": "Europe/London"}


def filled(count: int, *, now: datetime, with_interview_every: int = 10) -> dict[str, Any]:
    """`count` candidates in three languages; every n-th has an interview still ahead,
    which the plan cancels with an iMIP CANCEL on their message."""
    candidates = []
    for i in range(count):
        language = LANGUAGES[i % 3]
        entry: dict[str, Any] = {
            "name": f"Kandidat{i} Nachname{i}",
            "email": f"cand{i}@domain{i % 20}.example",
            "round": 1 + (i % 2),
            "language": language,
            "timezone": ZONES[language],
        }
        if i % with_interview_every == 0:
            start = (now + timedelta(days=7 + i % 5)).astimezone(ZoneInfo(ZONES[language]))
            start = start.replace(hour=10, minute=0, second=0, microsecond=0)
            entry["interview"] = {
                "position": "Paralegal",
                "company": "Muster & Partner GmbH",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "timezone": ZONES[language],
                "uid": f"interview-{i}@muster.example",
                "sequence": 0,
            }
        candidates.append(entry)
    return merge(
        BASE,
        {
            "now": now.isoformat(),
            "role": "employer",
            "intent": "position_filled",
            "language": None,
            "reason": {"category": "position_filled", "detail": None},
            "interview": {
                "start": (now - timedelta(days=2)).isoformat(),
                "end": (now - timedelta(days=2) + timedelta(hours=1)).isoformat(),
                "uid": None,
            },
            "me": {"name": "Jonas Doe", "email": "j.doe@muster.example", "phone": None},
            "counterpart": {"name": "Kandidat0 Nachname0", "email": "cand0@domain0.example"},
            "availability": None,
            "candidates": candidates,
        },
    )
