"""Position filled (point 9), the letters people also need (point 11) and the smaller
native fixes of issue 12."""

from __future__ import annotations

from typing import Any

import pytest

from fairnotice.model import Action, MessageKind, Plan
from tests.compose.native.world import (
    PEOPLE,
    email,
    everything,
    first_line,
    plan_of,
    review_clean,
    situation,
)


def _interview(language: str, day: int, round_: int, uid: str) -> dict[str, Any]:
    p, off = PEOPLE[language], PEOPLE[language]["offset"]
    return {
        "position": p["position"],
        "company": p["company"],
        "start": f"2026-03-{day}T10:00:00{off}",
        "end": f"2026-03-{day}T11:00:00{off}",
        "timezone": p["zone"],
        "location": p["location"],
        "round": round_,
        "uid": uid,
        "sequence": 1,
    }


def _filled(language: str) -> dict[str, Any]:
    off = PEOPLE[language]["offset"]
    return {
        "role": "employer",
        "intent": "position_filled",
        "reason": {"category": "position_filled"},
        "now": f"2026-03-16T10:00:00{off}",
        "candidates": [
            {
                "name": "Lena Vogt",
                "email": "lena@example.org",
                "phone": "+49 170 0000001",
                "round": 3,
                "language": language,
                "salutation": "Frau",
                "interview": _interview(language, 19, 3, f"late-{language}@example.com"),
            },
            {
                "name": "Tom Berg",
                "email": "tom@example.org",
                "phone": "+49 170 0000002",
                "round": 1,
                "language": language,
                "salutation": "Herr",
                "interview": _interview(language, 20, 1, f"early-{language}@example.com"),
            },
            {
                "name": "Mo Ali",
                "email": "mo@example.org",
                "round": 1,
                "language": language,
            },
        ],
    }


def _to(p: Plan, name: str, kind: str) -> str:
    return next(m.body for m in p.messages if m.recipient == name and m.kind is MessageKind(kind))


OFF_NOW = {
    "de": "findet somit nicht statt",
    "sv": "blir alltså inte av",
    "en": "is therefore cancelled",
}
CALL_BACK = {
    "de": "Rufen Sie mich bitte zurück",
    "sv": "Kan du ringa tillbaka",
    "en": "call me back",
}
FILLED = {"de": "besetzt", "sv": "tillsatt", "en": "filled"}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_late_round_gets_a_call_first_and_the_letter_says_the_interview_is_off(
    language: str,
) -> None:
    """E4: round 3, own interview still ahead: a call first, then the email, which says the
    interview is off; the voicemail asks for a call back instead of giving the news."""
    p = plan_of(language, **_filled(language))
    lena = [s for s in p.steps if s.to and s.to.name == "Lena Vogt"]
    assert lena[0].action is Action.call
    assert OFF_NOW[language] in _to(p, "Lena Vogt", "email")
    voicemail = _to(p, "Lena Vogt", "voicemail")
    assert CALL_BACK[language] in voicemail and FILLED[language] not in voicemail
    tom = [s for s in p.steps if s.to and s.to.name == "Tom Berg"]
    assert [s.action for s in tom] == [Action.send]  # round 1: the email alone


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_no_letter_names_an_interview_the_candidate_does_not_have(language: str) -> None:
    p = plan_of(language, **_filled(language))
    mo = next(m for m in p.messages if m.recipient == "Mo Ali" and m.kind is MessageKind.email)
    for date_words in ("17. März", "17 mars", "17 March", "10:00", "10.00", "14:00", "14.00"):
        assert date_words not in mo.body
    assert mo.calendar is None or mo.calendar.method is None  # no stray CANCEL
    lena = next(m for m in p.messages if m.recipient == "Lena Vogt" and m.kind is MessageKind.email)
    assert lena.calendar is not None and lena.calendar.method is not None
    assert lena.calendar.method.value == "CANCEL" and "late-" in (lena.calendar.ics or "")


SUBJECTS = {
    ("de", "thank_you"): "Vielen Dank für das Gespräch – Paralegal",
    ("sv", "thank_you"): "Tack för intervjun – Projektledare",
    ("en", "thank_you"): "Thank you for the interview – Paralegal",
    ("de", "decline_offer"): "Ihr Angebot für die Position als Paralegal",
    ("sv", "decline_offer"): "Erbjudandet om tjänsten som Projektledare",
    ("en", "decline_offer"): "Your offer for the Paralegal position",
    ("de", "reject"): "Ihre Bewerbung als Paralegal",
    ("sv", "reject"): "Din ansökan till tjänsten som Projektledare",
    ("en", "reject"): "Your application for the Paralegal position",
}
KEY_SENTENCE = {
    (
        "de",
        "thank_you",
    ): "vielen Dank für das angenehme Gespräch am Dienstag, 17. März 2026 um 14:00 Uhr",
    ("sv", "thank_you"): "Tack för en givande intervju tisdag 17 mars 2026 kl. 14.00",
    ("en", "thank_you"): "Thank you for the interview on Tuesday, 17 March 2026 at 14:00",
    ("de", "decline_offer"): "habe ich mich entschieden, es nicht anzunehmen.",
    ("sv", "decline_offer"): "har jag bestämt mig för att tacka nej.",
    ("en", "decline_offer"): "I have decided not to accept the offer.",
    ("de", "reject"): "gebe ich Ihnen gern eine persönliche Rückmeldung",
    ("sv", "reject"): "ger jag gärna personlig återkoppling",
    ("en", "reject"): "If you would like personal feedback on your interview",
}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
@pytest.mark.parametrize("intent", ["thank_you", "decline_offer", "reject"])
def test_the_letters_people_also_need(language: str, intent: str) -> None:
    off = PEOPLE[language]["offset"]
    changes: dict[str, Any] = {
        "intent": intent,
        "now": f"2026-03-17T18:00:00{off}",
        "reason": {"category": "accepted_offer" if intent == "decline_offer" else "other"},
    }
    if intent == "reject":
        changes["role"] = "employer"
    p = plan_of(language, **changes)
    mail = email(p)
    assert mail.subject == SUBJECTS[(language, intent)]
    assert KEY_SENTENCE[(language, intent)] in mail.body
    assert p.urgency.value == "normal" and p.proposed_slots == []
    assert all(s.action is Action.send for s in p.steps)  # written, no call
    assert mail.calendar is None or mail.calendar.method is None
    if intent == "reject":
        assert (
            "besetzt" not in mail.body and "tillsatt" not in mail.body and "filled" not in mail.body
        )
    review_clean(situation(language, **changes), p)


