"""What is due, derived from each interview's state and facts (pure: no clock, no database).

The overview used to list stored plan steps by their `state` and `due`; they went stale
(done steps stayed due, rejected candidates' items remained). Here every item is derived
afresh from what is true now: the interview's `lifecycle.State` and time, its offers,
plans, steps and undelivered letters. An item whose cause the state has made moot is
simply never derived. `derive` returns the items due now and those coming next (with
their due time); `operations/overview/todos.py` reads the facts and calls it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from fairnotice.calendar.slots import Hours
from fairnotice.lifecycle import BOOKED, CLOSED, OfferState, State, inquiry_allowed
from fairnotice.rules.timing import add_working_days

REMIND_BEFORE = timedelta(days=1)  # an offer nobody picked: remind a day before it expires
INQUIRY_WAIT_DAYS = 5  # W5: a working week without news after the interview
HORIZON = timedelta(days=7)  # how far "next" looks ahead
# plans whose purpose is to end the interview: their steps outlive its closing
CLOSING_INTENTS = frozenset({"cancel", "withdraw", "position_filled"})


class Kind(StrEnum):
    remind_offer = "remind_offer"  # an offer nobody picked expires soon: remind or call
    offer_expired = "offer_expired"  # the offer ran out unpicked: offer again or call
    suggestion = "suggestion"  # none of the times worked: book the suggestion or offer others
    mark_outcome = "mark_outcome"  # the interview ended while booked: took place or no-show?
    contact_no_show = "contact_no_show"  # T4: a no-show is never left in silence
    tell_outcome = "tell_outcome"  # it took place: tell the candidate the outcome
    step = "step"  # a plan's step: send, call (C4: if no reply), leave a voicemail
    release_draft = "release_draft"  # a draft to check and release (after an agreement)
    fix_failed = "fix_failed"  # a letter that could not be sent
    inquiry = "inquiry"  # W5: the interview passed (or was called off) without news
    call_unconfirmed = "call_unconfirmed"  # C4: a notice nobody confirmed by "Got it": call


@dataclass(frozen=True, slots=True)
class OfferFacts:
    id: int
    state: OfferState
    expires_at: datetime
    suggestion: str | None = None


@dataclass(frozen=True, slots=True)
class PlanFacts:
    id: int
    intent: str
    made_at: datetime
    interview_id: int | None = None
    start: datetime | None = None  # the interview's start when the plan was made
    position: str = ""
    company: str = ""
    replied: datetime | None = None  # the last reply that came to one of its emails
    queued: bool = False  # its emails are in the outbox (or went)


@dataclass(frozen=True, slots=True)
class StepFacts:
    id: int
    plan_id: int
    order: int
    due: datetime
    action: str  # call | send | leave_voicemail
    label: str  # whom, as the plan addresses them
    condition: str | None = None  # no_reply | not_reached | after_agreement
    done: bool = False
    outcome: str | None = None
    reminded: bool = False


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """An outbox row that has not gone and will not by itself: a draft or a failure."""

    id: int
    state: str  # draft | failed
    kind: str
    recipient: str
    subject: str
    due: datetime
    interview_id: int | None = None
    plan_id: int | None = None
    calendar_method: str | None = None
    sequence: int | None = None  # the interview's SEQUENCE it was written for
    deadline: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReceiptFacts:
    """A notice that went with a "Got it" link nobody has confirmed (operations/outbox/receipts.py
    reads only those that still call for a call)."""

    id: int
    outbox_id: int
    due: datetime  # when it becomes a call (`call_due`)
    person: str
    recipient: str
    subject: str
    interview_id: int | None = None
    deadline: datetime | None = None  # the interview's start: calling after it is moot
    plan_id: int | None = None  # the plan that wrote it (its phone script)


CALL_BEFORE = timedelta(hours=4)  # C4: or by 4 hours before the interview


def call_due(sent: datetime, zone: ZoneInfo, *, start: datetime | None) -> datetime:
    """C4: when an unconfirmed notice sent at `sent` becomes a call: one working day later
    in the recipient's zone (Friday's notice: Monday), or 4 hours before the interview
    if that comes sooner (never before it was sent)."""
    due = add_working_days(sent, 1, Hours(zone=zone))
    if start is not None and start > sent:
        due = min(due, max(sent, start - CALL_BEFORE))
    return due


@dataclass(frozen=True, slots=True)
class InterviewFacts:
    id: int
    side: str  # employer | candidate
    state: State
    start: datetime
    end: datetime
    timezone: str
    person: str  # the candidate (employer side) or the employer's contact (candidate side)
    position: str
    company: str
    changed_at: datetime  # when its state last changed (or it was put on record)
    sequence: int = 0
    position_filled: bool = False
    last_letter_at: datetime | None = None  # the last letter to the person, queued or gone
    offers: tuple[OfferFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class Todo:
    kind: Kind
    due: datetime
    target: str  # where it is done, under the workspace: "interviews/3", "outbox#row-9"
    ref: int  # the row it is about (interview, offer, step or outbox row)
    person: str
    position: str
    company: str
    interview_id: int | None = None
    start: datetime | None = None
    action: str | None = None  # a step's action
    condition: str | None = None  # a step's condition
    reminded: bool = False  # a step's reminder was emailed
    detail: str | None = None  # a suggestion, a letter's subject
    deadline: datetime | None = None  # an offer's expiry, a draft's "send before"

    @property
    def key(self) -> tuple[str, int]:
        """What makes an item itself (for comparing two lists)."""
        return (self.kind.value, self.ref)


@dataclass(frozen=True, slots=True)
class Todos:
    now: list[Todo] = field(default_factory=list)
    next: list[Todo] = field(default_factory=list)


def keys(found: Todos) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The items due now and next as (kind, ref), in order: what two lists are compared by
    (the page against the list derived from the database, in tests)."""
    return [t.key for t in found.now], [t.key for t in found.next]


