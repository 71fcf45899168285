"""A skeleton per shape (compose/shared.py) writes the letters `render` writes, byte for
byte: every snapshot variant of every template, and a filled position's plan for many
varied candidates (titles, particles, de/sv/en, zones, places, formal and informal)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fairnotice.compose import render as whole
from fairnotice.compose import shared
from fairnotice.compose.render import Letter
from fairnotice.io import validate
from fairnotice.model import MessageKind, Situation
from fairnotice.rules import planner
from tests.compose.letter_cases import snapshot_variants

VARIANTS = list(snapshot_variants())


@pytest.fixture(autouse=True)
def fresh() -> None:
    shared._cache.clear()


@pytest.mark.parametrize(("name", "letter"), VARIANTS, ids=[n for n, _ in VARIANTS])
def test_every_variant_the_same(name: str, letter: Letter) -> None:
    """Each variant twice through a skeleton (made, then used) and once beside others."""
    expected = whole.render(letter)
    assert shared.render(letter, letter.kind) == expected
    assert shared.render(letter, letter.kind) == expected


PEOPLE: list[tuple[str, str | None, str | None]] = [
    ("Karl-Heinz von der Leyen", "Herr", "Dr."),
    ("Anna-Lena Müller-Lüdenscheidt", "Frau", None),
    ("Ludwig van Beethoven", None, "Prof. Dr."),
    ("Åsa Öberg", None, None),
    ("Ebba af Klint", None, "Fil. dr"),
    ("Mary-Jane O'Neill", "Ms", None),
    ("José da Silva", "Mr", "Dr"),
    ("Jean de la Fontaine", None, None),
    ("X", None, None),
    ("Chris (Christopher) Smith Jr.", "Mx", None),
]
ZONES = {"de": "Europe/Berlin", "sv": "Europe/Stockholm", "en": "America/New_York"}
PLACES = ["Friedrichstraße 10, 10117 Berlin", "Kungsgatan 1 (3 tr)", None, "Room 4)"]
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _candidates(count: int) -> list[dict[str, Any]]:
    found = []
    for i in range(count):
        name, salutation, title = PEOPLE[i % len(PEOPLE)]
        language = ("de", "sv", "en")[i % 3]
        start = NOW + timedelta(hours=2 + 7 * (i % 11)) if i % 4 else NOW - timedelta(days=2)
        interview: dict[str, Any] = {
            "position": "Paralegal (m/w/d)",
            "company": "Muster & Partner GmbH",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "timezone": ZONES[("de", "sv", "en")[(i // 3) % 3]],
            "round": 1 + (i % 7 == 3),
            "uid": f"u{i}@example.com",
            "sequence": 0,
        }
        place = PLACES[i % len(PLACES)]
        if place is not None:
            interview["location"] = place
        if i % 5 == 2:
            interview["video_url"] = f"https://meet.example.com/{i}"
        person = {
            "name": f"{name} {i}" if i % 2 else name,
            "email": f"c{i}@example.org",
            "language": language,
            "timezone": ZONES[language] if i % 6 else "Asia/Tokyo",
            "round": 1 + (i % 9 == 4),
            "interview": interview,
        }
        if salutation:
            person["salutation"] = salutation
        if title:
            person["title"] = title
        if i % 8 == 5:
            person["phone"] = "+49 170 5550000"
        found.append(person)
    return found


def _situation(tone: str, count: int) -> Situation:
    candidates = _candidates(count)
    raw = {
        "now": NOW.isoformat(),
        "role": "employer",
        "intent": "position_filled",
        "reason": {"category": "position_filled"},
        "interview": candidates[0]["interview"],
        "me": {"name": "Jonas Becker", "email": "hr@muster.example", "timezone": "Europe/Berlin"},
        "counterpart": {"name": candidates[0]["name"], "email": candidates[0]["email"]},
        "candidates": candidates,
        "options": {"tone": tone},
    }
    return validate(Situation, raw)


@pytest.mark.parametrize("tone", ["formal", "informal"])
def test_a_filled_position_plan_the_same(tone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    situation = _situation(tone, 120)
    with_skeletons = planner.plan(situation, now=NOW)
    assert shared._cache  # the skeletons were used, not skipped
    monkeypatch.setattr(planner.shared, "renderer", whole.renderer)
    rendered_whole = planner.plan(situation, now=NOW)
    assert len(with_skeletons.messages) == len(rendered_whole.messages) >= 120
    for got, expected in zip(with_skeletons.messages, rendered_whole.messages, strict=True):
        assert (got.to, got.kind, got.subject, got.body) == (
            expected.to,
            expected.kind,
            expected.subject,
            expected.body,
        )
    kinds = {m.kind for m in with_skeletons.messages}
    assert {MessageKind.email, MessageKind.phone_script, MessageKind.voicemail} <= kinds


def test_a_fact_used_otherwise_renders_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shape whose template asks what a skeleton cannot hold (here: the length of a
    time) is rendered whole, and the letter is still right."""
    letter = next(v for _, v in VARIANTS if v.intent == "position_filled")
    template = whole._letter_template(letter.language, letter.role, letter.intent, letter.kind)
    source = template.environment.from_string(
        "{% block subject %}S{% endblock %}{% block body %}{{ when|length }} {{ salute }}"
        "{% endblock %}"
    )
    monkeypatch.setattr(whole, "_letter_template", lambda *args: source)
    expected = whole.render(letter)
    assert shared.render(letter, letter.kind) == expected
    assert shared._cache and all(v is None for v in shared._cache.values())


def test_holes_refuse_what_they_cannot_answer() -> None:
    book = shared._Book()
    hole = shared._Hole("Montag, 16. März (14:00 Uhr)", book)
    assert hole.endswith(")") and bool(hole)
    assert str(hole[:-1]) != "Montag, 16. März (14:00 Uhr"  # a placeholder of its own
    for use in (len, hash, lambda h: h.upper(), lambda h: h.split(), lambda h: h[0]):
        with pytest.raises(shared.NotSplit):
            use(hole)
    assert [q for _, q, _, _ in book.asked] == ["endswith", "__bool__"]


def test_a_skeleton_serves_only_facts_with_the_same_answers() -> None:
    """`c.at` asks whether the time ends in ')' (the sender's clock in brackets): a time
    that answers otherwise gets a skeleton of its own, and both letters are right."""
    letter = next(
        v
        for _, v in VARIANTS
        if v.intent == "position_filled" and v.kind is MessageKind.email and v.place
    )
    plain = dataclasses.replace(letter, when="Montag, 16. März 2026 um 14:00 Uhr")
    bracketed = dataclasses.replace(letter, when="Montag, 16. März 2026 um 8:00 Uhr (14:00 MEZ)")
    other = dataclasses.replace(
        plain, recipient=dataclasses.replace(plain.recipient, name="Åsa Öberg")
    )
    for one in (plain, bracketed, other, bracketed, plain):
        assert shared.render(one, one.kind) == whole.render(one)
    kept = [v for v in shared._cache.values() if v]
    assert len(kept) == 1 and len(kept[0]) == 2  # one shape; two answers to ')'
