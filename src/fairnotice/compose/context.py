"""From a situation to the facts a letter needs, in its recipient's language and zone (M1).

This is the one place that decides what a template may see; the private `reason.detail`
is never copied into a `Letter`, so no template can leak it (M2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from fairnotice.compose import dates
from fairnotice.compose.render import Letter, PersonRef
from fairnotice.model import Interview, Language, MessageKind, Role, Situation, Urgency


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message set goes to, with what a letter needs to address them."""

    name: str
    email: str
    phone: str | None
    salutation: str | None
    timezone: str
    language: Language
    interview: Interview


def letter(
    situation: Situation,
    recipient: Recipient,
    *,
    kind: MessageKind,
    urgency: Urgency,
    slots: Sequence[tuple[datetime, datetime]] = (),
    phone_first: bool = False,
) -> Letter:
    """The facts of one message, formatted for `recipient`."""
    interview = recipient.interview
    zone, language = recipient.timezone, recipient.language
    me = situation.me
    when, date, time = dates.moment_phrases(interview.start, zone, language)
    return Letter(
        role=situation.role,
        intent=situation.intent.value,
        kind=kind,
        language=language,
        tone=situation.options.tone.value,
        urgency=urgency.value,
        reason=situation.reason.category.value,
        recipient=PersonRef(
            name=recipient.name,
            salutation=recipient.salutation,
            phone=recipient.phone,
            email=recipient.email,
        ),
        sender=PersonRef(name=me.name, salutation=me.salutation, phone=me.phone, email=me.email),
        position=interview.position,
        company=interview.company,
        when=when,
        date=date,
        time=time,
        place=interview.place,
        is_video=interview.video_url is not None,
        round=interview.round,
        slots=[dates.span(start, end, zone, language) for start, end in slots],
        phone_first=phone_first,
        certainty=situation.certainty.value,
        pick_url=situation.options.pick_url,
    )


def primary_recipient(situation: Situation, language: Language) -> Recipient:
    """The counterpart of a one-to-one situation (everything but position filled)."""
    cp = situation.counterpart
    return Recipient(
        name=cp.name,
        email=cp.email,
        phone=cp.phone,
        salutation=cp.salutation,
        timezone=cp.timezone,
        language=language,
        interview=situation.interview,
    )


def remaining_candidates(situation: Situation, language: Language) -> list[Recipient]:
    """Everyone a filled position must be told about (E4); the counterpart if none listed."""
    if situation.role is not Role.employer or not situation.candidates:
        return [primary_recipient(situation, language)]
    return [
        Recipient(
            name=c.name,
            email=c.email,
            phone=c.phone,
            salutation=c.salutation,
            timezone=c.timezone or (c.interview or situation.interview).timezone,
            language=c.language,
            interview=c.interview or situation.interview.model_copy(update={"round": c.round}),
        )
        for c in situation.candidates
    ]


def after_agreement(
    situation: Situation,
    *,
    language: Language,
    urgency: Urgency,
    start: datetime,
    end: datetime,
) -> Letter:
    """The note after a new time is agreed (R5), naming that time in the recipient's
    language and zone beside the original one."""
    recipient = primary_recipient(situation, language)
    base = letter(situation, recipient, kind=MessageKind.follow_up_email, urgency=urgency)
    return replace(base, new_when=dates.span(start, end, recipient.timezone, language))
