"""Shared factories: a valid situation with sensible defaults, overridable field by field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fairnotice.model import Plan, Situation
from fairnotice.rules.planner import plan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

BASE: dict[str, Any] = {
    "now": "2026-03-10T09:00:00+01:00",  # a Tuesday morning in Berlin
    "role": "candidate",
    "intent": "reschedule",
    "language": "de",
    "reason": {"category": "family", "detail": "PRIVATE-Schwester-Hochzeit-Probe"},
    "certainty": "sure",
    "interview": {
        "position": "Paralegal",
        "company": "Muster & Partner GmbH",
        "start": "2026-03-16T14:00:00+01:00",
        "end": "2026-03-16T15:00:00+01:00",
        "timezone": "Europe/Berlin",
        "location": "Friedrichstraße 10, 10117 Berlin",
        "round": 1,
        "uid": "a1b2c3@example.com",
        "sequence": 0,
    },
    "me": {
        "name": "Alex Weber",
        "email": "alex@example.org",
        "phone": "+49 151 0000000",
        "timezone": "Europe/Berlin",
    },
    "counterpart": {
        "name": "Jonas Doe",
        "salutation": "Herr",
        "email": "j.doe@example.com",
        "phone": "+49 30 000000",
        "timezone": "Europe/Berlin",
    },
    "history": {"channel": "email", "messages": []},
    "availability": {
        "busy": [{"start": "2026-03-16T09:00:00+01:00", "end": "2026-03-16T12:00:00+01:00"}],
        "working_hours": {"start": "09:00", "end": "17:00", "days": [1, 2, 3, 4, 5]},
        "timezone": "Europe/Berlin",
    },
    "options": {"slot_count": 3, "tone": "formal"},
}


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `changes` into a copy of `base`; a value of None removes the key."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


SituationFactory = Callable[..., Situation]
PlanFactory = Callable[..., Plan]


@pytest.fixture
def situation_data() -> Callable[..., dict[str, Any]]:
    def make(**changes: Any) -> dict[str, Any]:
        return merge(BASE, changes)

    return make


@pytest.fixture
def make_situation(situation_data: Callable[..., dict[str, Any]]) -> SituationFactory:
    def make(**changes: Any) -> Situation:
        return Situation.model_validate(situation_data(**changes))

    return make


@pytest.fixture
def make_plan(make_situation: SituationFactory) -> PlanFactory:
    def make(**changes: Any) -> Plan:
        return plan(make_situation(**changes))

    return make
