"""Times a person would propose (point 7) and when things happen (point 10)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fairnotice.model import Action, Plan
from tests.compose.native.world import PEOPLE, email, message, plan_of, review_clean, situation


def _off(language: str) -> str:
    return str(PEOPLE[language]["offset"])


def _zone(language: str) -> ZoneInfo:
    return ZoneInfo(str(PEOPLE[language]["zone"]))


def _part(moment: datetime, zone: ZoneInfo) -> str:
    clock = moment.astimezone(zone).time()
    return "morning" if clock < time(11, 30) else "midday" if clock < time(14) else "afternoon"


def first_step_agrees_with_channel(p: Plan) -> None:
    """Point 10: the plan's primary channel is the channel of its first step."""
    first = p.steps[0]
    assert p.channel.primary == ("phone" if first.action is Action.call else "email")


def calls_in_hours(p: Plan, zone: ZoneInfo) -> None:
    """T5: no call outside the recipient's working hours (09:00-17:00, Monday-Friday)."""
    for step in p.steps:
        if step.action is Action.call:
            local = step.due.astimezone(zone)
            assert local.isoweekday() <= 5 and time(9) <= local.time() < time(17), step


WHY_AFTER = {
    "de": "nach dem ursprünglichen Termin",
    "sv": "efter den ursprungliga tiden",
    "en": "after the original date",
}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_a_candidate_proposes_days_after_the_original_at_different_times(language: str) -> None:
    """R4: spread over days and times of day, after the original date when notice allows,
    never on its day; each time says why, in the plan's language."""
    p = plan_of(language)
    zone = _zone(language)
    days = {s.start.astimezone(zone).date() for s in p.proposed_slots}
    parts = {_part(s.start, zone) for s in p.proposed_slots}
    assert len(p.proposed_slots) == 3 and len(days) == 3 and len(parts) == 3
    assert all(d > date(2026, 3, 17) for d in days)
    assert all(s.why and WHY_AFTER[language] in s.why for s in p.proposed_slots)
    first_step_agrees_with_channel(p)
    review_clean(situation(language), p)


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_never_the_day_of_the_cancelled_slot_even_when_it_is_close(language: str) -> None:
    off = _off(language)
    changes: dict[str, Any] = {
        "interview": {"start": f"2026-03-12T14:00:00{off}", "end": f"2026-03-12T15:00:00{off}"}
    }
    p = plan_of(language, **changes)
    days = [s.start.astimezone(_zone(language)).date() for s in p.proposed_slots]
    assert date(2026, 3, 12) not in days and len(set(days)) == len(days) >= 2
    assert min(days) > date(2026, 3, 12)  # a week of notice allows days after it


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_the_user_may_ask_for_the_earliest_days_instead(language: str) -> None:
    """All settable: options.proposals.after_original and earliest."""
    p = plan_of(language, options={"proposals": {"after_original": False}})
    days = sorted(s.start.astimezone(_zone(language)).date() for s in p.proposed_slots)
    assert days[0] == date(2026, 3, 11) and date(2026, 3, 17) not in days
    off = _off(language)
    later = plan_of(language, options={"proposals": {"earliest": f"2026-03-24T00:00:00{off}"}})
    assert all(
        s.start.astimezone(_zone(language)).date() >= date(2026, 3, 24)
        for s in later.proposed_slots
    )


WHY_EMPLOYER = {
    "de": ("gleich zu Tagesbeginn", "über Mittag", "zum Ende des Arbeitstags"),
    "sv": ("tidigt på dagen", "vid lunchtid", "i slutet av arbetsdagen"),
    "en": ("early in the working day", "around midday", "at the end of the working day"),
}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_an_employer_offers_early_midday_and_late_never_the_next_morning(language: str) -> None:
    """E2: a working candidate can take one of them; the very next morning is too soon."""
    changes: dict[str, Any] = {
        "role": "employer",
        "intent": "reschedule",
        "reason": {"category": "other"},
    }
    p = plan_of(language, **changes)
    zone = _zone(language)
    starts = [s.start.astimezone(zone) for s in p.proposed_slots]
    assert len(starts) == 3 and len({s.date() for s in starts}) == 3
    assert {_part(s, zone) for s in starts} == {"morning", "midday", "afternoon"}
    assert not any(s.date() == date(2026, 3, 11) and s.time() < time(12) for s in starts)
    assert min(s.time() for s in starts) == time(9) and max(s.time() for s in starts) == time(16)
    assert sorted(s.why or "" for s in p.proposed_slots) == sorted(WHY_EMPLOYER[language])
    review_clean(situation(language, **changes), p)


