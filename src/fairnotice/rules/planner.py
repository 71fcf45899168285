"""Situation -> Plan: who is contacted, how, when, with which words and calendar object.

The planner walks the rulebook: each decision below names the rule it applies, and the
plan lists every rule it applied in `rules_applied`. Pure: `now` comes from the situation
or the caller, never from the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from fairnotice.calendar.slots import Hours
from fairnotice.compose import dates, shared
from fairnotice.compose import language as detection
from fairnotice.compose import tone as thread_tone
from fairnotice.compose.context import Recipient, letter, primary_recipient, remaining_candidates
from fairnotice.compose.render import renderer
from fairnotice.model import (
    Action,
    AddressChoice,
    AddressUsed,
    CalendarObject,
    Certainty,
    ChannelChoice,
    ChannelKind,
    Condition,
    Intent,
    Language,
    Message,
    MessageKind,
    Note,
    Plan,
    ReasonCategory,
    Role,
    Situation,
    Slot,
    Step,
    StepTarget,
    Urgency,
    zone,
)
from fairnotice.rules import calendars, timing
from fairnotice.rules.catalog import RuleId, rules
from fairnotice.rules.proposals import own_clashes, spread_proposals

TRIVIAL_REASONS = frozenset({ReasonCategory.personal_plans, ReasonCategory.lost_interest})
PLAIN_WITHDRAWAL_REASONS = frozenset({ReasonCategory.accepted_offer, ReasonCategory.lost_interest})
# Intents about an interview that is over (or was called off): notice does not apply.
AFTER_THE_INTERVIEW = frozenset(
    {Intent.status_inquiry, Intent.thank_you, Intent.decline_offer, Intent.reject}
)
# Employer changes the interviewers hear about, each in their own language.
TELLS_INTERVIEWERS = frozenset({Intent.cancel, Intent.reschedule})
# Intents whose email asks a question, so silence is followed up by a call (C4).
EXPECTS_REPLY = frozenset(
    {
        (Role.candidate, Intent.reschedule),
        (Role.candidate, Intent.status_inquiry),
        (Role.employer, Intent.reschedule),
    }
)


@dataclass
class _Draft:
    """What the planner has decided so far."""

    situation: Situation
    now: datetime
    language: Language
    urgency: Urgency
    applied: set[str] = field(default_factory=set)
    warnings: list[Note] = field(default_factory=list)
    advice: list[Note] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    # (when in UTC, order added, condition, the step's fields): steps are made once
    # their order is known.
    steps: list[tuple[datetime, int, Condition | None, dict[str, Any]]] = field(
        default_factory=list
    )
    channels: list[ChannelChoice] = field(default_factory=list)
    address: thread_tone.Address | None = None
    whys: list[str] = field(default_factory=list)

    def apply(self, *rule_ids: RuleId) -> None:
        self.applied.update(str(rule_id) for rule_id in rule_ids)

    def warn(self, rule_id: RuleId, **values: str) -> None:
        """A warning in the rule's words; with `values`, its own warning filled in."""
        self.apply(rule_id)
        rule = rules()[rule_id]
        text = rule.warning_text(self.language, **values) if values else rule.text(self.language)
        self.warnings.append(Note(rule=str(rule_id), text=text))

    def advise(self, rule_id: RuleId) -> None:
        self.apply(rule_id)
        self.advice.append(Note(rule=str(rule_id), text=rules()[rule_id].text(self.language)))

    def add_message(self, message: Message) -> str:
        self.messages.append(message)
        return message.id

    def next_id(self) -> str:
        return f"m{len(self.messages) + 1}"

    def add_call(
        self,
        due: datetime,
        script: str,
        voicemail: str,
        to: StepTarget,
        condition: Condition | None,
    ) -> None:
        """A call, and the voicemail to leave if it does not reach them (C3)."""
        self.add_step(due, Action.call, ChannelKind.phone, script, condition, to)
        self.add_step(
            due,
            Action.leave_voicemail,
            ChannelKind.voicemail,
            voicemail,
            Condition.not_reached,
            to,
        )

    def add_step(
        self,
        due: datetime,
        action: Action,
        channel: ChannelKind,
        message: str | None,
        condition: Condition | None,
        to: StepTarget,
    ) -> None:
        step = {
            "due": due,
            "action": action,
            "channel": channel,
            "message": message,
            "condition": condition,
            "to": to,
        }
        self.steps.append((timing.utc(due), len(self.steps), condition, step))