NOTICE = {
    "de": (
        "Abgesagt: Vorstellungsgespräch mit Kim Nilsson am Dienstag, 17. März 2026",
        "Hallo Frau Berg,",
    ),
    "sv": ("Inställd: intervju med Alex Weber tisdag 17 mars 2026", "Hej Lars,"),
    "en": ("Cancelled: interview with Alex Weber on Tuesday, 17 March 2026", "Hi Priya,"),
}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_the_interviewer_hears_it_in_their_own_language(language: str) -> None:
    """A Swedish recruiter cancels a German candidate's interview: the German interviewer
    reads German, the Swedish one Swedish, the English one English."""
    interviewer = {
        "de": {
            "name": "Petra Berg",
            "salutation": "Frau",
            "email": "p.berg@example.com",
            "language": "de",
        },
        "sv": {"name": "Lars Ek", "email": "lars.ek@example.se", "language": "sv"},
        "en": {
            "name": "Priya Shah",
            "email": "p.shah@example.co.uk",
            "language": "en",
            "timezone": "Europe/London",
        },
    }[language]
    writer = "sv" if language == "de" else "de"
    candidate = "Kim Nilsson" if writer == "sv" else "Alex Weber"
    p = plan_of(
        writer,
        role="employer",
        intent="cancel",
        reason={"category": "other"},
        me={"name": "Jonas Becker" if writer == "de" else "Karin Holm"},
        counterpart={"name": candidate, "salutation": None},
        interviewers=[interviewer],
    )
    notice = next(m for m in p.messages if m.kind is MessageKind.interviewer_notice)
    subject, greeting = NOTICE[language]
    assert notice.language.value == language
    assert notice.subject == subject.replace("Kim Nilsson", candidate).replace(
        "Alex Weber", candidate
    )
    assert first_line(notice) == greeting
    step = next(s for s in p.steps if s.message == notice.id)
    assert step.to is not None and step.to.email == interviewer["email"]


def test_swedish_employer_apologises_as_a_company_and_thanks_briefly() -> None:
    p = plan_of(
        "sv",
        role="employer",
        intent="cancel",
        reason={"category": "other"},
        options={"tone": "informal"},
    )
    assert "Vi ber om ursäkt för besväret." in email(
        p
    ).body and "Förlåt för besväret" not in everything(p)
    q = plan_of("sv", options={"tone": "informal"})
    assert "Tack för förståelsen!" in email(q).body
    assert "kl. 14.00" in email(q).body and "14:00" not in everything(q)


def test_german_video_interview_is_attended_not_come_to() -> None:
    p = plan_of(
        "de",
        now="2026-03-17T16:00:00+01:00",
        interview={"location": None, "video_url": "https://meet.example.com/abc"},
    )
    assert "nicht teilnehmen" in email(p).body and "nicht kommen" not in email(p).body


def test_english_inquiry_ends_as_a_native_would_and_no_double_full_stop() -> None:
    p = plan_of(
        "en",
        intent="status_inquiry",
        interview={"company": "Acme Inc."},
        counterpart={"phone": None},
    )
    assert "I look forward to hearing from you." in email(p).body
    assert "Thank you in advance" not in email(p).body and ".." not in everything(p)
    q = plan_of(
        "en",
        role="employer",
        intent="cancel",
        interview={"company": "Acme Inc."},
        now="2026-03-17T09:30:00+00:00",
    )
    assert "Inc.." not in everything(q) and "Acme Inc." in everything(q)


def test_the_german_reschedule_subject_names_the_old_date_as_old() -> None:
    p = plan_of("de", role="employer", intent="reschedule", reason={"category": "other"})
    assert (
        email(p).subject
        == "Verschiebung Ihres Vorstellungsgesprächs vom Dienstag, 17. März 2026 – Paralegal"
    )


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_an_employer_gives_no_reason_it_was_not_given(language: str) -> None:
    """M4 (the pure part of point 8): with the neutral default reason the letter invents
    none ('unexpectedly unavailable' is gone)."""
    p = plan_of(language, role="employer", intent="reschedule", reason={"category": "other"})
    text = everything(p)
    for invented in (
        "unvorhergesehen",
        "unforeseen",
        "oförutsedda",
        "unexpectedly",
        "kurzfristig verhindert",
        "oväntat",
    ):
        assert invented not in text