CALL_LATER = {"de": "morgen um 9 Uhr", "sv": "i morgon kl. 9", "en": "tomorrow at 09:00"}
ANNOUNCED = {"de": "telefonisch angekündigt", "sv": "när jag ringde", "en": "my call today"}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_sunday_night_sends_now_and_calls_at_the_first_opening(language: str) -> None:
    """Sunday 23:00, interview Monday 09:00: the email goes now and says when we will call;
    the call waits for Monday 09:00; the primary channel is the email."""
    off = _off(language)
    changes: dict[str, Any] = {
        "now": f"2026-03-15T23:00:00{off}",
        "interview": {"start": f"2026-03-16T09:00:00{off}", "end": f"2026-03-16T10:00:00{off}"},
    }
    p = plan_of(language, **changes)
    zone = _zone(language)
    assert p.urgency.value == "short_notice"
    assert p.steps[0].action is Action.send and p.steps[0].due == datetime(
        2026, 3, 15, 23, tzinfo=zone
    )
    call = next(s for s in p.steps if s.action is Action.call)
    assert call.due.astimezone(zone) == datetime(2026, 3, 16, 9, tzinfo=zone)
    body = email(p).body
    assert CALL_LATER[language] in body and ANNOUNCED[language] not in body
    assert p.channel.primary == "email"
    first_step_agrees_with_channel(p)
    calls_in_hours(p, zone)


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_a_call_in_hours_at_short_notice_comes_first(language: str) -> None:
    off = _off(language)
    p = plan_of(
        language,
        now=f"2026-03-16T10:00:00{off}",
        interview={"start": f"2026-03-16T15:00:00{off}", "end": f"2026-03-16T16:00:00{off}"},
    )
    assert p.steps[0].action is Action.call and p.channel.primary == "phone"
    calls_in_hours(p, _zone(language))


TODAY = {"de": "heute um 15 Uhr", "sv": "i dag kl. 15", "en": "today at 15:00"}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_near_dates_are_today_in_speech(language: str) -> None:
    off = _off(language)
    p = plan_of(
        language,
        now=f"2026-03-16T10:00:00{off}",
        interview={"start": f"2026-03-16T15:00:00{off}", "end": f"2026-03-16T16:00:00{off}"},
    )
    assert TODAY[language] in message(p, "phone_script").body
    assert TODAY[language] in message(p, "voicemail").body


@pytest.mark.parametrize("language", ["de", "sv", "en"])
@pytest.mark.parametrize(
    ("now", "start"),
    [
        ("2026-03-13T16:00:00", "2026-03-16T09:00:00"),
        ("2026-03-13T16:30:00", "2026-03-16T14:00:00"),
    ],
)
def test_no_reply_call_never_within_hours_of_its_email(language: str, now: str, start: str) -> None:
    """C4: one working day, or four hours before the interview, but never 59 minutes
    after the email; where no fair time is left before the interview, no call at all."""
    off = _off(language)
    end = (datetime.fromisoformat(start) + timedelta(hours=1)).isoformat()
    p = plan_of(
        language, now=f"{now}{off}", interview={"start": f"{start}{off}", "end": f"{end}{off}"}
    )
    sent = next(s.due for s in p.steps if s.action is Action.send)
    for step in p.steps:
        if step.action is Action.call:
            assert step.due - sent >= timedelta(hours=3)
    calls_in_hours(p, _zone(language))
    first_step_agrees_with_channel(p)
