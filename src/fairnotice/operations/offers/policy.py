"""An organisation's booking policy: the shortest notice a pick may have, and how often
one interview may be moved before an offer of new times is refused.

The numbers live on the workspace (`pick_notice_minutes`, `max_reschedules`); the pick
(operations/offers/commands.py) and the offer of new times read them in their own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairnotice.errors import BadInput, NotFound, Phrase
from fairnotice.store.tables import Workspace

NOTICE_MAX = 7 * 24 * 60  # a week, in minutes
RESCHEDULES_MAX = 20


@dataclass(frozen=True)
class Policy:
    notice_minutes: int
    max_reschedules: int

    @property
    def notice(self) -> timedelta:
        return timedelta(minutes=self.notice_minutes)


def read_policy(session: Session, *, workspace_id: int) -> Policy:
    """The workspace's policy; NotFound for a workspace that does not exist."""
    row = session.execute(
        select(Workspace.pick_notice_minutes, Workspace.max_reschedules).where(
            Workspace.id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFound("workspace")
    return Policy(notice_minutes=int(row[0]), max_reschedules=int(row[1]))


def _whole(field: str, value: object, top: int) -> int:
    """A whole number in 0..top, or BadInput naming the field."""
    if isinstance(value, bool) or value is None:
        number = None
    elif isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        number = int(text) if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()) else None
    if number is None or not 0 <= number <= top:
        raise BadInput([(field, Phrase("must be a whole number from 0 to %(max)s", max=top))])
    return number


def set_policy(
    session: Session,
    *,
    workspace_id: int,
    notice_minutes: object = None,
    max_reschedules: object = None,
) -> Policy:
    """Change either number (None leaves it); both are checked before either is stored,
    and every bad field is named."""
    problems: list[tuple[str, str]] = []
    values: dict[str, int] = {}
    for field, value, top in (
        ("pick_notice_minutes", notice_minutes, NOTICE_MAX),
        ("max_reschedules", max_reschedules, RESCHEDULES_MAX),
    ):
        if value is None:
            continue
        try:
            values[field] = _whole(field, value, top)
        except BadInput as bad:
            problems.extend(bad.problems)
    if problems:
        raise BadInput(problems)
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound("workspace")
    for field, number in values.items():
        setattr(workspace, field, number)
    session.flush()
    return Policy(workspace.pick_notice_minutes, workspace.max_reschedules)
