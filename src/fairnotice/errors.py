"""The exceptions fairnotice raises, one hierarchy for every face.

FairnoticeError
└── BadInput          the caller's input is wrong; `field` names where (CLI exit 2, HTTP 422)
"""

from __future__ import annotations

from collections.abc import Iterable


class FairnoticeError(Exception):
    """Base of every error fairnotice raises on purpose."""


class BadInput(FairnoticeError):
    """Input that cannot be used, with the field (dotted path) and what is wrong with it."""

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{field}: {what}" for field, what in self.problems))

    @property
    def field(self) -> str:
        return self.problems[0][0] if self.problems else ""


class NotFound(FairnoticeError):
    """The object does not exist, or exists in a workspace the caller cannot see."""


class Conflict(FairnoticeError):
    """The request was valid but lost to the object's current state (already picked, expired)."""
