"""Rules every rendered letter keeps, checked over the whole space of facts a letter can see.

Each (language, template) renders every combination of tone, urgency, reason, video or
address, slots or none, call first or not, and, where they matter, a pick link and a later
round. The checks are the rulebook's: M1 facts in every email, M6 length, C5 salutations and
native sign-offs, T3/T4 wording, M3 (another interview reads as a scheduling conflict), W4
(a withdrawal asks nothing), and German Sie/du kept apart.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator

import pytest

from fairnotice.compose.render import Letter, render
from fairnotice.compose.titles import short_title
from fairnotice.model import Language
from tests.compose.letter_cases import (
    AFTER_THE_INTERVIEW,
    CASTS,
    PICK_URL,
    REASONS,
    TEMPLATES,
    VIDEO,
    make_letter,
)

MAX_EMAIL_CHARS = 1500
MAX_VOICEMAIL_WORDS = 65
MAX_SCRIPT_WORDS = 170

_JINJA_LEFTOVERS = ("{{", "}}", "{%", "%}", "{#", "#}")
_RUN_ON = re.compile(r"[a-zäöüåß)][.!?][A-ZÄÖÜÅ]")
_FORMAL_DE = re.compile(r"\b(Sie|Ihnen|Ihr|Ihre|Ihrem|Ihren|Ihrer|Ihres)\b")
_INFORMAL_DE = re.compile(r"\b(du|dich|dir|dein|deine|deinem|deinen|deiner|deines|euch)\b", re.I)
SHORT_NOTICE = {
    Language.en: re.compile(r"short notice"),
    Language.de: re.compile(r"kurzfristig"),
    Language.sv: re.compile(r"kort varsel|korta varslet"),
}
APOLOGY = {
    Language.en: re.compile(r"\bsorry\b|apologi", re.I),
    Language.de: re.compile(r"\bleid\b|entschuldig", re.I),
    Language.sv: re.compile(r"ursäkt|förlåt", re.I),
}
SIGNOFFS = {
    (Language.en, True): "Kind regards,",
    (Language.en, False): "Best wishes,",
    (Language.de, True): "Mit freundlichen Grüßen",
    (Language.de, False): "Viele Grüße",
    (Language.sv, True): "Med vänliga hälsningar",
    (Language.sv, False): "Vänliga hälsningar",
}


def variants(language: Language, role: str, intent: str, kind: str) -> Iterator[Letter]:
    """Every combination of the facts that change this template's words."""
    picks = (
        (None, PICK_URL) if role == "employer" and intent in ("reschedule", "cancel") else (None,)
    )
    rounds = (1, 3) if intent in ("withdraw", "position_filled") else (1,)
    with_slots = (True, False) if intent == "reschedule" else (False,)
    for tone, urgency, reason, video, slots, phone_first, pick, rnd in itertools.product(
        ("formal", "informal"),
        ("normal", "short_notice", "missed"),
        REASONS,
        (False, True),
        with_slots,
        (False, True),
        picks,
        rounds,
    ):
        letter = make_letter(language, role, intent, kind, tone=tone, urgency=urgency)
        yield dataclasses.replace(
            letter,
            reason=reason,
            is_video=video,
            place=VIDEO if video else letter.place,
            slots=letter.slots if slots else [],
            phone_first=phone_first,
            pick_url=pick,
            round=rnd,
        )


CASES = [(lang, *t) for lang in Language for t in TEMPLATES]


def _id(case: tuple[Language, str, str, str]) -> str:
    return f"{case[0].value}-{case[1]}_{case[2]}_{case[3]}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_every_variant_keeps_the_rules(case: tuple[Language, str, str, str]) -> None:
    language, role, intent, kind = case
    count = 0
    for letter in variants(language, role, intent, kind):
        subject, body = render(letter)
        check(letter, subject, body)
        count += 1
    assert count >= 144


