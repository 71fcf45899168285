"""Timing invariants over every example and its variations (issue 12, point 10): the plan's
primary channel is its first step's; no call falls outside the recipient's working hours;
no no-reply call is due within three hours of its email."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from fairnotice.model import Action, Condition, Situation, zone
from fairnotice.rules.planner import plan
from tests.compose.test_letters_in_plans import CASES


@pytest.mark.parametrize(
    ("example", "variation", "data"), CASES, ids=[f"{e}-{v}" for e, v, _ in CASES]
)
def test_steps_keep_the_timing_rules(example: str, variation: str, data: dict[str, Any]) -> None:
    situation = Situation.model_validate(data)
    result = plan(situation)
    first = result.steps[0]
    assert result.channel.primary == ("phone" if first.action is Action.call else "email")
    zones = {c.name: c.timezone for c in situation.candidates if c.timezone}
    for step in result.steps:
        if step.action is not Action.call or step.to is None:
            continue
        tz = zone(zones.get(step.to.name) or situation.counterpart.timezone)
        if situation.candidates and step.to.name in {c.name for c in situation.candidates}:
            own = next(c for c in situation.candidates if c.name == step.to.name)
            tz = zone(own.timezone or (own.interview or situation.interview).timezone)
        local = step.due.astimezone(tz)
        assert local.isoweekday() <= 5 and time(9) <= local.time() < time(17), (step, local)
        if step.condition is Condition.no_reply:
            sent = max(
                s.due
                for s in result.steps
                if s.action is Action.send
                and s.condition is None
                and s.to
                and s.to.name == step.to.name
            )
            assert step.due - sent >= timedelta(hours=3), (step.due, sent)
