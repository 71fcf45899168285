"""The December 2026 additions of CONTRACT.md as issue 12 uses them: bad input names the
field; new intents belong to their role; the plan reports its address."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from fairnotice.model import Plan, dump
from tests.compose.native.world import data, plan_of, situation


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"options": {"locale": "fr-FR"}}, "locale"),
        ({"options": {"address": "casual"}}, "address"),
        ({"counterpart": {"title": "Dr.<script>"}}, "title"),
        ({"reason": {"category": "other", "public": "one line\nand another"}}, "public"),
        ({"role": "employer", "intent": "thank_you"}, "intent"),
        ({"intent": "reject"}, "intent"),
        ({"options": {"proposals": {"earliest": "2026-03-20T09:00:00"}}}, "earliest"),
        ({"interviewers": [{"name": "Petra Berg", "email": "not-an-address"}]}, "email"),
    ],
)
def test_bad_additions_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        situation("de", **changes)
    assert field in str(caught.value)


def test_the_plan_json_carries_address_why_and_label() -> None:
    p = plan_of("en", counterpart={"timezone": "America/New_York"})
    out = dump(p)
    assert out["address"] == {"form": "formal", "source": "default", "mirrored": []}
    assert all(s["why"] and s["label"] for s in out["proposed_slots"])
    assert Plan.model_validate(json.loads(json.dumps(out))) == p


def test_a_public_reason_is_written_as_given_and_the_private_detail_never_shows() -> None:
    p = plan_of(
        "de",
        role="employer",
        intent="cancel",
        reason={
            "category": "other",
            "public": "Unser Auswahlteam ist an diesem Tag auf einer Fortbildung.",
            "detail": "PRIVATE",
        },
    )
    assert all("PRIVATE" not in m.body for m in p.messages)
    body = p.messages[0].body
    assert (
        "absagen. Unser Auswahlteam ist an diesem Tag auf einer Fortbildung. Bitte entschuldigen"
        in body
    )
    assert data("de")["intent"] == "reschedule"  # the base is left untouched
