"""One test (or a pair) per rule: the planner applies it where it should and not elsewhere."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from fairnotice.model import Action, Condition, Plan, Urgency
from tests.conftest import PlanFactory

BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def first(plan: Plan) -> tuple[Action, datetime]:
    step = plan.steps[0]
    return step.action, step.due


def message(plan: Plan, message_id: str | None) -> str:
    found = next(m for m in plan.messages if m.id == message_id)
    return f"{found.subject or ''}\n{found.body}"


def event_of(ics_text: str) -> tuple[Calendar, object]:
    cal = Calendar.from_ical(ics_text)
    return cal, next(iter(cal.walk("VEVENT")))


# --- Timing -------------------------------------------------------------------------------


def test_t1_first_step_is_due_now(make_plan: PlanFactory) -> None:
    plan = make_plan()
    assert first(plan) == (Action.send, at("2026-03-10T09:00:00+01:00"))
    assert "T1" in plan.rules_applied


@pytest.mark.parametrize(
    ("start", "urgency", "notice"),
    [
        ("2026-03-11T09:00:00+01:00", Urgency.normal, 24.0),
        ("2026-03-11T08:59:00+01:00", Urgency.short_notice, 24.0),
        ("2026-03-10T12:00:00+01:00", Urgency.short_notice, 3.0),
        ("2026-03-10T09:00:00+01:00", Urgency.missed, 0.0),
        ("2026-03-09T14:00:00+01:00", Urgency.missed, -19.0),
    ],
)
def test_t2_notice_and_urgency(
    make_plan: PlanFactory, start: str, urgency: Urgency, notice: float
) -> None:
    end = (at(start) + timedelta(hours=1)).isoformat()
    plan = make_plan(interview={"start": start, "end": end})
    assert plan.urgency is urgency
    assert plan.notice_hours == notice


def test_t3_short_notice_calls_first_then_writes(make_plan: PlanFactory) -> None:
    plan = make_plan(
        interview={"start": "2026-03-10T15:00:00+01:00", "end": "2026-03-10T16:00:00+01:00"}
    )
    assert plan.channel.primary == "phone"
    assert [w.rule for w in plan.warnings] == ["T3"]
    actions = [(s.action, s.condition) for s in plan.steps]
    assert actions[:3] == [
        (Action.call, None),
        (Action.leave_voicemail, Condition.not_reached),
        (Action.send, None),
    ]
    assert {"T3", "C2", "C3"} <= set(plan.rules_applied)


def test_t3_not_with_normal_notice(make_plan: PlanFactory) -> None:
    plan = make_plan()
    assert plan.channel.primary == "email"
    assert "T3" not in plan.rules_applied and not plan.warnings


def test_t4_missed_interview_calls_and_warns(make_plan: PlanFactory) -> None:
    plan = make_plan(now="2026-03-16T16:10:00+01:00")
    assert plan.urgency is Urgency.missed
    assert "T4" in [w.rule for w in plan.warnings]
    assert plan.steps[0].action is Action.call
    assert plan.steps[0].due == at("2026-03-16T16:10:00+01:00")


def test_t5_night_email_waits_for_next_working_morning(make_plan: PlanFactory) -> None:
    plan = make_plan(now="2026-03-10T23:30:00+01:00")
    assert first(plan) == (Action.send, at("2026-03-11T08:00:00+01:00"))
    assert "T5" in plan.rules_applied


def test_t5_friday_night_waits_for_monday(make_plan: PlanFactory) -> None:
    plan = make_plan(
        now="2026-03-13T22:00:00+01:00",
        interview={"start": "2026-03-19T14:00:00+01:00", "end": "2026-03-19T15:00:00+01:00"},
    )
    assert first(plan) == (Action.send, at("2026-03-16T08:00:00+01:00"))


def test_t5_uses_the_recipients_zone(make_plan: PlanFactory) -> None:
    # 23:30 in Berlin is 17:30 in New York: the recipient is still at work.
    plan = make_plan(now="2026-03-10T23:30:00+01:00", counterpart={"timezone": "America/New_York"})
    assert first(plan) == (Action.send, at("2026-03-10T23:30:00+01:00"))


def test_t5_not_when_notice_is_short(make_plan: PlanFactory) -> None:
    plan = make_plan(
        now="2026-03-10T23:30:00+01:00",
        counterpart={"phone": None},
        interview={"start": "2026-03-11T10:00:00+01:00", "end": "2026-03-11T11:00:00+01:00"},
    )
    assert first(plan) == (Action.send, at("2026-03-10T23:30:00+01:00"))


def test_t5_night_call_waits_for_office_hours_and_email_goes_first(
    make_plan: PlanFactory,
) -> None:
    plan = make_plan(
        now="2026-03-10T23:30:00+01:00",
        interview={"start": "2026-03-11T14:00:00+01:00", "end": "2026-03-11T15:00:00+01:00"},
    )
    assert first(plan) == (Action.send, at("2026-03-10T23:30:00+01:00"))
    call = next(s for s in plan.steps if s.action is Action.call)
    assert call.due == at("2026-03-11T09:00:00+01:00")


def test_t5_an_email_sent_before_the_call_does_not_speak_of_it(make_plan: PlanFactory) -> None:
    plan = make_plan(
        language="en",
        now="2026-03-10T23:30:00+01:00",
        interview={"start": "2026-03-11T14:00:00+01:00", "end": "2026-03-11T15:00:00+01:00"},
    )
    email = message(plan, plan.steps[0].message)
    assert "call" not in email.lower()
    script = next(m for m in plan.messages if m.kind.value == "phone_script")
    assert "email" in script.body.lower()  # the call follows up the email of the night


# --- Channel ------------------------------------------------------------------------------


def test_c1_mirrors_a_phone_conversation(make_plan: PlanFactory) -> None:
    plan = make_plan(history={"channel": "phone"})
    assert plan.channel.primary == "phone"
    assert plan.steps[0].action is Action.call


def test_c1_mirrors_the_majority_of_messages(make_plan: PlanFactory) -> None:
    calls = [{"from": "them", "channel": "phone", "text": "Anruf"}] * 2
    plan = make_plan(
        history={"channel": None, "messages": [*calls, {"from": "me", "channel": "email"}]}
    )
    assert plan.channel.primary == "phone"
    plan = make_plan(history={"channel": None, "messages": []})
    assert plan.channel.primary == "email"
    assert "C1" in plan.rules_applied


def test_c2_short_notice_overrides_email_history(make_plan: PlanFactory) -> None:
    plan = make_plan(
        history={"channel": "email"},
        interview={"start": "2026-03-10T15:00:00+01:00", "end": "2026-03-10T16:00:00+01:00"},
    )
    assert plan.channel.primary == "phone"


def test_c2_without_a_phone_number_warns_and_writes(make_plan: PlanFactory) -> None:
    plan = make_plan(
        counterpart={"phone": None},
        interview={"start": "2026-03-10T15:00:00+01:00", "end": "2026-03-10T16:00:00+01:00"},
    )
    assert plan.channel.primary == "email"
    assert "C2" in [w.rule for w in plan.warnings]


def test_c3_voicemail_then_email_after_a_call(make_plan: PlanFactory) -> None:
    plan = make_plan(history={"channel": "phone"})
    voicemail = next(s for s in plan.steps if s.action is Action.leave_voicemail)
    assert voicemail.condition is Condition.not_reached
    kinds = {m.id: m.kind.value for m in plan.messages}
    assert kinds[voicemail.message or ""] == "voicemail"
    email = next(s for s in plan.steps if s.action is Action.send and s.condition is None)
    assert email.order > voicemail.order and email.due == voicemail.due
    assert plan.channel.then == ["voicemail", "email"]


def test_c4_call_after_one_working_day_without_reply(make_plan: PlanFactory) -> None:
    plan = make_plan()
    call = next(s for s in plan.steps if s.condition is Condition.no_reply)
    assert call.action is Action.call
    assert call.due == at("2026-03-11T09:00:00+01:00")
    assert call.to is not None and call.to.phone == "+49 30 000000"


def test_c4_call_four_hours_before_when_that_is_sooner(make_plan: PlanFactory) -> None:
    plan = make_plan(
        now="2026-03-11T10:00:00+01:00",
        interview={"start": "2026-03-12T15:00:00+01:00", "end": "2026-03-12T16:00:00+01:00"},
    )
    call = next(s for s in plan.steps if s.condition is Condition.no_reply)
    assert call.due == at("2026-03-12T10:00:00+01:00")


def test_c4_call_moves_into_office_hours(make_plan: PlanFactory) -> None:
    # An email on Friday 16:30 gets its call on Monday, never at the weekend.
    plan = make_plan(
        now="2026-03-13T16:30:00+01:00",
        interview={"start": "2026-03-19T14:00:00+01:00", "end": "2026-03-19T15:00:00+01:00"},
    )
    call = next(s for s in plan.steps if s.condition is Condition.no_reply)
    assert call.due == at("2026-03-16T16:30:00+01:00")


def test_c4_not_for_a_withdrawal(make_plan: PlanFactory) -> None:
    plan = make_plan(intent="withdraw", reason={"category": "accepted_offer"})
    assert all(s.condition is not Condition.no_reply for s in plan.steps)
    assert "C4" not in plan.rules_applied


def test_c5_every_plan_addresses_the_person(make_plan: PlanFactory) -> None:
    plan = make_plan()
    assert "C5" in plan.rules_applied
    assert "Herr Doe" in message(plan, plan.steps[0].message)


# --- Content ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "date_text", "time_text"),
    [
        ("de", "16. März 2026", "14:00 Uhr"),
        ("sv", "16 mars 2026", "kl. 14.00"),
        ("en", "16 March 2026", "14:00"),
    ],
)
def test_m1_email_names_position_date_time_place(
    make_plan: PlanFactory, language: str, date_text: str, time_text: str
) -> None:
    plan = make_plan(language=language)
    text = message(plan, plan.steps[0].message)
    for fact in ("Paralegal", date_text, time_text, "Friedrichstraße 10"):
        assert fact in text


def test_m1_video_link_named(make_plan: PlanFactory) -> None:
    plan = make_plan(interview={"location": None, "video_url": "https://meet.example.com/abc-def"})
    assert "https://meet.example.com/abc-def" in message(plan, plan.steps[0].message)


def test_m1_times_in_the_recipients_zone(make_plan: PlanFactory) -> None:
    plan = make_plan(language="en", counterpart={"timezone": "America/New_York"})
    assert "9:00 AM" in message(plan, plan.steps[0].message)


def test_m2_private_detail_never_in_a_message(make_plan: PlanFactory) -> None:
    for intent in ("reschedule", "withdraw", "status_inquiry"):
        plan = make_plan(intent=intent)
        assert all("PRIVATE" not in (m.body + (m.subject or "")) for m in plan.messages)
        assert "PRIVATE" not in (plan.calendar.ics or "")


def test_m3_another_interview_becomes_a_scheduling_conflict(make_plan: PlanFactory) -> None:
    plan = make_plan(language="en", reason={"category": "other_interview"})
    assert "M3" in [a.rule for a in plan.advice]
    for m in plan.messages:
        assert "another interview" not in m.body.lower()
        assert "other interview" not in m.body.lower()


def test_m3_advice_only_for_other_interview(make_plan: PlanFactory) -> None:
    assert "M3" not in [a.rule for a in make_plan().advice]


def test_m4_plain_withdrawal_reason_is_advised(make_plan: PlanFactory) -> None:
    plan = make_plan(intent="withdraw", reason={"category": "accepted_offer"})
    assert "M4" in [a.rule for a in plan.advice]
    assert "M4" not in [a.rule for a in make_plan(intent="withdraw").advice]


def test_m6_every_message_is_short(make_plan: PlanFactory) -> None:
    for intent in ("reschedule", "withdraw", "status_inquiry"):
        plan = make_plan(intent=intent)
        assert all(len(m.body) <= 1500 for m in plan.messages)


def test_m7_language_detected_from_the_thread(make_plan: PlanFactory) -> None:
    thread = [
        {
            "from": "them",
            "channel": "email",
            "text": "Hej Alex! Tack för din ansökan, vi vill gärna träffa dig på måndag.",
        }
    ]
    plan = make_plan(language=None, history={"messages": thread})
    assert plan.language.value == "sv"
    assert "M7" in plan.rules_applied
    assert all(m.language.value == "sv" for m in plan.messages)


def test_m7_falls_back_to_english_and_respects_a_choice(make_plan: PlanFactory) -> None:
    assert make_plan(language=None).language.value == "en"
    assert make_plan(language="de").language.value == "de"


# --- Rescheduling --------------------------------------------------------------------------


def test_r1_trivial_reason_warns(make_plan: PlanFactory) -> None:
    plan = make_plan(reason={"category": "personal_plans"})
    assert [w.rule for w in plan.warnings] == ["R1"]
    assert not make_plan(reason={"category": "illness"}).warnings


def test_r2_r3_for_reschedule_only(make_plan: PlanFactory) -> None:
    assert {"R2", "R3"} <= set(make_plan().rules_applied)
    assert not {"R2", "R3"} & set(make_plan(intent="withdraw").rules_applied)


def test_r4_proposes_free_times_a_working_day_ahead(make_plan: PlanFactory) -> None:
    plan = make_plan(
        availability={
            "busy": [{"start": "2026-03-11T09:00:00+01:00", "end": "2026-03-11T17:00:00+01:00"}]
        },
        options={"proposals": {"after_original": False}},
    )
    slots = plan.proposed_slots
    assert len(slots) == 3
    assert slots[0].start.date() == at("2026-03-12T09:00:00+01:00").date()  # Wednesday is busy
    assert len({s.start.date() for s in slots}) == 3
    for s in slots:
        assert s.end - s.start == timedelta(hours=1)
        assert s.start.astimezone(BERLIN).hour >= 9 and s.end.astimezone(BERLIN).hour <= 17
        assert s.start.astimezone(BERLIN).isoweekday() <= 5
    assert "R4" in plan.rules_applied and "K1" in plan.rules_applied


def test_r4_at_least_two_even_if_one_asked(make_plan: PlanFactory) -> None:
    assert len(make_plan(options={"slot_count": 1}).proposed_slots) == 2


def test_r4_inside_both_zones_working_hours(make_plan: PlanFactory) -> None:
    plan = make_plan(counterpart={"timezone": "America/New_York"})
    for s in plan.proposed_slots:
        ny = s.start.astimezone(ZoneInfo("America/New_York"))
        assert ny.hour >= 9
        assert s.end.astimezone(BERLIN).hour <= 17


def test_r4_warns_when_too_few_times_are_free(make_plan: PlanFactory) -> None:
    plan = make_plan(
        availability={
            "busy": [{"start": "2026-03-10T00:00:00+01:00", "end": "2026-05-01T00:00:00+02:00"}]
        }
    )
    assert plan.proposed_slots == []
    assert "R4" in [w.rule for w in plan.warnings]
    assert plan.calendar.method is None


def test_r5_follow_up_after_agreement(make_plan: PlanFactory) -> None:
    plan = make_plan()
    step = next(s for s in plan.steps if s.condition is Condition.after_agreement)
    kinds = {m.id: m.kind.value for m in plan.messages}
    assert kinds[step.message or ""] == "follow_up_email"
    assert "R5" in plan.rules_applied
    assert "R5" not in make_plan(intent="withdraw").rules_applied


# --- Withdrawing ------------------------------------------------------------------------


def test_w1_w2_reflection_when_unsure(make_plan: PlanFactory) -> None:
    plan = make_plan(intent="withdraw", certainty="unsure", reason={"category": "lost_interest"})
    assert [a.rule for a in plan.advice][:2] == ["W1", "W2"]
    sure = make_plan(intent="withdraw", certainty="sure")
    assert not {"W1", "W2"} & {a.rule for a in sure.advice}


def test_w3_w4_withdrawal_declines_in_the_calendar(make_plan: PlanFactory) -> None:
    plan = make_plan(intent="withdraw", reason={"category": "accepted_offer"})
    assert {"W3", "W4"} <= set(plan.rules_applied)
    assert plan.calendar.method is not None and plan.calendar.method.value == "REPLY"
    _, event = event_of(plan.calendar.ics or "")
    attendee = event["ATTENDEE"]  # type: ignore[index]
    assert attendee.params["PARTSTAT"] == "DECLINED"
    assert str(attendee) == "mailto:alex@example.org"
    assert not plan.proposed_slots


def test_w5_status_inquiry(make_plan: PlanFactory) -> None:
    plan = make_plan(
        intent="status_inquiry",
        reason={"category": "other"},
        interview={"start": "2026-03-02T14:00:00+01:00", "end": "2026-03-02T15:00:00+01:00"},
    )
    assert "W5" in plan.rules_applied
    assert plan.calendar.method is None and plan.calendar.ics is None
    assert plan.channel.primary == "email" and plan.steps[0].action is Action.send


# --- Emergencies -------------------------------------------------------------------------


def test_x1_emergency_calls_at_once(make_plan: PlanFactory) -> None:
    plan = make_plan(now="2026-03-16T13:40:00+01:00", reason={"category": "emergency"})
    assert first(plan) == (Action.call, at("2026-03-16T13:40:00+01:00"))
    assert "X1" in plan.rules_applied
    assert any(s.action is Action.send and s.due == plan.steps[0].due for s in plan.steps)


# --- Employer ----------------------------------------------------------------------------


def test_e1_e3_employer_cancel_creates_cancel(make_plan: PlanFactory) -> None:
    plan = make_plan(
        role="employer", intent="cancel", reason={"category": "interviewer_unavailable"}
    )
    assert {"E1", "E3", "E5", "K2"} <= set(plan.rules_applied)
    assert plan.calendar.method is not None and plan.calendar.method.value == "CANCEL"
    cal, event = event_of(plan.calendar.ics or "")
    assert cal["METHOD"] == "CANCEL"
    assert event["UID"] == "a1b2c3@example.com"  # type: ignore[index]
    assert int(event["SEQUENCE"]) == 1  # type: ignore[index]
    assert event["STATUS"] == "CANCELLED"  # type: ignore[index]


def test_e1_cancel_without_uid_creates_one(make_plan: PlanFactory) -> None:
    plan = make_plan(role="employer", intent="cancel", interview={"uid": None})
    _, event = event_of(plan.calendar.ics or "")
    assert str(event["UID"]).endswith("@fairnotice")  # type: ignore[index]
    again = make_plan(role="employer", intent="cancel", interview={"uid": None})
    assert again.calendar.ics == plan.calendar.ics  # stable for the same facts


def test_e2_employer_offers_at_least_three_times(make_plan: PlanFactory) -> None:
    plan = make_plan(role="employer", intent="reschedule", options={"slot_count": 2})
    assert len(plan.proposed_slots) == 3
    assert "E2" in plan.rules_applied
    assert plan.calendar.method is None  # the REQUEST comes once the candidate has picked


CANDIDATES = [
    {
        "name": "Mia Schneider",
        "salutation": "Frau",
        "email": "mia@example.org",
        "phone": "+49 170 1",
        "round": 1,
        "language": "de",
        "interview": {
            "position": "Paralegal",
            "company": "Muster & Partner GmbH",
            "start": "2026-03-17T10:00:00+01:00",
            "end": "2026-03-17T11:00:00+01:00",
            "timezone": "Europe/Berlin",
            "uid": "mia@example.com",
            "sequence": 2,
        },
    },
    {
        "name": "Elin Nilsson",
        "email": "elin@example.org",
        "phone": "+46 70 1",
        "round": 2,
        "language": "sv",
        "timezone": "Europe/Stockholm",
        "interview": {
            "position": "Paralegal",
            "company": "Muster & Partner GmbH",
            "start": "2026-03-02T10:00:00+01:00",
            "end": "2026-03-02T11:00:00+01:00",
            "timezone": "Europe/Berlin",
            "uid": "elin@example.com",
            "round": 2,
        },
    },
    {
        "name": "Tom Baker",
        "salutation": "Mr",
        "email": "tom@example.org",
        "round": 1,
        "language": "en",
    },
]


def test_e4_everyone_hears_in_their_language(make_plan: PlanFactory) -> None:
    plan = make_plan(
        role="employer",
        intent="position_filled",
        reason={"category": "position_filled"},
        candidates=CANDIDATES,
    )
    emails = [m for m in plan.messages if m.kind.value == "email"]
    assert [(m.to, m.language.value) for m in emails] == [
        ("mia@example.org", "de"),
        ("elin@example.org", "sv"),
        ("tom@example.org", "en"),
    ]
    # Round 2 gets a call first, then the email.
    elin = [s for s in plan.steps if s.to and s.to.name == "Elin Nilsson"]
    assert [s.action for s in elin] == [Action.call, Action.leave_voicemail, Action.send]
    assert "E4" in plan.rules_applied


def test_e4_cancels_only_interviews_still_ahead(make_plan: PlanFactory) -> None:
    plan = make_plan(
        role="employer",
        intent="position_filled",
        reason={"category": "position_filled"},
        candidates=CANDIDATES,
    )
    by_to = {m.to: m for m in plan.messages if m.kind.value == "email"}
    mia = by_to["mia@example.org"].calendar
    assert mia is not None and mia.method is not None and mia.method.value == "CANCEL"
    _, event = event_of(mia.ics or "")
    assert int(event["SEQUENCE"]) == 3  # type: ignore[index]
    elin = by_to["elin@example.org"].calendar
    assert elin is not None and elin.method is None  # her interview is over
    assert plan.calendar == mia


def test_e5_employer_letters_follow_language_rules(make_plan: PlanFactory) -> None:
    plan = make_plan(role="employer", intent="cancel", language="sv")
    text = message(plan, plan.steps[0].message)
    assert "Paralegal" in text and "16 mars 2026" in text
    assert "E5" in plan.rules_applied


# --- Calendar ----------------------------------------------------------------------------


def test_k1_slots_avoid_busy_time_and_the_original(make_plan: PlanFactory) -> None:
    busy = [{"start": "2026-03-11T09:00:00+01:00", "end": "2026-03-11T16:00:00+01:00"}]
    plan = make_plan(availability={"busy": busy})
    for s in plan.proposed_slots:
        assert not (s.start < at(busy[0]["end"]) and at(busy[0]["start"]) < s.end)
        assert not (
            s.start < at("2026-03-16T15:00:00+01:00") and at("2026-03-16T14:00:00+01:00") < s.end
        )


def test_k2_counter_keeps_uid_and_sequence(make_plan: PlanFactory) -> None:
    plan = make_plan(interview={"sequence": 4})
    assert plan.calendar.method is not None and plan.calendar.method.value == "COUNTER"
    cal, event = event_of(plan.calendar.ics or "")
    assert event["UID"] == "a1b2c3@example.com"  # type: ignore[index]
    assert int(event["SEQUENCE"]) == 4  # type: ignore[index]
    start = event["DTSTART"].dt  # type: ignore[index]
    assert start == plan.proposed_slots[0].start
    assert "COMMENT" in event  # the other proposals travel in the comment
    assert cal.walk("VTIMEZONE")


def test_k2_no_uid_no_calendar_object(make_plan: PlanFactory) -> None:
    plan = make_plan(interview={"uid": None})
    assert plan.calendar.method is None and plan.calendar.ics is None
