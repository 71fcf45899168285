"""Every email's closing stands apart from the paragraph before it, as letters are laid out.

The closings are the ones the letters' `signoff` macros write (de, sv, en-GB, en-US); a
template whose last paragraph ends in a block tag can swallow the blank line before them
(the candidate's follow-up once did, in all three languages).
"""

from __future__ import annotations

from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "snapshots"
CLOSINGS = {
    "Mit freundlichen Grüßen",
    "Viele Grüße",
    "Med vänliga hälsningar",
    "Vänliga hälsningar",
    "Kind regards,",
    "Best regards,",
    "Best wishes,",
}
EMAILS = sorted(p for p in SNAPSHOTS.glob("*/*.txt") if "_email" in p.name)


def test_there_are_emails_to_check() -> None:
    assert len(EMAILS) > 100
    assert all(any(line in CLOSINGS for line in p.read_text().splitlines()) for p in EMAILS[:20])


@pytest.mark.parametrize("path", EMAILS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_closing_follows_a_blank_line(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    glued = [
        f"{lines[i - 1]!r} / {line!r}"
        for i, line in enumerate(lines)
        if line in CLOSINGS and i > 0 and lines[i - 1].strip()
    ]
    assert not glued, glued