def derive(
    *,
    now: datetime,
    interviews: Iterable[InterviewFacts],
    plans: Iterable[PlanFacts] = (),
    steps: Iterable[StepFacts] = (),
    letters: Iterable[LetterFacts] = (),
    receipts: Iterable[ReceiptFacts] = (),
    horizon: timedelta = HORIZON,
) -> Todos:
    """The items due by `now`, and those due within `horizon` after it, earliest first."""
    by_id = {i.id: i for i in interviews}
    plan_of = {p.id: p for p in plans}
    plans_of: dict[int, list[PlanFacts]] = {}
    for plan in plan_of.values():
        if plan.interview_id is not None:
            plans_of.setdefault(plan.interview_id, []).append(plan)
    steps_of: dict[int, list[StepFacts]] = {}
    for step in steps:
        steps_of.setdefault(step.plan_id, []).append(step)
    items: list[Todo] = []
    for interview in by_id.values():
        items.extend(_of_interview(interview, plans_of.get(interview.id, []), now))
    for plan in plan_of.values():
        about = by_id.get(plan.interview_id) if plan.interview_id is not None else None
        if plan.interview_id is not None and about is None:
            continue  # its interview is gone or closed long ago
        items.extend(_of_plan(plan, about, sorted(steps_of.get(plan.id, []), key=_order)))
    for letter in letters:
        made_by = plan_of.get(letter.plan_id) if letter.plan_id is not None else None
        found = letter.interview_id
        if found is None and made_by is not None:
            found = made_by.interview_id
        item = _of_letter(letter, by_id.get(found) if found is not None else None, made_by, now)
        if item is not None:
            items.append(item)
    items.extend(_of_receipt(r, now) for r in receipts if r.deadline is None or r.deadline > now)
    items.sort(key=lambda t: (t.due, t.kind.value, t.ref))
    return Todos(
        now=[t for t in items if t.due <= now],
        next=[t for t in items if now < t.due <= now + horizon],
    )


