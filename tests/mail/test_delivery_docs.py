"""The README documents every delivery setting and command (fails when the docs lag)."""

from __future__ import annotations

from pathlib import Path

from fairnotice.settings import variables

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_smtp_delivery_and_imap_variable_is_in_the_readme() -> None:
    """(tests/test_settings.py checks every setting against README's table, row by row.)"""
    groups = ("FAIRNOTICE_SMTP_", "FAIRNOTICE_DELIVERY_", "FAIRNOTICE_IMAP_")
    names = [name for name, _ in variables() if name.startswith(groups)]
    assert len(names) >= 20
    missing = [
        n for n in names if n not in README and n.replace("FAIRNOTICE_DELIVERY", "") not in README
    ]
    assert missing == []


def test_every_delivery_command_is_in_the_readme() -> None:
    for command in (
        "fairnotice send",
        "fairnotice outbox",
        "fairnotice worker",
        "fairnotice reply",
    ):
        assert command in README, command
    for option in ("--now", "--once", "--json", "--eml", "--mark-sent"):
        assert option in README, option
