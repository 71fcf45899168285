"""The importers on a few thousand fuzzed inputs each: an answer or their bad-input error,
never another exception (bench/fuzz_importers.py runs 100,000)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests import fuzzing

EXAMPLES = 1500


@pytest.mark.parametrize("name", sorted(fuzzing.TARGETS))
def test_an_importer_answers_or_refuses_every_fuzzed_input(name: str) -> None:
    target, inputs = fuzzing.TARGETS[name]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=inputs())
    def check(data: bytes) -> None:
        target(data)

    check()
