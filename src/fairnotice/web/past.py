"""Times in the past on the pages' forms: a warning to confirm where a past time can be
right (putting on record an interview that already happened, correcting a record), a
refusal where it never can (booking people for a new time that is already gone).

Only the pages ask: the REST API takes what it is given (a client may be importing
history), as before."""

from __future__ import annotations

from datetime import datetime

from fairnotice.errors import N_, BadInput

CONFIRM_FIELD = "confirm_past"
WARNING = N_("is in the past: check it, or tick the box below to keep it as it is")
REFUSED = N_("is in the past: nobody can be invited to a time already gone")  # a booking


class PastDate(BadInput):
    """A time in the past the user may still confirm: the form shows the box to tick."""


def check(start: datetime, now: datetime, *, confirmed: bool, field: str = "date") -> None:
    """PastDate unless `start` is still ahead or the user confirmed it."""
    if start < now and not confirmed:
        raise PastDate([(field, WARNING)])


def refuse(start: datetime, now: datetime, *, field: str = "date") -> None:
    """BadInput when `start` has passed: a booking moves people to a time ahead only."""
    if start < now:
        raise BadInput([(field, REFUSED)])


def confirmed(form: dict[str, str]) -> bool:
    return form.get(CONFIRM_FIELD) == "1"
