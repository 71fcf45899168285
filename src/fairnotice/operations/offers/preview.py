"""Offer new times in two steps (issue 12, item 8): a preview that writes nothing, then a
confirm that queues exactly what the recruiter saw.

The preview shows the free times found (the planner's spread, up to `MAX_CHOSEN`), the
ones chosen (the planner's three unless the recruiter swapped them) and the candidate's
letter for those times, in the candidate's language, with the pick link as a placeholder:
the token exists only once the offer is confirmed. The confirm locks the interview,
refuses it when its state or SEQUENCE moved since the preview, checks every chosen time
free again (K1, the same busy time the planner avoids) and makes the offer through
`offers.record_offer` (the lifecycle's Event.offer), with the recruiter's words.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from fairnotice.errors import N_, BadInput, Conflict, Phrase
from fairnotice.lifecycle import Event
from fairnotice.model import Findings, Message, MessageKind, Plan, Situation, Slot
from fairnotice.operations.common import links, records
from fairnotice.operations.interviews import transitions
from fairnotice.operations.offers import commands as offers
from fairnotice.operations.offers import holds
from fairnotice.operations.offers.policy import read_policy
from fairnotice.operations.plans.planning import plan_change, system_now
from fairnotice.review import review
from fairnotice.store.tables import Interview, User

MIN_CHOSEN = 3  # E2: at least three times
MAX_CHOSEN = 10  # the most a letter lists, and the most free times the preview shows
MAX_SUBJECT = 300
MAX_BODY = 20_000
# Where the pick link stands in a preview's letter; the confirm writes the link in.
PREVIEW_LINK = "[link:preview]"

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Preview:
    """What the preview page shows; nothing of it is stored."""

    status: str  # the interview's state and SEQUENCE the preview was made for
    sequence: int
    options: list[Slot]  # the free times found, labelled for the candidate
    chosen: list[Span]
    letter: Message  # the candidate's email for the chosen times
    situation: Situation
    plan: Plan


def slot_value(span: Span) -> str:
    """A time as a form field carries it: its start and end in UTC, ISO 8601."""
    return "/".join(moment.isoformat() for moment in span)


def read_slots(values: list[str]) -> list[Span]:
    """The chosen times from their form values; each bad one names the field `slots`."""
    spans: list[Span] = []
    for value in values:
        try:
            start_text, end_text = value.split("/")
            span = (datetime.fromisoformat(start_text), datetime.fromisoformat(end_text))
        except ValueError:
            raise BadInput([("slots", N_("not a time this page offered"))]) from None
        if span[0].tzinfo is None or span[1] <= span[0]:
            raise BadInput([("slots", N_("not a time this page offered"))])
        if span not in spans:
            spans.append(span)
    if not MIN_CHOSEN <= len(spans) <= MAX_CHOSEN:
        raise BadInput(
            [
                (
                    "slots",
                    Phrase("choose %(least)s to %(most)s times", least=MIN_CHOSEN, most=MAX_CHOSEN),
                )
            ]
        )
    return sorted(spans)


def candidate_letter(plan: Plan, situation: Situation) -> Message:
    """The email the candidate gets (the letter the recruiter reviews and may reword)."""
    for message in plan.messages:
        if message.kind is MessageKind.email and message.to == situation.counterpart.email:
            return message
    raise BadInput([("letter", N_("the plan has no email to the candidate"))])  # pragma: no cover


def preview(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    user: User,
    base_url: str,
    reason: str = "other",
    public_reason: str | None = None,
    chosen: list[Span] | None = None,
    clock: Callable[[], datetime] = system_now,
) -> Preview:
    """The letter and the times an offer would have; writes nothing and locks nothing."""
    now = clock()
    interview = records.scoped(session, Interview, workspace_id, interview_id)
    _may_offer(session, interview, now)
    situation = offers.offer_situation(
        session,
        interview=interview,
        user=user,
        reason=reason,
        public_reason=public_reason,
        slot_count=MAX_CHOSEN,
        pick_url=f"{base_url.rstrip('/')}/pick/{PREVIEW_LINK}",
        now=now,
    )
    found = plan_change(situation=situation, clock=clock).proposed_slots
    if len(found) < MIN_CHOSEN:
        raise BadInput([("slots", N_("fewer than three free times in the next four weeks"))])
    if chosen is None:
        chosen = [(s.start, s.end) for s in found[:MIN_CHOSEN]]
    else:
        _free(situation, interview, chosen)
    plan = plan_change(situation=situation, clock=clock, slots=chosen)
    known = {(s.start, s.end) for s in found}
    options = [*found, *(s for s in plan.proposed_slots if (s.start, s.end) not in known)]
    return Preview(
        status=interview.status,
        sequence=interview.sequence,
        options=sorted(options, key=lambda s: s.start),
        chosen=chosen,
        letter=candidate_letter(plan, situation),
        situation=situation,
        plan=plan,
    )


def check_words(situation: Situation, *, subject: str, body: str) -> tuple[str, Findings]:
    """The recruiter's words as review() reads them, and its findings (the shared checks of
    `fairnotice review --situation`)."""
    text = body.replace("\r\n", "\n")
    if subject.strip():
        text = f"Subject: {subject.strip()}\n\n{text}"
    return text, review(text, situation=situation, intent=situation.intent, now=situation.now)


def _words(subject: str, body: str) -> tuple[str, str]:
    subject, body = subject.strip(), body.replace("\r\n", "\n").strip()
    problems: list[tuple[str, str | Phrase]] = []
    if not subject or len(subject) > MAX_SUBJECT or "\n" in subject:
        problems.append(
            ("subject", Phrase("must be one line of 1 to %(max)s characters", max=MAX_SUBJECT))
        )
    if not body or len(body) > MAX_BODY:
        problems.append(("body", Phrase("must be 1 to %(max)s characters", max=MAX_BODY)))
    elif f"/pick/{PREVIEW_LINK}" not in body:
        problems.append(("body", N_("keep the pick link in the letter")))
    if problems:
        raise BadInput(problems)
    return subject, body + "\n"


def _may_offer(session: Session, interview: Interview, now: datetime) -> None:
    """The lifecycle allows an offer and the organisation's limit of moves is not reached
    (as `offers.offer_times` checks; Conflict naming why)."""
    transitions.check(interview, Event.offer, now=now)
    policy = read_policy(session, workspace_id=interview.workspace_id)
    if interview.reschedules >= policy.max_reschedules:
        raise Conflict(
            Phrase(
                "interview: the organisation's limit of moves per interview (%(max)s) is reached",
                max=policy.max_reschedules,
            )
        )


def _free(situation: Situation, interview: Interview, chosen: list[Span]) -> None:
    """K1 for times a person chose: each as long as the interview, ahead of the notice and
    clear of every busy period the planner avoids (interviewers' calendars, other
    interviews, held slots) and of the interview's own time."""
    periods = situation.availability.busy if situation.availability else []
    busy = [(p.start, p.end) for p in periods]
    busy.append((interview.start, interview.end))
    length = interview.end - interview.start
    now = situation.now or system_now()
    for start, end in chosen:
        if end - start != length or start <= now:
            raise BadInput([("slots", N_("not a time this page offered"))])
        if any(s < end and start < e for s, e in busy):
            raise BadInput([("slots", N_("a chosen time is no longer free: choose again"))])


