"""The short fixed notes (`compose/notes.py`, `letters/<lang>/note_*.txt`), every variant
compared with a readable snapshot under note_snapshots/. Regenerate after a deliberate
change with FAIRNOTICE_UPDATE_SNAPSHOTS=1 (as for the letters)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairnotice.compose import dates
from fairnotice.compose.notes import NOTES, NoteName, note_name, render_note
from fairnotice.compose.render import environment
from fairnotice.model import Language

SNAPSHOTS = Path(__file__).resolve().parent / "note_snapshots"
UPDATE = os.environ.get("FAIRNOTICE_UPDATE_SNAPSHOTS") == "1"
START = datetime(2026, 3, 17, 9, 0, tzinfo=UTC)
END = datetime(2026, 3, 17, 10, 0, tzinfo=UTC)
PEOPLE = {
    Language.de: ("Lena Vogel", "Jonas Doe", "Sachbearbeiterin", "Muster & Partner GmbH"),
    Language.sv: ("Erik Johansson", "Anna Lindqvist", "redovisningsekonom", "Nordvik AB"),
    Language.en: ("Sam Taylor", "Jordan Lee", "Paralegal", "Hale & Finch LLP"),
}
SUGGESTION = {
    Language.de: "Ginge es am Donnerstag ab 15 Uhr?",
    Language.sv: "Passar torsdag efter kl. 15?",
    Language.en: "Would Thursday after 3 pm work?",
}
COLLEAGUE = {Language.de: "Maria Roth", Language.sv: "Lars Berg", Language.en: "Alex Morgan"}
PLACE = {
    Language.de: "Friedrichstraße 10, 10117 Berlin",
    Language.sv: "Drottninggatan 5, 111 51 Stockholm",
    Language.en: "1 Fleet Street, London EC4Y 1AA",
}
PHONE = {Language.de: "+49 30 1234567", Language.sv: "08-123 456 78", Language.en: "020 7946 0000"}
ZONES = {
    Language.de: "Europe/Berlin",
    Language.sv: "Europe/Stockholm",
    Language.en: "Europe/London",
}


def variants() -> dict[str, tuple[NoteName, Language, dict[str, str]]]:
    found: dict[str, tuple[NoteName, Language, dict[str, str]]] = {}
    for language in Language:
        person, sender, position, company = PEOPLE[language]
        when = dates.span(START, END, ZONES[language], language)
        confirmed = {
            "recipient": person,
            "position": position,
            "company": company,
            "when": when,
            "sender": sender,
        }
        found[f"{language.value}/time_confirmed"] = ("time_confirmed", language, confirmed)
        found[f"{language.value}/time_confirmed__unnamed"] = (
            "time_confirmed",
            language,
            {**confirmed, "recipient": "", "sender": ""},
        )
        invited = {
            **confirmed,
            "candidate": "",
            "location": PLACE[language],
            "video_url": "https://meet.example.com/abc-defg-hij",
        }
        found[f"{language.value}/interview_invitation"] = (
            "interview_invitation",
            language,
            invited,
        )
        found[f"{language.value}/interview_invitation__interviewer"] = (
            "interview_invitation",
            language,
            {**invited, "recipient": COLLEAGUE[language], "candidate": person, "video_url": ""},
        )
        found[f"{language.value}/interview_invitation__unnamed_nowhere"] = (
            "interview_invitation",
            language,
            {**invited, "recipient": "", "sender": "", "location": "", "video_url": ""},
        )
        found[f"{language.value}/times_declined"] = (
            "times_declined",
            language,
            {
                "candidate": person,
                "position": position,
                "company": company,
                "suggestion": SUGGESTION[language],
            },
        )
        base = "https://fairnotice.example"
        found[f"{language.value}/password_reset"] = (
            "password_reset",
            language,
            {"recipient": person, "link": f"{base}/reset/Zx8-token", "minutes": "60"},
        )
        found[f"{language.value}/account_exists"] = (
            "account_exists",
            language,
            {"recipient": person, "signin": f"{base}/signin", "reset": f"{base}/reset"},
        )
        reminder = {
            "recipient": person,
            "person": sender,
            "phone": PHONE[language],
            "position": position,
            "company": company,
            "when": dates.when(START, ZONES[language], language),
        }
        found[f"{language.value}/call_reminder"] = ("call_reminder", language, reminder)
        found[f"{language.value}/call_reminder__no_number"] = (
            "call_reminder",
            language,
            {**reminder, "phone": ""},
        )
    return found


VARIANTS = variants()


def _text(name: NoteName, language: Language, facts: dict[str, str]) -> str:
    subject, body = render_note(name, language, **facts)
    return f"Subject: {subject}\n\n{body}"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_note_snapshot(variant: str) -> None:
    path = SNAPSHOTS / f"{variant}.txt"
    actual = _text(*VARIANTS[variant])
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {variant}; run with FAIRNOTICE_UPDATE_SNAPSHOTS=1"
    assert actual == path.read_text(encoding="utf-8"), f"{variant} differs from its snapshot"


def test_every_note_exists_in_every_language_and_no_snapshot_is_stale() -> None:
    names = set(environment().list_templates())
    assert {note_name(n, lang) for n in NOTES for lang in Language} <= names
    on_disk = {p.relative_to(SNAPSHOTS).with_suffix("").as_posix() for p in SNAPSHOTS.rglob("*")}
    on_disk = {p for p in on_disk if "/" in p}
    assert on_disk == set(VARIANTS)


def test_a_missing_fact_is_an_error_not_a_blank() -> None:
    with pytest.raises(Exception, match="suggestion"):
        render_note("times_declined", Language.en, candidate="x", position="y", company="z")
