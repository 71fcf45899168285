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
from fairnotice.compose.tone import Address
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
    title: str | None = None
    locale: str | None = None  # a BCP 47 tag the user chose for this reader
    has_interview: bool = True  # False: a candidate of a filled position never interviewed


def letter(
    situation: Situation,
    recipient: Recipient,
    *,
    kind: MessageKind,
    urgency: Urgency,
    slots: Sequence[tuple[datetime, datetime]] = (),
    phone_first: bool = False,
    now: datetime | None = None,
    address: Address | None = None,
    call_at: datetime | None = None,
) -> Letter:
    """The facts of one message, formatted for `recipient`: times in their zone, with the
    sender's clock beside them where the two differ (M1)."""
    interview = recipient.interview
    zone, language = recipient.timezone, recipient.language
    me = situation.me
    chosen = recipient.locale or situation.options.locale
    locale = dates.locale_for(language, zone, chosen).replace("_", "-")
    own = me.timezone if me.timezone != "UTC" or zone == "UTC" else None
    when, date, time = dates.phrases(interview.start, zone, language, other_zone=own, chosen=chosen)
    moment = now or situation.now
    address = address or Address(form=situation.options.tone.value, source="default")
    return Letter(
        role=situation.role,
        intent=situation.intent.value,
        kind=kind,
        language=language,
        tone=address.form,
        urgency=urgency.value,
        reason=situation.reason.category.value,
        recipient=PersonRef(
            name=recipient.name,
            salutation=recipient.salutation,
            phone=recipient.phone,
            email=recipient.email,
            title=recipient.title,
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
        slots=[
            dates.labelled_span(start, end, zone, language, other_zone=own, chosen=chosen)
            for start, end in slots
        ],
        phone_first=phone_first,
        certainty=situation.certainty.value,
        pick_url=situation.options.pick_url,
        locale=locale,
        hello=address.hello,
        sign_first_name=address.sign_first_name,
        spoken_when=(
            dates.spoken_when(interview.start, moment, zone, language, chosen)
            if moment is not None
            else None
        ),
        call_when=(
            dates.spoken_when(call_at, moment, zone, language, chosen)
            or dates.phrases(call_at, zone, language, chosen=chosen)[0]
            if call_at is not None and moment is not None
            else None
        ),
        has_interview=recipient.has_interview,
        interview_ahead=moment is None or interview.start > moment,
        public_reason=situation.reason.public,
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
        title=cp.title,
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
            # E4 asks for the round the candidate reached, whichever record says more.
            interview=(c.interview or situation.interview).model_copy(
                update={"round": max(c.round, c.interview.round if c.interview else 1)}
            ),
            title=c.title,
            locale=c.locale,
            has_interview=c.interview is not None,
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
    own = situation.me.timezone if situation.me.timezone != "UTC" else None
    new_when = dates.labelled_span(start, end, recipient.timezone, language, other_zone=own)
    return replace(base, new_when=new_when)
