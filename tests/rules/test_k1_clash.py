"""K1: the planner warns when the original interview clashes with the user's own busy time
(`availability.busy`, and the calendars of `availability.calendars`), in the plan's
language, naming the double-booked part of the interview in the user's zone; and stays
silent where there is no clash or the clash does not matter."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fairnotice.model import Language, Plan, Situation
from fairnotice.operations.plans.planning import plan_change
from fairnotice.rules.catalog import rules
from tests.calendar.test_import import invoke
from tests.conftest import PlanFactory

# The base situation (tests/conftest.py): interview Mon 16 Mar 2026 14:00-15:00 Berlin, the
# user busy 09:00-12:00 that day; now is Tue 10 Mar 09:00.
LUNCH_RUNS_LATE = {"start": "2026-03-16T13:30:00+01:00", "end": "2026-03-16T14:30:00+01:00"}
THE_INTERVIEW = {"start": "2026-03-16T14:00:00+01:00", "end": "2026-03-16T15:00:00+01:00"}


def busy(*periods: dict[str, str]) -> dict[str, Any]:
    return {"availability": {"busy": list(periods)}}


def k1(plan: Plan) -> list[str]:
    return [w.text for w in plan.warnings if w.rule == "K1"]


WARNINGS = {
    "de": "In deinem Kalender steht während des Gesprächs bereits ein anderer Termin "
    "(Montag, 16. März, 14:00–14:30 Uhr). Lös diese Überschneidung, bevor du einen "
    "Termin zusagst oder änderst.",
    "sv": "Du har redan något annat inbokat under intervjun (måndag 16 mars, kl. 14.00–14.30). "
    "Lös krocken innan du bekräftar eller ändrar en tid.",
    "en": "Your calendar already has something else during the interview "
    "(Monday 16 March, 14:00–14:30). Resolve the clash before you confirm or change any time.",
}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_k1_warns_of_a_clash_in_each_language(make_plan: PlanFactory, language: str) -> None:
    plan = make_plan(language=language, **busy(LUNCH_RUNS_LATE))
    assert k1(plan) == [WARNINGS[language]]
    assert "K1" in plan.rules_applied
    # The other warnings and the proposals are untouched: the clash is a note, not a block.
    assert [w.rule for w in plan.warnings] == ["K1"]
    assert len(plan.proposed_slots) == 3


def test_k1_silent_without_a_clash(make_plan: PlanFactory) -> None:
    plan = make_plan()  # busy 09:00-12:00, interview 14:00-15:00
    assert k1(plan) == []
    touching = make_plan(
        **busy(
            {"start": "2026-03-16T13:00:00+01:00", "end": "2026-03-16T14:00:00+01:00"},
            {"start": "2026-03-16T15:00:00+01:00", "end": "2026-03-16T16:00:00+01:00"},
        )
    )
    assert k1(touching) == []  # back to back is not a clash
    nothing = make_plan(availability=None)
    assert k1(nothing) == [] and plan.warnings == nothing.warnings


def test_k1_the_interview_itself_is_no_clash(make_plan: PlanFactory) -> None:
    """Busy lists usually carry the interview; only something else in it is a clash."""
    assert k1(make_plan(**busy(THE_INTERVIEW))) == []
    both = make_plan(
        language="en",
        **busy(
            THE_INTERVIEW,
            {"start": "2026-03-16T14:45:00+01:00", "end": "2026-03-16T16:00:00+01:00"},
        ),
    )
    assert k1(both) == [WARNINGS["en"].replace("14:00–14:30", "14:45–15:00")]


def test_k1_names_every_part_in_the_users_zone(make_plan: PlanFactory) -> None:
    """Two separate clashes, one of them covering the interview's end; the user lives in
    New York (UTC-4 from 8 March), so 14:00 Berlin reads 9:00 AM there."""
    plan = make_plan(
        language="en",
        availability={
            "timezone": "America/New_York",
            "busy": [
                {"start": "2026-03-16T08:00:00-04:00", "end": "2026-03-16T09:15:00-04:00"},
                {"start": "2026-03-16T09:40:00-04:00", "end": "2026-03-16T12:00:00-04:00"},
            ],
        },
    )
    (text,) = k1(plan)
    assert "(Monday, March 16, 9:00 AM–9:15 AM; Monday, March 16, 9:40 AM–10:00 AM)" in text


@pytest.mark.parametrize(
    ("changes", "warned"),
    [
        ({"intent": "withdraw"}, True),
        ({"intent": "withdraw", "certainty": "unsure"}, True),
        (
            {
                "role": "employer",
                "intent": "cancel",
                "reason": {"category": "interviewer_unavailable"},
            },
            True,
        ),
        (
            {
                "role": "employer",
                "intent": "reschedule",
                "reason": {"category": "interviewer_unavailable"},
            },
            True,
        ),
        ({"intent": "status_inquiry"}, False),  # the employer called the interview off
        (
            {
                "role": "employer",
                "intent": "position_filled",
                "reason": {"category": "position_filled"},
                "candidates": [{"name": "Kim Berg", "email": "kim@example.org"}],
            },
            False,
        ),
        ({"now": "2026-03-16T16:00:00+01:00"}, False),  # missed: the clash is past
    ],
)
def test_k1_for_which_intents(
    make_plan: PlanFactory, changes: dict[str, Any], warned: bool
) -> None:
    plan = make_plan(**changes, **busy(LUNCH_RUNS_LATE))
    assert bool(k1(plan)) is warned
    if not warned:
        assert "K1" not in plan.rules_applied or plan.intent.value == "reschedule"


def test_k1_short_notice_warns_both(make_plan: PlanFactory) -> None:
    """Short notice (T3) and the clash are two separate warnings, T3 first."""
    plan = make_plan(
        interview={"start": "2026-03-10T15:00:00+01:00", "end": "2026-03-10T16:00:00+01:00"},
        **busy({"start": "2026-03-10T15:30:00+01:00", "end": "2026-03-10T17:00:00+01:00"}),
    )
    assert [w.rule for w in plan.warnings] == ["T3", "K1"]
    assert "Dienstag, 10. März, 15:30–16:00 Uhr" in k1(plan)[0]


def test_k1_warning_texts_are_written_in_each_language() -> None:
    rule = rules()["K1"]
    assert rule.warning is not None
    texts = [rule.warning[language] for language in Language]
    assert len(set(texts)) == 3
    assert all(re.findall(r"\{(\w+)\}", text) == ["times"] for text in texts)
    assert re.search(r"[äöüß]|\b(Sie|Ihrem|Termin)\b", rule.warning[Language.de])
    assert re.search(r"[åäö]|\b(du|och|innan)\b", rule.warning[Language.sv])
    assert not re.search(r"[äöüåß]", rule.warning[Language.en])


# --- the faces: JSON plan and rich rendering, calendars read before planning ---------------


def _situation_file(tmp_path: Path, situation_data: Any, **changes: Any) -> Path:
    path = tmp_path / "situation.json"
    path.write_text(json.dumps(situation_data(**changes)), encoding="utf-8")
    return path


def test_plan_json_carries_the_warning(tmp_path: Path, situation_data: Any) -> None:
    path = _situation_file(tmp_path, situation_data, language="sv", **busy(LUNCH_RUNS_LATE))
    code, out, err, exc = invoke("plan", str(path), "--json")
    assert exc is None and code == 0, err
    assert {"rule": "K1", "text": WARNINGS["sv"]} in json.loads(out)["warnings"]
    quiet = _situation_file(tmp_path, situation_data, language="sv")
    code, out, err, exc = invoke("plan", str(quiet), "--json")
    assert exc is None and code == 0, err
    assert [w for w in json.loads(out)["warnings"] if w["rule"] == "K1"] == []


def test_plan_rich_rendering_shows_the_warning(tmp_path: Path, situation_data: Any) -> None:
    path = _situation_file(tmp_path, situation_data, language="de", **busy(LUNCH_RUNS_LATE))
    code, out, err, exc = invoke("plan", str(path))
    assert exc is None and code == 0, err
    flat = " ".join(out.split())  # rich wraps long lines at the terminal's width
    assert (
        "⚠ [K1] In deinem Kalender steht während des Gesprächs bereits ein anderer Termin" in flat
    )
    assert "(Montag, 16. März, 14:00–14:30 Uhr)" in flat


CALENDAR = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//fairnotice tests//K1//EN\r
BEGIN:VEVENT\r
UID:a1b2c3@example.com\r
DTSTAMP:20260301T100000Z\r
DTSTART;TZID=Europe/Berlin:20260316T140000\r
DTEND;TZID=Europe/Berlin:20260316T150000\r
SUMMARY:Interview: Paralegal\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:dentist@example.org\r
DTSTAMP:20260301T100000Z\r
DTSTART;TZID=Europe/Berlin:20260316T143000\r
DTEND;TZID=Europe/Berlin:20260316T153000\r
SUMMARY:Dentist\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:standup@example.org\r
DTSTAMP:20260301T100000Z\r
DTSTART;TZID=Europe/Berlin:20260316T150000\r
DTEND;TZID=Europe/Berlin:20260316T153000\r
SUMMARY:Stand-up, right after\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_calendars_clash_but_the_interviews_own_event_does_not(
    tmp_path: Path, situation_data: Any
) -> None:
    """The user's calendar holds the interview (same UID), a dentist's appointment that
    overlaps it and a stand-up right after it: only the dentist is a clash."""
    path = tmp_path / "mine.ics"
    path.write_text(CALENDAR, encoding="utf-8", newline="")
    data = situation_data(language="en", availability={"busy": [], "calendars": [str(path)]})
    plan = plan_change(situation=Situation.model_validate(data))
    assert k1(plan) == [WARNINGS["en"].replace("14:00–14:30", "14:30–15:00")]
    own_only = tmp_path / "own.ics"
    own_only.write_text(
        CALENDAR.split("BEGIN:VEVENT\r\nUID:dentist")[0] + "END:VCALENDAR\r\n",
        encoding="utf-8",
        newline="",
    )
    data["availability"]["calendars"] = [str(own_only)]
    assert k1(plan_change(situation=Situation.model_validate(data))) == []


def test_calendars_are_read_at_the_interviews_time_however_far_ahead(
    tmp_path: Path, situation_data: Any
) -> None:
    """An interview three months ahead: its clash lies beyond the planning window."""
    path = tmp_path / "mine.ics"
    path.write_text(CALENDAR.replace("202603", "202606"), encoding="utf-8", newline="")
    data = situation_data(
        language="de",
        interview={"start": "2026-06-16T14:00:00+02:00", "end": "2026-06-16T15:00:00+02:00"},
        availability={"busy": [], "calendars": [str(path)]},
    )
    (text,) = k1(plan_change(situation=Situation.model_validate(data)))
    assert "(Dienstag, 16. Juni, 14:30–15:00 Uhr)" in text


def test_calendars_the_interviews_own_event_beside_others_is_no_clash(
    tmp_path: Path, situation_data: Any
) -> None:
    """The interview's own event between two others right before and after it: left out
    before the calendar's busy time is merged, so the three never become one period that
    covers the interview. Without a UID, the event at exactly the interview's time is its
    own (here it has another UID, as a copy in another calendar may)."""
    # The calendar above with the dentist's appointment replaced by a prep right before.
    before = CALENDAR.split("BEGIN:VEVENT\r\nUID:dentist")[0] + (
        "BEGIN:VEVENT\r\nUID:prep@example.org\r\nDTSTAMP:20260301T100000Z\r\n"
        "DTSTART;TZID=Europe/Berlin:20260316T130000\r\n"
        "DTEND;TZID=Europe/Berlin:20260316T140000\r\nSUMMARY:Prepare\r\nEND:VEVENT\r\n"
    )
    standup = CALENDAR[CALENDAR.index("BEGIN:VEVENT\r\nUID:standup") :]
    path = tmp_path / "mine.ics"
    path.write_text(before + standup, encoding="utf-8", newline="")
    data = situation_data(language="en", availability={"busy": [], "calendars": [str(path)]})
    assert k1(plan_change(situation=Situation.model_validate(data))) == []
    data["interview"].pop("uid")
    path.write_text(
        (before + standup).replace("UID:a1b2c3@example.com", "UID:copy@example.net"),
        encoding="utf-8",
        newline="",
    )
    assert k1(plan_change(situation=Situation.model_validate(data))) == []
    with_dentist = CALENDAR.replace("UID:a1b2c3@example.com", "UID:copy@example.net")
    path.write_text(with_dentist, encoding="utf-8", newline="")
    assert k1(plan_change(situation=Situation.model_validate(data))) == [
        WARNINGS["en"].replace("14:00–14:30", "14:30–15:00")
    ]