def _of_receipt(receipt: ReceiptFacts, now: datetime) -> Todo:
    """C4: call the recipient of a notice they have not confirmed; the item links to the
    plan that wrote it (its phone script), else the interview, else the outbox row."""
    if receipt.plan_id is not None:
        target = f"plans/{receipt.plan_id}"
    elif receipt.interview_id is not None:
        target = f"interviews/{receipt.interview_id}"
    else:
        target = f"outbox#row-{receipt.outbox_id}"
    return Todo(
        kind=Kind.call_unconfirmed,
        due=receipt.due,
        target=target,
        ref=receipt.id,
        person=receipt.person,
        position="",
        company="",
        interview_id=receipt.interview_id,
        detail=receipt.subject,
        deadline=receipt.deadline,
    )


def _order(step: StepFacts) -> int:
    return step.order


def _item(
    interview: InterviewFacts,
    kind: Kind,
    due: datetime,
    *,
    target: str | None = None,
    ref: int | None = None,
    detail: str | None = None,
    deadline: datetime | None = None,
) -> Todo:
    return Todo(
        kind=kind,
        due=due,
        target=target or f"interviews/{interview.id}",
        ref=interview.id if ref is None else ref,
        person=interview.person,
        position=interview.position,
        company=interview.company,
        interview_id=interview.id,
        start=interview.start,
        detail=detail,
        deadline=deadline,
    )


def _spoken_since(interview: InterviewFacts, plans: Sequence[PlanFacts], since: datetime) -> bool:
    """Whether the person was written to, or a plan made, after `since`."""
    if interview.last_letter_at is not None and interview.last_letter_at > since:
        return True
    return any(p.made_at > since for p in plans)


def _of_interview(
    interview: InterviewFacts, plans: Sequence[PlanFacts], now: datetime
) -> list[Todo]:
    """The items the interview's state itself implies."""
    if interview.position_filled:
        return []  # the position is filled: only undelivered letters remain
    state, out = interview.state, []
    if state in BOOKED:
        out.append(_item(interview, Kind.mark_outcome, interview.end))
    if interview.side == "employer":
        if state is State.offered:
            out.extend(_of_offer(interview, now))
        elif state is State.no_show and not _spoken_since(interview, plans, interview.changed_at):
            out.append(_item(interview, Kind.contact_no_show, interview.changed_at))
        elif state is State.took_place and not _spoken_since(
            interview, plans, interview.changed_at
        ):
            out.append(_item(interview, Kind.tell_outcome, interview.changed_at))
        return out
    if state is State.no_show and not _spoken_since(interview, plans, interview.changed_at):
        out.append(_item(interview, Kind.contact_no_show, interview.changed_at))
    inquiry = _inquiry(interview, plans, now)
    if inquiry is not None:
        out.append(inquiry)
    return out


def _of_offer(interview: InterviewFacts, now: datetime) -> list[Todo]:
    """New times are offered: what the latest offer still needs from the employer."""
    if not interview.offers:
        return []
    offer = max(interview.offers, key=lambda o: o.id)
    if offer.state is OfferState.declined:
        # booked or answered on the interview's page, where the suggestion is read
        return [
            _item(
                interview,
                Kind.suggestion,
                interview.changed_at,
                ref=offer.id,
                detail=offer.suggestion,
            )
        ]
    if offer.state is not OfferState.open:
        return []
    expired = offer.expires_at <= now
    return [
        _item(
            interview,
            Kind.offer_expired if expired else Kind.remind_offer,
            offer.expires_at if expired else offer.expires_at - REMIND_BEFORE,
            target=f"offers/{offer.id}",
            ref=offer.id,
            deadline=offer.expires_at,
        )
    ]


