"""Cold-process start-up of the CLI against `python -c pass`, measured in the same run.

    .venv/bin/python bench/startup.py [--runs 15]

Runs are interleaved (baseline, help, plan, baseline, ...) so machine noise hits all three
alike; the figures are medians. Goals (issue 2): `--help` within 10x of the baseline,
`plan --json` within 25x.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "candidate-reschedule-de.json"
FAIRNOTICE = Path(sys.executable).with_name("fairnotice")

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "fairnotice --help": [str(FAIRNOTICE), "--help"],
    "fairnotice plan --json": [str(FAIRNOTICE), "plan", str(EXAMPLE), "--json"],
}
GOALS = {"fairnotice --help": 10.0, "fairnotice plan --json": 25.0}


def once(argv: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    for argv in COMMANDS.values():  # warm the file cache once
        once(argv)
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, argv in COMMANDS.items():
            samples[name].append(once(argv))
    base = statistics.median(samples["python -c pass"])
    print(f"{'command':<26}{'median ms':>10}{'ratio':>8}{'goal':>8}")
    ok = True
    for name, values in samples.items():
        median = statistics.median(values)
        ratio = median / base
        goal = GOALS.get(name)
        ok &= goal is None or ratio <= goal
        print(f"{name:<26}{median * 1000:>10.1f}{ratio:>7.1f}x{(f'{goal:g}x' if goal else ''):>8}")
    print("all goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
