"""Situations a native recruiter or candidate meets, per language, and what to look at in
their plans: the first email, the script, the voicemail, the steps.

The base is a candidate's reschedule a week ahead (Tuesday 10 March 2026, 09:00, about
Tuesday 17 March, 14:00); `situation(lang, **changes)` deep-merges changes (None removes).
"""

from __future__ import annotations

from typing import Any

from fairnotice.model import Message, MessageKind, Plan, Situation
from fairnotice.review import review
from fairnotice.rules.planner import plan
from tests.conftest import merge

PEOPLE: dict[str, dict[str, Any]] = {
    "de": {
        "me": {"name": "Alex Weber", "email": "alex@example.org", "phone": "+49 151 0000000"},
        "counterpart": {
            "name": "Jonas Becker",
            "salutation": "Herr",
            "email": "j.becker@example.com",
            "phone": "+49 30 000000",
        },
        "position": "Paralegal",
        "company": "Muster & Partner GmbH",
        "location": "Friedrichstraße 10, 10117 Berlin",
        "zone": "Europe/Berlin",
        "offset": "+01:00",
    },
    "sv": {
        "me": {"name": "Kim Nilsson", "email": "kim@example.org", "phone": "+46 70 000 00 00"},
        "counterpart": {
            "name": "Karin Holm",
            "email": "karin.holm@example.se",
            "phone": "+46 8 000 000",
        },
        "position": "Projektledare",
        "company": "Nordvik Bygg AB",
        "location": "Sveavägen 44, 111 34 Stockholm",
        "zone": "Europe/Stockholm",
        "offset": "+01:00",
    },
    "en": {
        "me": {
            "name": "Alex Morgan",
            "email": "alex.morgan@example.org",
            "phone": "+44 7700 900123",
        },
        "counterpart": {
            "name": "Jane Doe",
            "salutation": "Ms",
            "email": "j.doe@example.co.uk",
            "phone": "+44 20 7946 0000",
        },
        "position": "Paralegal",
        "company": "Hargreaves & Lowe LLP",
        "location": "12 Fleet Street, London EC4Y 1AA",
        "zone": "Europe/London",
        "offset": "+00:00",
    },
}


def data(language: str, /, **changes: Any) -> dict[str, Any]:
    p = PEOPLE[language]
    off, zone = p["offset"], p["zone"]
    base = {
        "now": f"2026-03-10T09:00:00{off}",
        "role": "candidate",
        "intent": "reschedule",
        "language": language,
        "reason": {"category": "schedule_conflict", "detail": "PRIVATE words never quoted"},
        "interview": {
            "position": p["position"],
            "company": p["company"],
            "start": f"2026-03-17T14:00:00{off}",
            "end": f"2026-03-17T15:00:00{off}",
            "timezone": zone,
            "location": p["location"],
            "round": 1,
            "uid": f"native-{language}@example.com",
            "sequence": 0,
        },
        "me": {**p["me"], "timezone": zone},
        "counterpart": {**p["counterpart"], "timezone": zone},
        "history": {"channel": "email", "messages": []},
        "availability": {"busy": [], "timezone": zone},
        "options": {"slot_count": 3},
    }
    return merge(base, changes)


def situation(language: str, /, **changes: Any) -> Situation:
    return Situation.model_validate(data(language, **changes))


def plan_of(language: str, /, **changes: Any) -> Plan:
    return plan(situation(language, **changes))


def message(p: Plan, kind: str, index: int = 0) -> Message:
    found = [m for m in p.messages if m.kind is MessageKind(kind)]
    assert len(found) > index, f"no {kind} #{index} in the plan"
    return found[index]


def email(p: Plan) -> Message:
    return message(p, "email")


def first_line(m: Message) -> str:
    return m.body.splitlines()[0]


def everything(p: Plan) -> str:
    return "\n".join(f"{m.subject or ''}\n{m.body}" for m in p.messages)


def review_clean(s: Situation, p: Plan) -> None:
    """Every message of the plan (emails, follow-ups, scripts, voicemails, notices) reviews
    without an error or a warning as its kind, against the very situation it was planned
    for: the reviewer mirrors the thread's form of address and accepts each recipient's
    language as the planner does (the product agrees with itself)."""
    for m in p.messages:
        text = f"Subject: {m.subject}\n\n{m.body}" if m.subject else m.body
        found = review(
            text, situation=s, intent=s.intent, language=m.language, now=s.now, kind=m.kind
        )
        left = [(f.rule, f.severity.value, f.text) for f in found.findings]
        assert not left, (m.id, m.kind.value, left)