def resolve_language(situation: Situation) -> Language:
    """M7: the chosen language, else the thread's, else English."""
    if situation.language is not None:
        return situation.language
    found = detection.detect(m.text for m in situation.history.messages)
    return found or Language.en


def _mirrored_channel(situation: Situation) -> str:
    """C1: the channel the conversation has mostly used so far (email when unknown)."""
    if situation.history.channel:
        return situation.history.channel
    phone = sum(m.channel == "phone" for m in situation.history.messages)
    return "phone" if phone * 2 > len(situation.history.messages) > 0 else "email"


def plan(
    situation: Situation,
    *,
    now: datetime | None = None,
    slots: list[tuple[datetime, datetime]] | None = None,
) -> Plan:
    """The complete plan for a situation. `now` is required when the situation has none.
    `slots`: the times a person chose to propose (an offer's preview) instead of the
    planner's own choice; the caller has checked them free (K1)."""
    moment = situation.now or now
    if moment is None:
        raise ValueError("now: the planner needs the current time")
    draft = _Draft(
        situation=situation,
        now=moment,
        language=resolve_language(situation),
        urgency=(
            # A status inquiry follows an interview the employer already called off; a
            # thank-you, a declined offer and a rejection follow one that took place.
            Urgency.normal
            if situation.intent in AFTER_THE_INTERVIEW
            else timing.urgency(moment, situation.interview.start)
        ),
    )
    draft.apply(RuleId.T1, RuleId.T2, RuleId.M1, RuleId.M2, RuleId.M5, RuleId.M6, RuleId.C5)
    if situation.language is None:
        draft.apply(RuleId.M7)
    draft.address = thread_tone.detect(
        situation.history.messages,
        draft.language,
        choice=situation.options.address,
        tone=situation.options.tone,
        tone_given="tone" in situation.options.model_fields_set,
    )
    _reflect(draft)
    slots = _slots(draft) if slots is None else _chosen(draft, slots)
    recipients = (
        remaining_candidates(situation, draft.language)
        if (situation.role, situation.intent) == (Role.employer, Intent.position_filled)
        else [primary_recipient(situation, draft.language)]
    )
    for recipient in recipients:
        _message_set(draft, recipient, slots)
    if situation.role is Role.employer and situation.intent in TELLS_INTERVIEWERS:
        _interviewer_notices(draft, slots)
    # Steps that wait for an agreement come last, whatever their earliest time.
    ordered = sorted(
        draft.steps,
        key=lambda item: (item[2] is Condition.after_agreement, item[0], item[1]),
    )
    steps = [Step(order=i, **fields) for i, (_, _, _, fields) in enumerate(ordered, 1)]
    first_email = next((m for m in draft.messages if m.kind is MessageKind.email), None)
    calendar = (first_email.calendar if first_email else None) or CalendarObject(
        method=None, ics=None
    )
    order = list(rules())
    return Plan(
        role=situation.role,
        intent=situation.intent,
        language=draft.language,
        notice_hours=timing.notice_hours(moment, situation.interview.start),
        urgency=draft.urgency,
        channel=_overall_channel(draft.channels, steps[0] if steps else None),
        warnings=draft.warnings,
        advice=draft.advice,
        proposed_slots=_slot_views(draft, slots),
        messages=draft.messages,
        steps=steps,
        calendar=calendar,
        rules_applied=sorted(draft.applied, key=order.index),
        address=AddressUsed(
            form=draft.address.form, source=draft.address.source, mirrored=draft.address.mirrored
        ),
    )


def _slot_views(draft: _Draft, slots: list[tuple[datetime, datetime]]) -> list[Slot]:
    """The proposed times with why each was chosen and how the recipient reads it."""
    s = draft.situation
    own = s.me.timezone if s.me.timezone != "UTC" else None
    return [
        Slot(
            start=start,
            end=end,
            why=draft.whys[i] if i < len(draft.whys) else None,
            label=dates.labelled_span(
                start,
                end,
                s.counterpart.timezone,
                draft.language,
                other_zone=own,
                chosen=s.options.locale,
            ),
        )
        for i, (start, end) in enumerate(slots)
    ]


