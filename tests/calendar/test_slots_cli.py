"""`fairnotice slots` per CONTRACT.md, and calendars feeding the planner (K1, R4)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fairnotice.calendar.intervals import MemoryIntervalStore
from fairnotice.errors import BadInput
from fairnotice.model import Situation
from fairnotice.operations.busy.calendars import SlotQuery, find_slots
from fairnotice.operations.plans.planning import plan_change
from tests.calendar.test_expand import ics
from tests.calendar.test_import import invoke


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fairnotice", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def mine(tmp_path: Path) -> Path:
    """Mon 16 Mar 2026 (Berlin, UTC+1): 09:00-10:30 meeting, standing 12:00-13:00 lunch
    every weekday (moved on Tuesday to 13:00), 15:00 transparent reminder."""
    path = tmp_path / "mine.ics"
    path.write_bytes(
        ics(
            "UID:m\nDTSTART;TZID=Europe/Berlin:20260316T090000\nDTEND;TZID=Europe/Berlin:20260316T103000",
            "UID:l\nDTSTART;TZID=Europe/Berlin:20260316T120000\nDURATION:PT1H\n"
            "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
            "UID:l\nRECURRENCE-ID;TZID=Europe/Berlin:20260317T120000\n"
            "DTSTART;TZID=Europe/Berlin:20260317T130000\nDURATION:PT1H",
            "UID:r\nDTSTART;TZID=Europe/Berlin:20260316T150000\nDURATION:PT1H\nTRANSP:TRANSPARENT",
        )
    )
    return path


def test_slots_json_from_a_calendar_and_a_busy_list(mine: Path, tmp_path: Path) -> None:
    busy = tmp_path / "busy.json"
    busy.write_text(
        json.dumps([{"start": "2026-03-16T13:00:00+01:00", "end": "2026-03-16T14:00:00+01:00"}])
    )
    result = run(
        "slots",
        "--calendar",
        str(mine),
        "--busy",
        str(busy),
        "--duration",
        "60",
        "--tz",
        "Europe/Berlin",
        "--from",
        "2026-03-16T08:00:00+01:00",
        "--until",
        "2026-03-18T00:00:00+01:00",
        "--count",
        "5",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"start": "2026-03-16T10:30:00+01:00", "end": "2026-03-16T11:30:00+01:00"},
        {"start": "2026-03-16T11:00:00+01:00", "end": "2026-03-16T12:00:00+01:00"},
        {"start": "2026-03-16T14:00:00+01:00", "end": "2026-03-16T15:00:00+01:00"},
        {"start": "2026-03-16T14:30:00+01:00", "end": "2026-03-16T15:30:00+01:00"},
        {"start": "2026-03-16T15:00:00+01:00", "end": "2026-03-16T16:00:00+01:00"},
    ]


def test_slots_with_two_peoples_hours_buffers_and_step(mine: Path) -> None:
    # The other person works 09:00-12:00 in New York (UTC-4 from 8 March): 14:00-17:00 Berlin.
    code, out, err, exc = invoke(
        "slots",
        "--calendar",
        str(mine),
        "--duration",
        "60",
        "--tz",
        "Europe/Berlin",
        "--hours",
        "09:00-17:00",
        "--hours",
        "09:00-12:00@America/New_York",
        "--from",
        "2026-03-17T00:00:00+01:00",
        "--until",
        "2026-03-18T00:00:00+01:00",
        "--buffer",
        "15",
        "--step",
        "60",
        "--json",
    )
    assert exc is None and code == 0, err
    # Tue 17 Mar: the lunch moved to 13:00-14:00; with 15 min buffer 14:00 is out.
    assert json.loads(out) == [
        {"start": "2026-03-17T15:00:00+01:00", "end": "2026-03-17T16:00:00+01:00"},
        {"start": "2026-03-17T16:00:00+01:00", "end": "2026-03-17T17:00:00+01:00"},
    ]


def test_no_slot_in_the_spring_gap() -> None:
    code, out, err, _ = invoke(
        "slots",
        "--duration",
        "30",
        "--tz",
        "Europe/Berlin",
        "--hours",
        "00:00-24:00",
        "--days",
        "1-7",
        "--step",
        "30",
        "--from",
        "2026-03-29T01:00:00+01:00",
        "--until",
        "2026-03-29T04:00:00+02:00",
        "--json",
        "--count",
        "20",
    )
    assert code == 0, err
    starts = [row["start"] for row in json.loads(out)]
    assert starts == [
        "2026-03-29T01:00:00+01:00",
        "2026-03-29T01:30:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T03:30:00+02:00",
    ]


def test_the_repeated_autumn_hour_is_offered_once_per_instant() -> None:
    code, out, err, _ = invoke(
        "slots",
        "--duration",
        "30",
        "--tz",
        "Europe/Berlin",
        "--hours",
        "00:00-24:00",
        "--days",
        "1-7",
        "--step",
        "60",
        "--from",
        "2026-10-25T01:00:00+02:00",
        "--until",
        "2026-10-25T04:00:00+01:00",
        "--json",
        "--count",
        "20",
    )
    assert code == 0, err
    assert [row["start"] for row in json.loads(out)] == [
        "2026-10-25T01:00:00+02:00",
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:00:00+01:00",
        "2026-10-25T03:00:00+01:00",
    ]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--tz", "Mars/Base"], "--tz"),
        (["--hours", "9-17"], "--hours"),
        (["--hours", "17:00-09:00"], "--hours"),
        (["--days", "0-9"], "--days"),
        (["--from", "tomorrow"], "--from"),
        (["--from", "2026-03-16T08:00:00"], "--from"),
        (["--duration", "0"], "--duration"),
        (["--calendar", "/no/such.ics"], "/no/such.ics"),
    ],
)
def test_bad_slot_options_exit_2_naming_the_option(args: list[str], field: str) -> None:
    base = {"--duration": "60", "--tz": "Europe/Berlin"}
    for key, value in zip(args[::2], args[1::2], strict=True):
        base[key] = value
    flat = [x for pair in base.items() for x in pair]
    code, _, err, exc = invoke("slots", *flat)
    assert exc is None
    assert code == 2 and field in err, err


def test_minimum_notice_and_the_store_parse_each_calendar_once(mine: Path) -> None:
    store = MemoryIntervalStore()
    now = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)  # 09:00 Berlin
    query = SlotQuery(
        duration=timedelta(hours=1),
        tz=ZoneInfo("Europe/Berlin"),
        calendars=(str(mine),),
        notice=timedelta(hours=4),
        count=2,
    )
    first = find_slots(query, store=store, clock=lambda: now)
    # 13:00 Berlin at the earliest; 13:00-14:00 is free on Monday.
    assert [s.isoformat() for s, _ in first] == [
        "2026-03-16T13:00:00+01:00",
        "2026-03-16T13:30:00+01:00",
    ]
    window = store.window(str(mine))
    assert window is not None
    mine.write_text("not a calendar any more")  # stored intervals are used, not the file
    assert find_slots(query, store=store, clock=lambda: now) == first


def test_planner_proposals_avoid_the_calendars_of_the_situation(
    situation_data: Any, tmp_path: Path
) -> None:
    """K1/R4: what `availability.calendars` holds is busy for the planner."""
    plain = Situation.model_validate(situation_data())
    before = [(s.start, s.end) for s in plan_change(situation=plain).proposed_slots]
    assert before
    first_start, first_end = before[0]
    path = tmp_path / "busy.ics"
    path.write_bytes(
        ics(
            f"UID:x\nDTSTART:{first_start.astimezone(UTC):%Y%m%dT%H%M%SZ}\n"
            f"DTEND:{first_end.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        )
    )
    data = situation_data()
    data["availability"]["calendars"] = [str(path)]
    after = plan_change(situation=Situation.model_validate(data)).proposed_slots
    assert after and all(s.start >= first_end or s.end <= first_start for s in after)
    assert (after[0].start, after[0].end) != (first_start, first_end)


def test_planner_names_a_broken_calendar_of_the_situation(
    situation_data: Any, tmp_path: Path
) -> None:
    path = tmp_path / "bad.ics"
    path.write_bytes(ics("UID:b\nDTSTART;TZID=Nowhere/Land:20260317T100000\nDURATION:PT1H"))
    data = situation_data()
    data["availability"]["calendars"] = [str(path)]
    with pytest.raises(BadInput, match=r"availability\.calendars\[0\]"):
        plan_change(situation=Situation.model_validate(data))
