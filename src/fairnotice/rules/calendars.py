"""Which calendar object travels with an email (K2 and the table in CONTRACT.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fairnotice.calendar import ics
from fairnotice.compose import dates
from fairnotice.compose.context import Recipient
from fairnotice.model import CalendarMethod, CalendarObject, Intent, Language, Role, Situation

NONE = CalendarObject(method=None, ics=None)

_ALTERNATIVES = {
    "de": "Weitere mögliche Termine",
    "sv": "Andra möjliga tider",
    "en": "Other possible times",
}
_WITHDRAWN = {
    "de": "Ich ziehe meine Bewerbung zurück.",
    "sv": "Jag drar tillbaka min ansökan.",
    "en": "I am withdrawing my application.",
}


def _facts(situation: Situation, recipient: Recipient, uid: str) -> ics.EventFacts:
    interview = recipient.interview
    me = ics.Party(situation.me.name, situation.me.email)
    them = ics.Party(recipient.name, recipient.email)
    organizer, attendees = (them, [me]) if situation.role is Role.candidate else (me, [them])
    return ics.EventFacts(
        uid=uid,
        sequence=interview.sequence,
        start=interview.start,
        end=interview.end,
        timezone=interview.timezone,
        summary=f"{interview.position} – {interview.company}",
        organizer=organizer,
        attendees=attendees,
        location=interview.location,
        url=interview.video_url,
    )


def for_message(
    situation: Situation,
    recipient: Recipient,
    *,
    slots: Sequence[tuple[datetime, datetime]],
    now: datetime,
    language: Language,
) -> CalendarObject:
    """The iTIP object for the first email to `recipient`, or method/ics null."""
    interview = recipient.interview
    key = (situation.role, situation.intent)
    uid = interview.uid
    if key == (Role.employer, Intent.cancel) and uid is None:
        uid = ics.make_uid(
            interview.company, interview.position, interview.start.isoformat(), recipient.email
        )
    if uid is None or not recipient.has_interview:
        return NONE  # no CANCEL for an interview this person does not have
    facts = _facts(situation, recipient, uid)
    if key == (Role.candidate, Intent.reschedule):
        if not slots:
            return NONE
        others = "; ".join(dates.span(s, e, recipient.timezone, language) for s, e in slots[1:])
        comment = f"{_ALTERNATIVES[language.value]}: {others}" if others else None
        text = ics.counter(facts, proposed=slots[0], comment=comment, dtstamp=now)
        return CalendarObject(method=CalendarMethod.COUNTER, ics=text)
    if key == (Role.candidate, Intent.withdraw):
        me = ics.Party(situation.me.name, situation.me.email)
        text = ics.reply_declined(
            facts, attendee=me, comment=_WITHDRAWN[language.value], dtstamp=now
        )
        return CalendarObject(method=CalendarMethod.REPLY, ics=text)
    if key == (Role.employer, Intent.cancel) or (
        key == (Role.employer, Intent.position_filled) and interview.start > now
    ):
        return CalendarObject(method=CalendarMethod.CANCEL, ics=ics.cancel(facts, dtstamp=now))
    return NONE
