"""The cost budget of reading a calendar: per file and per account, checked while reading.

The per-series cap alone let a file of many series cost their sum (issue 14: 3,000
events repeating every minute cost 284 CPU-seconds); each test below reads a file that
the per-series cap accepted.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fairnotice.calendar import expand, parse
from fairnotice.calendar.budget import FILE_WORK, Budget
from fairnotice.errors import BadInput
from tests.calendar import hostile

WINDOW = (hostile.NOW - timedelta(days=30), hostile.NOW + timedelta(days=365))
BERLIN = ZoneInfo("Europe/Berlin")


def read(
    data: bytes, budget: Budget | None = None, label: str = "cal.ics"
) -> list[expand.Interval]:
    budget = budget or Budget(label)
    found = parse.calendars(data, label=label, budget=budget)
    return expand.busy_intervals(
        found, start=WINDOW[0], end=WINDOW[1], floating=BERLIN, label=label, budget=budget
    )


def test_many_minutely_series_are_refused_naming_the_file_and_quickly() -> None:
    data = hostile.fill(hostile.minutely_series, 460_000)  # the file, ~3,000 events
    began = time.process_time()
    with pytest.raises(BadInput) as refused:
        read(data, label="team.ics")
    assert time.process_time() - began < 3.0  # was 284 s
    assert refused.value.field == "team.ics"
    assert "too costly to read" in str(refused.value)


@pytest.mark.parametrize("name", sorted(hostile.SHAPES))
def test_no_file_of_a_megabyte_spends_more_than_its_budget(name: str) -> None:
    budget = Budget("cal.ics")
    try:
        read(hostile.fill(hostile.SHAPES[name], 1024 * 1024), budget)
    except BadInput as exc:
        assert exc.field == "cal.ics"
    # Checked while reading: refused before the work would pass the limit.
    assert budget.spent <= FILE_WORK


def test_an_everyday_calendar_is_read_within_the_budget() -> None:
    # A year of meetings: 2,000 single events and 100 weekly and daily series.
    data = hostile.fill(hostile.plain_events, 400_000, parts=2000)
    series = hostile.fill(hostile.daily_series, 400_000, parts=100)
    budget = Budget("mine.ics")
    busy = read(data, budget) + read(series, budget)
    assert busy and budget.spent < FILE_WORK


def test_an_account_budget_bounds_the_sum_of_its_files() -> None:
    account = Budget("workspace 7", work=400_000, instances=10**6)
    data = hostile.fill(hostile.daily_series, 1024 * 1024, parts=150)
    read(data, account.child("a.ics"))  # each file alone is within its own budget
    with pytest.raises(BadInput) as refused:
        for name in ("b.ics", "c.ics", "d.ics"):
            read(data, account.child(name))
    assert refused.value.field == "workspace 7"


def test_the_instances_of_a_file_are_bounded() -> None:
    budget = Budget("cal.ics", work=10**9, instances=1000)
    with pytest.raises(BadInput, match="more than 1000 busy instances"):
        read(hostile.fill(hostile.rdate_lists, 1024 * 1024, parts=10), budget)


def test_a_period_where_a_date_belongs_is_bad_input_naming_it() -> None:
    # Found by the fuzz target (tests/fuzzing.py): a TypeError before.
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
        b"DTSTART;TZID=Europe/Berlin:20260310T090000Z/PT1H\r\nRRULE:FREQ=DAILY\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(BadInput) as refused:
        read(data)
    assert refused.value.field == "cal.ics: VEVENT u1 DTSTART"


def test_the_cli_refuses_a_calendar_over_its_budget_with_exit_2(tmp_path: Path) -> None:
    from tests.calendar.test_import import invoke

    path = tmp_path / "team.ics"
    path.write_bytes(hostile.fill(hostile.minutely_series, 460_000))
    began = time.process_time()
    code, _out, err, exception = invoke(
        "slots", "--calendar", str(path), "--tz", "Europe/Berlin", "--duration", "60"
    )
    assert (code, exception) == (2, None)
    assert f"{path}: too costly to read" in " ".join(err.split())
    assert time.process_time() - began < 5
