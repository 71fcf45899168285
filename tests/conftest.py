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

# The unit tier (`make test-fast`, `pytest -m unit`): the pure core's tests, which need no
# database, mail or calendar server, browser, network or other process, so a developer
# gets an answer in seconds. Marked here by path, so a new test in these folders joins
# by itself; a test that asks for a database or web fixture stays out, and so do the
# modules below: they start processes (the CLI, node, libical, CalDAV servers) or spend
# tens of seconds on generated inputs (megabyte calendars, property tests of thousands of
# cases), which `make test` runs.
UNIT_PATHS = (
    "rules",
    "compose",
    "review",
    "calendar",
    "lifecycle",
    "todos",
    "insights/test_measure.py",
    "test_layers.py",
    "test_outbox_writers.py",
)
NOT_UNIT = frozenset(
    {
        "review/test_cli.py",
        "review/test_faces.py",
        "calendar/test_caldav.py",
        "calendar/test_import.py",
        "calendar/test_itip.py",
        "calendar/test_slots_cli.py",
        "calendar/test_budget.py",
        "calendar/test_fuzz.py",
        "calendar/test_recur.py",
        "calendar/test_slots_properties.py",
        "calendar/test_this_and_future.py",
        "compose/test_letter_properties.py",
        "compose/test_letters_in_plans.py",
        "rules/test_planner_properties.py",
    }
)
SERVICE_FIXTURES = frozenset(
    {"database_url", "pg_url", "sqlite_template", "factory", "sessions", "app", "browser"}
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "unit: the pure core's fast tests (no services)")


def is_unit(relative: str, fixtures: set[str]) -> bool:
    """Whether a test (its file relative to tests/, its fixtures) belongs to the unit tier."""
    if relative in NOT_UNIT or fixtures & SERVICE_FIXTURES:
        return False
    return any(relative == p or relative.startswith(f"{p}/") for p in UNIT_PATHS)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under `-m unit` only the unit tier's folders are imported: collecting the whole
    suite (browsers, servers, fixtures of every kind) would take longer than running the
    tier. Everything else decides as usual (None)."""
    if config.getoption("markexpr", "") != "unit":
        return None
    tests = ROOT / "tests"
    try:
        relative = collection_path.relative_to(tests).as_posix()
    except ValueError:
        return None
    if relative in NOT_UNIT:
        return True
    inside = any(relative == p or relative.startswith(f"{p}/") for p in UNIT_PATHS)
    above = any(p.startswith(f"{relative}/") for p in UNIT_PATHS)  # a folder on the way
    if inside or above or relative == "conftest.py":
        return None
    return True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests = ROOT / "tests"
    for item in items:
        relative = item.path.relative_to(tests).as_posix()
        if is_unit(relative, set(getattr(item, "fixturenames", ()))):
            item.add_marker(pytest.mark.unit)


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
