"""Every (state, event) pair of the lifecycle against the table written out by hand in
`expected.py`: allowed or refused, the next state, the effects, the guards (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fairnotice.lifecycle import (
    ACTIVE,
    BOOKED,
    CLOSED,
    TABLE,
    Event,
    Guard,
    Refused,
    State,
    allowed,
    decide,
)
from tests.lifecycle.expected import CLOSED_WHY, PAIRS, SOURCES, expected

START = datetime(2026, 3, 16, 13, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
BEFORE = START - timedelta(days=1)
DURING = START + timedelta(minutes=10)
AFTER = END + timedelta(days=1)


def _name(state: State | None) -> str:
    return state.value if state else "none"


@pytest.mark.parametrize(("state", "event"), PAIRS, ids=[f"{_name(s)}-{e.value}" for s, e in PAIRS])
def test_every_pair_is_allowed_or_refused_as_written(state: State | None, event: Event) -> None:
    row = expected(state, event)
    # a time at which the expected guard passes: during the interview passes both
    now = DURING if row is None or row.guard is not Guard.none else BEFORE
    if row is None:
        with pytest.raises(Refused) as refused:
            decide(state, event, start=START, end=END, now=now)
        assert refused.value.state is state and refused.value.event is event
        if state is None:
            assert refused.value.reason == "no such interview"
        elif state in CLOSED_WHY:
            assert refused.value.reason == CLOSED_WHY[state]
        else:
            assert refused.value.reason  # a reason a person can read, never empty
        assert (state, event) not in TABLE
        return
    found = decide(state, event, start=START, end=END, now=now)
    assert found.source is state and found.event is event
    assert found.target is row.target
    assert found.effects == row.effects
    assert found.guard is row.guard
    if row.effects & {"close_offers"}:
        assert found.offers_become is row.offers


def test_the_table_holds_no_pair_beyond_the_expected_ones() -> None:
    assert set(TABLE) == {(s, e) for s, e in PAIRS if expected(s, e) is not None}


@pytest.mark.parametrize("state", [s for s in SOURCES if s is not None])
def test_the_buttons_a_page_shows_are_the_allowed_events(state: State) -> None:
    assert set(allowed(state)) == {e for e in Event if expected(state, e) is not None}


@pytest.mark.parametrize("state", sorted(BOOKED))
@pytest.mark.parametrize("event", [Event.took_place, Event.no_show])
def test_took_place_and_no_show_only_once_the_interview_has_begun(
    state: State, event: Event
) -> None:
    for now in (BEFORE, START - timedelta(microseconds=1)):
        with pytest.raises(Refused) as refused:
            decide(state, event, start=START, end=END, now=now)
        assert refused.value.reason == "the interview has not started yet"
    for now in (START, DURING, END, AFTER):
        assert decide(state, event, start=START, end=END, now=now).target is State(event.value)


@pytest.mark.parametrize("state", sorted(ACTIVE))
def test_an_offer_only_while_the_interview_has_not_ended(state: State) -> None:
    for now in (BEFORE, DURING, END - timedelta(microseconds=1)):
        assert decide(state, Event.offer, start=START, end=END, now=now).target is State.offered
    for now in (END, AFTER):
        with pytest.raises(Refused) as refused:
            decide(state, Event.offer, start=START, end=END, now=now)
        assert refused.value.reason == "the interview has already ended"


@pytest.mark.parametrize("state", [s for s in SOURCES if s is not None])
def test_events_without_a_guard_do_not_depend_on_the_time(state: State) -> None:
    for event in Event:
        row = expected(state, event)
        if row is None or row.guard is not Guard.none:
            continue
        times = (BEFORE, AFTER)
        targets = {decide(state, event, start=START, end=END, now=t).target for t in times}
        assert targets == {row.target}


def test_closed_states_are_left_only_by_delete_or_a_fill_after_taking_place() -> None:
    for state in CLOSED:
        rows = {e: expected(state, e) for e in Event}
        leaving = {e for e, row in rows.items() if row is not None and row.target is not state}
        assert leaving <= {Event.delete, Event.fill}
        staying = {e for e, row in rows.items() if row is not None and row.target is state}
        assert staying == {Event.edit_details}  # only a correction of the record
        assert (Event.fill in leaving) is (state is State.took_place)
