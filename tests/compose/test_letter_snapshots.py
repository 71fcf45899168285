"""Every letter variant, rendered and compared with a readable snapshot under snapshots/.

A reviewer reads the letters in the repository; a change to a template shows up as a diff
of plain text. Regenerate after a deliberate change with::

    FAIRNOTICE_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/compose/test_letter_snapshots.py

Without the variable a missing, stale or differing snapshot fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fairnotice.compose.render import Letter, render
from tests.compose.letter_cases import snapshot_variants

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("FAIRNOTICE_UPDATE_SNAPSHOTS") == "1"
VARIANTS = dict(snapshot_variants())


def snapshot_text(letter: Letter) -> str:
    """What a reader sees: the subject line (emails), a blank line, the body."""
    subject, body = render(letter)
    head = f"Subject: {subject}\n\n" if subject is not None else ""
    return head + body


def test_variant_names_are_unique() -> None:
    names = [name for name, _ in snapshot_variants()]
    assert len(names) == len(set(names))
    assert len(names) == len(VARIANTS) > 0


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_snapshot(name: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    actual = snapshot_text(VARIANTS[name])
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != actual:
            path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(
            f"no snapshot {path.relative_to(SNAPSHOTS)}; run with FAIRNOTICE_UPDATE_SNAPSHOTS=1"
        )
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its snapshot"


def test_no_stale_snapshots() -> None:
    """A snapshot without a variant is a letter nobody checks any more."""
    on_disk = {
        p.relative_to(SNAPSHOTS).with_suffix("").as_posix() for p in SNAPSHOTS.rglob("*.txt")
    }
    stale = sorted(on_disk - set(VARIANTS))
    if UPDATE:
        for name in stale:
            (SNAPSHOTS / f"{name}.txt").unlink()
        return
    assert not stale, f"snapshots without a variant: {stale[:5]}"
