"""The letters as the planner uses them: every example situation, in several variations,
plans without error and yields messages that read as finished letters (M1, M2, M7)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fairnotice.model import Interview, Language, MessageKind, Plan, Situation
from fairnotice.rules.planner import plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))
SIGNOFFS = {
    Language.de: ("Mit freundlichen Grüßen", "Viele Grüße"),
    Language.sv: ("Med vänliga hälsningar", "Vänliga hälsningar"),
    Language.en: ("Kind regards,", "Best regards,", "Best wishes,"),
}
# Letters about an interview that is not changing: a thank-you names its date, a declined
# offer only the position (M1 asks the place of the interview a message changes).
NO_PLACE = frozenset({"thank_you", "decline_offer"})


def test_there_are_examples_for_every_language() -> None:
    languages = {json.loads(p.read_text(encoding="utf-8")).get("language") for p in EXAMPLE_FILES}
    assert {"de", "sv", "en"} <= languages


def variations(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The example as written, informal, by phone, by video, at short notice and missed."""
    start = datetime.fromisoformat(data["interview"]["start"])
    out = [("as-is", data)]

    def vary(name: str, **changes: Any) -> None:
        changed = copy.deepcopy(data)
        for dotted, value in changes.items():
            *path, last = dotted.split("__")
            target = changed
            for key in path:
                target = target.setdefault(key, {})
            target[last] = value
        out.append((name, changed))

    vary("informal", options__tone="informal")
    vary("by-phone", history__channel="phone")
    vary("video", interview__video_url="https://meet.example.com/abc-defg-hij")
    vary("short-notice", now=(start - timedelta(hours=5)).isoformat())
    vary("missed", now=(start + timedelta(hours=2)).isoformat())
    vary("round-3", interview__round=3)
    return out


CASES = [
    (path.stem, name, varied)
    for path in EXAMPLE_FILES
    for name, varied in variations(json.loads(path.read_text(encoding="utf-8")))
]


@pytest.mark.parametrize(
    ("example", "variation", "data"), CASES, ids=[f"{e}-{v}" for e, v, _ in CASES]
)
def test_plan_messages_are_finished_letters(
    example: str, variation: str, data: dict[str, Any]
) -> None:
    situation = Situation.model_validate(data)
    result = plan(situation)
    assert result.messages, f"{example}/{variation}: no messages"
    check_messages(situation, result)


def interview_of(situation: Situation, recipient: str | None) -> Interview | None:
    """The interview a message is about: a listed candidate's own (None when they have
    none on record: then no letter may name one), else the situation's."""
    for candidate in situation.candidates:
        if candidate.name == recipient:
            return candidate.interview
    return situation.interview


def check_messages(situation: Situation, result: Plan) -> None:
    detail = situation.reason.detail
    for message in result.messages:
        text = (message.subject or "") + "\n" + message.body
        assert message.body.strip(), message.id
        for leftover in ("{{", "{%", "None", "Undefined"):
            assert leftover not in text, f"{message.id}: {leftover!r}"
        if detail:
            assert detail not in text, f"M2: private detail in {message.id}"
        if message.kind is MessageKind.interviewer_notice:
            assert message.subject and situation.counterpart.name in message.subject
            assert situation.me.name in message.body, message.id
        elif message.kind in (MessageKind.email, MessageKind.follow_up_email):
            assert message.subject
            interview = interview_of(situation, message.recipient)
            position = (interview or situation.interview).position
            assert position in message.body, f"M1 in {message.id}"
            place = interview.place if interview else None
            if place and situation.intent.value not in NO_PLACE:
                assert place in message.body, f"M1 place in {message.id}"
            if interview is None:
                start = situation.interview.start.astimezone(situation.interview.start.tzinfo)
                assert f"{start:%H:%M}" not in message.body, f"names no interview: {message.id}"
            assert any(s in message.body for s in SIGNOFFS[message.language]), message.id
        else:
            assert message.subject is None
            assert situation.me.name in message.body, f"who is calling: {message.id}"
