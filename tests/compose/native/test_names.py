"""C5: names and salutations as a native writes them (issue 12, point 1).

Each row is a counterpart as the user typed them and the exact first line of the email
in each language, formal and informal; the spoken form opens the phone script.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.compose.native.world import email, first_line, message, plan_of, review_clean, situation

# (counterpart changes, {language: (formal greeting, informal greeting)})
NAMES: dict[str, tuple[dict[str, Any], dict[str, tuple[str, str]]]] = {
    "particle-von": (
        {"name": "Karl-Heinz von Bülow", "salutation": "Herr"},
        {
            "de": ("Sehr geehrter Herr von Bülow,", "Hallo Karl-Heinz,"),
            "sv": ("Hej Karl-Heinz von Bülow,", "Hej Karl-Heinz,"),
            "en": ("Dear Mr von Bülow,", "Hi Karl-Heinz,"),
        },
    ),
    "particle-von-der": (
        {"name": "Eva-Maria von der Leyen", "salutation": "Frau"},
        {
            "de": ("Sehr geehrte Frau von der Leyen,", "Hallo Eva-Maria,"),
            "sv": ("Hej Eva-Maria von der Leyen,", "Hej Eva-Maria,"),
            "en": ("Dear Ms von der Leyen,", "Hi Eva-Maria,"),
        },
    ),
    "particle-van-der": (
        {"name": "Pieter van der Berg", "salutation": "Mr"},
        {
            "de": ("Sehr geehrter Herr van der Berg,", "Hallo Pieter,"),
            "sv": ("Hej Pieter van der Berg,", "Hej Pieter,"),
            "en": ("Dear Mr van der Berg,", "Hi Pieter,"),
        },
    ),
    "particle-af": (
        {"name": "Gustaf af Klint", "salutation": None},
        {
            "de": ("Guten Tag Gustaf af Klint,", "Hallo Gustaf,"),
            "sv": ("Hej Gustaf af Klint,", "Hej Gustaf,"),
            "en": ("Dear Gustaf af Klint,", "Hi Gustaf,"),
        },
    ),
    "dr-title-field": (
        {"name": "Anna Schulze-Wendt", "salutation": "Frau", "title": "Dr."},
        {
            "de": ("Sehr geehrte Frau Dr. Schulze-Wendt,", "Hallo Anna,"),
            "sv": ("Hej Anna Schulze-Wendt,", "Hej Anna,"),
            "en": ("Dear Dr Schulze-Wendt,", "Hi Anna,"),
        },
    ),
    "prof-dr-in-name": (
        {"name": "Prof. Dr. Hans Meier", "salutation": "Herr"},
        {
            "de": ("Sehr geehrter Herr Prof. Dr. Meier,", "Hallo Hans,"),
            "sv": ("Hej Hans Meier,", "Hej Hans,"),
            "en": ("Dear Professor Meier,", "Hi Hans,"),
        },
    ),
    "dr-in-salutation": (
        {"name": "Petra Lang", "salutation": "Frau Dr."},
        {
            "de": ("Sehr geehrte Frau Dr. Lang,", "Hallo Petra,"),
            "sv": ("Hej Petra Lang,", "Hej Petra,"),
            "en": ("Dear Dr Lang,", "Hi Petra,"),
        },
    ),
    "abbreviation-hr": (
        {"name": "Tobias Krüger", "salutation": "Hr."},
        {
            "de": ("Sehr geehrter Herr Krüger,", "Hallo Tobias,"),
            "sv": ("Hej Tobias Krüger,", "Hej Tobias,"),
            "en": ("Dear Mr Krüger,", "Hi Tobias,"),
        },
    ),
    "abbreviation-fr": (
        {"name": "Sabine Roth", "salutation": "Fr."},
        {
            "de": ("Sehr geehrte Frau Roth,", "Hallo Sabine,"),
            "sv": ("Hej Sabine Roth,", "Hej Sabine,"),
            "en": ("Dear Ms Roth,", "Hi Sabine,"),
        },
    ),
    "unknown-gender": (
        {"name": "Kim Schäfer", "salutation": None},
        {
            "de": ("Guten Tag Kim Schäfer,", "Hallo Kim,"),
            "sv": ("Hej Kim Schäfer,", "Hej Kim,"),
            "en": ("Dear Kim Schäfer,", "Hi Kim,"),
        },
    ),
    "double-given-name": (
        {"name": "Anna Maria Schulz", "salutation": "Frau"},
        {
            "de": ("Sehr geehrte Frau Schulz,", "Hallo Anna,"),
            "sv": ("Hej Anna Maria Schulz,", "Hej Anna,"),
            "en": ("Dear Ms Schulz,", "Hi Anna,"),
        },
    ),
}


@pytest.mark.parametrize("language", ["de", "sv", "en"])
@pytest.mark.parametrize("name", sorted(NAMES))
def test_greeting_per_language_and_tone(language: str, name: str) -> None:
    changes, expected = NAMES[name]
    formal, informal = expected[language]
    for tone, line in (("formal", formal), ("informal", informal)):
        s = situation(language, counterpart=changes, options={"tone": tone})
        p = plan_of(language, counterpart=changes, options={"tone": tone})
        assert first_line(email(p)) == line
        assert "Dr.," not in email(p).body and "Prof.," not in email(p).body
        review_clean(s, p)


@pytest.mark.parametrize(
    ("language", "opening"),
    [
        ("de", "Guten Tag Frau Dr. Schulze-Wendt, hier spricht Alex Weber."),
        ("sv", "Hej Anna, mitt namn är Kim Nilsson."),
        ("en", "Hello Dr Schulze-Wendt, this is Alex Morgan."),
    ],
)
def test_the_call_opens_with_the_spoken_form(language: str, opening: str) -> None:
    p = plan_of(
        language,
        counterpart={"name": "Anna Schulze-Wendt", "salutation": "Frau", "title": "Dr."},
        now="2026-03-17T09:30:00" + ("+00:00" if language == "en" else "+01:00"),
    )
    assert message(p, "phone_script").body.startswith(opening)


@pytest.mark.parametrize(
    ("counterpart", "locale", "line"),
    [
        (
            {"name": "Jane Doe", "salutation": "Ms", "timezone": "America/New_York"},
            None,
            "Dear Ms. Doe:",
        ),
        ({"name": "Jane Doe", "salutation": "Ms"}, "en-US", "Dear Ms. Doe:"),
        (
            {
                "name": "Hans Meier",
                "salutation": "Herr",
                "title": "Dr.",
                "timezone": "America/Chicago",
            },
            None,
            "Dear Dr. Meier:",
        ),
        (
            {"name": "Hans Meier", "salutation": "Herr", "title": "Prof. Dr."},
            "en-US",
            "Dear Professor Meier:",
        ),
        (
            {"name": "Kim Schäfer", "salutation": None, "timezone": "America/Los_Angeles"},
            None,
            "Dear Kim Schäfer:",
        ),
        (
            {"name": "Jane Doe", "salutation": "Ms", "timezone": "America/New_York"},
            "en-GB",
            "Dear Ms Doe,",
        ),
    ],
)
def test_american_english_is_chosen_from_zone_or_locale(
    counterpart: dict[str, Any], locale: str | None, line: str
) -> None:
    """C5 / point 5: en-US salutation with its title dots and colon; British otherwise."""
    options: dict[str, Any] = {"locale": locale} if locale else {}
    p = plan_of("en", counterpart=counterpart, options=options)
    body = email(p).body
    assert first_line(email(p)) == line
    american = line.endswith(":")
    assert ("apologize" in body) is american and ("apologise" in body) is not american
    assert ("Best regards," in body) is american and ("Kind regards," in body) is not american
    assert ("Monday, March 16" in body or "Tuesday, March 17" in body) is american