def check(letter: Letter, subject: str | None, body: str) -> None:
    context = (
        f"{letter.language.value}/{letter.role.value}_{letter.intent}_{letter.kind.value} {letter}"
    )
    text = (subject or "") + "\n" + body
    for leftover in _JINJA_LEFTOVERS:
        assert leftover not in text, f"unrendered template text in {context}"
    assert "None" not in text and "Undefined" not in text, context
    assert not _RUN_ON.search(text.replace(VIDEO, "").replace(PICK_URL, "")), context
    assert "  " not in text and " ." not in text and " ," not in text, context
    assert body == body.strip() + "\n", context

    written = letter.kind.value in ("email", "follow_up_email")
    if letter.kind.value == "interviewer_notice":
        check_notice(letter, subject, body, context)
    elif written:
        check_written(letter, subject, body, context)
    else:
        check_spoken(letter, subject, body, context)
    if letter.language is Language.de:
        check_german_address(letter, text, context)
    if (
        letter.urgency == "short_notice"
        and letter.intent not in AFTER_THE_INTERVIEW
        and letter.kind.value != "follow_up_email"
        and (written or letter.phone_first)
    ):
        assert SHORT_NOTICE[letter.language].search(body), f"T3 short notice in {context}"
    internal = letter.kind.value == "interviewer_notice"  # to a colleague: no apology owed
    if (
        letter.urgency == "missed"
        and letter.intent in ("reschedule", "cancel", "withdraw")
        and not internal
    ):
        assert APOLOGY[letter.language].search(body), f"T4 apology in {context}"
        if letter.intent == "reschedule" and letter.kind.value not in ("follow_up_email",):
            assert "?" in body or letter.kind.value == "voicemail", f"T4 question in {context}"


def check_written(letter: Letter, subject: str | None, body: str, context: str) -> None:
    assert subject, f"an email without a subject: {context}"
    assert short_title(letter.position) in subject, context  # the short title (issue 12)
    # M1: position, date, time and place (address or video link) of an interview that
    # changes; a thank-you names its date and time, a declined offer only the position.
    facts = [letter.position]
    if letter.intent != "decline_offer" and letter.has_interview:
        facts += [letter.date, letter.time]
    for fact in facts:
        assert fact in body, f"M1 {fact!r} missing in {context}"
    if (
        letter.place
        and letter.intent not in ("thank_you", "decline_offer")
        and letter.has_interview
    ):
        assert letter.place in body, f"M1 place missing in {context}"
    assert len(body) <= MAX_EMAIL_CHARS, f"M6: {len(body)} characters in {context}"
    # C5: the greeting on the first line, the native sign-off and the name at the end.
    first = body.splitlines()[0]
    assert first == greeting(letter), f"C5 greeting {first!r} in {context}"
    assert SIGNOFFS[(letter.language, letter.tone == "formal")] in body, context
    assert letter.sender.name in body.split(SIGNOFFS[(letter.language, letter.tone == "formal")])[1]
    opening = body.split("\n\n")[1]
    if letter.language is Language.de:
        assert opening[0].islower(), f"German text goes on in lower case after the comma: {context}"
    else:
        assert opening[0].isupper(), context
    if letter.intent == "reschedule" and letter.kind.value == "email":
        for slot in letter.slots:
            assert slot in body, f"R4/E2 slot missing in {context}"
        if letter.pick_url:
            assert letter.pick_url in body, f"E2 link missing in {context}"
        if not letter.slots and not letter.pick_url:
            assert "?" in body, f"no slots: ask for times ({context})"
    if letter.intent in ("withdraw", "decline_offer"):
        assert "?" not in body, f"W4: a withdrawal asks for nothing ({context})"
    if letter.intent == "status_inquiry":
        assert "?" in body, f"W5 asks whether the position is open: {context}"


def check_notice(letter: Letter, subject: str | None, body: str, context: str) -> None:
    """The internal note to an interviewer: whom they were to meet, when, and the sender."""
    assert subject and letter.candidate and letter.candidate in subject, context
    for fact in (letter.candidate, letter.date, letter.time):
        assert fact in body, f"{fact!r} missing in {context}"
    assert body.rstrip().endswith(letter.sender.name), context


