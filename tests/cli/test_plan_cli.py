"""`fairnotice plan` as a user runs it: examples plan, bad input exits 2 naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fairnotice.model import Plan
from tests.conftest import EXAMPLES


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fairnotice", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_every_example_plans_to_contract_json() -> None:
    examples = sorted(EXAMPLES.glob("*.json"))
    assert len(examples) >= 18
    for path in examples:
        result = run("plan", str(path), "--json")
        assert result.returncode == 0, (path.name, result.stderr)
        data = json.loads(result.stdout)
        Plan.model_validate(data)
        assert data["steps"][0]["order"] == 1
        assert data["messages"], path.name


def test_examples_cover_every_role_intent_and_language() -> None:
    seen = set()
    for path in EXAMPLES.glob("*.json"):
        data = json.loads(path.read_text("utf-8"))
        seen.add((data["role"], data["intent"], data.get("language")))
    for language in ("de", "sv", "en"):
        for role, intent in [
            ("candidate", "reschedule"),
            ("candidate", "withdraw"),
            ("candidate", "status_inquiry"),
            ("employer", "reschedule"),
            ("employer", "cancel"),
            ("employer", "position_filled"),
        ]:
            assert (role, intent, language) in seen


def test_readable_rendering_shows_steps_and_words() -> None:
    result = run("plan", str(EXAMPLES / "candidate-reschedule-de.json"))
    assert result.returncode == 0, result.stderr
    assert "Steps" in result.stdout
    assert "Sehr geehrter Herr Bauer" in result.stdout
    assert "COUNTER" in result.stdout


def test_stdin_is_read_for_dash() -> None:
    text = (EXAMPLES / "candidate-withdraw-sv.json").read_text("utf-8")
    result = run("plan", "-", "--json", stdin=text)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["language"] == "sv"


BAD_INPUT: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("unknown enum", lambda d: d.update(intent="ghost"), "intent"),
    ("intent of the other role", lambda d: d.update(intent="cancel"), "intent"),
    ("unknown reason", lambda d: d["reason"].update(category="boredom"), "reason.category"),
    (
        "end before start",
        lambda d: d["interview"].update(end="2026-03-16T13:00:00+01:00"),
        "interview.end",
    ),
    (
        "unknown zone",
        lambda d: d["interview"].update(timezone="Mars/Olympus"),
        "interview.timezone",
    ),
    (
        "unknown zone of a person",
        lambda d: d["me"].update(timezone="Europe/Atlantis"),
        "me.timezone",
    ),
    ("malformed timestamp", lambda d: d.update(now="tomorrow-ish"), "now"),
    (
        "timestamp without offset",
        lambda d: d["interview"].update(start="2026-03-16T14:00:00"),
        "interview.start",
    ),
    ("missing required field", lambda d: d["interview"].pop("position"), "interview.position"),
    ("missing person", lambda d: d.pop("counterpart"), "counterpart"),
    ("language not offered", lambda d: d.update(language="fr"), "language"),
    (
        "local time in a DST gap",
        lambda d: d["interview"].update(
            start="2026-03-29T02:30:00+01:00", end="2026-03-29T04:30:00+02:00"
        ),
        "interview.start",
    ),
    ("unknown field", lambda d: d.update(urgent=True), "urgent"),
    ("bad email", lambda d: d["counterpart"].update(email="not-an-address"), "counterpart.email"),
    (
        "header injection in a name",
        lambda d: d["counterpart"].update(name="Jonas\r\nBcc: x@y.z"),
        "counterpart.name",
    ),
    (
        "bad working hours",
        lambda d: d["availability"]["working_hours"].update(start="25:00"),
        "availability.working_hours.start",
    ),
    (
        "weekday out of range",
        lambda d: d["availability"]["working_hours"].update(days=[0, 8]),
        "availability.working_hours.days",
    ),
]


@pytest.mark.parametrize(("case", "breaks", "field"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_exits_2_and_names_the_field(
    tmp_path: Path, case: str, breaks: Callable[[dict[str, Any]], None], field: str
) -> None:
    data = json.loads((EXAMPLES / "candidate-reschedule-de.json").read_text("utf-8"))
    breaks(data)
    path = tmp_path / "situation.json"
    path.write_text(json.dumps(data), "utf-8")
    result = run("plan", str(path), "--json")
    assert result.returncode == 2, (case, result.stdout, result.stderr)
    assert field in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "expected"),
    [("{not json", "not valid JSON"), ("", "not valid JSON"), ("[1, 2]", "(top level)")],
)
def test_unreadable_situations(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "situation.json"
    path.write_text(content, "utf-8")
    result = run("plan", str(path))
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_missing_file_is_bad_input() -> None:
    result = run("plan", "/nonexistent/situation.json")
    assert result.returncode == 2
    assert "FILE" in result.stderr and "no such file" in result.stderr
