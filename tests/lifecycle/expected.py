"""The lifecycle as the issue describes it, written out by hand (not read from
`lifecycle.TABLE`), so the tests that compare the two can fail.

For every (state, event) that is allowed: the next state, the effects, the guard and what
becomes of the interview's open offers. Every pair not listed is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairnotice.lifecycle import Effect, Event, Guard, OfferState, State

E = Effect
MOVE = frozenset({E.move, E.close_offers, E.raise_sequence, E.void_queued, E.send_request})
END = frozenset({E.close_offers, E.raise_sequence, E.void_queued, E.send_cancel})


@dataclass(frozen=True)
class Row:
    target: State | None
    effects: frozenset[Effect]
    guard: Guard = Guard.none
    offers: OfferState = OfferState.replaced  # what an offer still open becomes


# deleted: the record goes, and what was queued (but a CANCEL) with it
GONE = Row(None, frozenset({E.close_offers, E.void_queued}), offers=OfferState.closed)


def _while_booked() -> dict[Event, Row]:
    """A booked interview (scheduled, or moved to a new time): its time holds people."""
    return {
        Event.offer: Row(
            State.offered, frozenset({E.close_offers, E.void_queued}), Guard.not_ended
        ),
        Event.book: Row(State.rescheduled, MOVE),
        Event.agree: Row(State.rescheduled, MOVE),
        Event.edit_time: Row(State.rescheduled, MOVE),
        Event.cancel: Row(State.cancelled, END, offers=OfferState.closed),
        Event.withdraw: Row(State.withdrawn, END, offers=OfferState.closed),
        Event.fill: Row(State.filled, END, offers=OfferState.closed),
        Event.took_place: Row(
            State.took_place,
            frozenset({E.close_offers, E.void_queued}),
            Guard.started,
            OfferState.closed,
        ),
        Event.no_show: Row(
            State.no_show,
            frozenset({E.close_offers, E.void_queued}),
            Guard.started,
            OfferState.closed,
        ),
        Event.delete: GONE,
    }


def _offered() -> dict[Event, Row]:
    """New times offered: the stored time is given up until one is chosen, so nothing can
    take place at it; a new offer replaces the open one."""
    return {
        Event.offer: Row(
            State.offered, frozenset({E.close_offers, E.void_queued}), Guard.not_ended
        ),
        Event.withdraw_offer: Row(
            State.scheduled, frozenset({E.close_offers}), offers=OfferState.withdrawn
        ),
        Event.pick: Row(State.rescheduled, MOVE, offers=OfferState.picked),
        Event.decline: Row(State.offered, frozenset({E.close_offers}), offers=OfferState.declined),
        Event.book: Row(State.rescheduled, MOVE),
        Event.agree: Row(State.rescheduled, MOVE),
        Event.edit_time: Row(State.rescheduled, MOVE),
        Event.cancel: Row(State.cancelled, END, offers=OfferState.closed),
        Event.withdraw: Row(State.withdrawn, END, offers=OfferState.closed),
        Event.fill: Row(State.filled, END, offers=OfferState.closed),
        Event.delete: GONE,
    }


def _closed(*, fill_closes: bool = False) -> dict[Event, Row]:
    """A closed interview only goes away; one that took place closes (no CANCEL: it is
    over) when its position is filled."""
    rows = {Event.delete: GONE}
    if fill_closes:
        rows[Event.fill] = Row(State.filled, frozenset({E.void_queued}), offers=OfferState.replaced)
    return rows


EXPECTED: dict[State | None, dict[Event, Row]] = {
    None: {Event.schedule: Row(State.scheduled, frozenset({E.send_request}))},
    State.scheduled: _while_booked(),
    State.offered: _offered(),
    State.rescheduled: _while_booked(),
    State.cancelled: _closed(),
    State.withdrawn: _closed(),
    State.filled: _closed(),
    State.took_place: _closed(fill_closes=True),
    State.no_show: _closed(),
}

# why a closed interview refuses, in the words a person reads
CLOSED_WHY = {
    State.cancelled: "the interview is cancelled",
    State.withdrawn: "the candidate has withdrawn",
    State.filled: "the position is filled",
    State.took_place: "the interview has taken place",
    State.no_show: "the candidate did not come",
}

# a correction of the record's details keeps the state, in every state, and does nothing else
for _state in State:
    EXPECTED[_state][Event.edit_details] = Row(_state, frozenset())

SOURCES: list[State | None] = [None, *State]
PAIRS: list[tuple[State | None, Event]] = [(s, e) for s in SOURCES for e in Event]


def expected(state: State | None, event: Event) -> Row | None:
    """The expected row, or None for a refusal."""
    return EXPECTED[state].get(event)
