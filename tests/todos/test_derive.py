"""todos.derive, case by case: each combination of state and facts gives exactly the items
listed, due now or next. The stale cases of issue 11 are among them (a done step, a
rejected candidate's items, tomorrow's item, items that name nobody)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fairnotice.lifecycle import OfferState, State, inquiry_allowed
from fairnotice.todos import (
    REMIND_BEFORE,
    InterviewFacts,
    Kind,
    LetterFacts,
    OfferFacts,
    PlanFacts,
    StepFacts,
    derive,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday
H, D = timedelta(hours=1), timedelta(days=1)


def iv(**changes: Any) -> InterviewFacts:
    base = InterviewFacts(
        id=1,
        side="employer",
        state=State.scheduled,
        start=NOW + 20 * D,
        end=NOW + 20 * D + H,
        timezone="Europe/Berlin",
        person="Lena Vogel",
        position="Paralegal",
        company="Muster & Partner GmbH",
        changed_at=NOW - 2 * D,
        sequence=1,
    )
    return replace(base, **changes)


def at(start: datetime, **changes: Any) -> InterviewFacts:
    """An interview of one hour from `start`."""
    return iv(start=start, end=start + H, **changes)


def cand(**changes: Any) -> InterviewFacts:
    return iv(side="candidate", person="Jonas Doe", **changes)


def offer(id: int = 5, state: OfferState = OfferState.open, **changes: Any) -> OfferFacts:
    return replace(OfferFacts(id, state, NOW + 3 * D), **changes)


def plan(id: int = 7, intent: str = "reschedule", **changes: Any) -> PlanFacts:
    return replace(
        PlanFacts(id, intent, NOW - 3 * H, interview_id=1, start=NOW + 20 * D), **changes
    )


def step(id: int = 30, **changes: Any) -> StepFacts:
    base = StepFacts(id, 7, 2, NOW - H, "call", "Herr Doe", condition="no_reply")
    return replace(base, **changes)


def letter(id: int = 90, **changes: Any) -> LetterFacts:
    base = LetterFacts(id, "failed", "email", "Lena Vogel", "Neuer Termin", NOW - 2 * H, 1)
    return replace(base, **changes)


MONDAY_3PM = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # 15:00 in Berlin, yesterday
TWO_MONDAYS_AGO = MONDAY_3PM - 7 * D

# (name, facts, [(kind, ref) due now], [(kind, ref) next])
CASES: list[tuple[str, dict[str, Any], list[tuple[str, int]], list[tuple[str, int]]]] = [
    ("scheduled far ahead: nothing yet", {"interviews": [iv()]}, [], []),
    ("tomorrow's item is next, not now", {"interviews": [at(NOW + D)]}, [], [("mark_outcome", 1)]),
    (
        "ended while scheduled: mark it",
        {"interviews": [at(NOW - 2 * H)]},
        [("mark_outcome", 1)],
        [],
    ),
    (
        "ended while rescheduled: mark it",
        {"interviews": [at(NOW - 2 * H, state=State.rescheduled)]},
        [("mark_outcome", 1)],
        [],
    ),
    (
        "offer expiring in three days: remind next",
        {"interviews": [iv(state=State.offered, offers=(offer(),))]},
        [],
        [("remind_offer", 5)],
    ),
    (
        "offer expiring in 12 hours: remind now",
        {"interviews": [iv(state=State.offered, offers=(offer(expires_at=NOW + 12 * H),))]},
        [("remind_offer", 5)],
        [],
    ),
    (
        "offer expired unpicked",
        {"interviews": [iv(state=State.offered, offers=(offer(expires_at=NOW - H),))]},
        [("offer_expired", 5)],
        [],
    ),
    (
        "declined with a suggestion: book it or offer others",
        {
            "interviews": [
                iv(
                    state=State.offered,
                    offers=(offer(state=OfferState.declined, suggestion="Freitag 10 Uhr"),),
                )
            ]
        },
        [("suggestion", 5)],
        [],
    ),
    (
        "a newer open offer after a declined one: only the new one counts",
        {
            "interviews": [
                iv(
                    state=State.offered,
                    offers=(offer(4, OfferState.declined, suggestion="x"), offer(5)),
                )
            ]
        },
        [],
        [("remind_offer", 5)],
    ),
    (
        "picked (rescheduled): the offer and its plan's call are moot",
        {
            "interviews": [iv(state=State.rescheduled, start=NOW + 2 * D, end=NOW + 2 * D + H)],
            "plans": [plan()],
            "steps": [step()],
        },
        [],
        [("mark_outcome", 1)],
    ),
    (
        "offer withdrawn (scheduled again): the offer's call is moot",
        {"interviews": [iv()], "plans": [plan()], "steps": [step()]},
        [],
        [],
    ),
    (
        "offer open: its call if no reply is due (C4)",
        {
            "interviews": [iv(state=State.offered, offers=(offer(),))],
            "plans": [plan()],
            "steps": [step()],
        },
        [("step", 30)],
        [("remind_offer", 5)],
    ),
    (
        "cancelled: only the cancellation's items (a failed CANCEL, its call)",
        {
            "interviews": [iv(state=State.cancelled)],
            "plans": [plan(intent="cancel"), plan(8)],
            "steps": [step(), step(31, plan_id=8)],
            "letters": [letter(calendar_method="CANCEL"), letter(91, calendar_method="REQUEST")],
        },
        [("step", 30), ("fix_failed", 90)],
        [],
    ),
    (
        "position filled: a rejected candidate has only undelivered letters",
        {
            "interviews": [
                iv(state=State.offered, position_filled=True, offers=(offer(),)),
                at(NOW - 2 * H, id=2, position_filled=True),
            ],
            "plans": [plan(), plan(9, intent="position_filled", interview_id=None)],
            "steps": [step()],
            "letters": [letter(plan_id=9, interview_id=None), letter(91)],
        },
        [("fix_failed", 90)],
        [],
    ),
    (
        "filled (closed): moot except the position-filled letter",
        {
            "interviews": [iv(state=State.filled)],
            "plans": [plan(9, intent="position_filled", interview_id=None)],
            "letters": [letter(plan_id=9), letter(91, state="draft")],
        },
        [("fix_failed", 90)],
        [],
    ),
    (
        "no-show: contact the candidate",
        {"interviews": [at(NOW - D, state=State.no_show, changed_at=NOW - 20 * H)]},
        [("contact_no_show", 1)],
        [],
    ),
    (
        "no-show, written to since: done",
        {
            "interviews": [
                at(NOW - D, state=State.no_show, changed_at=NOW - 20 * H, last_letter_at=NOW - H)
            ]
        },
        [],
        [],
    ),
    (
        "took place: tell the outcome",
        {"interviews": [at(NOW - D, state=State.took_place, changed_at=NOW - 20 * H)]},
        [("tell_outcome", 1)],
        [],
    ),
    (
        "took place, a plan made since: done",
        {
            "interviews": [at(NOW - D, state=State.took_place, changed_at=NOW - 20 * H)],
            "plans": [plan(made_at=NOW - H, intent="position_filled")],
        },
        [],
        [],
    ),
    (
        "withdrawn: nothing",
        {"interviews": [iv(state=State.withdrawn)], "plans": [plan()], "steps": [step()]},
        [],
        [],
    ),
    (
        "a done step stays done",
        {"interviews": [cand()], "plans": [plan()], "steps": [step(done=True, outcome="reached")]},
        [],
        [],
    ),
    (
        "a reply came: the call if no reply is moot",
        {"interviews": [cand()], "plans": [plan(replied=NOW - 2 * H)], "steps": [step()]},
        [],
        [],
    ),
    (
        "candidate: no reply by the C4 deadline: call",
        {"interviews": [cand()], "plans": [plan()], "steps": [step()]},
        [("step", 30)],
        [],
    ),
    (
        "candidate: the call tomorrow is next",
        {"interviews": [cand()], "plans": [plan()], "steps": [step(due=NOW + D)]},
        [],
        [("step", 30)],
    ),
    (
        "candidate: the email not sent yet, then the call",
        {
            "interviews": [cand()],
            "plans": [plan()],
            "steps": [step(29, order=1, action="send", condition=None, due=NOW - 2 * H), step()],
        },
        [("step", 29), ("step", 30)],
        [],
    ),
    (
        "candidate: the email is queued: its send step is done",
        {
            "interviews": [cand()],
            "plans": [plan(queued=True)],
            "steps": [step(29, order=1, action="send", condition=None, due=NOW - 2 * H)],
        },
        [],
        [],
    ),
    (
        "voicemail only after a call that did not reach",
        {
            "interviews": [cand()],
            "plans": [plan(), plan(8)],
            "steps": [
                step(40, order=1, condition=None, done=True, outcome="not_reached"),
                step(41, order=2, action="leave_voicemail", condition="not_reached"),
                step(50, plan_id=8, order=1, condition=None, done=True, outcome="reached"),
                step(51, plan_id=8, order=2, action="leave_voicemail", condition="not_reached"),
            ],
        },
        [("step", 41)],
        [],
    ),
    (
        "a new time agreed: the after-agreement step is the draft to release",
        {
            "interviews": [cand()],
            "plans": [plan()],
            "steps": [step(32, order=3, action="send", condition="after_agreement")],
            "letters": [
                letter(state="draft", kind="follow_up_email", interview_id=None, plan_id=7)
            ],
        },
        [("release_draft", 90)],
        [],
    ),
    (
        "candidate: the interview moved since the plan: its steps are moot",
        {"interviews": [cand()], "plans": [plan(start=NOW + 19 * D)], "steps": [step()]},
        [],
        [],
    ),
    (
        "candidate: passed yesterday: mark now, inquiry after a working week (next)",
        {"interviews": [cand(start=MONDAY_3PM - H, end=MONDAY_3PM)]},
        [("mark_outcome", 1)],
        [("inquiry", 1)],
    ),
    (
        "candidate: took place eight days ago without news: inquiry (W5)",
        {
            "interviews": [
                cand(state=State.took_place, start=TWO_MONDAYS_AGO - H, end=TWO_MONDAYS_AGO)
            ]
        },
        [("inquiry", 1)],
        [],
    ),
    (
        "candidate: news came since: the silence starts again",
        {
            "interviews": [
                cand(state=State.took_place, start=TWO_MONDAYS_AGO - H, end=TWO_MONDAYS_AGO)
            ],
            "plans": [plan(intent="reschedule", replied=NOW - D, start=None)],
        },
        [],
        [("inquiry", 1)],
    ),
    (
        "candidate: asked already",
        {
            "interviews": [
                cand(state=State.took_place, start=TWO_MONDAYS_AGO - H, end=TWO_MONDAYS_AGO)
            ],
            "plans": [plan(intent="status_inquiry", made_at=NOW - D, start=None)],
        },
        [],
        [],
    ),
    (
        "candidate: cancelled by the employer eight days ago, silent since",
        {"interviews": [cand(state=State.cancelled, changed_at=TWO_MONDAYS_AGO)]},
        [("inquiry", 1)],
        [],
    ),
    (
        "candidate: nine days ahead: no inquiry, nothing due",
        {"interviews": [cand(start=NOW + 9 * D, end=NOW + 9 * D + H)]},
        [],
        [],
    ),
    (
        "candidate: withdrawn: nothing",
        {"interviews": [cand(state=State.withdrawn, changed_at=TWO_MONDAYS_AGO)]},
        [],
        [],
    ),
    (
        "a failed letter replaced by a newer one (lower SEQUENCE): moot",
        {"interviews": [iv(sequence=3)], "letters": [letter(sequence=2)]},
        [],
        [],
    ),
    (
        "a failed reminder to oneself: the step it reminds of is listed instead",
        {"interviews": [iv()], "letters": [letter(kind="reminder")]},
        [],
        [],
    ),
    (
        "a filled position's call by hand (a plan about no single interview)",
        {
            "interviews": [],
            "plans": [plan(9, intent="position_filled", interview_id=None, start=None)],
            "steps": [step(60, plan_id=9, condition=None, label="Frau Vogel")],
        },
        [("step", 60)],
        [],
    ),
]


@pytest.mark.parametrize(
    ("facts", "due_now", "coming"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_case(
    facts: dict[str, Any], due_now: list[tuple[str, int]], coming: list[tuple[str, int]]
) -> None:
    found = derive(now=NOW, **facts)
    assert sorted(t.key for t in found.now) == sorted(due_now)
    assert sorted(t.key for t in found.next) == sorted(coming)
    assert all(t.due <= NOW for t in found.now) and all(t.due > NOW for t in found.next)


def test_items_name_the_person_position_time_and_where() -> None:
    interview = iv(state=State.offered, offers=(offer(expires_at=NOW + 2 * H),))
    (item,) = derive(now=NOW, interviews=[interview]).now
    assert (item.person, item.position, item.company) == (
        "Lena Vogel",
        "Paralegal",
        "Muster & Partner GmbH",
    )
    assert item.start == interview.start and item.interview_id == 1
    assert item.target == "offers/5" and item.deadline == NOW + 2 * H
    assert item.due == NOW + 2 * H - REMIND_BEFORE
    suggestion = replace(interview, offers=(offer(state=OfferState.declined, suggestion="Fr"),))
    (item,) = derive(now=NOW, interviews=[suggestion]).now
    assert (item.kind, item.detail, item.target) == (Kind.suggestion, "Fr", "interviews/1")
    (draft,) = derive(
        now=NOW,
        interviews=[cand()],
        plans=[plan()],
        letters=[letter(state="draft", interview_id=None, plan_id=7, deadline=NOW + D)],
    ).now
    assert (draft.person, draft.position, draft.target) == (
        "Lena Vogel",
        "Paralegal",
        "plans/7#drafts",
    )
    assert draft.deadline == NOW + D


def test_next_looks_ahead_only_as_far_as_the_horizon() -> None:
    interviews = [at(NOW + 2 * D), at(NOW + 6 * D, id=2), at(NOW + 9 * D, id=3)]
    assert [t.ref for t in derive(now=NOW, interviews=interviews).next] == [1, 2]
    wide = derive(now=NOW, interviews=interviews, horizon=timedelta(days=14))
    assert [t.ref for t in wide.next] == [1, 2, 3]


def test_an_inquiry_item_is_never_one_w5_would_refuse() -> None:
    """Over a spread of states and times, every inquiry item that is due now is allowed."""
    for state in State:
        for hours in range(-400, 400, 7):
            start = NOW + timedelta(hours=hours)
            facts = cand(state=state, start=start, end=start + H, changed_at=NOW - 12 * D)
            for item in derive(now=NOW, interviews=[facts]).now:
                if item.kind is Kind.inquiry:
                    assert inquiry_allowed(state, start=start, end=start + H, now=NOW) is None
