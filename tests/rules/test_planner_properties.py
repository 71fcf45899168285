"""Property tests over random situations: what must hold for every plan, whatever the input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairnotice.model import Action, Plan, ReasonCategory, Situation, Urgency, dump
from fairnotice.rules.planner import plan

ZONES = [
    "Europe/Berlin",
    "Europe/Stockholm",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Asia/Kolkata",
    "UTC",
]
PAIRS = [
    ("candidate", "reschedule"),
    ("candidate", "withdraw"),
    ("candidate", "status_inquiry"),
    ("employer", "reschedule"),
    ("employer", "cancel"),
    ("employer", "position_filled"),
]
REASONS = tuple(category.value for category in ReasonCategory)  # every contract reason

# Private words: long and distinctive enough that no letter could contain them by chance.
secret = st.text(alphabet="bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZ", min_size=10, max_size=30)


@st.composite
def situations(draw: st.DrawFn) -> dict[str, Any]:
    me_zone, their_zone, iv_zone = (draw(st.sampled_from(ZONES)) for _ in range(3))
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        minutes=15 * draw(st.integers(0, 4 * 24 * 700))
    )
    start = now + timedelta(minutes=15 * draw(st.integers(-4 * 48, 4 * 24 * 30)))
    length = timedelta(minutes=draw(st.sampled_from([30, 45, 60, 90, 120])))
    role, intent = draw(st.sampled_from(PAIRS))
    hour_start = draw(st.integers(6, 11))
    hour_end = draw(st.integers(hour_start + 4, min(hour_start + 10, 22)))
    days = sorted(draw(st.sets(st.integers(1, 7), min_size=1, max_size=7)))
    busy = []
    for _ in range(draw(st.integers(0, 8))):
        b_start = now + timedelta(minutes=30 * draw(st.integers(0, 2 * 24 * 35)))
        busy.append(
            {
                "start": b_start.isoformat(),
                "end": (b_start + timedelta(minutes=30 * draw(st.integers(1, 20)))).isoformat(),
            }
        )

    def local(moment: datetime, zone: str) -> str:
        return moment.astimezone(ZoneInfo(zone)).isoformat()

    data: dict[str, Any] = {
        "now": local(now, me_zone),
        "role": role,
        "intent": intent,
        "language": draw(st.sampled_from(["de", "sv", "en"])),
        "reason": {"category": draw(st.sampled_from(REASONS)), "detail": draw(secret)},
        "certainty": draw(st.sampled_from(["sure", "unsure"])),
        "interview": {
            "position": "Data Engineer",
            "company": "Nordlicht AB",
            "start": local(start, iv_zone),
            "end": local(start + length, iv_zone),
            "timezone": iv_zone,
            "location": draw(st.sampled_from([None, "Storgatan 1, Malmö"])),
            "video_url": draw(st.sampled_from([None, "https://meet.example.com/x"])),
            "round": draw(st.integers(1, 3)),
            "uid": draw(st.sampled_from([None, "uid-1@example.com"])),
            "sequence": draw(st.integers(0, 5)),
        },
        "me": {
            "name": "Kim Berg",
            "email": "kim@example.org",
            "phone": draw(st.sampled_from([None, "+46 70 1234567"])),
            "timezone": me_zone,
        },
        "counterpart": {
            "name": "Dana Fox",
            "email": "dana@example.com",
            "phone": draw(st.sampled_from([None, "+1 212 555 0100"])),
            "timezone": their_zone,
        },
        "history": {"channel": draw(st.sampled_from([None, "email", "phone"])), "messages": []},
        "availability": {
            "busy": busy,
            "working_hours": {
                "start": f"{hour_start:02d}:00",
                "end": f"{hour_end:02d}:00",
                "days": days,
            },
            "timezone": me_zone,
        },
        "options": {
            "slot_count": draw(st.integers(1, 5)),
            "tone": draw(st.sampled_from(["formal", "informal"])),
        },
    }
    if intent == "position_filled":
        data["candidates"] = [
            {
                "name": f"Candidate {i}",
                "email": f"c{i}@example.org",
                "phone": draw(st.sampled_from([None, "+49 170 1"])),
                "round": draw(st.integers(1, 3)),
                "language": draw(st.sampled_from(["de", "sv", "en"])),
            }
            for i in range(draw(st.integers(1, 3)))
        ]
    return data


def _in_hours(
    start: datetime, end: datetime, zone: str, opens: time, closes: time, days: list[int]
) -> bool:
    tz = ZoneInfo(zone)
    a, b = start.astimezone(tz), end.astimezone(tz)
    return (
        a.isoweekday() in days and a.date() == b.date() and opens <= a.time() and b.time() <= closes
    )


def _wall_time_exists(moment: datetime) -> bool:
    naive = moment.replace(tzinfo=None)
    tz = moment.tzinfo
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(situations())
def test_every_plan_is_contract_json(data: dict[str, Any]) -> None:
    result = plan(Situation.model_validate(data))
    text = json.dumps(dump(result), ensure_ascii=False)
    again = Plan.model_validate(json.loads(text))
    assert again == result
    assert [s.order for s in result.steps] == list(range(1, len(result.steps) + 1))
    ids = {m.id for m in result.messages}
    assert all(s.message is None or s.message in ids for s in result.steps)


@PROPERTY
@given(situations())
def test_private_detail_never_leaves(data: dict[str, Any]) -> None:
    result = plan(Situation.model_validate(data))
    detail = data["reason"]["detail"]
    for m in result.messages:
        assert detail not in m.body and detail not in (m.subject or "")
        assert m.calendar is None or detail not in (m.calendar.ics or "")


@PROPERTY
@given(situations())
def test_proposed_slots_are_sound(data: dict[str, Any]) -> None:
    situation = Situation.model_validate(data)
    result = plan(situation)
    assert situation.now is not None
    hours = data["availability"]["working_hours"]
    opens = time.fromisoformat(hours["start"])
    closes = time.fromisoformat(hours["end"])
    length = situation.interview.end - situation.interview.start
    busy = [(p.start, p.end) for p in situation.availability.busy]  # type: ignore[union-attr]
    busy.append((situation.interview.start, situation.interview.end))
    for slot in result.proposed_slots:
        assert slot.end - slot.start == length
        assert slot.start >= situation.now + timedelta(days=1)
        assert _in_hours(
            slot.start, slot.end, data["availability"]["timezone"], opens, closes, hours["days"]
        )
        assert _in_hours(
            slot.start,
            slot.end,
            data["counterpart"]["timezone"],
            time(9),
            time(17),
            [1, 2, 3, 4, 5],
        )
        assert all(not (slot.start < b_end and b_start < slot.end) for b_start, b_end in busy)
        assert _wall_time_exists(slot.start) and _wall_time_exists(slot.end)


@PROPERTY
@given(situations())
def test_first_step_is_now_or_the_next_working_morning(data: dict[str, Any]) -> None:
    situation = Situation.model_validate(data)
    result = plan(situation)
    first = result.steps[0]
    assert situation.now is not None
    if first.due == situation.now:
        return
    # Only a non-urgent email at night, or a call at night, may wait.
    zone = data["counterpart"]["timezone"]
    if data["intent"] == "position_filled":
        zone = data["interview"]["timezone"]  # the candidates live in the interview's zone
    local = first.due.astimezone(ZoneInfo(zone))
    if first.action is Action.send:
        assert result.urgency is Urgency.normal
        assert local.time() == time(8, 0) and local.isoweekday() <= 5
    else:
        assert first.action is Action.call
        assert time(9, 0) <= local.time() < time(17, 0) and local.isoweekday() <= 5
    assert first.due > situation.now
