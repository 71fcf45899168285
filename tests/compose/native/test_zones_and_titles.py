"""Zones named where the two sides' zones differ (point 4) and short titles (point 6)."""

from __future__ import annotations

from io import StringIO

import pytest
from rich.console import Console

from fairnotice.present import show_plan
from tests.compose.native.world import email, message, plan_of, review_clean, situation

# A Stockholm (or Berlin, London) candidate writes to New York: the interview is on
# Tuesday 17 March at 14:00 (13:00 in London), 09:00 or 10:00 in New York (EDT since 8 March).
ACROSS = {
    "de": ("um 09:00 Uhr ET (14:00 Uhr MEZ; Friedrichstraße", "Uhr ET (", "Uhr MEZ)"),
    "sv": ("kl. 09.00 ET (14.00 CET; Sveavägen", " ET (", " CET)"),
    "en": ("at 10:00 AM ET (2:00 PM GMT; 12 Fleet", " ET (", " GMT)"),
}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_the_recipients_clock_first_and_ours_in_brackets(language: str) -> None:
    changes = {"counterpart": {"timezone": "America/New_York"}}
    p = plan_of(language, **changes)
    body = email(p).body
    interview, recipient_label, own_label = ACROSS[language]
    assert interview in body
    assert p.proposed_slots and all(
        s.label and recipient_label in s.label for s in p.proposed_slots
    )
    assert all(s.label and s.label.endswith(own_label) for s in p.proposed_slots)
    for slot in p.proposed_slots:
        assert slot.label in body  # the letter lists exactly what the plan proposes
    review_clean(situation(language, **changes), p)


GERMAN_READER = "14:00 Uhr MEZ (08:00 Uhr ET;"


def test_a_german_employer_reads_its_own_clock_first() -> None:
    """'10:00 Uhr MEZ (04:00 Uhr ET)' when a New York candidate writes to Berlin."""
    p = plan_of(
        "de",
        me={"timezone": "America/New_York"},
        availability={"timezone": "America/New_York"},
        now="2026-03-02T09:00:00+01:00",
        interview={"start": "2026-03-03T14:00:00+01:00", "end": "2026-03-03T15:00:00+01:00"},
    )
    assert GERMAN_READER in email(p).body


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_no_labels_when_the_clocks_agree(language: str) -> None:
    """Berlin and Stockholm read the same clock: no zone names clutter the letter."""
    zone = {"de": "Europe/Stockholm", "sv": "Europe/Berlin", "en": "Europe/Dublin"}[language]
    body = email(plan_of(language, counterpart={"timezone": zone})).body
    for label in ("MEZ", "CET", "GMT", " ET", "UTC"):
        assert label not in body


def test_the_cli_shows_proposed_times_with_both_clocks() -> None:
    p = plan_of("en", counterpart={"timezone": "America/New_York"})
    out = StringIO()
    show_plan(p, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    for slot in p.proposed_slots:
        assert slot.label and slot.label in text and slot.why and slot.why in text


LONG = (
    "Senior Full-Stack-Entwickler*in (m/w/d) für unsere Plattform im Bereich Logistik "
    "und Lieferketten"
)
SHORT_TITLES = {
    "de": (LONG, "Senior Full-Stack-Entwickler"),
    "sv": (
        "Projektledare (m/k/x) – Infrastruktur, region Mälardalen, tillsvidare",
        "Projektledare",
    ),
    "en": (
        "Software Engineer (f/m/x) – Payments Team, Berlin or remote, full time",
        "Software Engineer",
    ),
}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
def test_short_title_in_subject_script_and_voicemail_full_title_once(language: str) -> None:
    full, short = SHORT_TITLES[language]
    changes = {
        "interview": {"position": full},
        "now": "2026-03-16T16:00:00" + ("+00:00" if language == "en" else "+01:00"),
    }
    p = plan_of(language, **changes)
    mail = email(p)
    assert mail.subject is not None and short in mail.subject and full not in mail.subject
    assert len(mail.subject) <= 110
    assert mail.body.count(full) == 1
    for kind in ("phone_script", "voicemail"):
        spoken = message(p, kind).body
        assert short in spoken and full not in spoken
        for marker in ("(m/w/d)", "*in", "(f/m/x)", "(m/k/x)"):
            assert marker not in spoken
    review_clean(situation(language, **changes), p)


@pytest.mark.parametrize(
    ("title", "short"),
    [
        ("Sachbearbeiter/-in Buchhaltung", "Sachbearbeiter Buchhaltung"),
        ("Projektleiter:in (w/m/d)", "Projektleiter"),
        ("Kundenberater (m/w/d) im Außendienst", "Kundenberater im Außendienst"),
        ("Lärare i matematik", "Lärare i matematik"),
        ("Head of Sales (all genders)", "Head of Sales"),
    ],
)
def test_gender_markers_go_and_short_titles_stay(title: str, short: str) -> None:
    from fairnotice.compose.titles import short_title

    assert short_title(title) == short
