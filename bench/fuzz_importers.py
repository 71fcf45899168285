"""Fuzz the invitation, calendar and reply importers: 100,000 inputs, every unexpected
exception counted (an importer may only answer or raise its bad-input error).

    .venv/bin/python bench/fuzz_importers.py [inputs] [target ...]
    # default 100000 inputs split over the three targets (calendar, invitation, reply)

The strategies and targets are tests/fuzzing.py (hypothesis; why not atheris: there).
Unlike the test (tests/test_fuzz_importers.py), nothing stops at the first failure: each
exception is recorded by type and place, with the smallest input seen, and the run goes on.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import fuzzing


def run(name: str, count: int) -> tuple[int, Counter[str], dict[str, bytes]]:
    target, inputs = fuzzing.TARGETS[name]
    found: Counter[str] = Counter()
    smallest: dict[str, bytes] = {}
    done = 0

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # no shrinking: keep going, keep the smallest seen
        suppress_health_check=list(HealthCheck),
    )
    @given(data=inputs())
    def check(data: bytes) -> None:
        nonlocal done
        done += 1
        if not done % 5000:
            print(f"  {name}: {done} inputs, {sum(found.values())} unexpected", flush=True)
        try:
            target(data)
        except Exception as exc:
            last = traceback.extract_tb(exc.__traceback__)[-1]
            key = f"{type(exc).__name__} at {Path(last.filename).name}:{last.lineno}: {exc!s:.100}"
            found[key] += 1
            if key not in smallest or len(data) < len(smallest[key]):
                smallest[key] = data

    check()
    return done, found, smallest


def main() -> int:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    names = sys.argv[2:] or sorted(fuzzing.TARGETS)
    inputs = errors = 0
    for index, name in enumerate(names):
        share = total // len(names) + (1 if index < total % len(names) else 0)
        began = time.process_time()
        done, found, smallest = run(name, share)
        took = time.process_time() - began
        inputs += done
        errors += sum(found.values())
        unexpected = sum(found.values())
        print(f"{name:11} {done:7} inputs  {took:7.1f} s CPU  unexpected exceptions: {unexpected}")
        for key, times in found.most_common():
            print(f"    {times:6} x {key}")
            print(f"             smallest input: {smallest[key][:200]!r}")
    print(f"total       {inputs:7} inputs  unexpected exceptions: {errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
