"""Every way an interview may change, as one table (pure: no clock, no database).

An interview is always in one `State`. An `Event` asks to change it; `TABLE` holds, for
each (state, event) that is allowed, the next state, the effects and the guard. A pair
that is not in the table is refused, with the reason `refusal` gives. Guards that depend
on time take `now` as an argument. `operations/interviews/transitions.py` applies a transition: it
locks the interview, checks it here, and applies every effect in one transaction; no
other code sets an interview's state.

Offers have a small lifecycle of their own (`OfferState`): an offer is open until it is
picked or declined, or until its interview changes (`replaced`), the employer withdraws
it, or the interview closes (`closed`). Expiry is read off `expires_at`, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fairnotice.errors import N_


class State(StrEnum):
    scheduled = "scheduled"
    offered = "offered"  # new times offered: the stored time is given up until one is chosen
    rescheduled = "rescheduled"  # moved to a new time (picked, booked, agreed or edited)
    cancelled = "cancelled"
    withdrawn = "withdrawn"  # the candidate withdrew
    filled = "filled"  # closed because the position was filled
    took_place = "took_place"
    no_show = "no_show"


ACTIVE = frozenset({State.scheduled, State.offered, State.rescheduled})
CLOSED = frozenset(State) - ACTIVE
# the states whose time holds the people in it (a booked time; an offer's time is given up)
BOOKED = frozenset({State.scheduled, State.rescheduled})


class Event(StrEnum):
    schedule = "schedule"  # the interview is put on record (employer: invitations go out)
    offer = "offer"  # the employer offers new times through a link
    withdraw_offer = "withdraw_offer"  # the employer takes the open offer back
    pick = "pick"  # the candidate picks an offered time
    decline = "decline"  # the candidate says none of the times work, with a suggestion
    book = "book"  # the employer books a time directly (a candidate's suggestion)
    agree = "agree"  # a new time both sides agreed on (candidate side)
    edit_time = "edit_time"  # the time is edited on the interview
    edit_details = "edit_details"  # contact, place, video link or position corrected
    cancel = "cancel"
    withdraw = "withdraw"  # the candidate withdraws from the process
    fill = "fill"  # the position is filled: the interview closes
    took_place = "took_place"
    no_show = "no_show"  # the candidate did not come
    delete = "delete"


class Effect(StrEnum):
    close_offers = "close_offers"  # every open offer stops working (its link says why)
    raise_sequence = "raise_sequence"  # RFC 5546: a new time or a cancellation
    void_queued = "void_queued"  # letters queued before the change never go (a CANCEL does)
    send_request = "send_request"  # REQUEST of the time to the candidate and interviewers
    send_cancel = "send_cancel"  # a CANCEL goes to everyone who holds the event
    move = "move"  # the interview takes the new time the event names


class Guard(StrEnum):
    none = "none"
    started = "started"  # only once the interview has begun (took place, no-show)
    not_ended = "not_ended"  # only while the interview has not ended yet


class OfferState(StrEnum):
    open = "open"
    picked = "picked"
    declined = "declined"  # none of the times worked; the candidate's suggestion is kept
    replaced = "replaced"  # a newer offer or a new time made it moot
    withdrawn = "withdrawn"  # the employer took it back
    closed = "closed"  # the interview closed (cancelled, withdrawn, filled, ...)


class SlotState(StrEnum):
    offered = "offered"
    booked = "booked"
    released = "released"


@dataclass(frozen=True, slots=True)
class Transition:
    source: State | None  # None: the interview is not on record yet
    event: Event
    target: State | None  # None: the interview is gone (deleted)
    effects: frozenset[Effect]
    guard: Guard = Guard.none
    offers_become: OfferState = OfferState.replaced  # what `close_offers` makes of them


def _t(
    source: State | None,
    event: Event,
    target: State | None,
    *effects: Effect,
    guard: Guard = Guard.none,
    offers_become: OfferState = OfferState.replaced,
) -> Transition:
    return Transition(source, event, target, frozenset(effects), guard, offers_become)


E = Effect
_MOVE = (E.move, E.close_offers, E.raise_sequence, E.void_queued, E.send_request)
_END = (E.close_offers, E.raise_sequence, E.void_queued, E.send_cancel)

_ROWS: list[Transition] = [
    _t(None, Event.schedule, State.scheduled, E.send_request),
    *(
        _t(s, Event.offer, State.offered, E.close_offers, E.void_queued, guard=Guard.not_ended)
        for s in ACTIVE
    ),
    _t(
        State.offered,
        Event.withdraw_offer,
        State.scheduled,
        E.close_offers,
        offers_become=OfferState.withdrawn,
    ),
    _t(State.offered, Event.pick, State.rescheduled, *_MOVE, offers_become=OfferState.picked),
    # the interview keeps waiting for a time: the suggestion is the employer's to-do
    _t(
        State.offered,
        Event.decline,
        State.offered,
        E.close_offers,
        offers_become=OfferState.declined,
    ),
    *(_t(s, Event.book, State.rescheduled, *_MOVE) for s in ACTIVE),
    *(_t(s, Event.agree, State.rescheduled, *_MOVE) for s in ACTIVE),
    *(_t(s, Event.edit_time, State.rescheduled, *_MOVE) for s in ACTIVE),
    *(_t(s, Event.cancel, State.cancelled, *_END, offers_become=OfferState.closed) for s in ACTIVE),
    *(
        _t(s, Event.withdraw, State.withdrawn, *_END, offers_become=OfferState.closed)
        for s in ACTIVE
    ),
    *(_t(s, Event.fill, State.filled, *_END, offers_become=OfferState.closed) for s in ACTIVE),
    # a took-place interview whose position is filled closes too, without a CANCEL
    _t(State.took_place, Event.fill, State.filled, E.void_queued),
    *(
        _t(
            s,
            Event.took_place,
            State.took_place,
            E.close_offers,
            E.void_queued,  # letters written for an interview still ahead
            guard=Guard.started,
            offers_become=OfferState.closed,
        )
        for s in BOOKED
    ),
    *(
        _t(
            s,
            Event.no_show,
            State.no_show,
            E.close_offers,
            E.void_queued,  # letters written for an interview still ahead
            guard=Guard.started,
            offers_become=OfferState.closed,
        )
        for s in BOOKED
    ),
    # a correction of the record (a typo in the contact, a new video link): the state stays,
    # in every state, since the outcome of a closed interview is still told to that contact
    *(_t(s, Event.edit_details, s) for s in State),
    # the record goes; what was queued goes with it, but a CANCEL already queued still goes
    *(
        _t(s, Event.delete, None, E.close_offers, E.void_queued, offers_become=OfferState.closed)
        for s in State
    ),
]
TABLE: dict[tuple[State | None, Event], Transition] = {(t.source, t.event): t for t in _ROWS}


class Refused(Exception):
    """The event is not allowed in the interview's state (or not yet, or no longer)."""

    def __init__(self, state: State | None, event: Event, reason: str) -> None:
        super().__init__(reason)
        self.state, self.event, self.reason = state, event, reason