def check_spoken(letter: Letter, subject: str | None, body: str, context: str) -> None:
    assert subject is None, context
    words = len(body.split())
    assert letter.sender.name in body, f"who is calling: {context}"
    if letter.kind.value == "voicemail":
        assert words <= MAX_VOICEMAIL_WORDS, f"M6 voicemail of {words} words: {context}"
        callback = letter.sender.phone or letter.sender.email
        assert callback and callback in body, f"voicemail without a callback: {context}"
    else:
        assert words <= MAX_SCRIPT_WORDS, f"M6 phone script of {words} words: {context}"
        assert len([line for line in body.splitlines() if line.strip()]) <= 12, context


def check_german_address(letter: Letter, text: str, context: str) -> None:
    if letter.tone == "formal":
        assert not _INFORMAL_DE.search(text), f"du-form in formal German: {context}"
    else:
        assert not _FORMAL_DE.search(text), f"Sie-form in informal German: {context}"


def greeting(letter: Letter) -> str:
    """The salutation C5 asks for, written out independently of the templates."""
    person, formal = letter.recipient, letter.tone == "formal"
    first, last = person.name.split()[0], person.name.split()[-1]
    if letter.language is Language.de:
        if not formal:
            return f"Hallo {first},"
        if person.salutation == "Herr":
            return f"Sehr geehrter Herr {last},"
        if person.salutation == "Frau":
            return f"Sehr geehrte Frau {last},"
        return f"Guten Tag {person.name},"
    if letter.language is Language.sv:
        return f"Hej {person.name}," if formal else f"Hej {first},"
    if not formal:
        return f"Hi {first},"
    return f"Dear {person.salutation} {last}," if person.salutation else f"Dear {person.name},"


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: "_".join(t))
def test_other_interview_reads_as_a_scheduling_conflict(
    language: Language, template: tuple[str, str, str]
) -> None:
    """M3: the words for another interview are exactly those for a scheduling conflict."""
    for tone, urgency in itertools.product(("formal", "informal"), ("normal", "short_notice")):
        base = make_letter(language, *template, tone=tone, urgency=urgency)
        hidden = render(dataclasses.replace(base, reason="other_interview"))
        conflict = render(dataclasses.replace(base, reason="schedule_conflict"))
        assert hidden == conflict


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize(
    "template",
    [t for t in TEMPLATES if t[1] in ("withdraw", "position_filled") and t[2] != "voicemail"],
    ids=lambda t: "_".join(t),
)
def test_later_rounds_get_a_personal_note(
    language: Language, template: tuple[str, str, str]
) -> None:
    """W3 / E4: after several rounds the message thanks the person more personally.

    Voicemails stay minimal (M6) and are left out.
    """
    first = render(make_letter(language, *template, round=1))
    later = render(make_letter(language, *template, round=2))
    assert first != later


@pytest.mark.parametrize("language", list(Language))
def test_salutation_fallbacks(language: Language) -> None:
    """C5 without a known salutation, and with an English title in a German letter."""
    cast = CASTS[language]
    bare = dataclasses.replace(cast.employer, salutation=None)
    _, body = render(make_letter(language, "candidate", "withdraw", "email", recipient=bare))
    assert (
        body.splitlines()[0]
        == {
            Language.de: "Guten Tag Jonas Becker,",
            Language.sv: "Hej Anna Lindqvist,",
            Language.en: "Dear Jane Doe,",
        }[language]
    )
    titled = dataclasses.replace(
        cast.employer, salutation="Ms" if language is Language.de else "Frau"
    )
    _, body = render(make_letter(language, "candidate", "withdraw", "email", recipient=titled))
    assert (
        body.splitlines()[0]
        == {
            Language.de: "Sehr geehrte Frau Becker,",
            Language.sv: "Hej Anna Lindqvist,",
            Language.en: "Dear Ms Doe,",
        }[language]
    )