def _reflect(draft: _Draft) -> None:
    """Warnings and advice that come before any words are drafted (R1, W1, W2, M3, M4, T3, T4,
    K1)."""
    s = draft.situation
    reason = s.reason.category
    if s.role is Role.candidate and s.intent is Intent.reschedule and reason in TRIVIAL_REASONS:
        draft.warn(RuleId.R1)
    if s.intent is Intent.withdraw and s.certainty is Certainty.unsure:
        draft.advise(RuleId.W1)
        draft.advise(RuleId.W2)
    if reason is ReasonCategory.other_interview:
        draft.advise(RuleId.M3)
    if s.intent is Intent.withdraw and reason in PLAIN_WITHDRAWAL_REASONS:
        draft.advise(RuleId.M4)
    if s.intent is Intent.position_filled:
        pass  # each candidate's own interview decides (see _urgency_for)
    elif draft.urgency is Urgency.short_notice:
        draft.warn(RuleId.T3)
    elif draft.urgency is Urgency.missed:
        draft.warn(RuleId.T4)
    _clash(draft)
    if reason is ReasonCategory.emergency and s.role is Role.candidate:
        draft.apply(RuleId.X1)
    if s.role is Role.employer:
        draft.apply(RuleId.E1, RuleId.E3, RuleId.E5)
    if s.role is Role.candidate and s.intent is Intent.reschedule:
        draft.apply(RuleId.R2, RuleId.R3)
    if s.intent is Intent.withdraw:
        draft.apply(RuleId.W3, RuleId.W4)
    if s.intent is Intent.status_inquiry:
        draft.apply(RuleId.W5)


# Intents about an interview that is no longer on: the employer called it off earlier
# (status inquiry), or each candidate's own interview is told about (position filled).
_NO_ORIGINAL_TIME = AFTER_THE_INTERVIEW | {Intent.position_filled}


def _clash(draft: _Draft) -> None:
    """K1: the user's own busy time (availability) during the interview, named in the
    user's language and zone. A missed interview's clash is past and not worth a word."""
    s = draft.situation
    if s.intent in _NO_ORIGINAL_TIME or draft.urgency is Urgency.missed:
        return
    found = own_clashes(s)
    if not found:
        return
    tz = (s.availability.timezone if s.availability else None) or s.me.timezone
    times = "; ".join(dates.span(a, b, tz, draft.language) for a, b in found)
    draft.warn(RuleId.K1, times=times)


def _slots(draft: _Draft) -> list[tuple[datetime, datetime]]:
    """R4 / E2 / K1: concrete new times from the free calendar, in the recipient's zone."""
    s = draft.situation
    if s.intent is not Intent.reschedule:
        return []
    wanted = max(s.options.slot_count, 3 if s.role is Role.employer else 2)
    proposals = spread_proposals(s, draft.now, count=wanted, language=draft.language.value)
    draft.whys = [p.why for p in proposals]
    found = [(p.start, p.end) for p in proposals]
    draft.apply(RuleId.K1, RuleId.E2 if s.role is Role.employer else RuleId.R4)
    if len(found) < wanted:
        draft.warn(RuleId.E2 if s.role is Role.employer else RuleId.R4)
    return found


