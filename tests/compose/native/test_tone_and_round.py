"""The thread's tone mirrored (point 2) and first meeting versus later rounds (point 3)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from rich.console import Console

from fairnotice.present import show_plan
from tests.compose.native.world import (
    email,
    everything,
    first_line,
    message,
    plan_of,
    review_clean,
    situation,
)


def _thread(text: str) -> dict[str, Any]:
    return {
        "channel": "email",
        "messages": [{"from": "them", "channel": "email", "text": text}],
    }


INFORMAL_THREADS = {
    "de": "Hallo Alex,\n\ndanke für deine Bewerbung! Passt dir Dienstag?\n\nViele Grüße,\nJonas",
    "sv": "Hej Kim!\n\nTack för din ansökan, vi ses på tisdag.\n\nHälsningar,\nKarin",
    "en": "Hi Alex,\n\nThanks for applying! Does Tuesday work for you?\n\nBest,\nJane",
}
FORMAL_THREADS = {
    "de": (
        "Sehr geehrter Herr Weber,\n\nvielen Dank für Ihre Bewerbung. Gerne laden wir Sie ein."
        "\n\nMit freundlichen Grüßen\nJonas Becker"
    ),
    "sv": (
        "Hej Kim Nilsson,\n\nTack för din ansökan. Vi vill gärna träffa dig."
        "\n\nMed vänliga hälsningar\nKarin Holm"
    ),
    "en": (
        "Dear Mr Morgan,\n\nThank you for your application. We would like to invite you."
        "\n\nKind regards,\nJane Doe"
    ),
}
MIRRORED = {
    "de": ("Hallo Jonas,", "Viele Grüße\nAlex\n"),
    "sv": ("Hej Karin,", "Vänliga hälsningar\nKim\n"),
    "en": ("Hi Jane,", "Best wishes,\nAlex\n"),
}
FORMAL_LINE = {
    "de": "Sehr geehrter Herr Becker,",
    "sv": "Hej Karin Holm,",
    "en": "Dear Ms Doe,",
}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_an_informal_thread_is_answered_informally(language: str) -> None:
    """'Hallo Alex … Viele Grüße, Jonas' is answered 'Hallo Jonas,' (not 'Sehr geehrter
    Herr Becker'), 'Hej Kim! … Karin' with 'Hej Karin,'; signed with the first name."""
    s = situation(language, history=_thread(INFORMAL_THREADS[language]))
    p = plan_of(language, history=_thread(INFORMAL_THREADS[language]))
    greeting, closing = MIRRORED[language]
    assert first_line(email(p)) == greeting
    assert closing in email(p).body  # signed with the first name, as they did
    assert p.address is not None and (p.address.form, p.address.source) == ("informal", "thread")
    assert p.address.mirrored  # the plan says what it mirrored, and the CLI shows it
    out = StringIO()
    show_plan(p, Console(file=out, width=200, color_system=None))
    assert "address: informal (mirrored from the thread: " in out.getvalue()
    review_clean(s, p)


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_a_formal_thread_stays_formal_even_with_an_informal_tone(language: str) -> None:
    p = plan_of(language, history=_thread(FORMAL_THREADS[language]), options={"tone": "informal"})
    assert first_line(email(p)) == FORMAL_LINE[language]
    assert p.address is not None and (p.address.form, p.address.source) == ("formal", "thread")


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_the_user_overrides_the_thread(language: str) -> None:
    p = plan_of(
        language, history=_thread(INFORMAL_THREADS[language]), options={"address": "formal"}
    )
    assert first_line(email(p)) == FORMAL_LINE[language]
    assert p.address is not None and (p.address.form, p.address.source) == ("formal", "tone")


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_no_thread_follows_the_tone(language: str) -> None:
    p = plan_of(language)
    assert p.address is not None and (p.address.form, p.address.source) == ("formal", "default")
    p = plan_of(language, options={"tone": "informal"})
    assert p.address is not None and (p.address.form, p.address.source) == ("informal", "tone")


FIRST_MEETING = {"de": "kennenzulernen", "sv": "träffa dig.", "en": "meeting you"}
LATER_ROUND = {
    "de": "auf das nächste Gespräch mit Ihnen",
    "sv": "träffa dig igen",
    "en": "our next conversation with you",
}


def _employer_reschedule(language: str, round_: int) -> dict[str, Any]:
    return {
        "role": "employer",
        "intent": "reschedule",
        "reason": {"category": "other"},
        "interview": {"round": round_},
    }


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_round_one_looks_forward_to_meeting(language: str) -> None:
    p = plan_of(language, **_employer_reschedule(language, 1))
    assert FIRST_MEETING[language] in email(p).body


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_later_rounds_never_speak_of_meeting_for_the_first_time(language: str) -> None:
    """Round 2+: no 'Sie kennenzulernen' / 'meeting you' / 'att träffas' in any letter."""
    changes = _employer_reschedule(language, 2)
    p = plan_of(language, **changes)
    assert LATER_ROUND[language] in email(p).body
    text = everything(p)
    for first_time in ("kennenzulernen", "kennenlernen", "meeting you", "meet you", "att träffas"):
        assert first_time not in text
    review_clean(situation(language, **changes), p)


AGREED = {
    "de": ("Neuer Termin: Donnerstag, 19. März, 11:00–12:00 Uhr", "unser nächstes Gespräch"),
    "sv": ("Ny intervjutid: torsdag 19 mars, kl. 11.00–12.00", "vårt nästa samtal"),
    "en": ("Thursday 19 March, 11:00–12:00", "our next conversation"),
}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_the_confirmation_names_the_agreed_time_in_a_later_round(language: str) -> None:
    """Point 11: the note after agreement names the new time; round 3 never meets anew."""
    off = "+00:00" if language == "en" else "+01:00"
    p = plan_of(
        language,
        interview={"round": 3},
        agreed={"start": f"2026-03-19T11:00:00{off}", "end": f"2026-03-19T12:00:00{off}"},
    )
    note = message(p, "follow_up_email")
    named, onward = AGREED[language]
    assert named in f"{note.subject}\n{note.body}"
    assert onward in note.body
    assert "kennenzulernen" not in note.body and "meeting you" not in note.body