def _inquiry(interview: InterviewFacts, plans: Sequence[PlanFacts], now: datetime) -> Todo | None:
    """W5: a status inquiry, once the silence has lasted a working week. Always checked
    against `lifecycle.inquiry_allowed`, so the item never offers what would be refused."""
    state = interview.state
    if state in (State.cancelled, State.offered):
        since = interview.changed_at
    elif state in BOOKED or state is State.took_place:
        since = interview.end
    else:
        return None
    news = [p.replied for p in plans if p.replied is not None]
    if news:
        since = max(since, *news)
    if any(p.intent == "status_inquiry" and p.made_at >= since for p in plans):
        return None  # asked already: that plan's own steps carry on
    due = add_working_days(since, INQUIRY_WAIT_DAYS, Hours(zone=ZoneInfo(interview.timezone)))
    if inquiry_allowed(state, start=interview.start, end=interview.end, now=due) is not None:
        return None  # W5 would refuse it even then
    return _item(interview, Kind.inquiry, due)


def _moot(plan: PlanFacts, interview: InterviewFacts | None) -> bool:
    """Whether the interview's state has made the plan's open steps moot."""
    if interview is None:
        return False  # a plan about no single interview (a filled position's calls)
    if plan.intent in CLOSING_INTENTS:
        return False  # ending the interview is what it is for
    if interview.position_filled or interview.state in CLOSED:
        return True
    if plan.start is not None and plan.start != interview.start:
        return True  # the interview has moved since: what the plan asked for happened
    if plan.intent == "reschedule" and interview.side == "employer":
        # an offer's follow-ups live while it waits for an answer
        return interview.state is not State.offered or not any(
            o.state is OfferState.open for o in interview.offers
        )
    return False


def _of_plan(
    plan: PlanFacts, interview: InterviewFacts | None, steps: Sequence[StepFacts]
) -> list[Todo]:
    """The plan's steps that are still to do."""
    if _moot(plan, interview):
        return []
    out: list[Todo] = []
    for step in steps:
        if step.done or step.condition == "after_agreement":
            continue  # an agreement turns those into drafts, listed as such
        if step.condition == "no_reply" and plan.replied is not None:
            continue
        if step.condition == "not_reached" and not _not_reached(step, steps):
            continue
        if step.action == "send" and step.condition is None and plan.queued:
            continue
        out.append(
            Todo(
                kind=Kind.step,
                due=step.due,
                target=f"plans/{plan.id}",
                ref=step.id,
                person=step.label,
                position=interview.position if interview else plan.position,
                company=interview.company if interview else plan.company,
                interview_id=interview.id if interview else None,
                start=interview.start if interview else None,
                action=step.action,
                condition=step.condition,
                reminded=step.reminded,
            )
        )
    return out


def _not_reached(step: StepFacts, steps: Sequence[StepFacts]) -> bool:
    """A step "if you do not reach them" is due once the call before it did not reach."""
    calls = [s for s in steps if s.action == "call" and s.order < step.order]
    return bool(calls) and calls[-1].outcome == "not_reached"


def _of_letter(
    letter: LetterFacts, interview: InterviewFacts | None, plan: PlanFacts | None, now: datetime
) -> Todo | None:
    """A draft or a failed letter, unless the interview's state made it moot."""
    if letter.kind == "reminder":
        return None  # a reminder to oneself: the step it reminds of is listed
    cancel = letter.calendar_method == "CANCEL"
    closing = cancel or (plan is not None and plan.intent in CLOSING_INTENTS)
    if interview is not None and not closing:
        if interview.position_filled or interview.state in CLOSED:
            return None
        if letter.sequence is not None and letter.sequence < interview.sequence:
            return None  # a newer letter about the interview replaced it
    failed = letter.state == "failed"
    return Todo(
        kind=Kind.fix_failed if failed else Kind.release_draft,
        due=min(letter.due, now),
        target=(
            f"plans/{letter.plan_id}#drafts"
            if letter.plan_id is not None and not failed
            else f"outbox#row-{letter.id}"
        ),
        ref=letter.id,
        person=letter.recipient,
        position=interview.position if interview else (plan.position if plan else ""),
        company=interview.company if interview else (plan.company if plan else ""),
        interview_id=interview.id if interview else None,
        start=interview.start if interview else None,
        detail=letter.subject,
        deadline=letter.deadline,
    )