# why an event is refused in a closed state: the words the faces translate
_CLOSED_WHY = {
    State.cancelled: N_("the interview is cancelled"),
    State.withdrawn: N_("the candidate has withdrawn"),
    State.filled: N_("the position is filled"),
    State.took_place: N_("the interview has taken place"),
    State.no_show: N_("the candidate did not come"),
}


_WHILE = {
    State.scheduled: N_("not possible while the interview is scheduled"),
    State.offered: N_("not possible while new times are offered"),
    State.rescheduled: N_("not possible while the interview is scheduled"),
}


def decide(
    state: State | None, event: Event, *, start: datetime, end: datetime, now: datetime
) -> Transition:
    """The transition `event` makes from `state`, or Refused naming why."""
    found = TABLE.get((state, event))
    if found is None:
        raise Refused(state, event, refusal(state, event))
    if found.guard is Guard.started and now < start:
        raise Refused(state, event, N_("the interview has not started yet"))
    if found.guard is Guard.not_ended and now >= end:
        raise Refused(state, event, N_("the interview has already ended"))
    return found


def refusal(state: State | None, event: Event) -> str:
    """Why `event` is not allowed in `state`, in words a person reads."""
    if state is None:
        return N_("no such interview")
    if state in _CLOSED_WHY:
        return _CLOSED_WHY[state]
    if event is Event.schedule:
        return N_("the interview is already on record")
    if event in (Event.pick, Event.decline, Event.withdraw_offer):
        return N_("no new times are offered for this interview")
    return _WHILE[state]


def allowed(state: State) -> list[Event]:
    """The events a person may start from `state` (the buttons a page shows)."""
    return [event for (source, event) in TABLE if source is state]


def offer_closed_by(state: State) -> OfferState:
    """What the interview's state makes of an offer that was still open."""
    return OfferState.closed if state in CLOSED else OfferState.replaced


def inquiry_allowed(state: State, *, start: datetime, end: datetime, now: datetime) -> str | None:
    """W5: a status inquiry fits only when the employer cancelled or postponed and went
    silent, or the interview passed without news. None when it fits, else why not."""
    if state in (State.cancelled, State.offered):
        return None
    if state in (State.scheduled, State.rescheduled, State.took_place) and end <= now:
        return None
    if state in (State.withdrawn, State.filled, State.no_show):
        return _CLOSED_WHY[state]
    return N_("the interview is still ahead: there is no silence to ask about yet")