def confirm(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    user: User,
    base_url: str,
    status: str,
    sequence: int,
    chosen: list[Span],
    subject: str,
    body: str,
    reason: str = "other",
    public_reason: str | None = None,
    valid_days: int = 7,
    clock: Callable[[], datetime] = system_now,
    secret: str | None = None,
) -> offers.NewOffer:
    """The offer as previewed: the chosen times, the recruiter's words, the link written in.

    Refused (Conflict) when the interview's state or SEQUENCE is no longer the preview's;
    BadInput naming `slots` when a chosen time is no longer free, `subject`/`body` when
    the words are empty, too long or lost the pick link."""
    now = clock()
    subject, body = _words(subject, body)
    interview = transitions.lock(session, workspace_id=workspace_id, interview_id=interview_id)
    if (interview.status, interview.sequence) != (status, sequence):
        raise Conflict(
            N_("interview: it changed since the preview; look at the times and the letter again")
        )
    _may_offer(session, interview, now)
    holds.lock_people(session, holds.people(interview))  # two offers never hold one slot
    token = secrets.token_urlsafe(offers.TOKEN_BYTES)
    reference = f"/pick/{links.reference(token)}"
    situation = offers.offer_situation(
        session,
        interview=interview,
        user=user,
        reason=reason,
        public_reason=public_reason,
        slot_count=min(MAX_CHOSEN, max(MIN_CHOSEN, len(chosen))),
        pick_url=f"{base_url.rstrip('/')}{reference}",
        now=now,
    )
    _free(situation, interview, chosen)
    plan = plan_change(situation=situation, clock=clock, slots=chosen)
    letter = candidate_letter(plan, situation)
    words = {
        "subject": subject,
        "body": body.replace(f"/pick/{PREVIEW_LINK}", reference),
    }
    plan = plan.model_copy(
        update={
            "messages": [
                m.model_copy(update=words) if m.id == letter.id else m for m in plan.messages
            ]
        }
    )
    return offers.record_offer(
        session,
        interview=interview,
        user=user,
        situation=situation,
        plan=plan,
        token=token,
        base_url=base_url,
        valid_days=valid_days,
        secret=secret,
    )
