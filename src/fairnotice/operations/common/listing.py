"""Paged, searchable lists of the stored objects: one query for the page, one COUNT.

Every list a face shows (REST endpoints and pages) is built here, so the API and the pages
filter and order the same way. Paging is by `offset`/`limit` over a stable order (the
order's column and then the id, so equal values never swap between pages). Lists read only
the columns they show: a calendar's source or a plan's JSON is never loaded for a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from fairnotice.store.tables import (
    BusyCalendar,
    Candidate,
    Interview,
    InterviewEvent,
    Offer,
    OutboxMessage,
    Position,
)

T = TypeVar("T")
AnySelect = Select[*tuple[Any, ...]]
S = TypeVar("S", bound=AnySelect)
Due = Literal["upcoming", "past"]
# Outbox states still waiting for something: listed by due time, the next due first.
WAITING = ("draft", "pending", "sending", "failed")
CHOICES = 20  # how many matches a chooser lists (a search narrows it further)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, the total the filters match, where it starts."""

    rows: list[T]
    total: int
    offset: int
    limit: int

    @property
    def number(self) -> int:
        """1 for the first page."""
        return self.offset // self.limit + 1

    @property
    def count(self) -> int:
        """How many pages the total fills (at least 1, an empty list is one empty page)."""
        return max(1, -(-self.total // self.limit))

    @property
    def last_offset(self) -> int:
        return (self.count - 1) * self.limit

    @property
    def next_offset(self) -> int | None:
        after = self.offset + self.limit
        return after if after < self.total else None

    @property
    def prev_offset(self) -> int | None:
        if self.offset <= 0:
            return None
        return max(0, min(self.offset - self.limit, self.last_offset))


def fetch(session: Session, query: AnySelect, *, offset: int, limit: int) -> Page[Any]:
    """The page of `query` (ordered already) and the total it matches, by COUNT.

    A first page that is not full is its own total: no COUNT is run for it."""
    rows: list[Any]
    if len(query.column_descriptions) == 1:  # one entity (or one column): its values
        rows = list(session.scalars(query.offset(offset).limit(limit)))
    else:
        rows = list(session.execute(query.offset(offset).limit(limit)).all())
    if (offset == 0 or rows) and len(rows) < limit:
        total = offset + len(rows)
    else:
        # the same FROM and WHERE, counting: an index covers it, no row is read whole
        counted = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
        total = int(session.scalar(counted) or 0)
    return Page(rows=rows, total=total, offset=offset, limit=limit)


def _text(text: str | None, *columns: Any) -> ColumnElement[bool] | None:
    """Case-insensitive 'contains' over the columns (% and _ taken literally)."""
    words = (text or "").split()
    if not words:
        return None
    return and_(*(or_(*(c.icontains(w, autoescape=True) for c in columns)) for w in words[:8]))


def _where(query: S, *conditions: ColumnElement[bool] | None) -> S:
    kept = [c for c in conditions if c is not None]
    return query.where(*kept) if kept else query


# --- the lists ---------------------------------------------------------------------


def candidates(
    *,
    workspace_id: int,
    position_id: int | None = None,
    text: str | None = None,
    state: str | None = None,
    language: str | None = None,
    unplaced: bool = False,
    by_name: bool = False,
) -> Select[Candidate]:
    """A workspace's (or one position's, or those of none) candidates, oldest first or
    by name; `text` matches name or email."""
    query = select(Candidate).where(Candidate.workspace_id == workspace_id)
    return _where(
        query,
        Candidate.position_id == position_id if position_id is not None else None,
        Candidate.position_id.is_(None) if unplaced else None,
        _text(text, Candidate.name, Candidate.email),
        Candidate.status == state if state else None,
        Candidate.language == language if language else None,
    ).order_by(*((Candidate.name, Candidate.id) if by_name else (Candidate.id,)))


def positions(
    *, workspace_id: int, text: str | None = None, state: str | None = None
) -> Select[Position]:
    query = select(Position).where(Position.workspace_id == workspace_id)
    return _where(
        query,
        _text(text, Position.title, Position.company),
        Position.status == state if state else None,
    ).order_by(Position.id)


def interviews(
    *,
    workspace_id: int,
    position_id: int | None = None,
    text: str | None = None,
    state: str | None = None,
    due: str | None = None,
    now: datetime | None = None,
) -> Select[Interview]:
    """Interviews by start: the next first when `due` is upcoming (not ended by `now`),
    the latest first when past, else the earliest first. `text` matches the position,
    the company or the candidate's name or email."""
    query = select(Interview).where(Interview.workspace_id == workspace_id)
    if text and text.split():
        named = select(Candidate.id).where(
            Candidate.workspace_id == workspace_id,
            _text(text, Candidate.name, Candidate.email),  # type: ignore[arg-type]
        )
        query = query.where(
            or_(
                _text(text, Interview.position, Interview.company),  # type: ignore[arg-type]
                Interview.candidate_id.in_(named),
            )
        )
    query = _where(
        query,
        Interview.position_id == position_id if position_id is not None else None,
        Interview.status == state if state else None,
    )
    if due == "upcoming" and now is not None:
        return query.where(Interview.end >= now).order_by(Interview.start, Interview.id)
    if due == "past" and now is not None:
        return query.where(Interview.end < now).order_by(
            Interview.start.desc(), Interview.id.desc()
        )
    return query.order_by(Interview.start, Interview.id)


def offers(
    *, workspace_id: int, interview_id: int | None = None, state: str | None = None
) -> Select[Offer]:
    query = select(Offer).where(Offer.workspace_id == workspace_id)
    return _where(
        query,
        Offer.interview_id == interview_id if interview_id is not None else None,
        Offer.state == state if state else None,
    ).order_by(Offer.id)


def events(*, workspace_id: int, interview_id: int) -> Select[InterviewEvent]:
    """An interview's audit trail, oldest first."""
    return (
        select(InterviewEvent)
        .where(
            InterviewEvent.workspace_id == workspace_id,
            InterviewEvent.interview_id == interview_id,
        )
        .order_by(InterviewEvent.at, InterviewEvent.id)
    )


def outbox(
    *,
    workspace_id: int,
    state: str | None = None,
    text: str | None = None,
    order: str | None = None,
) -> Select[OutboxMessage]:
    """Outbox messages: by default the newest first, and the next due first where only
    waiting ones are asked for (pending, draft, failed), so nothing waiting is out of
    reach. `text` matches the recipient or the subject."""
    query = select(OutboxMessage).where(OutboxMessage.workspace_id == workspace_id)
    query = _where(
        query,
        OutboxMessage.state == state if state else None,
        _text(text, OutboxMessage.recipient, OutboxMessage.subject),
    )
    chosen = order or ("due" if state in WAITING else "newest")
    if chosen == "due":
        return query.order_by(OutboxMessage.due, OutboxMessage.id)
    return query.order_by(OutboxMessage.due.desc(), OutboxMessage.id.desc())


def calendars(*, workspace_id: int) -> AnySelect:
    """What a list of stored calendars shows: never their source or busy periods."""
    return (
        select(BusyCalendar.id, BusyCalendar.owner_email, BusyCalendar.state, BusyCalendar.error)
        .where(BusyCalendar.workspace_id == workspace_id)
        .order_by(BusyCalendar.id)
    )


# --- choosers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """A chooser's matches (id, name, email), at most CHOICES, and whether more match."""

    rows: list[Any]
    more: bool


def choose_candidate(
    session: Session,
    *,
    workspace_id: int,
    position_id: int,
    text: str | None,
    selected: int | None = None,
    active_only: bool = False,
) -> Choices:
    """The position's candidates matching `text`, by name, at most CHOICES; the one
    `selected` stays listed (first) whatever the search, so a kept choice is not lost."""
    query = select(Candidate.id, Candidate.name, Candidate.email).where(
        Candidate.workspace_id == workspace_id, Candidate.position_id == position_id
    )
    if active_only:
        query = query.where(Candidate.status == "active")
    query = _where(query, _text(text, Candidate.name, Candidate.email))
    rows = list(
        session.execute(query.order_by(Candidate.name, Candidate.id).limit(CHOICES + 1)).all()
    )
    more = len(rows) > CHOICES
    rows = rows[:CHOICES]
    if selected is not None and all(r.id != selected for r in rows):
        kept = session.execute(
            select(Candidate.id, Candidate.name, Candidate.email).where(
                Candidate.workspace_id == workspace_id,
                Candidate.position_id == position_id,
                Candidate.id == selected,
            )
        ).first()
        if kept is not None:
            rows = [kept, *rows]
    return Choices(rows=rows, more=more)