def _chosen(
    draft: _Draft, slots: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The times a person chose, in order: their own choice, so no planner's why."""
    draft.whys = []
    draft.apply(RuleId.K1, RuleId.E2 if draft.situation.role is Role.employer else RuleId.R4)
    return sorted(slots)


def _urgency_for(draft: _Draft, recipient: Recipient) -> Urgency:
    """A filled position is news about a past or future interview, never a missed one."""
    if draft.situation.intent is not Intent.position_filled:
        return draft.urgency
    own = timing.urgency(draft.now, recipient.interview.start)
    return Urgency.normal if own is Urgency.missed else own


# Letters that are written whatever the thread's channel (no script exists for them).
WRITTEN_ONLY = frozenset({Intent.thank_you, Intent.decline_offer, Intent.reject})


def _wants_phone(draft: _Draft, recipient: Recipient, urgency: Urgency) -> bool:
    s = draft.situation
    if s.intent in WRITTEN_ONLY:
        return False
    if urgency is not Urgency.normal:
        draft.apply(RuleId.C2, RuleId.T3 if urgency is Urgency.short_notice else RuleId.T4)
        return True
    if s.reason.category is ReasonCategory.emergency and s.role is Role.candidate:
        return True
    if s.intent is Intent.position_filled and recipient.interview.round >= 2:
        draft.apply(RuleId.E4)
        return True
    draft.apply(RuleId.C1)
    return _mirrored_channel(s) == "phone"


def _message_set(
    draft: _Draft, recipient: Recipient, slots: list[tuple[datetime, datetime]]
) -> None:
    """The messages and steps that reach one recipient."""
    s = draft.situation
    hours = Hours(zone=zone(recipient.timezone))
    start = recipient.interview.start
    target_phone = StepTarget(name=recipient.name, phone=recipient.phone)
    target_mail = StepTarget(name=recipient.name, email=recipient.email)
    urgency = _urgency_for(draft, recipient)
    wants_phone = _wants_phone(draft, recipient, urgency)
    if s.intent is Intent.position_filled:
        draft.apply(RuleId.E4)
    if wants_phone and not recipient.phone:
        draft.warn(RuleId.C2)
    calls_first = wants_phone and recipient.phone is not None
    # T5: a call only inside the recipient's working hours, short notice or not (even an
    # emergency: at night the written word goes at once and the call at the first opening).
    call_at = timing.opening_at_or_after(draft.now, hours) if calls_first else draft.now
    # Nobody answers at night: then the written word goes first and says when we will
    # call, so the letters never speak of a call that has not happened yet.
    deferred = calls_first and call_at > draft.now
    phone_first = calls_first and not deferred

    # The facts are the same for every message to this recipient; only the kind differs.
    facts = letter(
        s,
        recipient,
        kind=MessageKind.email,
        urgency=urgency,
        slots=slots,
        phone_first=phone_first,
        now=draft.now,
        address=_address_for(draft, recipient),
        call_at=call_at if deferred else None,
    )
    # one skeleton per shape for the many letters of a filled position (compose/shared)
    render = (shared.renderer if s.intent is Intent.position_filled else renderer)(facts)

    def make(kind: MessageKind) -> str:
        if kind is MessageKind.follow_up_email and s.agreed is not None:
            # R5 once the time is agreed: the note names it (CONTRACT: `agreed`).
            own = s.me.timezone if s.me.timezone != "UTC" else None
            agreed = dates.labelled_span(
                s.agreed.start,
                s.agreed.end,
                recipient.timezone,
                recipient.language,
                other_zone=own,
                chosen=s.options.locale,
            )
            subject, body = renderer(replace(facts, new_when=agreed))(kind)
        else:
            subject, body = render(kind)
        spoken = kind in (MessageKind.phone_script, MessageKind.voicemail)
        calendar = None
        if kind is MessageKind.email:
            calendar = calendars.for_message(
                s, recipient, slots=slots, now=draft.now, language=recipient.language
            )
            if calendar.method is not None:
                draft.apply(RuleId.K2)
        return draft.add_message(
            Message(
                id=draft.next_id(),
                kind=kind,
                language=recipient.language,
                to=(recipient.phone or recipient.name) if spoken else recipient.email,
                subject=None if spoken else subject,
                body=body,
                calendar=calendar,
                recipient=recipient.name,
            )
        )

    email_id = make(MessageKind.email)
    if calls_first:
        draft.apply(RuleId.C3)
        script_id = make(MessageKind.phone_script)
        voicemail_id = make(MessageKind.voicemail)
        if deferred:
            draft.apply(RuleId.T5)
            draft.add_step(draft.now, Action.send, ChannelKind.email, email_id, None, target_mail)
        draft.add_call(call_at, script_id, voicemail_id, target_phone, None)
        if deferred:  # the first step is the email: so is the primary channel
            draft.channels.append(ChannelChoice(primary="email", then=["phone"]))
        else:  # C3/T3: confirm in writing right after the call
            draft.add_step(call_at, Action.send, ChannelKind.email, email_id, None, target_mail)
            draft.channels.append(ChannelChoice(primary="phone", then=["voicemail", "email"]))
        sent = call_at
    else:
        sent = timing.email_due(draft.now, start, urgency, hours)
        if sent != draft.now:
            draft.apply(RuleId.T5)
        draft.add_step(sent, Action.send, ChannelKind.email, email_id, None, target_mail)
        draft.channels.append(ChannelChoice(primary="email", then=[]))
        if (s.role, s.intent) in EXPECTS_REPLY and recipient.phone:
            draft.apply(RuleId.C4, RuleId.T5)
            follow_up = (
                timing.no_reply_call_due(sent, start, hours)
                if urgency is Urgency.normal and s.intent is not Intent.status_inquiry
                else timing.opening_at_or_after(
                    timing.add_working_days(
                        sent, 5 if s.intent is Intent.status_inquiry else 1, hours
                    ),
                    hours,
                )
            )
            if follow_up is not None:
                script_id = make(MessageKind.phone_script)
                voicemail_id = make(MessageKind.voicemail)
                draft.add_call(follow_up, script_id, voicemail_id, target_phone, Condition.no_reply)
    if (s.role, s.intent) == (Role.candidate, Intent.reschedule):
        draft.apply(RuleId.R5)
        follow_id = make(MessageKind.follow_up_email)
        draft.add_step(
            sent, Action.send, ChannelKind.email, follow_id, Condition.after_agreement, target_mail
        )


def _interviewer_notices(draft: _Draft, slots: list[tuple[datetime, datetime]]) -> None:
    """The internal note to each interviewer, in their language and zone, sent with the
    candidate's letter: colleagues by first name in English and Swedish, in the chosen
    form in German ("Hallo Frau Berg," or "Hallo Petra,")."""
    s = draft.situation
    first_send = min((when for when, _, cond, _ in draft.steps if cond is None), default=draft.now)
    for person in s.interviewers:
        zone_name = person.timezone or s.interview.timezone
        recipient = Recipient(
            name=person.name,
            email=person.email,
            phone=None,
            salutation=person.salutation,
            timezone=zone_name,
            language=person.language,
            interview=s.interview,
            title=person.title,
        )
        form = draft.address.form if draft.address else s.options.tone.value
        address = thread_tone.Address(
            form=form if person.language is Language.de else "informal",
            source="tone",
        )
        facts = letter(
            s,
            recipient,
            kind=MessageKind.interviewer_notice,
            urgency=draft.urgency,
            slots=slots,
            now=draft.now,
            address=address,
        )
        subject, body = renderer(replace(facts, candidate=s.counterpart.name))(
            MessageKind.interviewer_notice
        )
        message_id = draft.add_message(
            Message(
                id=draft.next_id(),
                kind=MessageKind.interviewer_notice,
                language=person.language,
                to=person.email,
                subject=subject,
                body=body,
                recipient=person.name,
            )
        )
        draft.add_step(
            first_send,
            Action.send,
            ChannelKind.email,
            message_id,
            None,
            StepTarget(name=person.name, email=person.email),
        )


def _address_for(draft: _Draft, recipient: Recipient) -> thread_tone.Address:
    """The thread's form for the counterpart; the user's choice (else the tone) for each
    candidate of a filled position, whose threads the situation does not carry."""
    assert draft.address is not None
    s = draft.situation
    if s.intent is not Intent.position_filled or not s.candidates:
        return draft.address
    form = s.options.address
    chosen = s.options.tone.value if form is AddressChoice.auto else form.value
    return thread_tone.Address(form=chosen, source="tone")  # type: ignore[arg-type]


def _overall_channel(choices: list[ChannelChoice], first: Step | None) -> ChannelChoice:
    """One recipient: their channel. Many (position filled): the channel of the plan's first
    step (a late-round candidate's call, else the emails), then the others in use."""
    if len(choices) == 1 or first is None:
        return choices[0] if choices else ChannelChoice(primary="email", then=[])
    primary: Literal["email", "phone"] = "phone" if first.action is Action.call else "email"
    used = {c.primary for c in choices} | {k for c in choices for k in c.then}
    then: list[Literal["email", "voicemail", "phone"]] = [
        k for k in ("voicemail", "email", "phone") if k in used and k != primary
    ]
    if primary == "email":
        then = [k for k in then if k != "voicemail"]
    return ChannelChoice(primary=primary, then=then)
