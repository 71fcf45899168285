"""A candidate's change to a stored interview: plan it, keep it, edit it, tick steps off.

The private note is stored beside the plan for the user alone; the planner gets it as
`reason.detail`, which no letter ever quotes (M2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from fairnotice.calendar.expand import OwnEvent
from fairnotice.errors import N_, BadInput, NotFound, Phrase
from fairnotice.io import validate
from fairnotice.model import Plan, Situation, dump, zone
from fairnotice.operations.common.records import scoped
from fairnotice.operations.plans.planning import plan_change, system_now
from fairnotice.store.tables import Interview, PlanRecord, PlanStep, User

OUTCOMES = {
    "call": ("reached", "not_reached"),
    "leave_voicemail": ("left",),
    "send": ("sent", "replied"),
}


def interview_contract(row: Interview) -> dict[str, Any]:
    """The stored interview as the contract's `interview` object."""
    return {
        "position": row.position,
        "company": row.company,
        "start": row.start.isoformat(),
        "end": row.end.isoformat(),
        "timezone": row.timezone,
        "location": row.location,
        "video_url": row.video_url,
        "round": row.round,
        "uid": row.uid,
        "sequence": row.sequence,
    }


BLOCKS = (8, 10, 12, 14, 16)  # two-hour blocks of the week view, local start hours
BLOCK_HOURS = 2


def week_days(now: datetime, zone_name: str, count: int = 10) -> list[date]:
    """The working days the week view offers: the next `count` weekdays after today."""
    day = now.astimezone(zone(zone_name)).date()
    found: list[date] = []
    while len(found) < count:
        day += timedelta(days=1)
        if day.isoweekday() <= 5:
            found.append(day)
    return found


def own_event(row: Interview) -> OwnEvent:
    """The stored interview as it stands in its user's own calendars (K1: no clash)."""
    return OwnEvent(row.uid or None, row.start, row.end)


def busy_outside(
    free: Sequence[str],
    *,
    days: Sequence[date],
    zone_name: str,
    horizon_days: int = 42,
    interview: OwnEvent | None = None,
) -> list[dict[str, str]]:
    """Busy periods that leave only the blocks marked free ("YYYY-MM-DDTHH") in the week
    view: every other hour of the shown days, and everything after them, is busy; except
    the `interview`'s own time: a block is left unmarked because the interview fills it,
    which is no clash with the interview (K1). It is never proposed all the same (the
    planner counts the original time as busy)."""
    tz = zone(zone_name)
    chosen: set[tuple[date, int]] = set()
    for item in free:
        try:
            day_text, hour_text = item.split("T")
            chosen.add((date.fromisoformat(day_text), int(hour_text)))
        except ValueError:
            raise BadInput(
                [("free", Phrase("not a block of the week view: %(item)s", item=repr(item)))]
            ) from None
    if not chosen <= {(d, h) for d in days for h in BLOCKS}:
        raise BadInput([("free", N_("a marked block lies outside the week shown"))])
    busy: list[tuple[datetime, datetime]] = []
    cursor = datetime.combine(days[0], time(0), tzinfo=tz)
    for day in days:
        for hour in BLOCKS:
            if (day, hour) in chosen:
                start = datetime.combine(day, time(hour), tzinfo=tz)
                if start > cursor:
                    busy.append((cursor, start))
                cursor = start + timedelta(hours=BLOCK_HOURS)
    end = datetime.combine(days[-1] + timedelta(days=horizon_days), time(0), tzinfo=tz)
    busy.append((cursor, end))
    if interview is not None:
        busy = _cut(busy, interview.start.astimezone(tz), interview.end.astimezone(tz))
    return [{"start": s.isoformat(), "end": e.isoformat()} for s, e in busy]


def _cut(
    periods: Sequence[tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """`periods` without [start, end)."""
    out: list[tuple[datetime, datetime]] = []
    for first, last in periods:
        if last <= start or first >= end:
            out.append((first, last))
            continue
        if first < start:
            out.append((first, start))
        if last > end:
            out.append((end, last))
    return out


def situation_for(
    *,
    interview: Interview,
    user: User,
    intent: str,
    reason: str,
    note: str | None,
    certainty: str,
    language: str | None,
    busy: Sequence[dict[str, str]] = (),
    working_days: Sequence[int] = (1, 2, 3, 4, 5),
    hours: tuple[str, str] = ("09:00", "17:00"),
) -> Situation:
    """The contract situation of a candidate who must change `interview`."""
    return situation_of(
        interview=interview_contract(interview),
        contact=interview.contact,
        channel=interview.history_channel,
        me={"name": user.name, "email": user.email, "timezone": user.timezone},
        intent=intent,
        reason=reason,
        note=note,
        certainty=certainty,
        language=language,
        busy=busy,
        working_days=working_days,
        hours=hours,
    )


def situation_of(
    *,
    interview: dict[str, Any],
    contact: dict[str, Any],
    channel: str,
    me: dict[str, Any],
    intent: str,
    reason: str,
    note: str | None,
    certainty: str,
    language: str | None,
    busy: Sequence[dict[str, str]] = (),
    working_days: Sequence[int] = (1, 2, 3, 4, 5),
    hours: tuple[str, str] = ("09:00", "17:00"),
) -> Situation:
    """The same situation from plain data, nothing read or stored: also for a visitor
    without an account (web/routes/anonymous.py), whose interview is no row."""
    raw: dict[str, Any] = {
        "role": "candidate",
        "intent": intent,
        "language": language or None,
        "reason": {"category": reason, "detail": note or None},
        "certainty": certainty,
        "interview": interview,
        "me": me,
        "counterpart": {"timezone": interview["timezone"], **contact},
        "history": {"channel": channel},
        "availability": {
            "busy": list(busy),
            "working_hours": {"start": hours[0], "end": hours[1], "days": list(working_days)},
            "timezone": me.get("timezone") or "UTC",
        },
    }
    return validate(Situation, raw)


def _addressed(name: str | None, situation: Situation) -> str:
    """How the dashboard names the person of a step: "Herr Doe" where a salutation is
    known for them (C5), else the full name."""
    them = situation.counterpart
    name = name or them.name
    if name == them.name and them.salutation:
        return f"{them.salutation} {name.split()[-1]}"
    return name


def store_plan(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int | None,
    situation: Situation,
    plan: Plan,
) -> PlanRecord:
    """Keep a plan and its steps (for the timeline and the dashboard)."""
    record = PlanRecord(
        workspace_id=workspace_id,
        interview_id=interview_id,
        situation=dump(situation),
        plan=dump(plan),
        private_note=situation.reason.detail,
    )
    session.add(record)
    session.flush()
    for step in plan.steps:
        session.add(
            PlanStep(
                plan_id=record.id,
                workspace_id=workspace_id,
                order=step.order,
                due=step.due,
                action=step.action.value,
                condition=step.condition.value if step.condition else None,
                label=_addressed(step.to.name if step.to else None, situation)[:300],
            )
        )
    session.flush()
    session.refresh(record)
    return record


def plan_for_interview(
    session: Session,
    *,
    workspace_id: int,
    interview_id: int,
    user: User,
    clock: Callable[[], datetime] = system_now,
    **choices: Any,
) -> PlanRecord:
    interview = scoped(session, Interview, workspace_id, interview_id)
    situation = situation_for(interview=interview, user=user, **choices)
    situation = situation.model_copy(update={"now": clock()})
    plan = plan_change(situation=situation, clock=clock)
    return store_plan(
        session,
        workspace_id=workspace_id,
        interview_id=interview.id,
        situation=situation,
        plan=plan,
    )


def get_plan(session: Session, *, workspace_id: int, plan_id: int) -> PlanRecord:
    record = session.scalar(
        select(PlanRecord)
        .where(PlanRecord.id == plan_id, PlanRecord.workspace_id == workspace_id)
        .options(lazyload(PlanRecord.steps))  # a fill's calls: thousands, read when used
    )
    if record is None:
        raise NotFound("plan")
    return record


def edit_message(
    session: Session,
    *,
    workspace_id: int,
    plan_id: int,
    message_id: str,
    subject: str | None,
    body: str,
) -> dict[str, Any]:
    """Replace a message's words with the user's own (the plan keeps the edit)."""
    record = get_plan(session, workspace_id=workspace_id, plan_id=plan_id)
    if len(body) > 20_000 or not body.strip() or "\x00" in body:
        raise BadInput([("body", N_("must be 1 to 20000 characters"))])
    if subject is not None and (any(c in subject for c in "\r\n\x00") or len(subject) > 300):
        raise BadInput([("subject", N_("one line of at most 300 characters"))])
    plan = dict(record.plan)
    messages = [dict(m) for m in plan["messages"]]
    for message in messages:
        if message["id"] == message_id:
            if message.get("subject") is not None:
                message["subject"] = subject or ""
            message["body"] = body.replace("\r\n", "\n")
            message["edited"] = True
            plan["messages"] = messages
            record.plan = plan  # a new object, so the JSON column is written
            return message
    raise NotFound("message")


def mark_step(
    session: Session,
    *,
    workspace_id: int,
    step_id: int,
    outcome: str,
    clock: Callable[[], datetime] = system_now,
) -> PlanStep:
    step = session.scalar(
        select(PlanStep).where(PlanStep.id == step_id, PlanStep.workspace_id == workspace_id)
    )
    if step is None:
        raise NotFound("step")
    if outcome == "open":
        step.state, step.outcome, step.done_at = "open", None, None
        return step
    if outcome not in OUTCOMES.get(step.action, ()):
        raise BadInput([("outcome", Phrase("not an outcome of %(action)s", action=step.action))])
    step.state, step.outcome, step.done_at = "done", outcome, clock()
    return step
